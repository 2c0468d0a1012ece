"""SQL only; every query of the domain lives here (with its plan, when it matters)."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from cosmostream.models import Category


class SkeletonRepository:
    async def category_count(self, session: AsyncSession) -> int:
        # Small table: a count over the primary key.
        return int(await session.scalar(select(func.count()).select_from(Category)) or 0)


skeleton_repository = SkeletonRepository()
