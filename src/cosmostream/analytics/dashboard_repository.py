"""SQL for the creator's part of /dashboard (see `analytics/dashboard.py`).

Each read is one query whatever the number of videos or comments, so the
dashboard costs a fixed number of queries (tests/analytics/test_dashboard.py).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import date, datetime

from sqlalchemy import and_, exists, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from cosmostream.models import Comment, CreatorRevenue, User, Video, VideoHour, VideoStatus


class DashboardRepository:
    async def latest_published(
        self, session: AsyncSession, owner_id: uuid.UUID, limit: int
    ) -> list[Video]:
        """The owner's videos by first publication, newest first, whatever their
        visibility now (ix_videos_owner_listed_published, both `listed` values)."""
        return list(
            await session.scalars(
                select(Video)
                .where(Video.owner_id == owner_id, Video.published_at.is_not(None))
                .order_by(Video.published_at.desc(), Video.id.desc())
                .limit(limit)
            )
        )

    async def totals_between(
        self, session: AsyncSession, windows: Mapping[uuid.UUID, tuple[datetime, datetime]]
    ) -> dict[uuid.UUID, tuple[int, float]]:
        """(views, watch seconds) per video from its hourly roll-ups with `hour` in
        [start, end) of its own window (pk_analytics_video_hours ranges)."""
        if not windows:
            return {}
        rows = await session.execute(
            select(
                VideoHour.video_id,
                func.coalesce(func.sum(VideoHour.views), 0),
                func.coalesce(func.sum(VideoHour.watch_seconds), 0.0),
            )
            .where(
                or_(
                    *(
                        and_(VideoHour.video_id == vid, VideoHour.hour >= lo, VideoHour.hour < hi)
                        for vid, (lo, hi) in windows.items()
                    )
                )
            )
            .group_by(VideoHour.video_id)
        )
        found = {vid: (int(views), float(seconds)) for vid, views, seconds in rows}
        return {vid: found.get(vid, (0, 0.0)) for vid in windows}

    async def unfinished(
        self, session: AsyncSession, owner_id: uuid.UUID, failed_since: datetime, limit: int
    ) -> list[Video]:
        """Videos still uploading or processing, and those that failed or were
        rejected since `failed_since`, newest first (ix_videos_owner_created)."""
        return list(
            await session.scalars(
                select(Video)
                .where(
                    Video.owner_id == owner_id,
                    or_(
                        Video.status.in_((VideoStatus.UPLOADING, VideoStatus.PROCESSING)),
                        and_(
                            Video.status.in_((VideoStatus.FAILED, VideoStatus.REJECTED)),
                            Video.updated_at >= failed_since,
                        ),
                    ),
                )
                .order_by(Video.created_at.desc(), Video.id.desc())
                .limit(limit)
            )
        )

    async def comments_to_answer(
        self, session: AsyncSession, owner_id: uuid.UUID, limit: int
    ) -> list[tuple[Comment, User, Video]]:
        """Others' latest live comments on the owner's videos that the owner has
        not answered yet: no reply of theirs in the comment's thread after it.

        Plan: the owner's videos (ix_videos_owner_created), their comments by
        ix_comments_video_parent_created, the anti-join on the same index.
        """
        reply = aliased(Comment)
        thread = func.coalesce(Comment.parent_id, Comment.id)
        answered = exists().where(
            reply.parent_id == thread,
            reply.author_id == owner_id,
            reply.created_at > Comment.created_at,
        )
        rows = await session.execute(
            select(Comment, User, Video)
            .join(Video, Video.id == Comment.video_id)
            .join(User, User.id == Comment.author_id)
            .where(
                Video.owner_id == owner_id,
                Comment.author_id != owner_id,
                Comment.deleted_at.is_(None),
                ~answered,
            )
            .order_by(Comment.created_at.desc(), Comment.id.desc())
            .limit(limit)
        )
        return [(c, u, v) for c, u, v in rows]

    async def revenue_since(
        self, session: AsyncSession, owner_id: uuid.UUID, first_day: date
    ) -> list[tuple[str, int]]:
        """(currency, amount in the smallest unit) earned from `first_day` on
        (pk_creator_revenue range)."""
        rows = await session.execute(
            select(CreatorRevenue.currency, func.sum(CreatorRevenue.amount))
            .where(CreatorRevenue.creator_id == owner_id, CreatorRevenue.day >= first_day)
            .group_by(CreatorRevenue.currency)
            .order_by(CreatorRevenue.currency)
        )
        return [(currency, int(amount or 0)) for currency, amount in rows]


dashboard_repository = DashboardRepository()
