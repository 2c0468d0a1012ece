"""SQL of the analytics read side: roll-ups, sessions and activity summed into buckets.

Every series is one statement, whatever the number of videos or buckets: the
buckets travel as a small derived table `b(idx, lo, hi, dlo, dhi)` (a UNION ALL
of literal rows — SQLite has no `VALUES … AS b(cols)`) and the rows are joined
to it by range and grouped by `b.idx`. The current period's buckets, the
previous period's and the two totals are rows of the same table, so the totals
and the change figures come from the same statement.

Query plans (EXPLAIN on both backends; `tests/analytics/test_plans.py` runs
the statements as the service sends them and asserts the index below is used —
on PostgreSQL with `enable_seqscan = off`, since a test-sized table is rightly
scanned): each statement scans the few rows of `b`, then searches its table by
the scope's equality column and the bucket's range, e.g. SQLite `SEARCH
analytics_video_hours USING INDEX ix_analytics_video_hours_owner_hour (owner_id=?
AND hour>? AND hour<?)`.
- `hour_figures`: `ix_analytics_video_hours_owner_hour (owner_id, hour)`; a video
  scope uses the primary key `(video_id, hour)`.
- `unique_viewers`, `realtime_views`: `ix_analytics_sessions_owner_started
  (owner_id, started_at, viewer)` — covering for the distinct count (a view
  counts within its session, so realtime bounds `started_at` too).
- `watching_now`: `ix_analytics_sessions_last_seen` or the owner index.
- `activity`: `ix_analytics_activity_owner_at (owner_id, at)`.
- `revenue`: the primary key `(creator_id, day, currency)`.
- `dimension_rows`: `ix_analytics_dimension_days_owner_day (owner_id, day)`.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import (
    Date,
    Integer,
    Select,
    and_,
    case,
    func,
    literal,
    select,
    true,
    union_all,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from cosmostream.analytics.periods import Bucket
from cosmostream.analytics.schemas import Scope, ScopeKind, TopSort
from cosmostream.models import (
    ChannelActivity,
    Course,
    CreatorRevenue,
    DimensionDay,
    Lesson,
    RetentionDay,
    User,
    Video,
    VideoHour,
    ViewerSession,
    WatchedRange,
)
from cosmostream.models.base import UTCDateTime
from cosmostream.models.learning import Question

# A view counts within its session, and sessions end after 30 minutes without
# events; a session longer than a day is not plausible. Realtime queries bound
# `started_at` by this much before the window so they can use the index on it.
MAX_SESSION_LENGTH = timedelta(days=1)


@dataclass(frozen=True)
class HourFigures:
    """Sums over one bucket: views, seconds watched, and Σ seconds / duration
    (the numerator of the average percentage viewed, per video)."""

    views: int = 0
    watch_seconds: float = 0.0
    watched_fraction: float = 0.0


@dataclass(frozen=True)
class ActivityFigures:
    likes: int = 0
    comments: int = 0
    saves: int = 0
    shares: int = 0
    followers_gained: int = 0
    followers_lost: int = 0


@dataclass(frozen=True)
class ScopeInfo:
    """What a scope is called and who owns it (None: the platform)."""

    title: str
    owner_id: uuid.UUID | None
    duration: float = 0.0


def _first_day(t: datetime) -> date:
    """The first UTC day whose midnight is at or after `t`."""
    t = t.astimezone(UTC)
    day = t.date()
    return day if t == datetime.combine(day, datetime.min.time(), UTC) else day + timedelta(days=1)


def bucket_table(rows: Sequence[tuple[int, Bucket]]) -> Any:
    """The derived table `b(idx, lo, hi, dlo, dhi)`: UTC instants, and for daily
    rows (revenue) the UTC days whose midnight falls in [lo, hi)."""
    selects = [
        select(
            literal(idx, Integer).label("idx"),
            literal(b.start, UTCDateTime()).label("lo"),
            literal(b.end, UTCDateTime()).label("hi"),
            literal(_first_day(b.start), Date).label("dlo"),
            literal(_first_day(b.end), Date).label("dhi"),
        )
        for idx, b in rows
    ]
    return union_all(*selects).subquery("b")


def scope_where(scope: Scope, *, video: Any, owner: Any | None) -> ColumnElement[bool]:
    """The rows of `scope` in a table with a video and (maybe) an owner column."""
    if scope.kind is ScopeKind.PLATFORM:
        return true()
    if scope.kind is ScopeKind.CHANNEL:
        if owner is None:
            found: ColumnElement[bool] = video.in_(
                select(Video.id).where(Video.owner_id == scope.id)
            )
            return found
        found = owner == scope.id
        return found
    if scope.kind is ScopeKind.VIDEO:
        found = video == scope.id
        return found
    found = video.in_(course_videos(scope.id))
    return found


def course_videos(course_id: uuid.UUID | None) -> Select[Any]:
    """The course's lesson videos that its instructor owns: a lesson may show
    someone else's public video, whose figures are that video's owner's."""
    return (
        select(Lesson.video_id)
        .join(Video, Video.id == Lesson.video_id)
        .join(Course, Course.id == Lesson.course_id)
        .where(Lesson.course_id == course_id, Video.owner_id == Course.instructor_id)
    )


class AnalyticsRepository:
    # -- scopes ------------------------------------------------------------------

    async def scope_info(self, session: AsyncSession, scope: Scope) -> ScopeInfo | None:
        if scope.kind is ScopeKind.CHANNEL:
            row = (
                await session.execute(select(User.display_name).where(User.id == scope.id))
            ).first()
            return ScopeInfo(row[0], scope.id) if row else None
        if scope.kind is ScopeKind.VIDEO:
            vrow = (
                await session.execute(
                    select(Video.title, Video.owner_id, Video.duration_seconds).where(
                        Video.id == scope.id
                    )
                )
            ).first()
            return ScopeInfo(vrow[0], vrow[1], float(vrow[2] or 0)) if vrow else None
        if scope.kind is ScopeKind.COURSE:
            crow = (
                await session.execute(
                    select(Course.title, Course.instructor_id).where(Course.id == scope.id)
                )
            ).first()
            return ScopeInfo(crow[0], crow[1]) if crow else None
        return ScopeInfo("", None)

    async def first_data(self, session: AsyncSession, scope: Scope) -> datetime | None:
        """When the scope's first session started (the start of `lifetime`)."""
        where = scope_where(scope, video=ViewerSession.video_id, owner=ViewerSession.owner_id)
        value = await session.scalar(select(func.min(ViewerSession.started_at)).where(where))
        return value.replace(tzinfo=UTC) if value and value.tzinfo is None else value

    # -- overview ----------------------------------------------------------------

    async def hour_figures(
        self,
        session: AsyncSession,
        scope: Scope,
        rows: Sequence[tuple[int, Bucket]],
        before: datetime | None = None,
    ) -> dict[int, HourFigures]:
        """Views, watch seconds and Σ seconds/duration per bucket, from `VideoHour`
        (only its hours before `before` when given)."""
        b = bucket_table(rows)
        h = VideoHour
        fraction = h.watch_seconds / func.nullif(Video.duration_seconds, 0)
        stmt = (
            select(
                b.c.idx,
                func.coalesce(func.sum(h.views), 0),
                func.coalesce(func.sum(h.watch_seconds), 0.0),
                func.coalesce(func.sum(fraction), 0.0),
            )
            .select_from(b)
            .join(h, and_(h.hour >= b.c.lo, h.hour < b.c.hi))
            .join(Video, Video.id == h.video_id)
            .where(scope_where(scope, video=h.video_id, owner=h.owner_id))
            .group_by(b.c.idx)
        )
        if before is not None:
            stmt = stmt.where(h.hour < before)
        return {
            idx: HourFigures(int(v), float(w), float(f))
            for idx, v, w, f in await session.execute(stmt)
        }

    async def raw_hour_figures(
        self,
        session: AsyncSession,
        scope: Scope,
        rows: Sequence[tuple[int, Bucket]],
        since: datetime | None = None,
    ) -> dict[int, HourFigures]:
        """The same figures from the raw rows: views by the sessions' `view_at`,
        watch time by the ranges' hour (only from `since` on when given)."""
        b = bucket_table(rows)
        s, r = ViewerSession, WatchedRange
        views_stmt = (
            select(b.c.idx, func.count())
            .select_from(b)
            .join(s, and_(s.view_at >= b.c.lo, s.view_at < b.c.hi))
            .where(scope_where(scope, video=s.video_id, owner=s.owner_id))
            .group_by(b.c.idx)
        )
        watch_stmt = (
            select(
                b.c.idx,
                func.sum(r.seconds),
                func.sum(r.seconds / func.nullif(Video.duration_seconds, 0)),
            )
            .select_from(b)
            .join(r, and_(r.hour >= b.c.lo, r.hour < b.c.hi))
            .join(Video, Video.id == r.video_id)
            .where(scope_where(scope, video=r.video_id, owner=r.owner_id))
            .group_by(b.c.idx)
        )
        if since is not None:
            # A view counts within its session: bounding `started_at` keeps to the index.
            views_stmt = views_stmt.where(
                s.view_at >= since, s.started_at >= since - MAX_SESSION_LENGTH
            )
            watch_stmt = watch_stmt.where(r.hour >= since)
        views = {idx: int(n) for idx, n in await session.execute(views_stmt)}
        watch = {
            idx: (float(w or 0), float(f or 0)) for idx, w, f in await session.execute(watch_stmt)
        }
        return {
            idx: HourFigures(views.get(idx, 0), *watch.get(idx, (0.0, 0.0)))
            for idx in set(views) | set(watch)
        }

    async def unique_viewers(
        self, session: AsyncSession, scope: Scope, rows: Sequence[tuple[int, Bucket]]
    ) -> dict[int, int]:
        """Exact distinct viewers of the sessions started in each bucket."""
        b = bucket_table(rows)
        s = ViewerSession
        stmt = (
            select(b.c.idx, func.count(func.distinct(s.viewer)))
            .select_from(b)
            .join(s, and_(s.started_at >= b.c.lo, s.started_at < b.c.hi))
            .where(scope_where(scope, video=s.video_id, owner=s.owner_id))
            .group_by(b.c.idx)
        )
        return {idx: int(n) for idx, n in await session.execute(stmt)}

    async def activity(
        self, session: AsyncSession, scope: Scope, rows: Sequence[tuple[int, Bucket]]
    ) -> dict[int, ActivityFigures]:
        """Likes, comments, saves, shares (net of undo) and follows gained/lost per bucket."""
        b = bucket_table(rows)
        a = ChannelActivity

        def net(kind: str) -> Any:
            return func.coalesce(func.sum(case((a.kind == kind, a.delta), else_=0)), 0)

        follow = a.kind == "follow"
        stmt = (
            select(
                b.c.idx,
                net("like"),
                net("comment"),
                net("save"),
                net("share"),
                func.coalesce(func.sum(case((and_(follow, a.delta > 0), a.delta), else_=0)), 0),
                func.coalesce(func.sum(case((and_(follow, a.delta < 0), -a.delta), else_=0)), 0),
            )
            .select_from(b)
            .join(a, and_(a.at >= b.c.lo, a.at < b.c.hi))
            .where(scope_where(scope, video=a.video_id, owner=a.owner_id))
            .group_by(b.c.idx)
        )
        return {
            row[0]: ActivityFigures(*(int(x) for x in row[1:]))
            for row in await session.execute(stmt)
        }

    async def revenue(
        self, session: AsyncSession, scope: Scope, rows: Sequence[tuple[int, Bucket]]
    ) -> dict[int, dict[str, int]]:
        """The revenue ledger per bucket and currency (channel and platform scopes only:
        revenue is earned by a creator, not by a video)."""
        if scope.kind not in (ScopeKind.CHANNEL, ScopeKind.PLATFORM):
            return {}
        b = bucket_table(rows)
        r = CreatorRevenue
        where = r.creator_id == scope.id if scope.kind is ScopeKind.CHANNEL else true()
        stmt = (
            select(b.c.idx, r.currency, func.sum(r.amount))
            .select_from(b)
            .join(r, and_(r.day >= b.c.dlo, r.day < b.c.dhi))
            .where(where)
            .group_by(b.c.idx, r.currency)
        )
        found: dict[int, dict[str, int]] = defaultdict(dict)
        for idx, currency, amount in await session.execute(stmt):
            found[idx][currency] = int(amount or 0)
        return dict(found)

    # -- retention -----------------------------------------------------------------

    async def retention_days(
        self, session: AsyncSession, owner_id: uuid.UUID, first: date, last: date
    ) -> list[tuple[uuid.UUID, int, str]]:
        """Every video of `owner_id`'s retention rows over the UTC days [first, last]."""
        stmt = (
            select(RetentionDay.video_id, RetentionDay.sessions, RetentionDay.buckets)
            .join(Video, Video.id == RetentionDay.video_id)
            .where(Video.owner_id == owner_id, RetentionDay.day >= first, RetentionDay.day <= last)
        )
        return [(v, int(n), str(bk)) for v, n, bk in await session.execute(stmt)]

    async def quiz_markers(
        self, session: AsyncSession, video_id: uuid.UUID
    ) -> list[tuple[float, str]]:
        """Questions that lessons ask at a time of this video."""
        stmt = (
            select(Question.at_seconds, Question.prompt)
            .join(Lesson, Lesson.id == Question.lesson_id)
            .where(Lesson.video_id == video_id, Question.at_seconds.is_not(None))
            .order_by(Question.at_seconds, Question.position)
        )
        return [(float(at or 0), str(p)) for at, p in await session.execute(stmt)]

    # -- breakdowns ------------------------------------------------------------------

    async def dimension_rows(
        self, session: AsyncSession, scope: Scope, first: date, last: date
    ) -> list[tuple[str, str, int, int, float]]:
        """(dimension, value, sessions, views, watch seconds) over the UTC days [first, last]."""
        d = DimensionDay
        stmt = (
            select(
                d.dimension,
                d.value,
                func.sum(d.sessions),
                func.sum(d.views),
                func.sum(d.watch_seconds),
            )
            .where(
                scope_where(scope, video=d.video_id, owner=d.owner_id),
                d.day >= first,
                d.day <= last,
            )
            .group_by(d.dimension, d.value)
        )
        return [
            (str(dim), str(val), int(s or 0), int(v or 0), float(w or 0))
            for dim, val, s, v, w in await session.execute(stmt)
        ]

    # -- top content -------------------------------------------------------------------

    async def top_content(
        self,
        session: AsyncSession,
        scope: Scope,
        start: datetime,
        end: datetime,
        sort: TopSort,
        limit: int,
    ) -> list[tuple[uuid.UUID, str, datetime | None, float, int, float, int]]:
        """The scope's videos with views, watch seconds and likes in [start, end),
        best first by `sort` (ties: newest first)."""
        h = VideoHour
        hours = (
            select(
                h.video_id.label("video_id"),
                func.sum(h.views).label("views"),
                func.sum(h.watch_seconds).label("watch_seconds"),
            )
            .where(h.hour >= start, h.hour < end)
            .where(scope_where(scope, video=h.video_id, owner=h.owner_id))
            .group_by(h.video_id)
            .subquery("hours")
        )
        a = ChannelActivity
        likes = (
            select(a.video_id.label("video_id"), func.sum(a.delta).label("likes"))
            .where(a.kind == "like", a.at >= start, a.at < end, a.video_id.is_not(None))
            .where(scope_where(scope, video=a.video_id, owner=a.owner_id))
            .group_by(a.video_id)
            .subquery("likes")
        )
        views = func.coalesce(hours.c.views, 0)
        watch = func.coalesce(hours.c.watch_seconds, 0.0)
        like_count = func.coalesce(likes.c.likes, 0)
        percent = func.coalesce(
            100.0
            * watch
            / func.nullif(func.coalesce(Video.duration_seconds, 0), 0)
            / func.nullif(views, 0),
            0.0,
        )
        order = {
            TopSort.VIEWS: views,
            TopSort.WATCH_TIME: watch,
            TopSort.AVERAGE_PERCENT_VIEWED: percent,
            TopSort.LIKES: like_count,
        }[sort]
        stmt = (
            select(
                Video.id,
                Video.title,
                Video.published_at,
                func.coalesce(Video.duration_seconds, 0.0),
                views,
                watch,
                like_count,
            )
            .outerjoin(hours, hours.c.video_id == Video.id)
            .outerjoin(likes, likes.c.video_id == Video.id)
            .where(scope_where(scope, video=Video.id, owner=Video.owner_id))
            .where((hours.c.video_id.is_not(None)) | (likes.c.video_id.is_not(None)))
            .order_by(order.desc(), Video.created_at.desc(), Video.id)
            .limit(limit)
        )
        result = []
        for vid, title, published, duration, v, w, lk in await session.execute(stmt):
            if published is not None and published.tzinfo is None:
                published = published.replace(tzinfo=UTC)
            result.append((vid, title, published, float(duration), int(v), float(w), int(lk)))
        return result

    # -- realtime ------------------------------------------------------------------------

    async def realtime_views(
        self, session: AsyncSession, scope: Scope, rows: Sequence[tuple[int, Bucket]]
    ) -> dict[int, int]:
        """Views counted per hour (raw sessions' `view_at`)."""
        b = bucket_table(rows)
        s = ViewerSession
        first = min(bk.start for _, bk in rows)
        stmt = (
            select(b.c.idx, func.count())
            .select_from(b)
            .join(s, and_(s.view_at >= b.c.lo, s.view_at < b.c.hi))
            .where(
                scope_where(scope, video=s.video_id, owner=s.owner_id),
                s.started_at >= first - MAX_SESSION_LENGTH,
            )
            .group_by(b.c.idx)
        )
        return {idx: int(n) for idx, n in await session.execute(stmt)}

    async def watching_now(self, session: AsyncSession, scope: Scope, since: datetime) -> int:
        s = ViewerSession
        stmt = select(func.count()).where(
            s.last_seen_at >= since,
            s.playing.is_(True),
            scope_where(scope, video=s.video_id, owner=s.owner_id),
        )
        return int(await session.scalar(stmt) or 0)


analytics_repository = AnalyticsRepository()
