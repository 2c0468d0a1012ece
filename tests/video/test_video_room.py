"""The `video:{id}` room: who may follow a video's processing, and what they receive."""

from __future__ import annotations

from cosmostream.models import Role
from cosmostream.video.repository import video_repository
from cosmostream.video.schemas import VideoCreate
from cosmostream.video.service import video_service
from tests.core.test_realtime import Served, Sockets, actor_for, signed_in


async def test_only_owner_and_admins_follow_processing(server: Served, sockets: Sockets) -> None:
    db = server.db
    _, owner_token = await signed_in(db, role=Role.CREATOR)
    _, other_token = await signed_in(db, role=Role.CREATOR)
    _, admin_token = await signed_in(db, role=Role.ADMIN)
    async with db.unit_of_work() as session:
        actor = await actor_for(session, owner_token)
        video = await video_service.create(
            session, actor, VideoCreate(title="Lunar eclipse", size=1000)
        )
    room = f"video:{video.id}"
    mine = await sockets.open(server, token=owner_token)
    assert (await mine.join(room))["ok"] is True
    admin = await sockets.open(server, token=admin_token)
    assert (await admin.join(room))["ok"] is True
    stranger = await sockets.open(server, token=other_token)
    denied = await stranger.join(room)
    assert denied["error"]["code"] == "forbidden"
    anonymous = await sockets.open(server)
    assert (await anonymous.join(room))["error"]["code"] == "not_authenticated"
    missing = await mine.join("video:0190a0c0-0000-7000-8000-000000000000")
    assert missing["error"]["code"] == "video_not_found"

    async with db.unit_of_work() as session:
        locked = await video_repository.get_for_update(session, video.id)
        assert locked is not None
        locked.source_key = f"originals/{video.id}/source.mp4"
        video_service.start_processing(locked)
    [event] = await mine.wait_event("video.status")
    assert event["videoId"] == str(video.id)
    assert event["status"] == "PROCESSING"
    assert await admin.wait_event("video.status")
    assert stranger.received("video.status") == []
