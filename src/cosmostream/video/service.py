"""Videos: drafts, metadata, visibility, processing state and deletion.

Who may see a video is `video.policy`. A video's status moves only through
the transitions below (`create_draft`, `mark_processing`, `report_progress`,
`mark_playable`, `mark_ready`, `mark_rejected`, `mark_failed`), used by the
upload services, the processing job and the test factories alike; each one
checks the move is allowed and tells the `video:{id}` room. A video can be
watched as soon as it is playable, which happens while it is still being
processed.
"""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from cosmostream import effects
from cosmostream.account.repository import category_repository
from cosmostream.account.schemas import Actor
from cosmostream.config import get_settings
from cosmostream.errors import NotAuthenticated, PermissionDenied, ValidationFailed
from cosmostream.kit.ids import parse_uuid
from cosmostream.kit.time import utcnow
from cosmostream.models import Upload, Video, VideoStatus, Visibility
from cosmostream.search.service import search_service
from cosmostream.storage import storage_from_settings
from cosmostream.video import public_cache
from cosmostream.video.errors import (
    EmptyUpload,
    InvalidVideoState,
    QuotaExceeded,
    UploadTooLarge,
    VideoNotFound,
)
from cosmostream.video.policy import can_manage, can_view
from cosmostream.video.repository import upload_repository, video_repository
from cosmostream.video.schemas import VideoCreate, VideoUpdate

# The statuses each status may move to. PROCESSING → PROCESSING is a job
# started again (a stalled worker's video picked up by recovery).
NEXT_STATUSES: dict[VideoStatus, frozenset[VideoStatus]] = {
    VideoStatus.UPLOADING: frozenset({VideoStatus.PROCESSING}),
    VideoStatus.PROCESSING: frozenset(
        {VideoStatus.PROCESSING, VideoStatus.READY, VideoStatus.FAILED, VideoStatus.REJECTED}
    ),
    VideoStatus.FAILED: frozenset({VideoStatus.PROCESSING}),
    VideoStatus.READY: frozenset(),
    VideoStatus.REJECTED: frozenset(),
}
FAILED_MESSAGE = "Processing failed. You can try again from your content page."
ORIGINAL_LOST_MESSAGE = "Processing failed and the uploaded file is gone. Upload it again."
RETRYING_MESSAGE = "Processing hit a problem; retrying…"


def video_room(video_id: uuid.UUID) -> str:
    return f"video:{video_id}"


class VideoService:
    async def create(self, session: AsyncSession, actor: Actor, data: VideoCreate) -> Video:
        """Create a draft video awaiting its upload (creators and admins only)."""
        if not actor.is_creator:
            raise PermissionDenied("Only creators can upload videos. Ask for a creator account.")
        if data.size == 0:
            raise EmptyUpload(field="size")
        settings = get_settings()
        if data.size > settings.max_upload_bytes:
            raise UploadTooLarge(
                f"Files can be at most {settings.max_upload_bytes / (1 << 30):.0f} GiB."
            )
        await self.reserve(session, actor, data.size)
        return await self.create_draft(session, actor.id, data)

    async def reserve(self, session: AsyncSession, actor: Actor, size: int) -> None:
        """Refuse `size` more bytes that would take the actor over their quota.

        Drafts count by their declared size, which their upload must then match
        (`upload_length_mismatch`), so what is reserved is what can arrive.
        """
        used = await video_repository.stored_bytes(session, actor.id)
        if used + size > get_settings().user_quota_bytes:
            raise QuotaExceeded()

    async def create_draft(
        self, session: AsyncSession, owner_id: uuid.UUID, data: VideoCreate
    ) -> Video:
        """The first state of every video: a draft (UPLOADING) awaiting its file of
        `data.size` bytes, which it reserves against its owner's quota."""
        category_id = await self._category_id(session, data.category_slug)
        video = Video(
            owner_id=owner_id,
            title=data.title,
            description=data.description.strip(),
            category_id=category_id,
            visibility=data.visibility,
            status=VideoStatus.UPLOADING,
            source_name=data.filename[:255],
            source_size=data.size,
            renditions=[],
            images={},
        )
        session.add(video)
        await session.flush()
        await video_repository.set_tags(session, video, data.tags)
        return video

    async def _category_id(self, session: AsyncSession, slug: str | None) -> uuid.UUID | None:
        if not slug:
            return None
        category = await category_repository.get_by_slug(session, slug)
        if category is None:
            raise ValidationFailed("Unknown category.", field="category")
        return category.id

    async def get(self, session: AsyncSession, actor: Actor | None, video_id: uuid.UUID) -> Video:
        video = await video_repository.get_full(session, video_id)
        if video is None or not can_view(actor, video):
            raise VideoNotFound()
        return video

    async def get_managed(
        self, session: AsyncSession, actor: Actor | None, video_id: uuid.UUID
    ) -> Video:
        """A video its owner or an admin may edit, fully loaded (the manage view,
        and every change below). Anyone else gets `PermissionDenied` for a video
        they can watch anyway, and `VideoNotFound` for one they cannot see."""
        if actor is None:
            raise NotAuthenticated()
        video = await video_repository.get_full(session, video_id)
        if video is None or (not can_view(actor, video) and not can_manage(actor, video)):
            raise VideoNotFound()
        if not can_manage(actor, video):
            raise PermissionDenied()
        return video

    async def list_mine(self, session: AsyncSession, actor: Actor) -> list[Video]:
        return await video_repository.list_by_owner(session, actor.id)

    async def update(
        self, session: AsyncSession, actor: Actor, video_id: uuid.UUID, data: VideoUpdate
    ) -> Video:
        video = await self.get_managed(session, actor, video_id)
        if data.title is not None:
            title = " ".join(data.title.split())
            if not title:
                raise ValidationFailed("Enter a title.", field="title")
            video.title = title
        if data.description is not None:
            video.description = data.description.strip()
        if data.category_slug is not None:
            video.category_id = await self._category_id(session, data.category_slug or None)
        if data.visibility is not None:
            video.visibility = data.visibility
            # This process's media visibility cache must not serve it for 5 more seconds.
            effects.after_commit(lambda: public_cache.forget(video_id))
        if data.premium is not None and data.premium is not video.premium:
            video.premium = data.premium
            # Premium media is never public: this process must not serve it 5 s longer.
            effects.after_commit(lambda: public_cache.forget(video_id))
        if data.preview_seconds is not None:
            video.preview_seconds = data.preview_seconds or None
        if data.tags is not None:
            await video_repository.set_tags(session, video, data.tags)
        await session.flush()
        await self.refresh_listing(session, video)
        refreshed = await video_repository.get_full(session, video.id)
        assert refreshed is not None
        return refreshed

    async def delete(self, session: AsyncSession, actor: Actor, video_id: uuid.UUID) -> None:
        """Delete a video and, once that has committed, every file stored for it."""
        video = await self.get_managed(session, actor, video_id)
        upload = await upload_repository.get_by_video(session, video.id)
        settings = get_settings()
        storage = storage_from_settings(settings)
        part = settings.uploads_dir / f"{upload.id}.bin" if upload else None
        multipart = (
            (upload.s3_key, upload.s3_upload_id)
            if upload and upload.s3_key and upload.s3_upload_id and not upload.completed_at
            else None
        )
        await search_service.remove(session, video.id)
        await session.delete(video)

        def remove_files() -> None:
            bucket = storage.s3_bucket()
            if multipart is not None and bucket is not None:
                bucket.abort_multipart(*multipart)
            for prefix in (f"originals/{video_id}", f"hls/{video_id}", f"images/{video_id}"):
                storage.delete_prefix(prefix)
            if part is not None:
                part.unlink(missing_ok=True)

        if storage.is_local:
            effects.after_commit(remove_files)
        else:
            # Network calls: off the event loop.
            effects.after_commit(lambda: asyncio.to_thread(remove_files))

    async def retry(self, session: AsyncSession, actor: Actor, video_id: uuid.UUID) -> Video:
        """Run processing again for a video whose processing failed."""
        video = await self.get_managed(session, actor, video_id)
        if video.status is not VideoStatus.FAILED or not video.source_key:
            raise InvalidVideoState("Only a failed video can be processed again.")
        self.start_processing(video)
        return video

    async def choose_thumbnail(
        self, session: AsyncSession, actor: Actor, video_id: uuid.UUID, index: int
    ) -> Video:
        """Make one of the generated candidates the poster."""
        video = await self.get_managed(session, actor, video_id)
        candidates = list(video.images.get("candidates") or [])
        if not 0 <= index < len(candidates):
            raise ValidationFailed("There is no such thumbnail.", field="index")
        chosen = candidates[index]
        # JSON columns are replaced, not mutated, so the change is saved.
        video.images = {**video.images, "poster": {"player": chosen, "card": chosen}}
        return video

    async def refresh_listing(self, session: AsyncSession, video: Video) -> None:
        """Keep what discovery derives from a video in step with it: `listed`
        (public and ready), the first publication time, the search index, and
        the followers' notification on first publication. Call after any change
        of visibility, status or searchable text."""
        listed = video.visibility is Visibility.PUBLIC and video.status is VideoStatus.READY
        first = listed and video.published_at is None
        video.listed = listed
        if first:
            video.published_at = utcnow()
        await session.flush()
        await search_service.sync(session, video)
        if first:
            # The fan-out runs as a task after commit, so a creator with many
            # followers does not hold up the transaction that published.
            effects.enqueue("notification.video_published", str(video.id))

    # -- the processing state machine ------------------------------------------
    # Transitions work on a video the caller has loaded for update in its unit of
    # work; they check the move, change the state and tell the `video:{id}` room.

    def start_processing(self, video: Video) -> None:
        """Queue the processing job for a video whose original is stored."""
        self.mark_processing(video)
        effects.enqueue("video.process", str(video.id))

    def mark_processing(self, video: Video) -> None:
        """Waiting for a worker (after the upload, a retry, or a stalled job)."""
        _move(video, VideoStatus.PROCESSING)
        video.status_message = "Waiting for a worker…"
        video.status_code = None
        video.processing_progress = 0.0
        video.heartbeat_at = None
        publish_status(video)

    def start_attempt(self, video: Video) -> int:
        """A worker takes the job; returns which attempt this is."""
        _require_processing(video)
        video.attempts += 1
        self.report_progress(video, message="Checking the file…")
        return video.attempts

    def report_probe(self, video: Video, *, duration: float, width: int, height: int) -> None:
        """The original was probed and is being encoded (from the start on a re-run)."""
        _require_processing(video)
        video.duration_seconds = duration
        video.width, video.height = width, height
        video.playable = False
        self.report_progress(video, progress=0.0, message="Encoding…")

    def report_progress(
        self, video: Video, *, progress: float | None = None, message: str | None = None
    ) -> None:
        """Progress of the running job; also its heartbeat, which marks the job as taken."""
        _require_processing(video)
        if progress is not None:
            video.processing_progress = progress
        if message is not None:
            video.status_message = message
        video.heartbeat_at = utcnow()
        publish_status(video)

    def mark_playable(self, video: Video, *, progress: float, message: str | None = None) -> None:
        """Every rung has its first segments: viewers can start watching."""
        _require_processing(video)
        video.playable = True
        self.report_progress(video, progress=progress, message=message)

    def mark_retrying(self, video: Video) -> None:
        """The job hit a transient problem and lets go until the queue retries it."""
        _require_processing(video)
        video.status_message = RETRYING_MESSAGE
        video.heartbeat_at = None
        publish_status(video)

    async def mark_ready(
        self,
        session: AsyncSession,
        video: Video,
        *,
        renditions: list[dict[str, Any]],
        images: dict[str, Any],
    ) -> None:
        """Processing is done: the whole ladder and the images are stored."""
        _move(video, VideoStatus.READY)
        video.status_message = ""
        video.processing_progress = 1.0
        video.playable = True
        video.processed_at = utcnow()
        video.renditions = renditions
        video.images = images
        video.heartbeat_at = None
        await self.refresh_listing(session, video)
        publish_status(video)

    def mark_rejected(self, video: Video, *, message: str, code: str) -> None:
        """The file is not a video we accept: nothing of it is kept or shown.

        The caller deletes the original, the ladder and the images once this
        has committed."""
        _move(video, VideoStatus.REJECTED)
        video.status_message = message
        video.status_code = code
        _forget_outputs(video)
        video.source_key = None
        video.source_size = None
        publish_status(video)

    def mark_failed(self, video: Video, *, code: str, original_kept: bool = True) -> None:
        """Processing failed for good. Whatever it produced is no longer shown (the
        caller deletes it); the original stays while a retry can use it, and the
        owner may then start again (`retry`)."""
        _move(video, VideoStatus.FAILED)
        video.status_code = code
        _forget_outputs(video)
        if original_kept:
            video.status_message = FAILED_MESSAGE
        else:
            video.status_message = ORIGINAL_LOST_MESSAGE
            video.source_key = None
            video.source_size = None
        publish_status(video)


def _forget_outputs(video: Video) -> None:
    """A video that ended without a ladder: a half-made one must not be played."""
    video.playable = False
    video.renditions = []
    video.images = {}
    video.heartbeat_at = None


def _move(video: Video, status: VideoStatus) -> None:
    if status not in NEXT_STATUSES[video.status]:
        raise InvalidVideoState(f"A {video.status.value} video cannot become {status.value}.")
    video.status = status


def _require_processing(video: Video) -> None:
    if video.status is not VideoStatus.PROCESSING:
        raise InvalidVideoState(f"A {video.status.value} video is not being processed.")


def status_payload(video: Video) -> dict[str, object]:
    return {
        "videoId": str(video.id),
        "status": video.status.value.upper(),
        "progress": round(video.processing_progress, 4),
        "playable": video.playable,
        "message": video.status_message,
    }


def publish_status(video: Video) -> None:
    effects.publish(video_room(video.id), "video.status", status_payload(video))


async def authorize_video_room(session: AsyncSession, actor: Actor | None, ident: str) -> None:
    """Processing status is for the people who may manage the video."""
    if actor is None:
        raise NotAuthenticated()
    video_id = parse_uuid(ident)
    video = await video_repository.get(session, video_id) if video_id else None
    if video is None:
        raise VideoNotFound()
    if not can_manage(actor, video):
        raise PermissionDenied()


video_service = VideoService()
__all__ = ["Upload", "authorize_video_room", "video_service"]
