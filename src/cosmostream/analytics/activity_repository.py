"""SQL for channel activity rows (written by `analytics/activity.py`)."""

from __future__ import annotations

import uuid

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from cosmostream.models import ChannelActivity


class ActivityRepository:
    def add(self, session: AsyncSession, row: ChannelActivity) -> None:
        # Flushed with the sender's unit of work.
        session.add(row)

    async def totals(self, session: AsyncSession, owner_id: uuid.UUID) -> dict[str, int]:
        """Net delta per kind for one channel, all time (ix_analytics_activity_owner_at)."""
        rows = await session.execute(
            select(ChannelActivity.kind, func.sum(ChannelActivity.delta))
            .where(ChannelActivity.owner_id == owner_id)
            .group_by(ChannelActivity.kind)
        )
        return {kind: int(total or 0) for kind, total in rows}


activity_repository = ActivityRepository()
