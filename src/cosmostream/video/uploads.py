"""Resumable uploads (tus 1.0.0 semantics) for local storage.

Bytes go to `<data_dir>/uploads/<upload>.bin`; the committed offset lives in
the database and is only advanced after the bytes are fsynced, so a crash or
restart never loses a committed byte (anything past the committed offset is
cut off when the next PATCH starts). PATCHes to one upload are serialized by
an exclusive file lock, which also holds across processes.
"""

from __future__ import annotations

import asyncio
import base64
import fcntl
import hashlib
import os
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession

from cosmostream import effects
from cosmostream.account.schemas import Actor
from cosmostream.config import get_settings
from cosmostream.db import Database
from cosmostream.errors import AppError, BadRequest, Conflict, NotAuthenticated
from cosmostream.kit.time import utcnow
from cosmostream.models import Upload, VideoStatus
from cosmostream.storage import storage_from_settings
from cosmostream.video.errors import (
    ChecksumMismatch,
    OffsetMismatch,
    UploadLengthMismatch,
    UploadNotFound,
    UploadTooLarge,
    VideoNotFound,
)
from cosmostream.video.repository import upload_repository, video_repository
from cosmostream.video.service import video_service

SUPPORTED_CHECKSUMS = ("sha1",)
LOCK_TIMEOUT = 30.0


@dataclass(frozen=True)
class Checksum:
    algorithm: str
    digest: bytes

    @classmethod
    def parse(cls, header: str | None) -> Checksum | None:
        if not header:
            return None
        algorithm, _, encoded = header.strip().partition(" ")
        if algorithm.lower() not in SUPPORTED_CHECKSUMS:
            raise BadRequest("Unsupported checksum algorithm.", code="checksum_unsupported")
        try:
            digest = base64.b64decode(encoded.strip(), validate=True)
        except ValueError:
            raise BadRequest("Malformed Upload-Checksum.", code="checksum_malformed") from None
        return cls(algorithm.lower(), digest)


def part_path(upload_id: uuid.UUID) -> Path:
    return get_settings().uploads_dir / f"{upload_id}.bin"


def _owned(upload: Upload | None, actor: Actor) -> Upload:
    # Someone else's upload looks exactly like a missing one.
    if upload is None or (upload.owner_id != actor.id and not actor.is_admin):
        raise UploadNotFound()
    return upload


class UploadService:
    async def create(
        self, session: AsyncSession, actor: Actor, video_id: uuid.UUID, length: int, filename: str
    ) -> Upload:
        """Open a resumable upload for the actor's draft video, of exactly the size
        declared for it (which is what the quota reserved)."""
        settings = get_settings()
        video = await video_repository.get_for_update(session, video_id)
        if video is None or video.owner_id != actor.id:
            raise VideoNotFound()
        if video.status is not VideoStatus.UPLOADING:
            raise Conflict("This video already has its file.", code="already_uploaded")
        existing = await upload_repository.get_by_video(session, video_id)
        if existing is not None:
            if existing.expires_at > utcnow():
                raise Conflict("An upload for this video already exists.", code="upload_exists")
            # The old upload expired unfinished: start over rather than orphan the draft.
            part_path(existing.id).unlink(missing_ok=True)
            await session.delete(existing)
            await session.flush()
        if length > settings.max_upload_bytes:
            raise UploadTooLarge(
                f"Files can be at most {settings.max_upload_bytes / (1 << 30):.0f} GiB."
            )
        if video.source_size is None:
            # A draft made before drafts kept their size: it reserves the length now.
            await video_service.reserve(session, actor, length)
            video.source_size = length
        elif length != video.source_size:
            raise UploadLengthMismatch(
                f"Upload-Length is {length} bytes, but this video was created for a file "
                f"of {video.source_size} bytes. Create a new video for a different file."
            )
        now = utcnow()
        upload = Upload(
            video_id=video_id,
            owner_id=actor.id,
            backend="local",
            length=length,
            offset=0,
            filename=filename[:255],
            created_at=now,
            updated_at=now,
            expires_at=now + timedelta(seconds=settings.upload_expiry_seconds),
        )
        session.add(upload)
        await session.flush()
        path = part_path(upload.id)
        await asyncio.to_thread(_create_empty, path)
        return upload

    async def get(self, session: AsyncSession, actor: Actor | None, upload_id: uuid.UUID) -> Upload:
        if actor is None:
            raise NotAuthenticated()
        upload = _owned(await upload_repository.get(session, upload_id), actor)
        if upload.completed_at is None and upload.expires_at <= utcnow():
            raise UploadNotFound()
        return upload

    async def append(
        self,
        db: Database,
        actor: Actor | None,
        upload_id: uuid.UUID,
        offset: int,
        body: AsyncIterator[bytes],
        checksum: Checksum | None,
    ) -> Upload:
        """Write one PATCH body at `offset`; returns the upload with its new offset.

        Runs its own short transactions: the bytes are written and fsynced with
        no database lock held, then the new offset is committed.
        """
        async with db.read() as session:
            upload = await self.get(session, actor, upload_id)
        if upload.completed_at is not None:
            raise OffsetMismatch("This upload is already complete.")
        path = part_path(upload.id)
        async with _file_lock(path) as fd:
            async with db.read() as session:
                current = await self.get(session, actor, upload_id)
            if offset != current.offset:
                raise OffsetMismatch()
            written = await _write_body(fd, current.offset, current.length, body, checksum)
            async with db.unit_of_work() as session:
                locked = await upload_repository.get_for_update(session, upload_id)
                if locked is None or locked.offset != current.offset:
                    raise OffsetMismatch()
                now = utcnow()
                locked.offset = current.offset + written
                locked.updated_at = now
                locked.expires_at = now + timedelta(seconds=get_settings().upload_expiry_seconds)
                if locked.offset == locked.length:
                    await self._complete(session, locked)
                return locked

    async def _complete(self, session: AsyncSession, upload: Upload) -> None:
        """All bytes are here: store the original and start processing."""
        video = await video_repository.get_for_update(session, upload.video_id)
        if video is None:
            raise VideoNotFound()
        upload.completed_at = utcnow()
        extension = Path(upload.filename).suffix.lower()
        suffix = extension if extension.isascii() and 2 <= len(extension) <= 6 else ".bin"
        # The name is ours; the detected type decides how it is read later.
        key = f"originals/{video.id}/source{suffix if suffix[1:].isalnum() else '.bin'}"
        storage = storage_from_settings(get_settings())
        await asyncio.to_thread(storage.put_file, key, part_path(upload.id))
        video.source_key = key
        video.source_size = upload.length
        video_service.start_processing(video)

    async def terminate(
        self, session: AsyncSession, actor: Actor | None, upload_id: uuid.UUID
    ) -> None:
        upload = await self.get(session, actor, upload_id)
        if upload.completed_at is not None:
            raise Conflict("A finished upload cannot be terminated.", code="upload_complete")
        await session.delete(upload)
        path = part_path(upload.id)
        effects.after_commit(lambda: path.unlink(missing_ok=True))

    async def purge_expired(self, session: AsyncSession) -> int:
        """Forget uploads nobody resumed in time, and their bytes."""
        expired = await upload_repository.expired(session, utcnow())
        for upload in expired:
            part_path(upload.id).unlink(missing_ok=True)
            await session.delete(upload)
        return len(expired)


def _create_empty(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.touch(exist_ok=False)


class _file_lock:
    """An exclusive lock on the upload's file, waited for without blocking the loop."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.fd = -1

    async def __aenter__(self) -> int:
        try:
            self.fd = os.open(self.path, os.O_RDWR)
        except FileNotFoundError:
            raise UploadNotFound() from None
        deadline = asyncio.get_running_loop().time() + LOCK_TIMEOUT
        while True:
            try:
                fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return self.fd
            except BlockingIOError:
                if asyncio.get_running_loop().time() > deadline:
                    os.close(self.fd)
                    raise AppError(
                        "Another request is writing to this upload.", status=423, code="locked"
                    ) from None
                await asyncio.sleep(0.02)

    async def __aexit__(self, *exc: object) -> None:
        fcntl.flock(self.fd, fcntl.LOCK_UN)
        os.close(self.fd)


async def _write_body(
    fd: int, offset: int, length: int, body: AsyncIterator[bytes], checksum: Checksum | None
) -> int:
    """Append the body at `offset`; on any refusal the file is cut back to `offset`."""
    # Bytes past the committed offset are from an interrupted request: drop them.
    await asyncio.to_thread(os.ftruncate, fd, offset)
    digest = hashlib.sha1(usedforsecurity=False) if checksum else None
    written = 0
    try:
        async for chunk in body:
            if not chunk:
                continue
            if offset + written + len(chunk) > length:
                raise OffsetMismatch("More bytes than the declared Upload-Length.")
            await asyncio.to_thread(os.pwrite, fd, chunk, offset + written)
            if digest is not None:
                digest.update(chunk)
            written += len(chunk)
    except OffsetMismatch:
        await asyncio.to_thread(os.ftruncate, fd, offset)
        raise
    except Exception:
        # The client went away mid-chunk: keep what arrived unless it can't be verified.
        if checksum is not None:
            await asyncio.to_thread(os.ftruncate, fd, offset)
            raise
        await asyncio.to_thread(os.fsync, fd)
        return written
    if checksum is not None and digest is not None and digest.digest() != checksum.digest:
        await asyncio.to_thread(os.ftruncate, fd, offset)
        raise ChecksumMismatch()
    await asyncio.to_thread(os.fsync, fd)
    return written


upload_service = UploadService()
