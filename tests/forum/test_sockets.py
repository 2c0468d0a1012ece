"""The forum's realtime side over real sockets: the `thread:` room, chat, typing,
presence, live posts and moderation, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest

from cosmostream.account.service import account_service
from cosmostream.chat.schemas import MAX_CHAT_LENGTH
from cosmostream.config import Settings
from cosmostream.forum.service import forum_service
from cosmostream.models import ChatMessage, Role, Thread, User
from cosmostream.realtime import MAX_EVENT_BYTES
from tests.core.realtime_helpers import Served, SocketClient, Sockets, serve, signed_in
from tests.factories import actor, make_user
from tests.forum.conftest import make_category

QUIET = 0.4


@pytest.fixture
async def server(settings: Settings) -> AsyncIterator[Served]:
    async with serve(settings) as served:
        yield served


@pytest.fixture
async def sockets() -> AsyncIterator[Sockets]:
    opened = Sockets()
    yield opened
    await opened.close_all()


async def make_thread(served: Served, author: User, title: str = "Jupiter tonight") -> Thread:
    category = await make_category(served.db, f"cat-{author.id.hex[:8]}", "Observing")
    async with served.db.unit_of_work() as session:
        return await forum_service.create_thread(
            session, actor(author), category.id, title, "Who is looking?"
        )


async def chat_rows(served: Served, thread: Thread) -> list[ChatMessage]:
    async with served.db.read() as session:
        return await forum_service.chat_history(session, thread.id)


def send(client: SocketClient, thread: Thread, body: Any) -> Any:
    return client.call("forum.chat.send", {"threadId": str(thread.id), "body": body})


async def test_chat_reaches_everyone_in_the_thread_and_is_stored_first(
    server: Served, sockets: Sockets
) -> None:
    ada, ada_token = await signed_in(server.db, name="Ada")
    tom, tom_token = await signed_in(server.db, name="Tom")
    thread = await make_thread(server, ada)
    room = f"thread:{thread.id}"
    a = await sockets.open(server, token=ada_token)
    t = await sockets.open(server, token=tom_token)
    reader = await sockets.open(server)  # anonymous readers follow along
    for client in (a, t, reader):
        assert (await client.join(room))["ok"]

    ack = await send(a, thread, "  Great red spot is visible!  ")
    assert ack["ok"], ack
    assert ack["message"]["body"] == "Great red spot is visible!"
    for client in (a, t, reader):
        [event] = await client.wait_event("forum.chat.message")
        assert event["body"] == "Great red spot is visible!"
        assert event["author"] == {"id": str(ada.id), "name": "Ada", "avatarUrl": None}
        assert event["threadId"] == str(thread.id)
    # Stored before it was broadcast: the history already has it.
    [stored] = await chat_rows(server, thread)
    assert str(stored.id) == ack["message"]["id"]

    # A late joiner gets the history in the join acknowledgement.
    late = await sockets.open(server, token=tom_token)
    joined = await late.join(room)
    assert [m["body"] for m in joined["history"]] == ["Great red spot is visible!"]
    assert {p["id"] for p in joined["present"]} == {str(ada.id), str(tom.id)}


async def test_anonymous_cannot_chat_or_type(server: Served, sockets: Sockets) -> None:
    ada, _ = await signed_in(server.db)
    thread = await make_thread(server, ada)
    anon = await sockets.open(server)
    assert (await anon.join(f"thread:{thread.id}"))["ok"]
    ack = await send(anon, thread, "hello")
    assert ack["error"]["code"] == "not_authenticated"
    ack = await anon.call("forum.typing", {"threadId": str(thread.id)})
    assert ack["error"]["code"] == "not_authenticated"
    assert await chat_rows(server, thread) == []


async def test_bad_payloads_are_refused_with_nothing_stored(
    server: Served, sockets: Sockets
) -> None:
    ada, token = await signed_in(server.db)
    thread = await make_thread(server, ada)
    client = await sockets.open(server, token=token)
    bad = [
        None,
        "text",
        {"threadId": str(thread.id)},
        {"threadId": "not-a-uuid", "body": "x"},
        {"threadId": str(thread.id), "body": 42},
        {"threadId": str(thread.id), "body": "x", "extra": 1},
    ]
    for payload in bad:
        ack = await client.call("forum.chat.send", payload)
        assert ack["error"]["code"] == "bad_payload", (payload, ack)
    empty = await send(client, thread, "   ")
    assert empty["error"]["code"] == "validation_failed"
    too_long = await send(client, thread, "x" * (MAX_CHAT_LENGTH + 1))
    assert too_long["error"]["code"] == "validation_failed"
    assert "2,000" in too_long["error"]["message"]
    huge = await send(client, thread, "x" * (MAX_EVENT_BYTES + 10))
    assert huge["error"]["code"] == "payload_too_large"
    missing = await client.call(
        "forum.chat.send", {"threadId": "0190a0a0-0000-7000-8000-000000000000", "body": "x"}
    )
    assert missing["error"]["code"] == "thread_not_found"
    assert await chat_rows(server, thread) == []
    nowhere = await client.join("thread:0190a0a0-0000-7000-8000-000000000000")
    assert nowhere["error"]["code"] == "thread_not_found"


async def test_flooding_chat_is_throttled_then_disconnected(
    server: Served, sockets: Sockets
) -> None:
    ada, token = await signed_in(server.db)
    thread = await make_thread(server, ada)
    client = await sockets.open(server, token=token)
    futures = [
        client.emit_nowait("forum.chat.send", {"threadId": str(thread.id), "body": f"m{n}"})
        for n in range(120)
    ]
    results = await asyncio.gather(*futures, return_exceptions=True)
    acks = [r[0] for r in results if isinstance(r, list)]
    assert any(a.get("error", {}).get("code") == "rate_limited" for a in acks)
    await client.wait_closed()
    # Every acknowledged message is stored; throttled ones never are (a few in
    # flight when the socket closed may be stored without their ack arriving).
    accepted = sum(1 for a in acks if a.get("ok"))
    throttled = sum(1 for a in acks if a.get("error", {}).get("code") == "rate_limited")
    stored = len(await chat_rows(server, thread))
    assert 0 < accepted <= stored <= 120 - throttled


async def test_typing_goes_to_the_others_in_the_room_only(server: Served, sockets: Sockets) -> None:
    ada, ada_token = await signed_in(server.db, name="Ada")
    _, tom_token = await signed_in(server.db, name="Tom")
    thread = await make_thread(server, ada)
    a = await sockets.open(server, token=ada_token)
    t = await sockets.open(server, token=tom_token)
    outsider = await sockets.open(server, token=tom_token)
    for client in (a, t):
        await client.join(f"thread:{thread.id}")
    # Typing into a thread one has not joined is refused.
    ack = await outsider.call("forum.typing", {"threadId": str(thread.id)})
    assert ack["error"]["code"] == "forbidden"
    assert (await a.call("forum.typing", {"threadId": str(thread.id)}))["ok"]
    [event] = await t.wait_event("forum.typing")
    assert event["user"]["name"] == "Ada"
    await asyncio.sleep(QUIET)
    assert a.received("forum.typing") == []
    assert outsider.received("forum.typing") == []


async def test_presence_follows_joins_leaves_and_disconnects(
    server: Served, sockets: Sockets
) -> None:
    ada, ada_token = await signed_in(server.db, name="Ada")
    tom, tom_token = await signed_in(server.db, name="Tom")
    thread = await make_thread(server, ada)
    room = f"thread:{thread.id}"
    a = await sockets.open(server, token=ada_token)
    await a.join(room)
    t1 = await sockets.open(server, token=tom_token)
    t2 = await sockets.open(server, token=tom_token)  # a second tab
    await t1.join(room)
    await t2.join(room)

    async def present_now() -> set[str]:
        # Ada's own join acknowledgement, then the deltas she was sent.
        here = {str(ada.id)}
        for event in a.received("forum.presence"):
            here |= {p["id"] for p in event["joined"]}
            here -= set(event["left"])
        return here

    async def wait_present(expected: set[str]) -> None:
        for _ in range(100):
            if await present_now() == expected:
                return
            await asyncio.sleep(0.05)
        raise AssertionError(f"presence {await present_now()} != {expected}")

    await wait_present({str(ada.id), str(tom.id)})
    await t1.close()
    await asyncio.sleep(QUIET)
    # Tom still has a tab open: still present.
    assert await present_now() == {str(ada.id), str(tom.id)}
    assert (await t2.call("leave", {"room": room}))["ok"]
    await wait_present({str(ada.id)})
    # Presence as a newcomer sees it, after all that.
    again = await sockets.open(server, token=tom_token)
    joined = await again.join(room)
    assert [p["name"] for p in joined["present"]] == ["Ada", "Tom"]


async def test_live_posts_and_moderation_reach_the_room(server: Served, sockets: Sockets) -> None:
    ada, ada_token = await signed_in(server.db, name="Ada")
    admin = await make_user(server.db, role=Role.ADMIN)
    thread = await make_thread(server, ada)
    watcher = await sockets.open(server)
    await watcher.join(f"thread:{thread.id}")
    async with server.db.unit_of_work() as session:
        post = await forum_service.reply(session, actor(ada), thread.id, "**Saturn** too")
    [new] = await watcher.wait_event("forum.post.new")
    assert new["post"]["id"] == str(post.id)
    assert "<strong>Saturn</strong>" in new["post"]["bodyHtml"]
    # The thread's count itself, so a page that missed an event still shows it right.
    assert new["replyCount"] == 1
    async with server.db.unit_of_work() as session:
        await forum_service.delete_post(session, actor(admin), post.id)
    [gone] = await watcher.wait_event("forum.post.deleted")
    assert gone == {"threadId": str(thread.id), "id": str(post.id), "replyCount": 0}

    # A chat message deleted by a moderator disappears for everyone.
    author = await sockets.open(server, token=ada_token)
    ack = await send(author, thread, "oops")
    async with server.db.unit_of_work() as session:
        await forum_service.delete_chat_message(session, actor(admin), _uuid(ack))
    [deleted] = await watcher.wait_event("forum.chat.deleted")
    assert deleted["id"] == ack["message"]["id"]
    assert await chat_rows(server, thread) == []

    async with server.db.unit_of_work() as session:
        await forum_service.lock_thread(session, actor(admin), thread.id, True)
    [locked] = await watcher.wait_event("forum.thread.updated")
    assert locked["locked"] is True
    refused = await send(author, thread, "still there?")
    assert refused["error"]["code"] == "thread_locked"


def _uuid(ack: Any) -> Any:
    import uuid

    return uuid.UUID(ack["message"]["id"])


async def test_only_author_or_moderator_deletes_chat(server: Served, sockets: Sockets) -> None:
    ada, ada_token = await signed_in(server.db)
    _, tom_token = await signed_in(server.db)
    thread = await make_thread(server, ada)
    a = await sockets.open(server, token=ada_token)
    t = await sockets.open(server, token=tom_token)
    ack = await send(a, thread, "mine")
    refused = await t.call("forum.chat.delete", {"messageId": ack["message"]["id"]})
    assert refused["error"]["code"] == "forbidden"
    assert len(await chat_rows(server, thread)) == 1
    assert (await a.call("forum.chat.delete", {"messageId": ack["message"]["id"]}))["ok"]
    assert await chat_rows(server, thread) == []


async def test_a_disabled_user_stops_receiving_at_once(server: Served, sockets: Sockets) -> None:
    ada, ada_token = await signed_in(server.db)
    tom, tom_token = await signed_in(server.db)
    admin = await make_user(server.db, role=Role.ADMIN)
    thread = await make_thread(server, ada)
    t = await sockets.open(server, token=tom_token)
    await t.join(f"thread:{thread.id}")
    async with server.db.unit_of_work() as session:
        await account_service.set_disabled(session, actor(admin), tom.id, True)
    await t.wait_closed()
    a = await sockets.open(server, token=ada_token)
    await send(a, thread, "after the ban")
    await asyncio.sleep(QUIET)
    assert t.received("forum.chat.message") == []


async def test_a_crowd_arriving_is_announced_in_a_few_batches(
    server: Served, sockets: Sockets
) -> None:
    ada, ada_token = await signed_in(server.db, name="Ada")
    thread = await make_thread(server, ada)
    room = f"thread:{thread.id}"
    watcher = await sockets.open(server, token=ada_token)
    await watcher.join(room)
    crowd = [await signed_in(server.db) for _ in range(20)]
    clients = [await sockets.open(server, token=token) for _, token in crowd]
    await asyncio.gather(*(client.join(room) for client in clients))
    expected = {str(user.id) for user, _ in crowd}
    for _ in range(100):
        arrived = {p["id"] for e in watcher.received("forum.presence") for p in e["joined"]}
        if expected <= arrived:
            break
        await asyncio.sleep(0.05)
    assert expected <= arrived
    # Twenty arrivals, gathered: far fewer announcements than people.
    assert len(watcher.received("forum.presence")) <= 5
