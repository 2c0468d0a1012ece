"""Processing a video: probe → one-pass HLS ladder → images, on the task queue.

The job works in `<data_dir>/work/<video>/`, which holds only a link to the
original. The ladder is written straight into the served directory so that
viewers can start watching as soon as every rung has its first segment; the
playlists are EVENT playlists until ffmpeg ends, then VOD. Progress and a
heartbeat go to the database and to the `video:{id}` room; a video whose
heartbeat stops (a killed worker, a restart) is picked up again.

With S3 storage the job downloads the original into its directory, encodes
into `<job>/hls` and `<job>/images`, and mirrors finished files to the bucket
every couple of seconds (segments before the playlists that name them); the
video becomes playable once the master playlist and every rung's first
segment are in the bucket.
"""

from __future__ import annotations

import asyncio
import logging
import os
import shutil
import threading
import uuid
from collections.abc import Callable
from datetime import timedelta
from functools import partial
from pathlib import Path

import imageio_ffmpeg
from huey import crontab

from cosmostream.config import get_settings
from cosmostream.db import Database, WriteSession
from cosmostream.kit.time import utcnow
from cosmostream.media import images, transcode
from cosmostream.media.errors import MediaRejected, OriginalMissing, TranscodeFailed
from cosmostream.media.ladder import Rung, plan_ladder
from cosmostream.media.probe import ProbeLimits, ProbeResult, probe
from cosmostream.models import Video, VideoStatus
from cosmostream.storage import Storage, SyncState, storage_from_settings
from cosmostream.video.repository import video_repository
from cosmostream.video.s3_uploads import s3_mode, s3_upload_service
from cosmostream.video.service import video_service
from cosmostream.video.uploads import upload_service
from cosmostream.worker import job, periodic_task

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 3
HEARTBEAT_SECONDS = 5
S3_SYNC_SECONDS = 2.0
STALLED_AFTER = timedelta(minutes=2)


def ffmpeg_path() -> str:
    return os.environ.get("FFMPEG_PATH") or imageio_ffmpeg.get_ffmpeg_exe()


class _Progress:
    """Shared between ffmpeg's reader thread and the task's loop."""

    def __init__(self) -> None:
        self.value = 0.0
        self.lock = threading.Lock()

    def set(self, value: float) -> None:
        with self.lock:
            self.value = max(self.value, min(1.0, value))

    def get(self) -> float:
        with self.lock:
            return self.value


async def _step(db: Database, video_id: uuid.UUID, change: Callable[[Video], object]) -> None:
    """Commit one transition of the video's state; nothing when it was deleted meanwhile."""
    async with db.unit_of_work() as session:
        video = await video_repository.get_for_update(session, video_id)
        if video is not None:
            change(video)


@job("video.process", retries=MAX_ATTEMPTS - 1, retry_delay=20)
async def process_video(db: Database, video_id_text: str) -> str:
    """Process one video; safe to run again (idempotent) and to retry."""
    video_id = uuid.UUID(video_id_text)
    settings = get_settings()
    async with db.unit_of_work() as session:
        video = await video_repository.get_for_update(session, video_id)
        if video is None or video.status is not VideoStatus.PROCESSING or not video.source_key:
            return "skipped"
        if video.heartbeat_at is not None and video.heartbeat_at > utcnow() - STALLED_AFTER:
            return "busy"  # another worker is on it (a duplicate from recovery)
        attempt = video_service.start_attempt(video)
        source_key = video.source_key
    storage = storage_from_settings(settings)
    job_dir = settings.work_dir / str(video_id)
    outputs = _Outputs(storage, video_id, job_dir)
    try:
        return await _run(db, video_id, source_key, job_dir, outputs)
    except MediaRejected as rejected:
        await _step(
            db,
            video_id,
            partial(video_service.mark_rejected, message=rejected.message, code=rejected.code),
        )
        await _remove_files(storage, video_id, original=True)
        return "rejected"
    except TranscodeFailed as failed:
        log.warning("processing %s failed (attempt %d): %s", video_id, attempt, failed)
        if getattr(failed, "transient", False) and attempt < MAX_ATTEMPTS:
            await _step(db, video_id, video_service.mark_retrying)
            raise  # Huey retries after the delay
        keep = not isinstance(failed, OriginalMissing)
        # Removed while the video is still this job's (PROCESSING): once FAILED
        # commits, a retry may start writing a new ladder into the same place.
        await _remove_files(storage, video_id, original=not keep)
        await _step(
            db, video_id, partial(video_service.mark_failed, code=failed.code, original_kept=keep)
        )
        return "failed"
    finally:
        shutil.rmtree(job_dir, ignore_errors=True)


async def _remove_files(storage: Storage, video_id: uuid.UUID, *, original: bool) -> None:
    """Drop a video's ladder and images (a partial ladder must not be served), and its
    original when no retry will use it."""
    prefixes = [f"hls/{video_id}", f"images/{video_id}"]
    if original:
        prefixes.append(f"originals/{video_id}")
    for prefix in prefixes:
        try:
            await asyncio.to_thread(storage.delete_prefix, prefix)
        except Exception:
            # Not served any more (the video is not playable); deleting it later is fine.
            log.warning("removing %s failed", prefix, exc_info=True)


class _Outputs:
    """Where a job's files go. When the storage is this machine's disk, straight into
    the served directories; otherwise into the job directory, mirrored to the
    storage as they are finished (every couple of seconds, so viewers get the
    first segments early)."""

    SKIP = ("*.tmp",)  # ffmpeg's temp_file names and our own atomic writes

    def __init__(self, storage: Storage, video_id: uuid.UUID, job_dir: Path) -> None:
        self.storage = storage
        self.hls_prefix = f"hls/{video_id}"
        self.image_prefix = f"images/{video_id}"
        self.hls_dir = storage.local_path(self.hls_prefix) or job_dir / "hls"
        self.image_dir = storage.local_path(self.image_prefix) or job_dir / "images"
        self.poll_seconds = HEARTBEAT_SECONDS if storage.is_local else S3_SYNC_SECONDS
        self.hls_state: SyncState = {}

    async def fetch(self, source_key: str, job_dir: Path, source: Path) -> None:
        """A fresh job directory holding only (a copy of, or a link to) the original."""

        def prepare() -> None:
            shutil.rmtree(job_dir, ignore_errors=True)
            job_dir.mkdir(parents=True)
            self.storage.fetch(source_key, source)

        try:
            await asyncio.to_thread(prepare)
        except FileNotFoundError:
            raise OriginalMissing(detail=f"{source_key} is missing from storage") from None
        except Exception as exc:
            raise _storage_failed(exc) from exc

    async def start_hls(self) -> None:
        """A re-run starts clean, here and in the storage."""
        self.hls_state.clear()
        await self._start(self.hls_dir, self.hls_prefix)

    async def publish_hls(self, *, final: bool = False) -> bool:
        """Make what is encoded so far visible; False if that failed (retried later)."""
        try:
            await asyncio.to_thread(
                self.storage.sync_dir,
                self.hls_dir,
                self.hls_prefix,
                skip=self.SKIP,
                state=self.hls_state,
            )
        except Exception as exc:
            if final:
                raise _storage_failed(exc) from exc
            log.warning("uploading segments to %s failed; retrying", self.hls_prefix, exc_info=True)
            return False
        return True

    async def start_images(self) -> None:
        await self._start(self.image_dir, self.image_prefix)

    async def publish_images(self) -> None:
        try:
            await asyncio.to_thread(
                self.storage.sync_dir, self.image_dir, self.image_prefix, skip=self.SKIP
            )
        except Exception as exc:
            raise _storage_failed(exc) from exc

    async def _start(self, directory: Path, prefix: str) -> None:
        def clear() -> None:
            self.storage.delete_prefix(prefix)
            shutil.rmtree(directory, ignore_errors=True)
            directory.mkdir(parents=True)

        try:
            await asyncio.to_thread(clear)
        except Exception as exc:
            raise _storage_failed(exc) from exc


def _storage_failed(exc: BaseException) -> TranscodeFailed:
    return TranscodeFailed(
        "Storing the video failed.", transient=True, detail=f"{type(exc).__name__}: {exc}"
    )


async def _run(
    db: Database, video_id: uuid.UUID, source_key: str, job_dir: Path, outputs: _Outputs
) -> str:
    settings = get_settings()
    suffix = Path(source_key).suffix
    source = job_dir / f"input{suffix if suffix[1:].isalnum() else ''}"
    await outputs.fetch(source_key, job_dir, source)
    info: ProbeResult = await asyncio.to_thread(
        probe, source, ProbeLimits(max_bytes=settings.max_upload_bytes)
    )
    rungs: list[Rung] = plan_ladder(info)
    await _step(
        db,
        video_id,
        partial(
            video_service.report_probe, duration=info.duration, width=info.width, height=info.height
        ),
    )
    out_dir = outputs.hls_dir
    await outputs.start_hls()
    ffmpeg = ffmpeg_path()
    cmd = transcode.build_command(
        ffmpeg, source, info, rungs, out_dir, preset=settings.transcode_preset
    )
    progress = _Progress()
    timeout = max(
        settings.transcode_min_timeout_seconds, info.duration * settings.transcode_timeout_factor
    )
    runner = asyncio.create_task(
        asyncio.to_thread(
            transcode.run_transcode,
            cmd,
            duration=info.duration,
            on_progress=progress.set,
            timeout=timeout,
            stall_timeout=settings.transcode_stall_seconds,
        )
    )
    playable = False
    while not runner.done():
        await asyncio.wait({runner}, timeout=1.0 if not playable else outputs.poll_seconds)
        if not playable and transcode.first_segments_ready(out_dir, len(rungs)):
            await asyncio.to_thread(transcode.write_master_playlist, out_dir, rungs, info)
            if await outputs.publish_hls():
                playable = True
                await _step(
                    db,
                    video_id,
                    partial(video_service.mark_playable, progress=progress.get() * 0.9),
                )
        elif not runner.done():
            await outputs.publish_hls()
            await _step(
                db, video_id, partial(video_service.report_progress, progress=progress.get() * 0.9)
            )
    runner.result()  # re-raise a transcode failure
    await asyncio.to_thread(transcode.finalize_playlists, out_dir)
    await asyncio.to_thread(transcode.write_master_playlist, out_dir, rungs, info)
    await outputs.publish_hls(final=True)
    await _step(
        db,
        video_id,
        partial(
            video_service.mark_playable, progress=0.92, message="Making the poster and previews…"
        ),
    )
    image_dir = outputs.image_dir
    await outputs.start_images()
    posters = await asyncio.to_thread(images.make_poster, ffmpeg, source, info, image_dir)
    candidates = await asyncio.to_thread(
        images.make_thumbnail_candidates, ffmpeg, source, info, image_dir
    )
    sheet, vtt = await asyncio.to_thread(images.make_storyboard, ffmpeg, source, info, image_dir)
    renditions = await asyncio.to_thread(transcode.probe_output, out_dir)
    await outputs.publish_images()

    def key(path: Path) -> str:
        return f"images/{video_id}/{path.relative_to(image_dir).as_posix()}"

    async with db.unit_of_work() as session:
        video = await video_repository.get_for_update(session, video_id)
        if video is not None:
            await video_service.mark_ready(
                session,
                video,
                renditions=renditions,
                images={
                    # "player"/"card" are WebP; the JPEGs serve clients without WebP.
                    "poster": {
                        name.removesuffix("_webp"): key(path) for name, path in posters.items()
                    },
                    "candidates": [key(p) for p in candidates],
                    "storyboard": key(sheet),
                    "storyboard_vtt": key(vtt),
                },
            )
    return "ready"


async def recover_stalled(session: WriteSession) -> int:
    """Re-enqueue videos whose processing stopped reporting (crash, restart, kill)."""
    before = utcnow() - STALLED_AFTER
    ids = await video_repository.stalled(session, before)
    recovered = 0
    for video_id in ids:
        video = await video_repository.get_for_update(session, video_id)
        # Locked now: a job may have finished it, or reported, since the select.
        if video is None or video.status is not VideoStatus.PROCESSING:
            continue
        if video.heartbeat_at is not None and video.heartbeat_at >= before:
            continue
        video_service.start_processing(video)
        recovered += 1
    return recovered


async def purge_uploads(session: WriteSession) -> int:
    """Forget expired uploads; with S3, abort them and orphaned multipart uploads first."""
    aborted = 0
    if s3_mode():
        aborted = await s3_upload_service.purge(session)
    return aborted + await upload_service.purge_expired(session)


recover_stalled_task = periodic_task("video.recover_stalled", crontab(minute="*"))(recover_stalled)
purge_uploads_task = periodic_task("video.purge_uploads", crontab(minute="23"))(purge_uploads)
