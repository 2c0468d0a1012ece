"""Socket.IO transport of the forums: the `thread:<id>` room and its chat events.

Handlers parse (pydantic, sizes capped by the realtime core), call one service
function and acknowledge; broadcasts of stored changes come from the service
after commit. Typing notices and presence are not stored: they go straight to
the room.
"""

from __future__ import annotations

import uuid
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.ext.asyncio import AsyncSession

from cosmostream.account.people import people, person
from cosmostream.account.schemas import Actor, require_signed_in
from cosmostream.chat import events as chat_events
from cosmostream.chat.handlers import delete_handler, send_handler
from cosmostream.chat.schemas import DeleteChatMessage, SendChatMessage
from cosmostream.errors import PermissionDenied
from cosmostream.forum import events
from cosmostream.forum.errors import ThreadNotFound
from cosmostream.forum.service import forum_service
from cosmostream.kit.ids import require_uuid
from cosmostream.models import ChatMessage
from cosmostream.realtime import PresenceChange, Realtime, SocketEvent, register_room


class _Payload(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SendChat(SendChatMessage):
    thread_id: uuid.UUID = Field(alias="threadId")


class Typing(_Payload):
    thread_id: uuid.UUID = Field(alias="threadId")


async def authorize_thread_room(session: AsyncSession, actor: Actor | None, ident: str) -> None:
    """Forums are public: anyone may follow a live thread; writing needs an account."""
    await forum_service.thread(session, require_uuid(ident, ThreadNotFound))


def install(rt: Realtime) -> None:
    """Register the thread room and the forum's socket events on `rt`."""

    async def welcome(session: AsyncSession, actor: Actor | None, ident: str) -> dict[str, Any]:
        """What a member needs on joining: the latest chat and who is here."""
        history = await forum_service.chat_history(session, require_uuid(ident, ThreadNotFound))
        here = [uuid.UUID(u) for u in await rt.presence.users(events.thread_room(ident))]
        # Authors and people present in one query.
        found = await people(session, [*(m.author_id for m in history), *here])
        return {
            "history": [
                chat_events.message_payload(events.THREAD_CHAT, m, found.get(m.author_id))
                for m in history
            ],
            "present": [person(found[i]) for i in here if i in found],
        }

    async def on_presence(rt: Realtime, ident: str, changes: list[PresenceChange]) -> None:
        """Tell the room who arrived (with names) and who left."""
        arrived = [uuid.UUID(c.user_id) for c in changes if c.present]
        async with rt.db.read() as session:
            found = await people(session, arrived)
        await rt.emit(
            events.PRESENCE,
            {
                "threadId": ident,
                "joined": [person(found[i]) for i in arrived if i in found],
                "left": [c.user_id for c in changes if not c.present],
            },
            room=events.thread_room(ident),
        )

    register_room(
        events.THREAD_CHAT.kind, authorize_thread_room, welcome=welcome, on_presence=on_presence
    )

    async def typing(
        session: AsyncSession, actor: Actor | None, event: SocketEvent[Typing]
    ) -> dict[str, Any]:
        sid, payload = event.sid, event.payload
        actor = require_signed_in(actor)
        room = events.thread_room(payload.thread_id)
        if room not in rt.sio.rooms(sid):
            raise PermissionDenied("Join the thread first.")
        await rt.emit(
            events.TYPING,
            {"threadId": str(payload.thread_id), "user": person(actor.user)},
            room=room,
            skip_sid=sid,
        )
        return {}

    async def post_chat(session: AsyncSession, actor: Actor | None, p: SendChat) -> ChatMessage:
        return await forum_service.post_chat_message(session, actor, p.thread_id, p.body)

    chat = events.THREAD_CHAT
    rt.on(chat.send_event, SendChat, send_handler(chat, post_chat))
    rt.on(chat.delete_event, DeleteChatMessage, delete_handler(forum_service.delete_chat_message))
    rt.on("forum.typing", Typing, typing, writes=False)
