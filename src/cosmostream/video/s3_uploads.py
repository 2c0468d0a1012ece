"""Uploads straight to the bucket (`STORAGE_BACKEND=s3`): presigned multipart uploads.

The flow, all in GraphQL:

1. `createVideo` picks the key (`originals/<video>/source.<ext>`), starts a
   multipart upload and records it in the draft's `Upload` row; the answer
   carries the part size (`maxChunkSize`).
2. `presignVideoUploadParts` hands out short-lived URLs, one per part number
   (at most 100 per call); the client PUTs each part to its URL.
3. `completeVideoUpload`: the server lists the parts itself (client ETags are
   never trusted), checks numbering, sizes and total against the declared
   size, completes the upload and starts processing.
4. `abortVideoUpload` gives up; unfinished uploads also expire and are
   aborted by the clean-up task, together with any multipart upload under
   `originals/` that no `Upload` row knows about.

S3's rules apply: at most 10,000 parts, each 5 MiB to 5 GiB except the last.
"""

from __future__ import annotations

import asyncio
import logging
import math
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from cosmostream import effects
from cosmostream.account.schemas import Actor
from cosmostream.config import get_settings
from cosmostream.db import Database
from cosmostream.errors import Conflict, NotAuthenticated, ValidationFailed
from cosmostream.kit.ids import parse_uuid
from cosmostream.kit.time import utcnow
from cosmostream.models import Upload, Video, VideoStatus
from cosmostream.storage import S3Storage, s3_error_code, storage_from_settings
from cosmostream.video.errors import UploadNotFound, UploadTooLarge, VideoNotFound
from cosmostream.video.policy import can_manage
from cosmostream.video.repository import upload_repository, video_repository
from cosmostream.video.service import video_service

log = logging.getLogger(__name__)

PROTOCOL = "s3-multipart"
MIB = 1 << 20
MIN_PART = 5 * MIB
MAX_PART = 5 << 30
MAX_PARTS = 10_000
MAX_PRESIGN = 100
ORIGINALS = "originals/"


@dataclass(frozen=True)
class PresignedPart:
    part_number: int
    url: str
    expires_at: datetime


def s3_mode() -> bool:
    """Whether clients upload straight to the bucket (else with tus, through the app)."""
    return storage_from_settings(get_settings()).s3_bucket() is not None


def s3_storage() -> S3Storage:
    bucket = storage_from_settings(get_settings()).s3_bucket()
    if bucket is None:
        raise Conflict(
            "This server stores files locally: upload with tus at /uploads/.", code="not_s3"
        )
    return bucket


def part_size_for(size: int, preferred: int | None = None) -> int:
    """The part size for a file: the preferred size, raised (in whole MiB) to fit 10,000 parts."""
    wanted = max(preferred or get_settings().s3_part_size, MIN_PART, math.ceil(size / MAX_PARTS))
    part = math.ceil(wanted / MIB) * MIB
    if part > MAX_PART:
        raise UploadTooLarge(
            "This file is too large for one upload (at most 10,000 parts of 5 GiB)."
        )
    return part


def max_part_number(size: int) -> int:
    """The highest part number a valid upload of `size` bytes can use.

    Every part but the last holds at least 5 MiB, so more parts than this can
    never complete; presigning them would only let a client park bytes.
    """
    return min(MAX_PARTS, max(1, (size - 1) // MIN_PART + 1))


def source_key(video_id: uuid.UUID, filename: str) -> str:
    """Our name for the original; only a short alphanumeric extension is kept."""
    extension = Path(filename).suffix.lower()
    ok = extension.isascii() and 2 <= len(extension) <= 6 and extension[1:].isalnum()
    return f"originals/{video_id}/source{extension if ok else '.bin'}"


def _ranges(numbers: list[int], limit: int = 8) -> str:
    """`[1, 2, 3, 7]` -> `1-3, 7` (at most `limit` runs, then `...`)."""
    runs: list[str] = []
    start = prev = numbers[0]
    for n in [*numbers[1:], None]:
        if n is not None and n == prev + 1:
            prev = n
            continue
        runs.append(str(start) if start == prev else f"{start}-{prev}")
        if n is not None:
            start = prev = n
    return ", ".join(runs[:limit]) + (", ..." if len(runs) > limit else "")


def check_parts(parts: list[dict[str, Any]], length: int) -> None:
    """Refuse anything but parts 1..N, each ≥ 5 MiB but the last, adding up to `length`."""
    if not parts:
        raise Conflict("No part has been uploaded yet.", code="upload_incomplete")
    total = sum(int(p["Size"]) for p in parts)
    if total > length:
        raise UploadTooLarge(
            f"The parts hold {total} bytes, more than the declared size of {length} bytes."
        )
    numbers = [int(p["PartNumber"]) for p in parts]
    missing = sorted(set(range(1, max(numbers) + 1)) - set(numbers))
    if missing:
        raise Conflict(
            f"Parts {_ranges(missing)} have not been uploaded.", code="upload_incomplete"
        )
    small = [int(p["PartNumber"]) for p in parts[:-1] if int(p["Size"]) < MIN_PART]
    if small:
        raise Conflict(
            f"Parts {_ranges(small)} are smaller than 5 MiB; only the last part may be.",
            code="part_too_small",
        )
    if total < length:
        raise Conflict(
            f"{total} of {length} bytes have arrived: upload the parts after part {max(numbers)}.",
            code="upload_incomplete",
        )


async def _abort_later(storage: S3Storage, key: str, upload_id: str) -> None:
    await asyncio.to_thread(storage.abort_multipart, key, upload_id)


class S3UploadService:
    async def start(
        self, session: AsyncSession, actor: Actor, video: Video, size: int
    ) -> tuple[Upload, int]:
        """Start the multipart upload of a new draft; returns its row and the part size."""
        settings = get_settings()
        storage = s3_storage()
        part_size = part_size_for(size)
        key = source_key(video.id, video.source_name)
        # Never served from the bucket as what it claims to be: it is the raw upload.
        upload_id = await asyncio.to_thread(
            storage.create_multipart, key, "application/octet-stream"
        )
        effects.on_rollback(lambda: _abort_later(storage, key, upload_id))
        now = utcnow()
        upload = Upload(
            video_id=video.id,
            owner_id=actor.id,
            backend="s3",
            length=size,
            offset=0,
            filename=video.source_name,
            s3_key=key,
            s3_upload_id=upload_id,
            created_at=now,
            updated_at=now,
            expires_at=now + timedelta(seconds=settings.upload_expiry_seconds),
        )
        session.add(upload)
        await session.flush()
        return upload, part_size

    async def _pending(
        self, session: AsyncSession, actor: Actor | None, video_id: uuid.UUID, *, lock: bool
    ) -> tuple[Upload, str, str]:
        """The actor's unfinished S3 upload with its key and id; anyone else sees no video."""
        if actor is None:
            raise NotAuthenticated()
        get = video_repository.get_for_update if lock else video_repository.get
        video = await get(session, video_id)
        if video is None or not can_manage(actor, video):
            raise VideoNotFound()
        upload = await upload_repository.get_by_video(session, video_id)
        if video.status is not VideoStatus.UPLOADING or (upload and upload.completed_at):
            raise Conflict("This video already has its file.", code="already_uploaded")
        if (
            upload is None
            or upload.backend != "s3"
            or not upload.s3_key
            or not upload.s3_upload_id
            or upload.expires_at <= utcnow()
        ):
            raise UploadNotFound()
        return upload, upload.s3_key, upload.s3_upload_id

    async def presign(
        self,
        session: AsyncSession,
        actor: Actor | None,
        video_id: uuid.UUID,
        part_numbers: list[int],
    ) -> list[PresignedPart]:
        """Short-lived PUT URLs for the given parts; each call keeps the upload alive."""
        settings = get_settings()
        storage = s3_storage()
        numbers = list(dict.fromkeys(part_numbers))
        if not numbers:
            raise ValidationFailed("Ask for at least one part.", field="partNumbers")
        if len(numbers) > MAX_PRESIGN:
            raise ValidationFailed(
                f"Ask for at most {MAX_PRESIGN} parts at a time.", field="partNumbers"
            )
        upload, key, upload_id = await self._pending(session, actor, video_id, lock=True)
        highest = max_part_number(upload.length)
        wrong = [n for n in numbers if not 1 <= n <= highest]
        if wrong:
            raise ValidationFailed(
                f"Part numbers run from 1 to {highest} for this file "
                f"(got {', '.join(map(str, wrong[:5]))}).",
                field="partNumbers",
            )
        ttl = settings.s3_presign_ttl_seconds
        now = utcnow()
        urls = await asyncio.to_thread(
            lambda: [storage.presign_part(key, upload_id, n, ttl) for n in numbers]
        )
        upload.updated_at = now
        upload.expires_at = max(
            upload.expires_at, now + timedelta(seconds=settings.upload_expiry_seconds)
        )
        expires_at = now + timedelta(seconds=ttl)
        return [PresignedPart(n, url, expires_at) for n, url in zip(numbers, urls, strict=True)]

    async def complete(self, db: Database, actor: Actor | None, video_id: uuid.UUID) -> None:
        """Check the uploaded parts, assemble the original and start processing.

        Runs its own short transactions: no database lock is held while S3
        lists and assembles the parts.
        """
        storage = s3_storage()
        async with db.read() as session:
            upload, key, upload_id = await self._pending(session, actor, video_id, lock=False)
        length = upload.length
        try:
            parts: list[dict[str, Any]] | None = await asyncio.to_thread(
                storage.list_parts, key, upload_id
            )
        except FileNotFoundError:
            parts = None
        if parts is not None:
            check_parts(parts, length)
            try:
                await asyncio.to_thread(storage.complete_multipart, key, upload_id, parts)
            except FileNotFoundError:
                parts = None
            except Exception as exc:
                if s3_error_code(exc) in ("InvalidPart", "InvalidPartOrder", "EntityTooSmall"):
                    # A part was replaced between our listing and the assembly.
                    raise Conflict(
                        "The parts changed while the upload was being completed; try again.",
                        code="upload_incomplete",
                    ) from None
                raise
        # The upload is gone: completed by a parallel request, or aborted.
        if parts is None and await asyncio.to_thread(storage.size, key) != length:
            raise UploadNotFound()
        async with db.unit_of_work() as session:
            video = await video_repository.get_for_update(session, video_id)
            locked = await upload_repository.get_for_update(session, upload.id)
            if video is None or locked is None:
                # Deleted meanwhile: don't leave the assembled original behind.
                await asyncio.to_thread(storage.delete, key)
                raise VideoNotFound()
            if locked.completed_at is not None:
                return  # a parallel completion got here first
            locked.completed_at = utcnow()
            locked.offset = length
            locked.updated_at = locked.completed_at
            video.source_key = key
            video.source_size = length
            video_service.start_processing(video)

    async def abort(self, session: AsyncSession, actor: Actor | None, video_id: uuid.UUID) -> None:
        """Give up the upload: its parts are freed; the draft stays, awaiting a file."""
        storage = s3_storage()
        upload, key, upload_id = await self._pending(session, actor, video_id, lock=True)
        await session.delete(upload)
        effects.after_commit(lambda: _abort_later(storage, key, upload_id))

    async def purge(self, session: AsyncSession) -> int:
        """Abort expired uploads and multipart uploads nobody knows about; returns how many."""
        settings = get_settings()
        storage = s3_storage()
        now = utcnow()
        aborted = 0
        expired = [u for u in await upload_repository.expired(session, now) if u.backend == "s3"]
        for upload in expired:
            if upload.s3_key and upload.s3_upload_id:
                try:
                    await asyncio.to_thread(
                        storage.abort_multipart, upload.s3_key, upload.s3_upload_id
                    )
                except Exception:
                    # Left to the orphan sweep of a later run.
                    log.warning("could not abort upload %s", upload.s3_upload_id, exc_info=True)
            await session.delete(upload)
            aborted += 1
        gone = {u.s3_upload_id for u in expired}
        cutoff = now - timedelta(seconds=settings.upload_expiry_seconds)
        listed = await asyncio.to_thread(storage.list_multipart_uploads, ORIGINALS)
        for key, upload_id, initiated in listed:
            if initiated > cutoff or upload_id in gone:
                continue
            parts = key.split("/")
            video_id = parse_uuid(parts[1]) if len(parts) == 3 else None
            row = await upload_repository.get_by_video(session, video_id) if video_id else None
            if row is not None and row.s3_upload_id == upload_id and row.completed_at is None:
                continue  # still in progress (presigning keeps it alive past its start)
            try:
                await asyncio.to_thread(storage.abort_multipart, key, upload_id)
            except Exception:
                log.warning("could not abort orphan upload %s", upload_id, exc_info=True)
                continue
            aborted += 1
        return aborted


s3_upload_service = S3UploadService()
