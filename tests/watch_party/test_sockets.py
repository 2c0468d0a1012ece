"""Watch parties over real sockets: membership, the server-authoritative state,
control rights, presence and buffering, chat, the host's powers, handover and end.
On SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pytest

from cosmostream.chat.service import chat_service
from cosmostream.config import Settings
from cosmostream.errors import NotAuthenticated
from cosmostream.kit.time import utcnow
from cosmostream.models import Role, User, Visibility, WatchParty
from cosmostream.realtime import MAX_EVENT_BYTES
from cosmostream.video.schemas import VideoUpdate
from cosmostream.video.service import video_service
from cosmostream.watch_party.events import PARTY_CHAT
from cosmostream.watch_party.repository import party_repository
from cosmostream.watch_party.schemas import live_position
from cosmostream.watch_party.service import watch_party_service
from tests.core.realtime_helpers import Served, SocketClient, Sockets, serve, signed_in
from tests.factories import actor, make_user, make_video

QUIET = 0.4
GRACE = 0.3


@pytest.fixture
async def server(settings: Settings) -> AsyncIterator[Served]:
    async with serve(settings.model_copy(update={"presence_grace_seconds": GRACE})) as served:
        yield served


@pytest.fixture
async def sockets() -> AsyncIterator[Sockets]:
    opened = Sockets()
    yield opened
    await opened.close_all()


@dataclass
class Party:
    served: Served
    sockets: Sockets
    party: WatchParty
    users: dict[str, User]
    tokens: dict[str, str]

    @property
    def id(self) -> str:
        return str(self.party.id)

    @property
    def room(self) -> str:
        return f"watch:{self.party.id}"

    async def open(self, who: str, *, join: bool = True) -> tuple[SocketClient, Any]:
        client = await self.sockets.open(self.served, token=self.tokens.get(who))
        ack = await client.join(self.room) if join else None
        return client, ack

    async def reload(self) -> WatchParty:
        async with self.served.db.read() as session:
            party = await party_repository.get(session, self.party.id)
        assert party is not None
        return party


@pytest.fixture
async def party(server: Served, sockets: Sockets) -> Party:
    users: dict[str, User] = {}
    tokens: dict[str, str] = {}
    for who in ("host", "guest", "third", "outsider"):
        users[who], tokens[who] = await signed_in(server.db, name=who.title())
    creator = await make_user(server.db, role=Role.CREATOR)
    video = await make_video(server.db, creator, duration=120.0)
    async with server.db.unit_of_work() as session:
        started = await watch_party_service.start(session, actor(users["host"]), video.id)
    for who in ("guest", "third"):
        async with server.db.unit_of_work() as session:
            await watch_party_service.join(
                session, actor(users[who]), started.id, started.invite_token
            )
    return Party(server, sockets, started, users, tokens)


def control(client: SocketClient, party: Party, action: str, **extra: Any) -> Any:
    return client.call("watch.control", {"partyId": party.id, "action": action, **extra})


async def test_join_carries_the_current_state_and_members(party: Party) -> None:
    host, ack = await party.open("host")
    assert ack["ok"], ack
    assert ack["party"]["hostId"] == str(party.users["host"].id)
    assert ack["state"] == {
        "playing": False,
        "position": 0.0,
        "rate": 1.0,
        "updatedAt": ack["state"]["updatedAt"],
        "seq": 0,
    }
    assert abs(ack["serverTime"] - time.time() * 1000) < 5000
    assert [(m["name"], m["host"], m["present"]) for m in ack["members"]] == [
        ("Host", True, True),
        ("Guest", False, False),
        ("Third", False, False),
    ]
    clock = await host.call("watch.clock", {"t": 123.5})
    assert clock["t"] == 123.5 and abs(clock["serverTime"] - time.time() * 1000) < 5000


async def test_host_controls_reach_everyone_and_late_joiners_catch_up(party: Party) -> None:
    host, _ = await party.open("host")
    guest, _ = await party.open("guest")
    ack = await control(host, party, "seek", position=42.0)
    assert ack["ok"] and ack["state"]["position"] == 42.0 and ack["state"]["seq"] == 1
    ack = await control(host, party, "play", position=42.0)
    assert ack["state"]["playing"] is True
    ack = await control(host, party, "rate", rate=1.5)
    assert ack["state"]["rate"] == 1.5
    states = await guest.wait_event("watch.state", count=3)
    assert [s["state"]["seq"] for s in states] == [1, 2, 3]
    assert states[0]["by"] == str(party.users["host"].id)
    await asyncio.sleep(0.3)
    # A member who joins now starts where the party is, not at the start.
    _third, joined = await party.open("third")
    state = joined["state"]
    live = state["position"] + (joined["serverTime"] - state["updatedAt"]) / 1000 * state["rate"]
    assert state["playing"] and state["rate"] == 1.5
    assert 42.2 < live < 44.0
    stored = await party.reload()
    assert abs(live_position(stored, utcnow()) - live) < 0.5


async def test_a_reconnecting_client_gets_the_state_it_missed(party: Party) -> None:
    host, _ = await party.open("host")
    guest, _ = await party.open("guest")
    await guest.close()
    await control(host, party, "seek", position=90.0)
    await control(host, party, "pause", position=91.0)
    _back, joined = await party.open("guest")
    assert joined["state"]["position"] == 91.0
    assert joined["state"]["playing"] is False
    assert joined["state"]["seq"] == 2


async def test_who_may_control_and_join(party: Party) -> None:
    guest, _ = await party.open("guest")
    refused = await control(guest, party, "pause", position=1.0)
    assert refused["error"]["code"] == "not_in_control"
    outsider, joined = await party.open("outsider")
    assert joined["error"]["code"] == "not_in_party"
    assert (await control(outsider, party, "play"))["error"]["code"] == "not_in_party"
    anon = await party.sockets.open(party.served)
    assert (await anon.join(party.room))["error"]["code"] == "not_authenticated"
    assert (await control(anon, party, "play"))["error"]["code"] == "not_authenticated"
    # The host lets everyone control.
    host, _ = await party.open("host")
    assert (await host.call("watch.mode", {"partyId": party.id, "everyoneControls": True}))["ok"]
    [changed] = await guest.wait_event("watch.party")
    assert changed["party"]["everyoneControls"] is True
    assert (await control(guest, party, "play", position=3.0))["ok"]
    assert (await party.reload()).seq == 1
    # Only the host changes the mode.
    refused = await guest.call("watch.mode", {"partyId": party.id, "everyoneControls": False})
    assert refused["error"]["code"] == "not_host"


async def test_bad_payloads_change_nothing(party: Party) -> None:
    host, _ = await party.open("host")
    bad = [
        None,
        {"partyId": party.id},
        {"partyId": party.id, "action": "rewind"},
        {"partyId": "nope", "action": "play"},
        {"partyId": party.id, "action": "seek", "position": "far"},
        {"partyId": party.id, "action": "play", "admin": True},
    ]
    for payload in bad:
        ack = await host.call("watch.control", payload)
        assert ack["error"]["code"] == "bad_payload", (payload, ack)
    for extra in ({"position": -5.0}, {"rate": 10.0}, {"rate": 0.0}):
        action = "rate" if "rate" in extra else "seek"
        ack = await control(host, party, action, **extra)
        assert ack["error"]["code"] == "validation_failed", (extra, ack)
    huge = await host.call("watch.chat.send", {"partyId": party.id, "body": "x" * MAX_EVENT_BYTES})
    assert huge["error"]["code"] == "payload_too_large"
    # Beyond the end is clamped to the duration.
    ack = await control(host, party, "seek", position=1e9)
    assert ack["state"]["position"] == 120.0
    assert (await party.reload()).seq == 1


async def test_chat_is_stored_then_broadcast_and_moderated(party: Party) -> None:
    host, _ = await party.open("host")
    guest, _ = await party.open("guest")
    ack = await guest.call("watch.chat.send", {"partyId": party.id, "body": "Launch!"})
    assert ack["ok"]
    for client in (host, guest):
        [message] = await client.wait_event("watch.chat.message")
        assert message["body"] == "Launch!" and message["author"]["name"] == "Guest"
    async with party.served.db.read() as session:
        [stored] = await chat_service.history(session, PARTY_CHAT, party.party.id, limit=10)
    assert str(stored.id) == ack["message"]["id"]
    outsider, _ = await party.open("outsider", join=False)
    refused = await outsider.call("watch.chat.send", {"partyId": party.id, "body": "hi"})
    assert refused["error"]["code"] == "not_in_party"
    # The host deletes a guest's message: gone for everyone.
    message_id = ack["message"]["id"]
    assert (await host.call("watch.chat.delete", {"messageId": message_id}))["ok"]
    [deleted] = await guest.wait_event("watch.chat.deleted")
    assert deleted == {"partyId": party.id, "id": message_id}
    _, rejoined = await party.open("third")
    assert rejoined["history"] == []


async def test_removed_member_stops_receiving_at_once_and_cannot_return(party: Party) -> None:
    host, _ = await party.open("host")
    guest, _ = await party.open("guest")
    guest_id = str(party.users["guest"].id)
    ack = await host.call("watch.remove", {"partyId": party.id, "userId": guest_id})
    assert ack["ok"], ack
    await guest.wait_event("watch.removed")
    await control(host, party, "seek", position=10.0)
    await host.call("watch.chat.send", {"partyId": party.id, "body": "bye"})
    await host.wait_event("watch.chat.message")
    await asyncio.sleep(QUIET)
    assert guest.received("watch.state") == []
    assert guest.received("watch.chat.message") == []
    again = await guest.join(party.room)
    assert again["error"]["code"] == "removed_from_party"
    async with party.served.db.unit_of_work() as session:
        with pytest.raises(Exception, match="removed you"):
            await watch_party_service.join(
                session, actor(party.users["guest"]), party.party.id, party.party.invite_token
            )
    # Members other than the host cannot remove anyone.
    third, _ = await party.open("third")
    refused = await third.call(
        "watch.remove", {"partyId": party.id, "userId": str(party.users["host"].id)}
    )
    assert refused["error"]["code"] == "not_host"


async def test_invites_are_needed_to_join(party: Party) -> None:
    host, _ = await party.open("host")
    async with party.served.db.unit_of_work() as session:
        with pytest.raises(Exception, match="invite link is not valid"):
            await watch_party_service.join(
                session, actor(party.users["outsider"]), party.party.id, "guess"
            )
    async with party.served.db.unit_of_work() as session:
        await watch_party_service.join(
            session, actor(party.users["outsider"]), party.party.id, party.party.invite_token
        )
    # The room hears of the newcomer alone, not the whole list again.
    [arrived] = await host.wait_event("watch.member")
    assert arrived["member"] == {
        "id": str(party.users["outsider"].id),
        "name": "Outsider",
        "avatarUrl": None,
        "host": False,
    }
    _, joined = await party.open("outsider")
    assert joined["ok"]


async def test_host_hands_over_and_control_passes_when_the_host_leaves(party: Party) -> None:
    host, _ = await party.open("host")
    guest, _ = await party.open("guest")
    third, _ = await party.open("third")
    guest_id = str(party.users["guest"].id)
    ack = await host.call("watch.transfer", {"partyId": party.id, "userId": guest_id})
    assert ack["party"]["hostId"] == guest_id
    assert (await control(guest, party, "play", position=1.0))["ok"]
    assert (await control(host, party, "pause", position=1.0))["error"]["code"] == "not_in_control"
    # The (new) host leaves: control passes to the member present longest.
    assert (await guest.call("watch.leave", {"partyId": party.id}))["ok"]
    for _ in range(60):
        if (await party.reload()).host_id == party.users["host"].id:
            break
        await asyncio.sleep(0.05)
    assert (await party.reload()).host_id == party.users["host"].id
    changed = await third.wait_event("watch.party", count=2)
    assert changed[-1]["party"]["hostId"] == str(party.users["host"].id)
    # A disconnected host keeps control during the grace period, then it passes on.
    await host.close()
    await asyncio.sleep(GRACE / 3)
    assert (await party.reload()).host_id == party.users["host"].id
    for _ in range(60):
        if (await party.reload()).host_id == party.users["third"].id:
            break
        await asyncio.sleep(0.05)
    assert (await party.reload()).host_id == party.users["third"].id


async def test_presence_and_buffering_and_the_end_of_an_empty_party(party: Party) -> None:
    host, _ = await party.open("host")
    guest, _ = await party.open("guest")
    guest_id = str(party.users["guest"].id)
    assert (await guest.call("watch.buffering", {"partyId": party.id, "buffering": True}))["ok"]
    for _ in range(60):
        changes = [c for e in host.received("watch.presence") for c in e["changes"]]
        if {"id": guest_id, "present": True, "buffering": True} in changes:
            break
        await asyncio.sleep(0.05)
    else:
        raise AssertionError(host.received("watch.presence"))
    # Buffering is refused from a socket that is not in the party's room.
    loose, _ = await party.open("guest", join=False)
    refused = await loose.call("watch.buffering", {"partyId": party.id, "buffering": True})
    assert refused["error"]["code"] == "forbidden"
    await guest.close()
    await loose.close()
    await host.close()
    for _ in range(80):
        if (await party.reload()).ended_at is not None:
            break
        await asyncio.sleep(0.05)
    ended = await party.reload()
    assert ended.ended_at is not None and ended.playing is False
    newcomer, joined = await party.open("third")
    assert joined["error"]["code"] == "watch_party_ended"
    refused = await control(newcomer, party, "play")
    assert refused["error"]["code"] == "watch_party_ended"


async def test_private_videos_are_partied_by_their_owner_only(server: Served) -> None:
    owner = await make_user(server.db, role=Role.CREATOR)
    admin = await make_user(server.db, role=Role.ADMIN)
    private = await make_video(server.db, owner, visibility="private")
    async with server.db.unit_of_work() as session:
        with pytest.raises(Exception, match="private video"):
            await watch_party_service.start(session, actor(admin), private.id)
    async with server.db.unit_of_work() as session:
        started = await watch_party_service.start(session, actor(owner), private.id)
    assert started.host_id == owner.id
    viewer = await make_user(server.db)
    async with server.db.unit_of_work() as session:
        with pytest.raises(Exception, match="video"):
            await watch_party_service.start(session, actor(viewer), private.id)
    async with server.db.unit_of_work() as session:
        with pytest.raises(NotAuthenticated):
            await watch_party_service.start(session, None, uuid.uuid4())


async def test_the_room_turns_away_members_who_may_no_longer_watch_the_video(
    party: Party,
) -> None:
    _, ack = await party.open("guest")
    assert ack["ok"] and ack["party"]["videoId"] == str(party.party.video_id)
    admin = await make_user(party.served.db, role=Role.ADMIN)
    async with party.served.db.unit_of_work() as session:
        await video_service.update(
            session, actor(admin), party.party.video_id, VideoUpdate(visibility=Visibility.PRIVATE)
        )
    # Neither a guest nor the host (who does not own the video) gets the party's
    # video id, state or chat from the room any more.
    for who in ("guest", "host"):
        _, joined = await party.open(who)
        assert joined["error"]["code"] == "video_not_found", (who, joined)
