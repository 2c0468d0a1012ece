"""SQL for likes, saves, comments, playback, watch history and the library.

Counters are changed with SQL arithmetic (`x = x + 1`) and daily statistics
with an upsert, so concurrent requests never lose an update. Lists are
keyset-paginated on (sort key, id) and load what their cards show in a fixed
number of queries.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Any, TypeVarTuple

from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    delete,
    exists,
    func,
    or_,
    select,
    true,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from cosmostream.engagement.schemas import CommentSort, Counts, ViewerState
from cosmostream.kit.sql import insert, insert_ignore
from cosmostream.models import (
    Comment,
    Follow,
    PlaybackEvent,
    PlaybackState,
    SavedVideo,
    ThrottleBucket,
    User,
    Video,
    VideoDailyStats,
    VideoLike,
    WatchHistory,
)

Keyset = tuple[Any, uuid.UUID]
Ts = TypeVarTuple("Ts")


def _card_options(query: Select[*Ts]) -> Select[*Ts]:
    # What a card (page) or a GraphQL Video reads: owner, category, tags.
    return query.options(
        selectinload(Video.owner), selectinload(Video.category), selectinload(Video.tags)
    )


def _before(key_col: Any, id_col: Any, after: Keyset | None) -> ColumnElement[bool]:
    """Rows after `after` in (key DESC, id DESC) order."""
    if after is None:
        return true()
    key, last_id = after
    if key is None:
        return and_(key_col.is_(None), id_col < last_id)
    return or_(key_col < key, and_(key_col == key, id_col < last_id))


class StatsRepository:
    async def bump_video(
        self,
        session: AsyncSession,
        video_id: uuid.UUID,
        *,
        views: int = 0,
        likes: int = 0,
        comments: int = 0,
        watch_seconds: float = 0.0,
    ) -> Counts:
        values: dict[str, Any] = {}
        if views:
            values["view_count"] = Video.view_count + views
        if likes:
            values["like_count"] = Video.like_count + likes
        if comments:
            values["comment_count"] = Video.comment_count + comments
        if watch_seconds:
            values["watch_seconds"] = Video.watch_seconds + watch_seconds
        if values:
            stmt = (
                update(Video)
                .where(Video.id == video_id)
                .values(**values)
                .returning(Video.view_count, Video.like_count, Video.comment_count)
                .execution_options(synchronize_session=False)
            )
            row = (await session.execute(stmt)).one()
        else:
            row = (
                await session.execute(
                    select(Video.view_count, Video.like_count, Video.comment_count).where(
                        Video.id == video_id
                    )
                )
            ).one()
        return Counts(view_count=int(row[0]), like_count=int(row[1]), comment_count=int(row[2]))

    async def bump_daily(
        self,
        session: AsyncSession,
        video_id: uuid.UUID,
        day: date,
        *,
        views: int = 0,
        likes: int = 0,
        comments: int = 0,
        watch_seconds: float = 0.0,
    ) -> None:
        """Add to one video's statistics of one UTC day (net: an unlike subtracts)."""
        stmt = insert(session, VideoDailyStats).values(
            video_id=video_id,
            day=day,
            views=views,
            likes=likes,
            comments=comments,
            watch_seconds=watch_seconds,
        )
        stmt = stmt.on_conflict_do_update(
            index_elements=[VideoDailyStats.video_id, VideoDailyStats.day],
            set_={
                "views": VideoDailyStats.views + stmt.excluded.views,
                "likes": VideoDailyStats.likes + stmt.excluded.likes,
                "comments": VideoDailyStats.comments + stmt.excluded.comments,
                "watch_seconds": VideoDailyStats.watch_seconds + stmt.excluded.watch_seconds,
            },
        )
        await session.execute(stmt)


class LibraryRepository:
    """Likes, saves and the viewer's state per video."""

    async def add_like(
        self, session: AsyncSession, user_id: uuid.UUID, video_id: uuid.UUID, now: datetime
    ) -> bool:
        """True when the like is new (a second like changes nothing)."""
        return await self._add(session, VideoLike, user_id, video_id, now)

    async def remove_like(
        self, session: AsyncSession, user_id: uuid.UUID, video_id: uuid.UUID
    ) -> bool:
        return await self._remove(session, VideoLike, user_id, video_id)

    async def add_saved(
        self, session: AsyncSession, user_id: uuid.UUID, video_id: uuid.UUID, now: datetime
    ) -> bool:
        return await self._add(session, SavedVideo, user_id, video_id, now)

    async def remove_saved(
        self, session: AsyncSession, user_id: uuid.UUID, video_id: uuid.UUID
    ) -> bool:
        return await self._remove(session, SavedVideo, user_id, video_id)

    @staticmethod
    async def _add(
        session: AsyncSession,
        model: type[VideoLike] | type[SavedVideo],
        user_id: uuid.UUID,
        video_id: uuid.UUID,
        now: datetime,
    ) -> bool:
        """Insert the (user, video) row unless it exists; True when it is new."""
        return await insert_ignore(
            session, model, user_id=user_id, video_id=video_id, created_at=now
        )

    @staticmethod
    async def _remove(
        session: AsyncSession,
        model: type[VideoLike] | type[SavedVideo],
        user_id: uuid.UUID,
        video_id: uuid.UUID,
    ) -> bool:
        """Delete the (user, video) row; True when there was one."""
        stmt = (
            delete(model)
            .where(model.user_id == user_id, model.video_id == video_id)
            .returning(model.video_id)
        )
        return (await session.execute(stmt)).first() is not None

    async def viewer_states(
        self, session: AsyncSession, user_id: uuid.UUID, video_ids: Sequence[uuid.UUID]
    ) -> dict[uuid.UUID, ViewerState]:
        """Liked, saved and last position for many videos, in one query."""
        if not video_ids:
            return {}
        liked = exists().where(VideoLike.user_id == user_id, VideoLike.video_id == Video.id)
        saved = exists().where(SavedVideo.user_id == user_id, SavedVideo.video_id == Video.id)
        rows = await session.execute(
            select(
                Video.id,
                liked.label("liked"),
                saved.label("saved"),
                WatchHistory.position,
                WatchHistory.completed,
            )
            .outerjoin(
                WatchHistory,
                and_(WatchHistory.video_id == Video.id, WatchHistory.user_id == user_id),
            )
            .where(Video.id.in_(video_ids))
        )
        return {
            vid: ViewerState(
                liked=bool(is_liked),
                saved=bool(is_saved),
                position=position,
                completed=bool(completed),
            )
            for vid, is_liked, is_saved, position, completed in rows
        }

    async def saved_page(
        self,
        session: AsyncSession,
        user_id: uuid.UUID,
        visible: ColumnElement[bool],
        *,
        limit: int,
        after: Keyset | None,
    ) -> list[tuple[datetime, Video]]:
        query = (
            select(SavedVideo.created_at, Video)
            .join(Video, Video.id == SavedVideo.video_id)
            .where(
                SavedVideo.user_id == user_id,
                visible,
                _before(SavedVideo.created_at, SavedVideo.video_id, after),
            )
            .order_by(SavedVideo.created_at.desc(), SavedVideo.video_id.desc())
            .limit(limit)
        )
        rows = await session.execute(_card_options(query))
        return [(at, video) for at, video in rows]

    async def recent_likes(
        self, session: AsyncSession, user_id: uuid.UUID, visible: ColumnElement[bool], limit: int
    ) -> list[tuple[datetime, Video]]:
        return await self._recent(session, VideoLike, user_id, visible, limit)

    async def recent_saves(
        self, session: AsyncSession, user_id: uuid.UUID, visible: ColumnElement[bool], limit: int
    ) -> list[tuple[datetime, Video]]:
        return await self._recent(session, SavedVideo, user_id, visible, limit)

    @staticmethod
    async def _recent(
        session: AsyncSession,
        model: type[VideoLike] | type[SavedVideo],
        user_id: uuid.UUID,
        visible: ColumnElement[bool],
        limit: int,
    ) -> list[tuple[datetime, Video]]:
        rows = await session.execute(
            select(model.created_at, Video)
            .join(Video, Video.id == model.video_id)
            .where(model.user_id == user_id, visible)
            .order_by(model.created_at.desc())
            .limit(limit)
        )
        return [(at, video) for at, video in rows]

    async def following_page(
        self, session: AsyncSession, user_id: uuid.UUID, *, limit: int, after: Keyset | None
    ) -> list[tuple[datetime, User]]:
        rows = await session.execute(
            select(Follow.created_at, User)
            .join(User, User.id == Follow.followee_id)
            .where(
                Follow.follower_id == user_id,
                User.disabled_at.is_(None),
                _before(Follow.created_at, Follow.followee_id, after),
            )
            .order_by(Follow.created_at.desc(), Follow.followee_id.desc())
            .limit(limit)
        )
        return [(at, user) for at, user in rows]

    async def latest_videos(
        self, session: AsyncSession, owner_ids: Sequence[uuid.UUID]
    ) -> dict[uuid.UUID, Video]:
        """Each owner's most recently published listed video, in one query (plus cards)."""
        if not owner_ids:
            return {}
        ranked = (
            select(
                Video.id,
                func.row_number()
                .over(
                    partition_by=Video.owner_id,
                    order_by=(Video.published_at.desc(), Video.id.desc()),
                )
                .label("rank"),
            )
            .where(Video.listed.is_(True), Video.owner_id.in_(owner_ids))
            .subquery()
        )
        videos = await session.scalars(
            _card_options(
                select(Video).where(Video.id.in_(select(ranked.c.id).where(ranked.c.rank == 1)))
            )
        )
        return {v.owner_id: v for v in videos}


class CommentRepository:
    async def get(self, session: AsyncSession, comment_id: uuid.UUID) -> Comment | None:
        return await session.scalar(
            select(Comment)
            .where(Comment.id == comment_id)
            .execution_options(populate_existing=True)
        )

    async def get_for_update(self, session: AsyncSession, comment_id: uuid.UUID) -> Comment | None:
        return await session.scalar(
            select(Comment)
            .where(Comment.id == comment_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )

    async def get_with_author(self, session: AsyncSession, comment_id: uuid.UUID) -> Comment | None:
        return await session.scalar(
            select(Comment)
            .where(Comment.id == comment_id)
            .options(selectinload(Comment.author))
            .execution_options(populate_existing=True)
        )

    async def top_level_page(
        self,
        session: AsyncSession,
        video_id: uuid.UUID,
        sort: CommentSort,
        *,
        limit: int,
        after: Keyset | None,
        authors: bool,
    ) -> list[Comment]:
        query = select(Comment).where(Comment.video_id == video_id, Comment.parent_id.is_(None))
        if sort is CommentSort.TOP:
            query = query.where(_before(Comment.reply_count, Comment.id, after)).order_by(
                Comment.reply_count.desc(), Comment.id.desc()
            )
        else:
            query = query.where(_before(Comment.created_at, Comment.id, after)).order_by(
                Comment.created_at.desc(), Comment.id.desc()
            )
        if authors:
            query = query.options(selectinload(Comment.author))
        return list(await session.scalars(query.limit(limit)))

    async def first_replies(
        self,
        session: AsyncSession,
        parent_ids: Sequence[uuid.UUID],
        per_parent: int,
        *,
        authors: bool,
    ) -> list[Comment]:
        """The oldest `per_parent` replies of each parent, oldest first, in one query."""
        if not parent_ids:
            return []
        ranked = (
            select(
                Comment.id,
                func.row_number()
                .over(
                    partition_by=Comment.parent_id,
                    order_by=(Comment.created_at, Comment.id),
                )
                .label("rank"),
            )
            .where(Comment.parent_id.in_(parent_ids))
            .subquery()
        )
        query = (
            select(Comment)
            .where(Comment.id.in_(select(ranked.c.id).where(ranked.c.rank <= per_parent)))
            .order_by(Comment.created_at, Comment.id)
        )
        if authors:
            query = query.options(selectinload(Comment.author))
        return list(await session.scalars(query))

    async def change_reply_count(
        self, session: AsyncSession, comment_id: uuid.UUID, delta: int
    ) -> int:
        return int(
            await session.scalar(
                update(Comment)
                .where(Comment.id == comment_id)
                .values(reply_count=Comment.reply_count + delta)
                .returning(Comment.reply_count)
                .execution_options(synchronize_session=False)
            )
            or 0
        )

    async def recent_by_author(
        self, session: AsyncSession, user_id: uuid.UUID, visible: ColumnElement[bool], limit: int
    ) -> list[tuple[Comment, Video]]:
        rows = await session.execute(
            select(Comment, Video)
            .join(Video, Video.id == Comment.video_id)
            .where(Comment.author_id == user_id, Comment.deleted_at.is_(None), visible)
            .order_by(Comment.created_at.desc())
            .limit(limit)
        )
        return [(c, v) for c, v in rows]


class PlaybackRepository:
    async def lock_state(
        self, session: AsyncSession, video_id: uuid.UUID, viewer_key: str, now: datetime
    ) -> tuple[PlaybackState, bool]:
        """The viewer's state for the video, locked for this transaction; True when new.

        Read first: on the heartbeat path the state almost always exists, and
        one statement is all it costs. A first event inserts (concurrent
        first events agree on one row) and reads again.
        """
        query = (
            select(PlaybackState)
            .where(PlaybackState.video_id == video_id, PlaybackState.viewer_key == viewer_key)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
        state = await session.scalar(query)
        if state is not None:
            return state, False
        created = await insert_ignore(
            session,
            PlaybackState,
            video_id=video_id,
            viewer_key=viewer_key,
            last_event_at=now,
            last_position=0.0,
            playing=False,
            pending_seconds=0.0,
        )
        state = await session.scalar(query)
        assert state is not None
        return state, created

    def add_event(self, session: AsyncSession, event: PlaybackEvent) -> None:
        session.add(event)

    async def prune_states(self, session: AsyncSession, before: datetime) -> int:
        """Forget playback states idle since `before` (they no longer affect any view)."""
        result = await session.execute(
            delete(PlaybackState).where(PlaybackState.last_event_at < before)
        )
        return int(result.rowcount or 0)  # type: ignore[attr-defined]


class HistoryRepository:
    async def upsert(
        self,
        session: AsyncSession,
        user_id: uuid.UUID,
        video_id: uuid.UUID,
        *,
        position: float,
        watched: float,
        completed: bool,
        now: datetime,
    ) -> None:
        stmt = insert(session, WatchHistory).values(
            user_id=user_id,
            video_id=video_id,
            position=position,
            watched_seconds=watched,
            completed=completed,
            updated_at=now,
        )
        stmt = stmt.on_conflict_do_update(
            index_elements=[WatchHistory.user_id, WatchHistory.video_id],
            set_={
                "position": stmt.excluded.position,
                "watched_seconds": WatchHistory.watched_seconds + stmt.excluded.watched_seconds,
                "completed": stmt.excluded.completed,
                "updated_at": stmt.excluded.updated_at,
            },
        )
        await session.execute(stmt)

    async def page(
        self,
        session: AsyncSession,
        user_id: uuid.UUID,
        visible: ColumnElement[bool],
        *,
        limit: int,
        after: Keyset | None,
        unfinished: bool = False,
    ) -> list[tuple[WatchHistory, Video]]:
        query = (
            select(WatchHistory, Video)
            .join(Video, Video.id == WatchHistory.video_id)
            .where(
                WatchHistory.user_id == user_id,
                visible,
                _before(WatchHistory.updated_at, WatchHistory.video_id, after),
            )
            .order_by(WatchHistory.updated_at.desc(), WatchHistory.video_id.desc())
            .limit(limit)
        )
        if unfinished:
            query = query.where(WatchHistory.completed.is_(False), WatchHistory.position > 0)
        rows = await session.execute(_card_options(query))
        return [(entry, video) for entry, video in rows]

    async def get(
        self, session: AsyncSession, user_id: uuid.UUID, video_id: uuid.UUID
    ) -> WatchHistory | None:
        return await session.get(WatchHistory, (user_id, video_id))

    async def remove(self, session: AsyncSession, user_id: uuid.UUID, video_id: uuid.UUID) -> bool:
        result = await session.execute(
            delete(WatchHistory).where(
                WatchHistory.user_id == user_id, WatchHistory.video_id == video_id
            )
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def clear(self, session: AsyncSession, user_id: uuid.UUID) -> int:
        result = await session.execute(delete(WatchHistory).where(WatchHistory.user_id == user_id))
        return int(result.rowcount or 0)  # type: ignore[attr-defined]


class ShareRepository:
    async def claim(
        self, session: AsyncSession, key: str, now: datetime, window: timedelta
    ) -> bool:
        """True when `key` was not claimed in the last `window` (and claim it now).

        The claims live in `throttle_buckets` (unique key, purged daily with the
        other buckets). A first claim is an insert that a concurrent one cannot
        also win; a later one moves the window start forward only if it is
        over, in one conditional UPDATE, so two requests never both count.
        """
        if await insert_ignore(session, ThrottleBucket, key=key, count=1, window_started_at=now):
            return True
        result = await session.execute(
            update(ThrottleBucket)
            .where(ThrottleBucket.key == key, ThrottleBucket.window_started_at <= now - window)
            .values(window_started_at=now, count=ThrottleBucket.count + 1)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]


stats_repository = StatsRepository()
library_repository = LibraryRepository()
comment_repository = CommentRepository()
playback_repository = PlaybackRepository()
history_repository = HistoryRepository()
share_repository = ShareRepository()
