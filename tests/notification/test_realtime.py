"""`notification.new` and `notification.read` reach the reader's own sockets, live."""

from __future__ import annotations

import asyncio

from cosmostream.models import Role
from cosmostream.notification.service import notification_service
from tests.core.test_realtime import QUIET, Served, Sockets, signed_in
from tests.factories import actor, make_video
from tests.notification.conftest import fan_out, follow


async def test_a_connected_follower_hears_about_the_new_video(
    server: Served, sockets: Sockets
) -> None:
    db = server.db
    vera, vera_token = await signed_in(db, role=Role.CREATOR, name="Vera Nebula")
    ada, ada_token = await signed_in(db)
    _, bob_token = await signed_in(db)
    await follow(db, ada, vera)
    phone = await sockets.open(server, token=ada_token)
    laptop = await sockets.open(server, token=ada_token)
    bob = await sockets.open(server, token=bob_token)
    creator = await sockets.open(server, token=vera_token)

    video = await make_video(db, vera, title="Perseids over the Alps")
    assert await fan_out(db, video.id) == 1
    [event] = await phone.wait_event("notification.new")
    assert set(event) == {"id", "kind", "text", "url", "createdAt", "unreadCount"}
    assert event["kind"] == "VIDEO_PUBLISHED"
    assert event["text"] == "Vera Nebula published “Perseids over the Alps”"
    assert event["url"] == f"/video/{video.id}"
    assert event["unreadCount"] == 1
    assert await laptop.wait_event("notification.new") == [event]

    # Reading on one device clears the badge on the others.
    async with db.unit_of_work() as session:
        await notification_service.mark_read(session, actor(ada), None)
    [read] = await laptop.wait_event("notification.read")
    assert read == {"unreadCount": 0}

    await asyncio.sleep(QUIET)
    assert bob.received("notification.new") == []
    assert creator.received("notification.new") == []
    assert len(phone.received("notification.new")) == 1
