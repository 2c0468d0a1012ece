"""SQL for videos, their tags and their uploads."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from cosmostream.models import Upload, Video, VideoStatus, VideoTag


class VideoRepository:
    async def get(self, session: AsyncSession, video_id: uuid.UUID) -> Video | None:
        return await session.get(Video, video_id)

    async def duration(self, session: AsyncSession, video_id: uuid.UUID) -> float | None:
        duration: float | None = await session.scalar(
            select(Video.duration_seconds).where(Video.id == video_id)
        )
        return duration

    async def get_full(self, session: AsyncSession, video_id: uuid.UUID) -> Video | None:
        return await session.scalar(
            select(Video)
            .where(Video.id == video_id)
            .options(
                selectinload(Video.tags),
                selectinload(Video.owner),
                selectinload(Video.category),
            )
            .execution_options(populate_existing=True)
        )

    async def get_for_update(self, session: AsyncSession, video_id: uuid.UUID) -> Video | None:
        return await session.scalar(select(Video).where(Video.id == video_id).with_for_update())

    async def list_by_owner(self, session: AsyncSession, owner_id: uuid.UUID) -> list[Video]:
        return list(
            await session.scalars(
                select(Video)
                .where(Video.owner_id == owner_id)
                .options(selectinload(Video.tags), selectinload(Video.category))
                .order_by(Video.created_at.desc())
            )
        )

    async def set_tags(self, session: AsyncSession, video: Video, tags: Sequence[str]) -> None:
        await session.execute(delete(VideoTag).where(VideoTag.video_id == video.id))
        session.add_all(
            VideoTag(video_id=video.id, tag=tag, position=i) for i, tag in enumerate(tags)
        )

    async def stalled(self, session: AsyncSession, before: datetime) -> list[uuid.UUID]:
        """Videos marked processing whose worker stopped reporting (crash or restart)."""
        rows = await session.scalars(
            select(Video.id).where(
                Video.status == VideoStatus.PROCESSING,
                Video.updated_at < before,
                (Video.heartbeat_at.is_(None)) | (Video.heartbeat_at < before),
            )
        )
        return list(rows)

    async def stored_bytes(self, session: AsyncSession, owner_id: uuid.UUID) -> int:
        """The owner's originals plus the declared sizes of their drafts."""
        total = await session.scalar(
            select(func.coalesce(func.sum(Video.source_size), 0)).where(Video.owner_id == owner_id)
        )
        return int(total or 0)


class UploadRepository:
    async def get(self, session: AsyncSession, upload_id: uuid.UUID) -> Upload | None:
        return await session.get(Upload, upload_id, populate_existing=True)

    async def get_for_update(self, session: AsyncSession, upload_id: uuid.UUID) -> Upload | None:
        return await session.scalar(
            select(Upload)
            .where(Upload.id == upload_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )

    async def get_by_video(self, session: AsyncSession, video_id: uuid.UUID) -> Upload | None:
        return await session.scalar(select(Upload).where(Upload.video_id == video_id))

    async def expired(self, session: AsyncSession, now: datetime) -> list[Upload]:
        return list(
            await session.scalars(
                select(Upload).where(Upload.completed_at.is_(None), Upload.expires_at < now)
            )
        )


video_repository = VideoRepository()
upload_repository = UploadRepository()
