"""SQL of the analytics read side: roll-ups, sessions and activity summed into buckets.

Every series is one statement, whatever the number of videos or buckets: the
statement reads the rows of the whole span (the previous period's start to the
current one's end), ordered by time, and `BucketIndex` puts them in the
buckets here — the current period's, the previous period's and the two totals,
so the totals and the change figures come from the same statement. Hour
figures are summed per hour in SQL first; unique viewers are counted per
bucket from the sessions' (started_at, viewer), exact. (Joining a table of
buckets by range read each row once per bucket and planned nested loops with
hundreds of buckets: docs/analytics.md, "How the overview reads".)

Query plans (EXPLAIN on both backends; `tests/analytics/test_plans.py` runs
the statements as the service sends them and asserts the index below is used —
on PostgreSQL with `enable_seqscan = off`, since a test-sized table is rightly
scanned): each statement searches its table by the scope's equality column and
the span, e.g. SQLite `SEARCH analytics_video_hours USING INDEX
ix_analytics_video_hours_owner_hour (owner_id=? AND hour>? AND hour<?)`.
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
from bisect import bisect_left, bisect_right
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import (
    Select,
    func,
    select,
    true,
    type_coerce,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.sqltypes import NullType

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


_ACTIVITY_SLOTS = ("like", "comment", "save", "share")


class BucketIndex:
    """Which of a set of possibly overlapping intervals [lo, hi) hold a value
    (instants, or days for daily ledgers): the intervals are laid out in layers
    of disjoint ones — a series, the previous series and each total — and each
    layer is searched by bisection. The statements read their rows once over
    the whole span [lo, hi) and put each row in its buckets here, instead of
    joining a table of buckets by range (which reads each row once per bucket
    that holds it and plans poorly with hundreds of buckets)."""

    def __init__(self, spans: Sequence[tuple[int, Any, Any]]) -> None:
        self.layers: list[tuple[list[Any], list[Any], list[int]]] = []
        for idx, lo, hi in sorted(spans, key=lambda span: (span[1], span[2])):
            for starts, ends, idxs in self.layers:
                if ends[-1] <= lo:
                    starts.append(lo)
                    ends.append(hi)
                    idxs.append(idx)
                    break
            else:
                self.layers.append(([lo], [hi], [idx]))
        self.lo: Any = min((layer[0][0] for layer in self.layers), default=None)
        self.hi: Any = max((layer[1][-1] for layer in self.layers), default=None)

    @classmethod
    def of(cls, rows: Sequence[tuple[int, Bucket]]) -> BucketIndex | None:
        """The index of `rows`' buckets in UTC instants (None: no bucket)."""
        found = cls([(idx, b.start, b.end) for idx, b in rows if b.start < b.end])
        return found if found.layers else None

    def slices(self, keys: Sequence[Any]) -> Iterator[tuple[int, int, int]]:
        """(bucket index, i, j) for each bucket holding some of `keys` (sorted):
        `keys[i:j]` are the ones it holds."""
        for starts, ends, idxs in self.layers:
            for lo, hi, idx in zip(starts, ends, idxs, strict=True):
                i, j = bisect_left(keys, lo), bisect_left(keys, hi)
                if i < j:
                    yield idx, i, j

    def find(self, value: Any) -> list[int]:
        """The indexes of the buckets that hold `value`."""
        found = []
        for starts, ends, idxs in self.layers:
            i = bisect_right(starts, value) - 1
            if i >= 0 and value < ends[i]:
                found.append(idxs[i])
        return found


def stored(column: Any) -> Any:
    """`column` as the driver returns it: no conversion of each row's time to an
    aware datetime (`_columns` converts the buckets' bounds instead)."""
    return type_coerce(column, NullType())


async def _columns(
    session: AsyncSession, spans: BucketIndex, stmt: Any, width: int
) -> tuple[BucketIndex, list[list[Any]]]:
    """The columns of a statement's rows, as lists, and `spans` with its bounds as
    the database stores times, to compare with a first column read as `stored`
    (strings on SQLite, in the one format the app writes; datetimes on
    PostgreSQL). Run on the session's connection: plain rows, no ORM processing."""
    connection = await session.connection()
    rows = (await connection.execute(stmt)).all()
    to_db = UTCDateTime().dialect_impl(connection.dialect).bind_processor(connection.dialect)
    if to_db is not None:
        spans = BucketIndex(
            [
                (i, to_db(lo), to_db(hi))
                for layer in spans.layers
                for lo, hi, i in zip(*layer, strict=True)
            ]
        )
    return spans, [[row[k] for row in rows] for k in range(width)]


class _Sums:
    """Running sums of `width` figures per bucket index."""

    def __init__(self, width: int) -> None:
        self.width = width
        self.by_idx: dict[int, list[Any]] = {}

    def add(self, idxs: Sequence[int], *figures: Any) -> None:
        for idx in idxs:
            total = self.by_idx.get(idx)
            if total is None:
                self.by_idx[idx] = list(figures)
            else:
                for i, x in enumerate(figures):
                    total[i] += x

    def items(self) -> Any:
        return self.by_idx.items()


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
        (only its hours before `before` when given): one read of the hours of the
        whole span summed over videos, put in buckets here."""
        spans = BucketIndex.of(rows)
        if spans is None:
            return {}
        h = VideoHour
        fraction = h.watch_seconds / func.nullif(Video.duration_seconds, 0)
        stmt = (
            select(
                stored(h.hour),
                func.sum(h.views),
                func.coalesce(func.sum(h.watch_seconds), 0.0),
                func.coalesce(func.sum(fraction), 0.0),
            )
            .join(Video, Video.id == h.video_id)
            .where(
                scope_where(scope, video=h.video_id, owner=h.owner_id),
                h.hour >= spans.lo,
                h.hour < spans.hi,
            )
            .group_by(h.hour)
        )
        if before is not None:
            stmt = stmt.where(h.hour < before)
        spans, (hours, views, watch, fractions) = await _columns(
            session, spans, stmt.order_by(h.hour), 4
        )
        return {
            idx: HourFigures(
                int(sum(views[i:j])), float(sum(watch[i:j])), float(sum(fractions[i:j]))
            )
            for idx, i, j in spans.slices(hours)
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
        spans = BucketIndex.of(rows)
        if spans is None:
            return {}
        s, r = ViewerSession, WatchedRange
        lo = spans.lo if since is None else max(spans.lo, since)
        views_stmt = select(stored(s.view_at)).where(
            scope_where(scope, video=s.video_id, owner=s.owner_id),
            s.view_at >= lo,
            s.view_at < spans.hi,
        )
        watch_stmt = (
            select(
                stored(r.hour),
                func.sum(r.seconds),
                func.coalesce(func.sum(r.seconds / func.nullif(Video.duration_seconds, 0)), 0.0),
            )
            .join(Video, Video.id == r.video_id)
            .where(
                scope_where(scope, video=r.video_id, owner=r.owner_id),
                r.hour >= lo,
                r.hour < spans.hi,
            )
            .group_by(r.hour)
        )
        if since is not None:
            # A view counts within its session: bounding `started_at` keeps to the index.
            views_stmt = views_stmt.where(s.started_at >= since - MAX_SESSION_LENGTH)
        by_view, (view_times,) = await _columns(session, spans, views_stmt.order_by(s.view_at), 1)
        by_hour, (hours, seconds, fractions) = await _columns(
            session, spans, watch_stmt.order_by(r.hour), 3
        )
        found: dict[int, HourFigures] = defaultdict(HourFigures)
        for idx, i, j in by_view.slices(view_times):
            found[idx] = HourFigures(j - i)
        for idx, i, j in by_hour.slices(hours):
            found[idx] = HourFigures(
                found[idx].views, float(sum(seconds[i:j])), float(sum(fractions[i:j]))
            )
        return dict(found)

    async def unique_viewers(
        self, session: AsyncSession, scope: Scope, rows: Sequence[tuple[int, Bucket]]
    ) -> dict[int, int]:
        """Exact distinct viewers of the sessions started in each bucket: one
        index-only read of (started_at, viewer) over the span, counted here."""
        spans = BucketIndex.of(rows)
        if spans is None:
            return {}
        s = ViewerSession
        stmt = select(stored(s.started_at), s.viewer).where(
            scope_where(scope, video=s.video_id, owner=s.owner_id),
            s.started_at >= spans.lo,
            s.started_at < spans.hi,
        )
        spans, (times, viewers) = await _columns(session, spans, stmt.order_by(s.started_at), 2)
        return {idx: len(set(viewers[i:j])) for idx, i, j in spans.slices(times)}

    async def activity(
        self, session: AsyncSession, scope: Scope, rows: Sequence[tuple[int, Bucket]]
    ) -> dict[int, ActivityFigures]:
        """Likes, comments, saves, shares (net of undo) and follows gained/lost per bucket."""
        spans = BucketIndex.of(rows)
        if spans is None:
            return {}
        a = ChannelActivity
        stmt = select(a.at, a.kind, a.delta).where(
            scope_where(scope, video=a.video_id, owner=a.owner_id),
            a.at >= spans.lo,
            a.at < spans.hi,
        )
        sums = _Sums(6)
        figures: tuple[int, ...]
        for at, kind, delta in await session.execute(stmt):
            if kind == "follow":
                figures = (0, 0, 0, 0, max(delta, 0), max(-delta, 0))
            elif kind in _ACTIVITY_SLOTS:
                figures = (*(delta if k == kind else 0 for k in _ACTIVITY_SLOTS), 0, 0)
            else:
                continue
            sums.add(spans.find(at), *figures)
        return {idx: ActivityFigures(*(int(x) for x in v)) for idx, v in sums.items()}

    async def revenue(
        self, session: AsyncSession, scope: Scope, rows: Sequence[tuple[int, Bucket]]
    ) -> dict[int, dict[str, int]]:
        """The revenue ledger per bucket and currency (channel and platform scopes only:
        revenue is earned by a creator, not by a video): the UTC days whose
        midnight falls in a bucket."""
        if scope.kind not in (ScopeKind.CHANNEL, ScopeKind.PLATFORM):
            return {}
        days = BucketIndex(
            [(idx, _first_day(b.start), _first_day(b.end)) for idx, b in rows if b.start < b.end]
        )
        if not days.layers:
            return {}
        r = CreatorRevenue
        where = r.creator_id == scope.id if scope.kind is ScopeKind.CHANNEL else true()
        stmt = (
            select(r.day, r.currency, func.sum(r.amount))
            .where(where, r.day >= days.lo, r.day < days.hi)
            .group_by(r.day, r.currency)
        )
        found: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        for day, currency, amount in await session.execute(stmt):
            for idx in days.find(day):
                found[idx][currency] += int(amount or 0)
        return {idx: dict(by_currency) for idx, by_currency in found.items()}

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
        spans = BucketIndex.of(rows)
        if spans is None:
            return {}
        s = ViewerSession
        stmt = select(stored(s.view_at)).where(
            scope_where(scope, video=s.video_id, owner=s.owner_id),
            s.view_at >= spans.lo,
            s.view_at < spans.hi,
            s.started_at >= spans.lo - MAX_SESSION_LENGTH,
        )
        spans, (view_times,) = await _columns(session, spans, stmt.order_by(s.view_at), 1)
        return {idx: j - i for idx, i, j in spans.slices(view_times)}

    async def watching_now(self, session: AsyncSession, scope: Scope, since: datetime) -> int:
        s = ViewerSession
        stmt = select(func.count()).where(
            s.last_seen_at >= since,
            s.playing.is_(True),
            scope_where(scope, video=s.video_id, owner=s.owner_id),
        )
        return int(await session.scalar(stmt) or 0)


analytics_repository = AnalyticsRepository()
