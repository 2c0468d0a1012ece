"""SQL for notifications: set-based fan-out, the reader's pages and counts, pruning."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Uuid, and_, delete, exists, func, insert, literal, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import aliased, selectinload
from sqlalchemy.sql.functions import FunctionElement

from cosmostream.models import Follow, Launch, Notification, User, Video
from cosmostream.models.base import UTCDateTime


class random_uuid(FunctionElement[uuid.UUID]):
    """A random UUID made by the database, so a fan-out is one INSERT … SELECT.

    Ids from Python (uuid7) would mean fetching every follower first; these
    rows are read by (user_id, created_at), so a random id costs no locality.
    """

    type = Uuid()
    inherit_cache = True


@compiles(random_uuid, "postgresql")
def _pg_random_uuid(element: Any, compiler: Any, **kw: Any) -> str:
    return "gen_random_uuid()"


@compiles(random_uuid, "sqlite")
def _sqlite_random_uuid(element: Any, compiler: Any, **kw: Any) -> str:
    # SQLAlchemy stores UUIDs on SQLite as 32 lower-case hex digits.
    return "lower(hex(randomblob(16)))"


class NotificationRepository:
    async def fan_out_batch(
        self,
        session: AsyncSession,
        *,
        kind: str,
        actor_id: uuid.UUID,
        video_id: uuid.UUID,
        now: datetime,
        after: uuid.UUID | None,
        limit: int,
    ) -> list[tuple[uuid.UUID, uuid.UUID]]:
        """Notify up to `limit` more followers of `actor_id` (in follower-id order,
        after `after`) who have no notification of this kind for this video yet.
        Returns (notification id, user id) of the rows made."""
        already = exists().where(
            Notification.user_id == Follow.follower_id,
            Notification.video_id == video_id,
            Notification.kind == kind,
        )
        followers = (
            select(
                random_uuid(),
                Follow.follower_id,
                literal(kind),
                literal(actor_id, Uuid()),
                literal(video_id, Uuid()),
                literal(now, UTCDateTime()),
            )
            .join(User, User.id == Follow.follower_id)
            .where(
                Follow.followee_id == actor_id,
                Follow.follower_id != actor_id,
                User.disabled_at.is_(None),
                ~already,
            )
            .order_by(Follow.follower_id)
            .limit(limit)
        )
        if after is not None:
            followers = followers.where(Follow.follower_id > after)
        stmt = (
            insert(Notification)
            .from_select(["id", "user_id", "kind", "actor_id", "video_id", "created_at"], followers)
            .returning(Notification.id, Notification.user_id)
        )
        return [(row[0], row[1]) for row in await session.execute(stmt)]

    async def add_launch_soon(
        self,
        session: AsyncSession,
        *,
        kind: str,
        launch_id: uuid.UUID,
        user_ids: Sequence[uuid.UUID],
        now: datetime,
    ) -> list[tuple[uuid.UUID, uuid.UUID]]:
        """One notification of `kind` about the launch per user: (notification id, user id)."""
        made = [
            Notification(user_id=u, kind=kind, launch_id=launch_id, created_at=now)
            for u in user_ids
        ]
        session.add_all(made)
        await session.flush()
        return [(n.id, n.user_id) for n in made]

    async def unread_count(self, session: AsyncSession, user_id: uuid.UUID) -> int:
        count = await session.scalar(
            select(func.count())
            .select_from(Notification)
            .where(Notification.user_id == user_id, Notification.read_at.is_(None))
        )
        return int(count or 0)

    async def unread_counts(
        self, session: AsyncSession, user_ids: Sequence[uuid.UUID]
    ) -> dict[uuid.UUID, int]:
        counts = dict.fromkeys(user_ids, 0)
        rows = await session.execute(
            select(Notification.user_id, func.count())
            .where(Notification.user_id.in_(user_ids), Notification.read_at.is_(None))
            .group_by(Notification.user_id)
        )
        for user_id, n in rows:
            counts[user_id] = int(n)
        return counts

    async def page(
        self,
        session: AsyncSession,
        user_id: uuid.UUID,
        *,
        limit: int,
        after: tuple[datetime, uuid.UUID] | None,
    ) -> list[tuple[Notification, User | None, Video | None, Launch | None]]:
        """Newest first, keyset-paginated on (created_at, id), with the actor, the
        launch and the video (its tags, category and owner loaded) in a fixed
        number of queries."""
        actor = aliased(User)
        stmt = (
            select(Notification, actor, Video, Launch)
            .outerjoin(actor, actor.id == Notification.actor_id)
            .outerjoin(Video, Video.id == Notification.video_id)
            .outerjoin(Launch, Launch.id == Notification.launch_id)
            .where(Notification.user_id == user_id)
            .options(
                selectinload(Video.tags), selectinload(Video.category), selectinload(Video.owner)
            )
            .order_by(Notification.created_at.desc(), Notification.id.desc())
            .limit(limit)
        )
        if after is not None:
            created, last_id = after
            stmt = stmt.where(
                or_(
                    Notification.created_at < created,
                    and_(Notification.created_at == created, Notification.id < last_id),
                )
            )
        rows = await session.execute(stmt)
        return [(n, a, v, launch) for n, a, v, launch in rows]

    async def mark_read(
        self,
        session: AsyncSession,
        user_id: uuid.UUID,
        ids: Sequence[uuid.UUID] | None,
        now: datetime,
    ) -> int:
        """Mark the user's own unread notifications (all, or those of `ids`) read."""
        stmt = (
            update(Notification)
            .where(Notification.user_id == user_id, Notification.read_at.is_(None))
            .values(read_at=now)
            .execution_options(synchronize_session=False)
        )
        if ids is not None:
            stmt = stmt.where(Notification.id.in_(ids))
        result = await session.execute(stmt)
        return int(result.rowcount or 0)  # type: ignore[attr-defined]

    async def prune(self, session: AsyncSession, keep: int) -> int:
        """Delete all but the newest `keep` notifications of every user."""
        crowded = (
            select(Notification.user_id)
            .group_by(Notification.user_id)
            .having(func.count() > keep)
            .scalar_subquery()
        )
        ranked = (
            select(
                Notification.id,
                func.row_number()
                .over(
                    partition_by=Notification.user_id,
                    order_by=(Notification.created_at.desc(), Notification.id.desc()),
                )
                .label("rank"),
            )
            .where(Notification.user_id.in_(crowded))
            .subquery()
        )
        stale = select(ranked.c.id).where(ranked.c.rank > keep)
        result = await session.execute(
            delete(Notification)
            .where(Notification.id.in_(stale))
            .execution_options(synchronize_session=False)
        )
        return int(result.rowcount or 0)  # type: ignore[attr-defined]


notification_repository = NotificationRepository()
