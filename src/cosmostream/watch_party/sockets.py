"""Socket.IO transport of watch parties: the `watch:<id>` room and its events.

Playback changes, chat and membership go through the service (stored, then
broadcast after commit). Presence and buffering live in the realtime presence
store; after members come and go, a debounced reconcile hands control on or
ends the party, once the grace period has let a reloading page come back.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.ext.asyncio import AsyncSession

from cosmostream.account.schemas import Actor, require_signed_in
from cosmostream.chat.handlers import delete_handler, send_handler
from cosmostream.chat.schemas import DeleteChatMessage, SendChatMessage
from cosmostream.errors import PermissionDenied
from cosmostream.kit.ids import require_uuid
from cosmostream.models import ChatMessage
from cosmostream.realtime import PresenceChange, Realtime, SocketEvent, register_room
from cosmostream.watch_party import events
from cosmostream.watch_party.errors import WatchPartyNotFound
from cosmostream.watch_party.schemas import Action
from cosmostream.watch_party.service import watch_party_service


class _Payload(BaseModel):
    model_config = ConfigDict(extra="forbid")


class _PartyPayload(_Payload):
    party_id: uuid.UUID = Field(alias="partyId")


class Clock(_Payload):
    t: float


class Control(_PartyPayload):
    action: Action
    position: float | None = None
    rate: float | None = None


class Buffering(_PartyPayload):
    buffering: bool


class SendChat(SendChatMessage):
    party_id: uuid.UUID = Field(alias="partyId")


class MemberAction(_PartyPayload):
    user_id: uuid.UUID = Field(alias="userId")


class Mode(_PartyPayload):
    everyone_controls: bool = Field(alias="everyoneControls")


def server_time() -> int:
    return int(time.time() * 1000)


def install(rt: Realtime) -> None:
    """Register the watch room and the watch-party socket events on `rt`."""
    pending: dict[str, asyncio.Task[None]] = {}

    async def authorize(session: AsyncSession, actor: Actor | None, ident: str) -> None:
        await watch_party_service.authorize_room(
            session, actor, require_uuid(ident, WatchPartyNotFound)
        )

    async def welcome(session: AsyncSession, actor: Actor | None, ident: str) -> dict[str, Any]:
        """Everything a (re)joining member needs to catch up: the current state above all."""
        # `authorize` has just checked the membership.
        party = await watch_party_service.find(session, require_uuid(ident, WatchPartyNotFound))
        here = await rt.presence.users(events.party_room(ident))
        members = await watch_party_service.members(session, party)
        for member in members:
            member["present"] = member["id"] in here
            member["buffering"] = here.get(str(member["id"]), False)
        return {
            "party": events.party_payload(party),
            "state": events.state_payload(party),
            "serverTime": server_time(),
            "members": members,
            "history": await watch_party_service.history(session, party),
        }

    async def reconcile(ident: str, leaving: str | None = None) -> None:
        users = await rt.presence.users(events.party_room(ident))
        present = [uuid.UUID(u) for u in users if u != leaving]
        async with rt.db.unit_of_work() as session:
            await watch_party_service.reconcile(
                session, require_uuid(ident, WatchPartyNotFound), present
            )

    def reconcile_later(ident: str, delay: float) -> None:
        """Debounced: a burst of arrivals and departures costs one reconcile."""
        previous = pending.pop(ident, None)
        if previous is not None:
            previous.cancel()

        async def run() -> None:
            await asyncio.sleep(delay)
            await reconcile(ident)

        task = asyncio.ensure_future(run())
        pending[ident] = task
        task.add_done_callback(
            lambda t: pending.pop(ident, None) if pending.get(ident) is t else None
        )

    async def on_presence(rt: Realtime, ident: str, changes: list[PresenceChange]) -> None:
        await rt.emit(
            events.PRESENCE,
            {
                "partyId": ident,
                "changes": [
                    {"id": c.user_id, "present": c.present, "buffering": c.buffering}
                    for c in changes
                ],
            },
            room=events.party_room(ident),
        )
        if any(not c.present for c in changes):
            # Someone left: once the grace period has passed, hand control on
            # or end the party if they have not come back.
            reconcile_later(ident, rt.settings.presence_grace_seconds)

    register_room(events.PARTY_CHAT.kind, authorize, welcome=welcome, on_presence=on_presence)

    def in_room(sid: str, party_id: uuid.UUID) -> str:
        room = events.party_room(party_id)
        if room not in rt.sio.rooms(sid):
            raise PermissionDenied("Join the party first.")
        return room

    async def clock(
        session: AsyncSession, actor: Actor | None, event: SocketEvent[Clock]
    ) -> dict[str, Any]:
        payload = event.payload
        return {"t": payload.t, "serverTime": server_time()}

    async def control(
        session: AsyncSession, actor: Actor | None, event: SocketEvent[Control]
    ) -> dict[str, Any]:
        p = event.payload
        party = await watch_party_service.control(
            session, actor, p.party_id, p.action, p.position, p.rate
        )
        return {"state": events.state_payload(party)}

    async def buffering(
        session: AsyncSession, actor: Actor | None, event: SocketEvent[Buffering]
    ) -> dict[str, Any]:
        sid, p = event.sid, event.payload
        actor = require_signed_in(actor)
        room = in_room(sid, p.party_id)
        if await rt.presence.set_buffering(room, sid, p.buffering):
            rt.presence_changed(room, str(actor.id))
        return {}

    async def transfer(
        session: AsyncSession, actor: Actor | None, event: SocketEvent[MemberAction]
    ) -> dict[str, Any]:
        p = event.payload
        party = await watch_party_service.transfer_host(session, actor, p.party_id, p.user_id)
        return {"party": events.party_payload(party)}

    async def mode(
        session: AsyncSession, actor: Actor | None, event: SocketEvent[Mode]
    ) -> dict[str, Any]:
        p = event.payload
        party = await watch_party_service.set_everyone_controls(
            session, actor, p.party_id, p.everyone_controls
        )
        return {"party": events.party_payload(party)}

    async def remove(
        session: AsyncSession, actor: Actor | None, event: SocketEvent[MemberAction]
    ) -> dict[str, Any]:
        p = event.payload
        party = await watch_party_service.remove_member(session, actor, p.party_id, p.user_id)
        return {"party": events.party_payload(party)}

    async def leave(
        session: AsyncSession, actor: Actor | None, event: SocketEvent[_PartyPayload]
    ) -> dict[str, Any]:
        p = event.payload
        party = await watch_party_service.get(session, actor, p.party_id)
        assert actor is not None
        # Every tab of this member leaves; control passes on now, not after the grace.
        await rt.remove_from_room(str(actor.id), events.party_room(party.id))
        rt.after_event(reconcile(str(party.id), leaving=str(actor.id)))
        return {}

    rt.on("watch.clock", Clock, clock, writes=False)
    rt.on("watch.control", Control, control)
    rt.on("watch.buffering", Buffering, buffering, writes=False)

    async def post_chat(session: AsyncSession, actor: Actor | None, p: SendChat) -> ChatMessage:
        return await watch_party_service.post_message(session, actor, p.party_id, p.body)

    chat = events.PARTY_CHAT
    rt.on(chat.send_event, SendChat, send_handler(chat, post_chat))
    rt.on(chat.delete_event, DeleteChatMessage, delete_handler(watch_party_service.delete_message))
    rt.on("watch.transfer", MemberAction, transfer)
    rt.on("watch.mode", Mode, mode)
    rt.on("watch.remove", MemberAction, remove)
    rt.on("watch.leave", _PartyPayload, leave, writes=False)
