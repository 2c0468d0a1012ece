"""SQL for launches and launch follows."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import asdict
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from cosmostream.launch.schemas import LaunchData
from cosmostream.models import Launch, LaunchFollow, User


class LaunchRepository:
    async def upsert(
        self, session: AsyncSession, launches: Sequence[LaunchData], now: datetime
    ) -> int:
        """Insert new launches and overwrite known ones (keyed by the LL2 id).

        Rows are never deleted: a launch that leaves the upcoming list (it flew,
        or was cancelled) keeps its last known state.
        """
        if not launches:
            return 0
        # One payload may repeat a launch across pages (the list shifts while
        # paging): the last copy wins.
        by_id = {data.id: data for data in launches}
        existing = {
            launch.id: launch
            for launch in await session.scalars(select(Launch).where(Launch.id.in_(by_id)))
        }
        for launch_id, data in by_id.items():
            values = asdict(data)
            launch = existing.get(launch_id)
            if launch is None:
                session.add(Launch(**values, synced_at=now))
            else:
                for key, value in values.items():
                    setattr(launch, key, value)
                launch.synced_at = now
        await session.flush()
        return len(by_id)

    async def get(self, session: AsyncSession, launch_id: uuid.UUID) -> Launch | None:
        return await session.get(Launch, launch_id)

    async def upcoming(self, session: AsyncSession, since: datetime, limit: int) -> list[Launch]:
        stmt = (
            select(Launch).where(Launch.net >= since).order_by(Launch.net, Launch.id).limit(limit)
        )
        return list(await session.scalars(stmt))


class LaunchFollowRepository:
    async def follow(self, session: AsyncSession, user_id: uuid.UUID, launch_id: uuid.UUID) -> bool:
        if await session.get(LaunchFollow, (launch_id, user_id)) is not None:
            return False
        session.add(LaunchFollow(launch_id=launch_id, user_id=user_id))
        await session.flush()
        return True

    async def unfollow(
        self, session: AsyncSession, user_id: uuid.UUID, launch_id: uuid.UUID
    ) -> bool:
        result = await session.execute(
            delete(LaunchFollow).where(
                LaunchFollow.launch_id == launch_id, LaunchFollow.user_id == user_id
            )
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def followed_ids(
        self, session: AsyncSession, user_id: uuid.UUID, launch_ids: Sequence[uuid.UUID]
    ) -> set[uuid.UUID]:
        if not launch_ids:
            return set()
        rows = await session.scalars(
            select(LaunchFollow.launch_id).where(
                LaunchFollow.user_id == user_id, LaunchFollow.launch_id.in_(launch_ids)
            )
        )
        return set(rows)

    async def due(
        self, session: AsyncSession, now: datetime, until: datetime, limit: int
    ) -> list[tuple[LaunchFollow, Launch]]:
        """Follows not yet notified of launches whose NET is in [now, until],
        of users who are not disabled, locked for the update (PostgreSQL)."""
        stmt = (
            select(LaunchFollow, Launch)
            .join(Launch, Launch.id == LaunchFollow.launch_id)
            .join(User, User.id == LaunchFollow.user_id)
            .where(
                LaunchFollow.notified_at.is_(None),
                Launch.net >= now,
                Launch.net <= until,
                User.disabled_at.is_(None),
            )
            .order_by(Launch.net, LaunchFollow.user_id)
            .limit(limit)
            .with_for_update(of=LaunchFollow, skip_locked=True)
        )
        return [(f, launch) for f, launch in await session.execute(stmt)]


launch_repository = LaunchRepository()
launch_follow_repository = LaunchFollowRepository()
