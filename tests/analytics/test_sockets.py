"""The realtime room over real sockets: who may join, and the broadcaster's
`analytics.realtime` events to rooms with members when the figures change."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest

from cosmostream.analytics.sockets import REALTIME, broadcaster_of
from cosmostream.config import Settings
from cosmostream.kit.time import utcnow
from cosmostream.models import Role
from tests.analytics.conftest import make_course
from tests.analytics.factories import add_session
from tests.core.realtime_helpers import Served, Sockets, serve, signed_in
from tests.factories import make_video


@pytest.fixture
async def server(settings: Settings) -> AsyncIterator[Served]:
    async with serve(settings) as served:
        yield served


@pytest.fixture
async def sockets() -> AsyncIterator[Sockets]:
    opened = Sockets()
    yield opened
    await opened.close_all()


async def test_joining_is_authorized_like_the_service(server: Served, sockets: Sockets) -> None:
    creator, creator_token = await signed_in(server.db, role=Role.CREATOR, name="Cleo")
    _, other_token = await signed_in(server.db, role=Role.CREATOR)
    _, viewer_token = await signed_in(server.db)
    _, admin_token = await signed_in(server.db, role=Role.ADMIN)
    video = await make_video(server.db, creator, duration=60.0)
    course = await make_course(server.db, creator, video)
    rooms = [
        f"analytics:channel:{creator.id}",
        f"analytics:video:{video.id}",
        f"analytics:course:{course.id}",
    ]
    tokens = {"creator": creator_token, "other": other_token, "viewer": viewer_token,
              "admin": admin_token, "anonymous": None}  # fmt: skip
    for who, token in tokens.items():
        client = await sockets.open(server, token=token)
        for room in [*rooms, "analytics:platform:all"]:
            ack = await client.join(room)
            allowed = who == "admin" or (who == "creator" and "platform" not in room)
            if allowed:
                assert ack["ok"], (who, room, ack)
                assert len(ack["realtime"]["hours"]) == 48
                assert ack["realtime"]["watching_now"] == 0
            else:
                assert not ack["ok"], (who, room)
                expected = "not_authenticated" if who == "anonymous" else "analytics_not_found"
                assert ack["error"]["code"] == expected
    client = await sockets.open(server, token=admin_token)
    other_spellings = (
        f"analytics:channel:{str(creator.id).upper()}",
        f"analytics:channel:{creator.id.hex}",
        f"analytics:channel:{{{creator.id}}}",
        "analytics:platform",
    )
    for bad in (
        "analytics:channel:nope",
        "analytics:galaxy:1",
        "analytics:video:",
        *other_spellings,
    ):
        assert not (await client.join(bad))["ok"]


async def test_the_broadcaster_sends_changed_snapshots_to_rooms_with_members(
    server: Served, sockets: Sockets
) -> None:
    creator, token = await signed_in(server.db, role=Role.CREATOR)
    other, other_token = await signed_in(server.db, role=Role.CREATOR)
    video = await make_video(server.db, creator, duration=60.0)
    room = f"analytics:channel:{creator.id}"
    broadcaster = broadcaster_of(server.realtime)
    a = await sockets.open(server, token=token)
    b = await sockets.open(server, token=other_token)
    assert (await a.join(room))["ok"]
    assert (await b.join(f"analytics:channel:{other.id}"))["ok"]
    assert broadcaster.watched() == sorted([room, f"analytics:channel:{other.id}"])
    await broadcaster.tick()  # the first snapshot of each room goes out
    [first] = await a.wait_event(REALTIME)
    assert first["watching_now"] == 0
    await b.wait_event(REALTIME)
    a.events.clear()
    b.events.clear()
    assert await broadcaster.tick() == 0  # nothing changed: nothing sent
    now = utcnow()
    async with server.db.unit_of_work() as s:
        await add_session(s, video, viewer="u:1", started_at=now - timedelta(minutes=2),
                          view_at=now - timedelta(minutes=1), last_seen_at=now)  # fmt: skip
    assert await broadcaster.tick() == 1  # only the creator's room changed
    [event] = await a.wait_event(REALTIME)
    assert event["watching_now"] == 1
    assert event["scope"] == {"kind": "channel", "id": str(creator.id)}
    assert sum(p["value"] for p in event["hours"]) == 1
    # The other room hears only of its own channel, once its own figures change.
    other_video = await make_video(server.db, other, duration=60.0)
    async with server.db.unit_of_work() as s:
        await add_session(s, other_video, viewer="u:2", started_at=now, last_seen_at=now)
    assert await broadcaster.tick() == 1
    [only] = await b.wait_event(REALTIME)
    assert only["scope"]["id"] == str(other.id) and only["watching_now"] == 1
    assert len(a.received(REALTIME)) == 1
    # Once everyone has left, the room is no longer watched.
    await a.call("leave", {"room": room})
    assert room not in broadcaster.watched()
