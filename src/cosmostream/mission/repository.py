"""SQL of the mission domain."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select, true
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from cosmostream.models import (
    HorizonsTable,
    Mission,
    SatelliteElements,
    Video,
    VideoTag,
)


class MissionRepository:
    async def all(self, session: AsyncSession) -> Sequence[Mission]:
        return (
            await session.scalars(select(Mission).order_by(Mission.position, Mission.name))
        ).all()

    async def by_slug(self, session: AsyncSession, slug: str) -> Mission | None:
        return await session.scalar(select(Mission).where(Mission.slug == slug))

    async def elements(self, session: AsyncSession, norad_id: int) -> SatelliteElements | None:
        return await session.get(SatelliteElements, norad_id)

    async def horizons_table(self, session: AsyncSession, target: str) -> HorizonsTable | None:
        return await session.get(HorizonsTable, target)

    async def norad_ids(self, session: AsyncSession) -> list[int]:
        rows = await session.scalars(
            select(Mission.norad_id).where(Mission.norad_id.is_not(None)).order_by(Mission.norad_id)
        )
        return [int(r) for r in rows if r is not None]

    async def horizons_targets(self, session: AsyncSession) -> list[tuple[str, str]]:
        """(slug, Horizons target) of every mission that has one."""
        rows = await session.execute(
            select(Mission.slug, Mission.horizons_id).where(Mission.horizons_id.is_not(None))
        )
        return [(slug, target) for slug, target in rows if target]

    async def tagged_videos(self, session: AsyncSession, tag: str, limit: int) -> Sequence[Video]:
        """Listed videos carrying `tag`, newest first (cards need the owner)."""
        query: Any = (
            select(Video)
            .join(VideoTag, VideoTag.video_id == Video.id)
            .where(VideoTag.tag == tag, Video.listed == true())
            .order_by(Video.published_at.desc(), Video.id.desc())
            .limit(limit)
            .options(selectinload(Video.owner))
        )
        return (await session.scalars(query)).all()


mission_repository = MissionRepository()
