"""The video status machine: which moves are allowed, and what each one announces."""

from __future__ import annotations

import pytest

from cosmostream.db import Database
from cosmostream.models import Role, VideoStatus
from cosmostream.video.errors import InvalidVideoState
from cosmostream.video.repository import video_repository
from cosmostream.video.service import video_service
from cosmostream.worker import huey
from tests.factories import finish_processing, make_user, make_video


async def test_a_draft_cannot_skip_processing(db: Database) -> None:
    owner = await make_user(db, role=Role.CREATOR)
    draft = await make_video(db, owner, ready=False)
    async with db.unit_of_work() as session:
        video = await video_repository.get_for_update(session, draft.id)
        assert video is not None and video.status is VideoStatus.UPLOADING
        with pytest.raises(InvalidVideoState):
            await video_service.mark_ready(session, video, renditions=[], images={})
        with pytest.raises(InvalidVideoState):
            video_service.mark_failed(video, code="boom")
        with pytest.raises(InvalidVideoState):
            video_service.report_progress(video, progress=0.5)


async def test_a_ready_video_stays_ready(db: Database) -> None:
    owner = await make_user(db, role=Role.CREATOR)
    ready = await make_video(db, owner)
    async with db.unit_of_work() as session:
        video = await video_repository.get_for_update(session, ready.id)
        assert video is not None and video.status is VideoStatus.READY
        for move in (video_service.mark_processing, video_service.mark_retrying):
            with pytest.raises(InvalidVideoState):
                move(video)
        with pytest.raises(InvalidVideoState):
            video_service.mark_rejected(video, message="no", code="no")


async def test_failed_video_is_queued_again_and_can_finish(db: Database) -> None:
    owner = await make_user(db, role=Role.CREATOR)
    draft = await make_video(db, owner, ready=False)
    async with db.unit_of_work() as session:
        video = await video_repository.get_for_update(session, draft.id)
        assert video is not None
        video_service.mark_processing(video)
        assert video_service.start_attempt(video) == 1
        video_service.mark_failed(video, code="transcode_failed")
        assert video.heartbeat_at is None
    before = huey.pending_count()
    async with db.unit_of_work() as session:
        video = await video_repository.get_for_update(session, draft.id)
        assert video is not None and video.status is VideoStatus.FAILED
        video_service.start_processing(video)
        assert video.status is VideoStatus.PROCESSING and video.status_code is None
    assert huey.pending_count() == before + 1
    async with db.unit_of_work() as session:
        video = await video_repository.get_for_update(session, draft.id)
        assert video is not None
        await finish_processing(session, video)
        assert video.status is VideoStatus.READY and video.listed


async def test_a_failed_video_is_no_longer_playable(db: Database) -> None:
    """Watching started while it was processing; once it fails, nothing half-made is offered."""
    owner = await make_user(db, role=Role.CREATOR)
    draft = await make_video(db, owner, ready=False)
    async with db.unit_of_work() as session:
        video = await video_repository.get_for_update(session, draft.id)
        assert video is not None
        video.source_key = f"originals/{video.id}/source.mp4"
        video_service.mark_processing(video)
        video_service.start_attempt(video)
        video_service.report_probe(video, duration=60, width=640, height=360)
        video_service.mark_playable(video, progress=0.3)
        video_service.mark_failed(video, code="transcode_failed")
        assert (video.status, video.playable) == (VideoStatus.FAILED, False)
        assert video.source_key == f"originals/{video.id}/source.mp4"  # a retry needs it
