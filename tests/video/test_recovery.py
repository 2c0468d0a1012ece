"""A job that was running when its worker died is picked up again."""

from __future__ import annotations

import uuid
from datetime import timedelta
from pathlib import Path

import httpx

from cosmostream.db import Database
from cosmostream.kit.time import utcnow
from cosmostream.models import Role, Video, VideoStatus
from cosmostream.video.tasks import STALLED_AFTER, process_video, recover_stalled
from cosmostream.worker import huey
from tests.factories import login, make_user, shift_time
from tests.video.test_pipeline import upload_file, wait_for_status


async def test_stalled_job_is_recovered_after_a_crash(
    client: httpx.AsyncClient, db: Database, clip: Path
) -> None:
    creator = await make_user(db, role=Role.CREATOR)
    token = str((await login(db, creator)).access_token)
    # No worker runs: the upload completes and the job waits in the queue.
    video_id = await upload_file(client, token, clip.read_bytes(), "clip.mp4")
    assert huey.pending_count() == 1
    # The worker takes the job and dies mid-way: the queue entry is gone, the
    # video says PROCESSING with a heartbeat that will never be refreshed.
    huey.flush()
    async with db.unit_of_work() as session:
        video = await session.get(Video, uuid.UUID(video_id))
        assert video is not None
        video.heartbeat_at = utcnow()
        video.status_message = "Encoding…"
    async with db.unit_of_work() as session:
        assert await recover_stalled(session) == 0  # still looks alive
    with shift_time(STALLED_AFTER + timedelta(seconds=5)):
        async with db.unit_of_work() as session:
            assert await recover_stalled(session) == 1
    assert huey.pending_count() == 1
    from cosmostream import worker

    consumer = worker.EmbeddedConsumer(workers=1)
    consumer.start()
    try:
        video = await wait_for_status(db, video_id, VideoStatus.READY, VideoStatus.FAILED)
    finally:
        consumer.stop()
    assert video.status is VideoStatus.READY
    assert video.attempts == 1


async def test_duplicate_job_skips_a_video_being_processed(
    client: httpx.AsyncClient, db: Database, clip: Path
) -> None:
    creator = await make_user(db, role=Role.CREATOR)
    token = str((await login(db, creator)).access_token)
    video_id = await upload_file(client, token, clip.read_bytes(), "clip.mp4")
    async with db.unit_of_work() as session:
        video = await session.get(Video, uuid.UUID(video_id))
        assert video is not None
        video.heartbeat_at = utcnow()  # another worker is on it
    import asyncio

    result = await asyncio.to_thread(process_video.call_local, video_id)
    assert result == "busy"
