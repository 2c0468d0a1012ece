"""Two real `cosmostream web` processes sharing rooms through the real Redis:
forum chat, presence, watch-party state and a removal cross from one to the other."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from cosmostream.config import Settings
from cosmostream.db import Database
from cosmostream.forum.service import forum_service
from cosmostream.models import Role
from cosmostream.watch_party.service import watch_party_service
from tests.conftest import REDIS_URL
from tests.core.realtime_helpers import (
    Sockets,
    redis_writer,
    signed_in,
    until_subscribed,
    web_processes,
)
from tests.factories import actor, make_user, make_video
from tests.forum.conftest import make_category

pytestmark = pytest.mark.skipif(
    not REDIS_URL, reason="set COSMOSTREAM_TEST_REDIS_URL (e.g. redis://127.0.0.1:6379/0) to run"
)


async def test_two_processes_share_thread_chat_presence_and_parties(
    settings: Settings, tmp_path: Path
) -> None:
    settings = settings.model_copy(update={"redis_url": REDIS_URL})
    db = Database.from_settings(settings)
    try:
        ada, ada_token = await signed_in(db, name="Ada")
        tom, tom_token = await signed_in(db, name="Tom")
        category = await make_category(db, "observing", "Observing")
        async with db.unit_of_work() as session:
            thread = await forum_service.create_thread(
                session, actor(ada), category.id, "Perseids", "Who is watching?"
            )
        creator = await make_user(db, role=Role.CREATOR)
        video = await make_video(db, creator, duration=300.0)
        async with db.unit_of_work() as session:
            party = await watch_party_service.start(session, actor(ada), video.id)
        async with db.unit_of_work() as session:
            await watch_party_service.join(session, actor(tom), party.id, party.invite_token)
    finally:
        await db.dispose()

    workdir = tmp_path / "procs"
    workdir.mkdir()
    sockets = Sockets()
    with web_processes(settings, 2, workdir) as (first, second):
        async with redis_writer() as writer, sockets.closing():
            a = await sockets.open(first, token=ada_token)
            t = await sockets.open(second, token=tom_token)
            await until_subscribed(writer, a, f"user:{ada.id}")
            await until_subscribed(writer, t, f"user:{tom.id}")

            # Forum: a message sent to process one reaches Tom on process two;
            # presence lists people on both processes.
            room = f"thread:{thread.id}"
            assert (await a.join(room))["ok"]
            joined = await t.join(room)
            assert [p["name"] for p in joined["present"]] == ["Ada", "Tom"]
            ack = await a.call("forum.chat.send", {"threadId": str(thread.id), "body": "Meteor!"})
            assert ack["ok"], ack
            [message] = await t.wait_event("forum.chat.message", timeout=10)
            assert message["body"] == "Meteor!"
            await a.call("forum.typing", {"threadId": str(thread.id)})
            [typing] = await t.wait_event("forum.typing", timeout=10)
            assert typing["user"]["name"] == "Ada"

            # Watch party: the host on one seeks, the guest on two gets the state.
            watch = f"watch:{party.id}"
            assert (await a.join(watch))["ok"]
            guest = await t.join(watch)
            assert {m["name"]: m["present"] for m in guest["members"]} == {
                "Ada": True,
                "Tom": True,
            }
            seek = {"partyId": str(party.id), "action": "seek", "position": 120.0}
            assert (await a.call("watch.control", seek))["ok"]
            [state] = await t.wait_event("watch.state", timeout=10)
            assert state["state"]["position"] == 120.0

            # Removed on process one: out of the room on process two at once.
            removal = {"partyId": str(party.id), "userId": str(tom.id)}
            assert (await a.call("watch.remove", removal))["ok"]
            await t.wait_event("watch.removed", timeout=10)
            seek["position"] = 200.0
            assert (await a.call("watch.control", seek))["ok"]
            await a.wait_event("watch.state", count=2, timeout=10)
            await asyncio.sleep(0.5)
            assert len(t.received("watch.state")) == 1
