"""The realtime core over real sockets: connect auth, rooms, events after commit,
kicks, flood control and, with Redis, delivery across server instances and processes.

Every test runs the real app with uvicorn on a port (see `realtime_helpers`) and
talks to it the way socket.io-client does, on SQLite and (when configured) on
PostgreSQL. Waits poll with timeouts; the only fixed waits are the short ones
that prove something did NOT arrive.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest

from cosmostream.account.schemas import Actor
from cosmostream.account.service import account_service
from cosmostream.bus import KICK_EVENT, bus
from cosmostream.config import Settings
from cosmostream.db import Database
from cosmostream.kit.time import utcnow
from cosmostream.models import Role, User
from cosmostream.realtime import ACCESS_COOKIE, MAX_EVENT_BYTES
from tests.conftest import REDIS_URL
from tests.core.realtime_helpers import (
    Disconnected,
    Served,
    SocketClient,
    Sockets,
    redis_writer,
    serve,
    signed_in,
    until_subscribed,
    web_processes,
)
from tests.factories import login, make_user, shift_time

QUIET = 0.5  # how long "nothing arrives" is watched for

needs_redis = pytest.mark.skipif(
    not REDIS_URL, reason="set COSMOSTREAM_TEST_REDIS_URL (e.g. redis://127.0.0.1:6379/0) to run"
)


# -- fixtures and small helpers -----------------------------------------------------


@pytest.fixture
async def sockets() -> AsyncIterator[Sockets]:
    opened = Sockets()
    yield opened
    await opened.close_all()


@pytest.fixture
async def server(settings: Settings) -> AsyncIterator[Served]:
    async with serve(settings) as served:
        yield served


async def actor_for(session: Any, token: str) -> Actor:
    return await account_service.authenticate(session, token)


async def assert_still_connected(client: SocketClient, user: User) -> None:
    """A full round trip proves the socket is open and still authenticated."""
    assert not client.closed.is_set(), client.close_reason
    ack = await client.join(f"user:{user.id}")
    assert ack == {"ok": True, "room": f"user:{user.id}"}


async def emit_in_unit_of_work(db: Database, room: str, event: str, data: Any) -> None:
    from cosmostream import effects

    async with db.unit_of_work():
        effects.publish(room, event, data)


def _token(
    settings: Settings,
    user: User,
    session_id: uuid.UUID,
    *,
    secret: str | None = None,
    expires_in: timedelta = timedelta(minutes=5),
    **overrides: Any,
) -> str:
    now = utcnow()
    claims = {
        "iss": settings.jwt_issuer,
        "aud": settings.jwt_audience,
        "sub": str(user.id),
        "sid": str(session_id),
        "typ": "access",
        "iat": now - timedelta(hours=2),
        "nbf": now - timedelta(hours=2),
        "exp": now + expires_in,
        **overrides,
    }
    return jwt.encode(claims, secret or settings.secret_key, algorithm="HS256")


# -- 1. connecting ---------------------------------------------------------------------


async def test_valid_token_connects_and_joins_the_users_rooms(
    server: Served, sockets: Sockets
) -> None:
    user, token = await signed_in(server.db)
    client = await sockets.open(server, token=token)
    assert client.sid
    # Auto-joined to user:{id}: an event for the user arrives without any join.
    await emit_in_unit_of_work(server.db, f"user:{user.id}", "test.ping", {"n": 1})
    assert await client.wait_event("test.ping") == [{"n": 1}]


async def test_session_cookie_authenticates_browsers(server: Served, sockets: Sockets) -> None:
    user, token = await signed_in(server.db)
    client = await sockets.open(server, cookie=f"{ACCESS_COOKIE}={token}")
    assert await client.join(f"user:{user.id}") == {"ok": True, "room": f"user:{user.id}"}
    await emit_in_unit_of_work(server.db, f"user:{user.id}", "test.ping", {"n": 2})
    assert await client.wait_event("test.ping") == [{"n": 2}]


async def test_bad_tokens_are_refused(server: Served, sockets: Sockets, settings: Settings) -> None:
    user = await make_user(server.db)
    session_id = (await login(server.db, user)).session_id
    # Sanity: the hand-made token is accepted when nothing is wrong with it, so
    # each refusal below is caused by the one thing that differs.
    ok = await sockets.open(server, token=_token(settings, user, session_id))
    assert ok.sid

    bad = {
        "garbage": "not-a-jwt",
        "forged": _token(settings, user, session_id, secret="someone-else-" + "y" * 40),
        "expired": _token(settings, user, session_id, expires_in=-timedelta(minutes=30)),
        "unknown session": _token(settings, user, uuid.uuid4()),
        "other user's session": _token(settings, await make_user(server.db), session_id),
        "refresh-type": _token(settings, user, session_id, typ="refresh"),
    }
    for label, token in bad.items():
        refused = await sockets.refused(server, token=token)
        assert refused.mentions("invalid_token"), (label, refused.data)


async def test_cookie_with_bad_token_is_refused(server: Served, sockets: Sockets) -> None:
    refused = await sockets.refused(server, cookie=f"{ACCESS_COOKIE}=garbage")
    assert refused.mentions("invalid_token")


async def test_foreign_origin_is_refused(
    server: Served, sockets: Sockets, settings: Settings
) -> None:
    _, token = await signed_in(server.db)
    await sockets.refused(server, token=token, origin="https://evil.example")
    # The configured site origin is fine.
    assert (await sockets.open(server, token=token, origin=settings.base_url)).sid


async def test_anonymous_socket_is_accepted_but_gets_no_user_events(
    server: Served, sockets: Sockets
) -> None:
    user, _ = await signed_in(server.db)
    anonymous = await sockets.open(server)
    assert anonymous.sid
    await emit_in_unit_of_work(server.db, f"user:{user.id}", "test.secret", {"x": 1})
    await asyncio.sleep(QUIET)
    assert anonymous.received("test.secret") == []


async def test_anonymous_join_of_user_room_is_not_authenticated(
    server: Served, sockets: Sockets
) -> None:
    user, _ = await signed_in(server.db)
    anonymous = await sockets.open(server)
    ack = await anonymous.join(f"user:{user.id}", timeout=3)
    assert ack["ok"] is False
    assert ack["error"]["code"] == "not_authenticated"
    assert not anonymous.closed.is_set()


async def test_refusal_carries_a_structured_error(server: Served, sockets: Sockets) -> None:
    refused = await sockets.refused(server, token="not-a-jwt")
    assert refused.data["data"]["code"] == "invalid_token"
    assert "{" not in refused.data["message"]


# -- 2. rooms and payloads ------------------------------------------------------------------


async def test_join_rules_and_payload_checks(server: Served, sockets: Sockets) -> None:
    user, token = await signed_in(server.db)
    other, _ = await signed_in(server.db)
    client = await sockets.open(server, token=token)

    assert await client.join(f"user:{user.id}") == {"ok": True, "room": f"user:{user.id}"}

    def code(ack: Any) -> str:
        assert ack["ok"] is False, ack
        assert set(ack["error"]) >= {"code", "message"}
        return str(ack["error"]["code"])

    assert code(await client.join(f"user:{other.id}")) == "forbidden"
    assert code(await client.join("user:")) == "not_found"
    assert code(await client.join(f"nosuchkind:{user.id}")) == "not_found"
    assert code(await client.join("no-colon-at-all")) == "not_found"
    assert code(await client.join(f"session:{uuid.uuid4()}")) == "not_found"
    assert code(await client.join("user:" + "9" * 200)) == "not_found"

    assert code(await client.call("join", {"room": 5})) == "bad_payload"
    assert code(await client.call("join", f"user:{user.id}")) == "bad_payload"
    assert code(await client.call("join", {})) == "bad_payload"
    assert code(await client.call("join", [f"user:{user.id}"])) == "bad_payload"
    assert code(await client.call("join", with_data=False)) == "bad_payload"

    big = {"room": f"user:{user.id}", "pad": "x" * (MAX_EVENT_BYTES + 1)}
    assert code(await client.call("join", big)) == "payload_too_large"
    just_fits = {"room": f"user:{user.id}", "pad": "x" * (MAX_EVENT_BYTES - 100)}
    # Under the cap the size check lets it through; the schema then refuses the extra key.
    assert code(await client.call("join", just_fits)) == "bad_payload"

    # The built-in rooms cannot be left; other rooms can.
    assert code(await client.call("leave", {"room": f"user:{user.id}"})) == "forbidden"
    assert (await client.call("leave", {"room": "anything:1"}))["ok"] is True

    # The refusals above did not cost the socket its connection or its room.
    await emit_in_unit_of_work(server.db, f"user:{user.id}", "test.ping", {"n": 3})
    assert await client.wait_event("test.ping") == [{"n": 3}]


async def test_forbidden_join_does_not_leak_the_other_users_events(
    server: Served, sockets: Sockets
) -> None:
    _, token = await signed_in(server.db)
    victim, _ = await signed_in(server.db)
    snoop = await sockets.open(server, token=token)
    assert (await snoop.join(f"user:{victim.id}"))["ok"] is False
    await emit_in_unit_of_work(server.db, f"user:{victim.id}", "test.secret", {"x": 1})
    await asyncio.sleep(QUIET)
    assert snoop.received("test.secret") == []


async def test_join_and_leave_refuse_unknown_keys(server: Served, sockets: Sockets) -> None:
    user, token = await signed_in(server.db)
    client = await sockets.open(server, token=token)
    room = f"user:{user.id}"
    joined = await client.call("join", {"room": room, "extra": 1})
    assert joined["error"]["code"] == "bad_payload"
    left = await client.call("leave", {"room": f"thread:{uuid.uuid4()}", "extra": 1})
    assert left["error"]["code"] == "bad_payload"


async def test_malformed_thread_room_answers_a_documented_code(
    server: Served, sockets: Sockets
) -> None:
    client = await sockets.open(server)
    ack = await client.join("thread:not-a-uuid")
    code = ack["error"]["code"]
    # The code must appear in the docs' table of join errors.
    docs = (Path(__file__).parents[2] / "docs" / "api.md").read_text()
    join_errors = docs.split("Errors arrive in the acknowledgement", 1)[1].split("###", 1)[0]
    assert f"`{code}`" in join_errors, code


async def test_non_finite_numbers_are_bad_payload(server: Served, sockets: Sockets) -> None:
    _, token = await signed_in(server.db)
    client = await sockets.open(server, token=token)
    # The helper encodes these the way a sloppy client would: bare NaN / Infinity.
    for value in (float("nan"), float("inf"), float("-inf")):
        ack = await client.call("watch.clock", {"t": value})
        assert ack["ok"] is False, ack
        assert ack["error"]["code"] == "bad_payload"
    assert (await client.call("watch.clock", {"t": 12.5}))["t"] == 12.5


async def test_unknown_event_is_acknowledged_with_an_error(
    server: Served, sockets: Sockets
) -> None:
    _, token = await signed_in(server.db)
    client = await sockets.open(server, token=token)
    ack = await client.call("no.such.event", {"x": 1}, timeout=2)
    assert ack["ok"] is False
    assert ack["error"]["code"] == "unknown_event"
    assert ack["error"]["message"]
    # Without data too, and the socket stays usable.
    assert (await client.call("nope", with_data=False, timeout=2))["error"]["code"] == (
        "unknown_event"
    )
    assert (await client.call("watch.clock", {"t": 1}))["ok"] is True


async def test_polling_handshake_from_a_foreign_origin_is_403(
    server: Served, settings: Settings
) -> None:
    url = f"{server.url}/socket.io/?EIO=4&transport=polling"
    async with httpx.AsyncClient() as http:
        foreign = await http.get(url, headers={"Origin": "https://evil.example"})
        assert foreign.status_code == 403
        assert foreign.json()["error"]["code"] == "forbidden"
        own = await http.get(url, headers={"Origin": settings.base_url.rstrip("/")})
        assert own.status_code == 200
        assert (await http.get(url)).status_code == 200  # no Origin: not a browser


# -- 3. events leave after commit ----------------------------------------------------------


async def test_follow_event_is_published_after_commit_only(
    server: Served, sockets: Sockets
) -> None:
    db = server.db
    followee, followee_token = await signed_in(db)
    follower, follower_token = await signed_in(db, name="Ada Observer")
    watcher = await sockets.open(server, token=followee_token)

    class Boom(Exception):
        pass

    with pytest.raises(Boom):
        async with db.unit_of_work() as session:
            actor = await actor_for(session, follower_token)
            await account_service.follow(session, actor, followee.id)
            raise Boom
    await asyncio.sleep(QUIET)
    assert watcher.received("follow.created") == []

    async with db.unit_of_work() as session:
        actor = await actor_for(session, follower_token)
        await account_service.follow(session, actor, followee.id)
    events = await watcher.wait_event("follow.created")
    assert events == [{"followerId": str(follower.id), "followerName": "Ada Observer"}]

    # Following again changes nothing and publishes nothing.
    async with db.unit_of_work() as session:
        actor = await actor_for(session, follower_token)
        await account_service.follow(session, actor, followee.id)
    await asyncio.sleep(QUIET)
    assert len(watcher.received("follow.created")) == 1


async def test_event_is_not_sent_before_the_transaction_commits(
    server: Served, sockets: Sockets
) -> None:
    db = server.db
    followee, followee_token = await signed_in(db)
    _, follower_token = await signed_in(db)
    watcher = await sockets.open(server, token=followee_token)
    async with db.unit_of_work() as session:
        actor = await actor_for(session, follower_token)
        await account_service.follow(session, actor, followee.id)
        # Still inside the transaction: give the server every chance to deliver.
        await asyncio.sleep(QUIET)
        assert watcher.received("follow.created") == []
    await watcher.wait_event("follow.created")


# -- 4. kicks -------------------------------------------------------------------------------


async def test_logout_closes_only_that_sessions_socket(server: Served, sockets: Sockets) -> None:
    db = server.db
    user = await make_user(db)
    first = (await login(db, user)).access_token
    second = (await login(db, user)).access_token
    leaving = await sockets.open(server, token=first)
    staying = await sockets.open(server, token=second)

    async with db.unit_of_work() as session:
        await account_service.logout(session, await actor_for(session, first))

    await leaving.wait_closed()
    await assert_still_connected(staying, user)
    await emit_in_unit_of_work(db, f"user:{user.id}", "test.ping", {"n": 4})
    assert await staying.wait_event("test.ping") == [{"n": 4}]
    # The signed-out session's token no longer opens a socket.
    assert (await sockets.refused(server, token=first)).mentions("invalid_token")
    assert (await sockets.open(server, token=second)).sid


async def test_role_change_closes_all_sockets_and_the_token_reconnects(
    server: Served, sockets: Sockets
) -> None:
    db = server.db
    _, admin_token = await signed_in(db, role=Role.ADMIN)
    user = await make_user(db)
    tokens = [(await login(db, user)).access_token for _ in range(2)]
    bystander, bystander_token = await signed_in(db)
    mine = [await sockets.open(server, token=t) for t in tokens]
    other = await sockets.open(server, token=bystander_token)

    async with db.unit_of_work() as session:
        admin = await actor_for(session, admin_token)
        await account_service.set_role(session, admin, user.id, Role.CREATOR)

    for client in mine:
        await client.wait_closed()
    await assert_still_connected(other, bystander)

    again = await sockets.open(server, token=tokens[0])
    await assert_still_connected(again, user)
    async with db.read() as session:
        assert (await actor_for(session, tokens[0])).role is Role.CREATOR

    # Setting the same role again is not a change: nobody is kicked.
    async with db.unit_of_work() as session:
        admin = await actor_for(session, admin_token)
        await account_service.set_role(session, admin, user.id, Role.CREATOR)
    await asyncio.sleep(QUIET)
    await assert_still_connected(again, user)


async def test_disabling_closes_all_sockets_and_refuses_the_token(
    server: Served, sockets: Sockets
) -> None:
    db = server.db
    _, admin_token = await signed_in(db, role=Role.ADMIN)
    user = await make_user(db)
    tokens = [(await login(db, user)).access_token for _ in range(2)]
    bystander, bystander_token = await signed_in(db)
    mine = [await sockets.open(server, token=t) for t in tokens]
    other = await sockets.open(server, token=bystander_token)

    async with db.unit_of_work() as session:
        admin = await actor_for(session, admin_token)
        await account_service.set_disabled(session, admin, user.id, True)

    for client in mine:
        await client.wait_closed()
    await assert_still_connected(other, bystander)
    for token in tokens:
        assert (await sockets.refused(server, token=token)).mentions("invalid_token")


async def test_kick_is_never_delivered_as_an_event(server: Served, sockets: Sockets) -> None:
    user, token = await signed_in(server.db)
    client = await sockets.open(server, token=token)
    anonymous = await sockets.open(server)
    await bus.kick_user(str(user.id))
    await client.wait_closed()
    assert client.received(KICK_EVENT) == []
    assert anonymous.received(KICK_EVENT) == []
    assert not anonymous.closed.is_set()


async def test_session_that_ends_while_connected_is_dropped_on_next_event(
    server: Served, sockets: Sockets, settings: Settings
) -> None:
    user, token = await signed_in(server.db)
    client = await sockets.open(server, token=token)
    await assert_still_connected(client, user)
    # Past the session's absolute lifetime (the JWT itself is still valid).
    with shift_time(timedelta(seconds=settings.session_max_age_seconds + 60)):
        with contextlib.suppress(Disconnected):
            ack = await client.join(f"user:{user.id}")
            assert ack["ok"] is False and ack["error"]["code"] == "invalid_token", ack
        await client.wait_closed()


# -- 5. flood control -----------------------------------------------------------------------


async def test_flood_is_throttled_then_disconnected(server: Served, sockets: Sockets) -> None:
    user, token = await signed_in(server.db)
    client = await sockets.open(server, token=token)
    limiter = server.realtime.limiter
    room = f"user:{user.id}"
    # A few real joins, then a flood of malformed ones: the limit is checked before
    # anything else, so junk costs tokens too (and keeps SQLite out of the timing).
    for _ in range(3):
        assert await client.join(room) == {"ok": True, "room": room}
    acks = [
        client.emit_nowait("join", {"room": 5})
        for _ in range(int(limiter.burst + limiter.max_strikes) + 20)
    ]
    await client.wait_closed(timeout=10)
    results = await asyncio.gather(*acks, return_exceptions=True)
    answered = [r[0] for r in results if isinstance(r, list)]
    codes = [a["error"]["code"] for a in answered]
    assert set(codes) == {"bad_payload", "rate_limited"}, codes
    # Throttling starts once the burst is spent (a little refill is allowed for)...
    assert limiter.burst - 3 <= codes.count("bad_payload") <= limiter.burst + 5, codes
    # ...and the strike that reaches max_strikes closes the socket instead of answering.
    assert 0 < codes.count("rate_limited") < limiter.max_strikes, codes
    assert isinstance(results[-1], Disconnected)


async def test_other_users_are_not_throttled_by_a_flood(server: Served, sockets: Sockets) -> None:
    _, flood_token = await signed_in(server.db)
    calm, calm_token = await signed_in(server.db)
    noisy = await sockets.open(server, token=flood_token)
    quiet = await sockets.open(server, token=calm_token)
    flood = [
        noisy.emit_nowait("join", {"room": 5})
        for _ in range(int(server.realtime.limiter.burst) + 5)
    ]
    answered = [r[0] for r in await asyncio.gather(*flood)]
    assert answered[-1]["error"]["code"] == "rate_limited"
    assert await quiet.join(f"user:{calm.id}") == {"ok": True, "room": f"user:{calm.id}"}
    assert not noisy.closed.is_set()


# -- 6. Redis: several server instances and processes ---------------------------------------


@pytest.fixture
def redis_settings(settings: Settings) -> Settings:
    if not REDIS_URL:
        pytest.skip("set COSMOSTREAM_TEST_REDIS_URL (e.g. redis://127.0.0.1:6379/0) to run")
    return settings.model_copy(update={"redis_url": REDIS_URL})


@needs_redis
async def test_redis_two_servers_share_rooms_and_kicks(
    redis_settings: Settings, sockets: Sockets
) -> None:
    async with (
        serve(redis_settings) as one,
        serve(redis_settings) as two,
        redis_writer() as writer,
        sockets.closing(),
    ):
        assert one.realtime.sio.manager is not two.realtime.sio.manager
        db = one.db
        user, token = await signed_in(db)
        _, follower_token = await signed_in(db)
        bystander, bystander_token = await signed_in(db)
        on_one = await sockets.open(one, token=token)
        on_two = await sockets.open(two, token=token)
        other_on_two = await sockets.open(two, token=bystander_token)
        room = f"user:{user.id}"
        await until_subscribed(writer, on_one, room)
        await until_subscribed(writer, on_two, room)

        # An emit on server one reaches the user's sockets on both servers, once each.
        await one.realtime.sio.emit("test.hello", {"from": "one"}, room=room)
        assert await on_two.wait_event("test.hello") == [{"from": "one"}]
        assert await on_one.wait_event("test.hello") == [{"from": "one"}]

        # A service event after commit, through the bus (attached to the last started
        # server), reaches the socket on the other server.
        assert bus.server is two.realtime.sio
        async with db.unit_of_work() as session:
            await account_service.follow(session, await actor_for(session, follower_token), user.id)
        assert len(await on_one.wait_event("follow.created")) == 1
        assert len(await on_two.wait_event("follow.created")) == 1

        await asyncio.sleep(QUIET)  # no duplicates arrive late
        for client in (on_one, on_two):
            assert len(client.received("test.hello")) == 1
            assert len(client.received("follow.created")) == 1
        assert other_on_two.received("test.hello") == []

        # A kick from outside any server (a worker) closes the user's sockets everywhere.
        await writer.emit(KICK_EVENT, None, room=room)
        await on_one.wait_closed()
        await on_two.wait_closed()
        assert on_two.received(KICK_EVENT) == []
        await assert_still_connected(other_on_two, bystander)


@needs_redis
async def test_redis_account_kicks_cross_servers(
    redis_settings: Settings, sockets: Sockets
) -> None:
    async with (
        serve(redis_settings) as one,
        serve(redis_settings) as two,
        redis_writer() as writer,
        sockets.closing(),
    ):
        db = two.db
        _, admin_token = await signed_in(db, role=Role.ADMIN)
        user = await make_user(db)
        first, second = [(await login(db, user)).access_token for _ in range(2)]
        leaving = await sockets.open(one, token=first)
        staying = await sockets.open(one, token=second)
        await until_subscribed(writer, leaving, f"user:{user.id}")
        assert bus.server is two.realtime.sio  # the kicks start on server two

        async with db.unit_of_work() as session:
            await account_service.logout(session, await actor_for(session, first))
        await leaving.wait_closed()
        await assert_still_connected(staying, user)

        async with db.unit_of_work() as session:
            admin = await actor_for(session, admin_token)
            await account_service.set_disabled(session, admin, user.id, True)
        await staying.wait_closed()
        assert (await sockets.refused(one, token=second)).mentions("invalid_token")


# -- the real thing: two `cosmostream web` processes sharing Redis --------------------------


FOLLOW = "mutation($id: ID!) { followUser(userId: $id) { id } }"
LOGOUT = "mutation { logout { ok } }"


@needs_redis
async def test_two_web_processes_deliver_each_others_events(
    redis_settings: Settings, sockets: Sockets, tmp_path: Path
) -> None:
    settings = redis_settings
    db = Database.from_settings(settings)
    try:
        followee, followee_token = await signed_in(db)
        follower, follower_token = await signed_in(db, name="Grace Telescope")
    finally:
        await db.dispose()
    workdir = tmp_path / "procs"
    workdir.mkdir()
    with web_processes(settings, 2, workdir) as (first, second):
        async with (
            redis_writer() as writer,
            httpx.AsyncClient(base_url=first) as http,
            sockets.closing(),
        ):
            watcher = await sockets.open(second, token=followee_token)
            await until_subscribed(writer, watcher, f"user:{followee.id}")

            response = await http.post(
                "/graphql",
                json={"query": FOLLOW, "variables": {"id": str(followee.id)}},
                headers={"Authorization": f"Bearer {follower_token}"},
            )
            assert response.status_code == 200, response.text
            assert response.json() == {"data": {"followUser": {"id": str(followee.id)}}}
            [event] = await watcher.wait_event("follow.created", timeout=10)
            assert event == {"followerId": str(follower.id), "followerName": "Grace Telescope"}

            # Signing out on process one closes the socket held by process two.
            response = await http.post(
                "/graphql",
                json={"query": LOGOUT},
                headers={"Authorization": f"Bearer {followee_token}"},
            )
            assert response.json() == {"data": {"logout": {"ok": True}}}, response.text
            await watcher.wait_closed(timeout=10)
            assert (await sockets.refused(second, token=followee_token)).mentions("invalid_token")
