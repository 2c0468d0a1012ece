"""The analytics read side: what a creator (or an admin) may see, and the figures.

Every function takes `(session, actor, …)` and authorizes first: a channel is
read by its creator or an admin, a video by its owner or an admin, a course by
its instructor or an admin, the platform by admins. Anything else is the
scope's not-found (`AnalyticsNotFound`), or `NotAuthenticated` when signed out.

Figures come from the roll-ups (analytics/rollup.py) except unique viewers
(exact, from the sessions), activity and revenue (their own ledgers) and the
realtime panel (raw sessions). analytics/raw.py computes the same figures from
the raw rows only; the property tests hold the two equal.
"""

from __future__ import annotations

import statistics
import uuid
from collections import defaultdict
from collections.abc import Awaitable, Callable, Sequence
from datetime import date, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from cosmostream.account.schemas import Actor
from cosmostream.analytics import periods
from cosmostream.analytics.agents import BROWSER_LABELS, DEVICE_LABELS, OS_LABELS
from cosmostream.analytics.errors import AnalyticsNotFound
from cosmostream.analytics.periods import Bucket
from cosmostream.analytics.repository import (
    ActivityFigures,
    HourFigures,
    ScopeInfo,
    analytics_repository,
)
from cosmostream.analytics.schemas import (
    Breakdown,
    BreakdownRow,
    ContentRow,
    Headline,
    Marker,
    Metric,
    Overview,
    Period,
    Point,
    RangeKey,
    RealtimeSnapshot,
    RetentionCurve,
    Scope,
    ScopeKind,
    TopSort,
)
from cosmostream.analytics.sources import SOURCE_LABELS
from cosmostream.config import get_settings
from cosmostream.errors import NotAuthenticated
from cosmostream.kit.time import utcnow

repo = analytics_repository

# Row indexes of the bucket table beside the series' own (0…n-1, then the previous
# period's n…): the two totals.
TOTAL = -1
PREVIOUS_TOTAL = -2
REALTIME_HOURS = 48
WATCHING_NOW_WINDOW = timedelta(seconds=60)
TOP_TERMS = 10
MAX_MARKERS = 50

BREAKDOWNS = ("traffic", "search_terms", "referrers", "device", "browser", "os", "quality")

HourSource = Callable[
    [AsyncSession, Scope, Sequence[tuple[int, Bucket]]], Awaitable[dict[int, HourFigures]]
]


def actor_time_zone(actor: Actor | None) -> str:
    """The actor's own zone (`User.time_zone`), UTC when unset."""
    if actor is None:
        return "UTC"
    return actor.user.time_zone or "UTC"


def _change(value: float, previous: float) -> float | None:
    return None if previous == 0 else (value - previous) / previous


def period_rows(p: Period) -> tuple[list[Bucket], list[Bucket], list[tuple[int, Bucket]]]:
    """The series' buckets, the previous series' and the table of both with the totals."""
    current = periods.series_buckets(p)
    previous = periods.previous_buckets(p)
    rows = [(i, b) for i, b in enumerate(current)]
    rows += [(len(current) + i, b) for i, b in enumerate(previous)]
    rows.append((TOTAL, Bucket(p.start, p.end, p.start)))
    rows.append((PREVIOUS_TOTAL, Bucket(p.previous_start, p.previous_end, p.previous_start)))
    return current, previous, rows


def _metric_value(
    metric: Metric,
    hours: HourFigures,
    uniques: int,
    activity: ActivityFigures,
    revenue: dict[str, int],
    currency: str | None,
) -> float:
    if metric is Metric.VIEWS:
        return float(hours.views)
    if metric is Metric.UNIQUE_VIEWERS:
        return float(uniques)
    if metric is Metric.WATCH_HOURS:
        return hours.watch_seconds / 3600
    if metric is Metric.AVERAGE_VIEW_DURATION:
        return hours.watch_seconds / hours.views if hours.views else 0.0
    if metric is Metric.AVERAGE_PERCENT_VIEWED:
        return 100 * hours.watched_fraction / hours.views if hours.views else 0.0
    if metric is Metric.REVENUE:
        return float(revenue.get(currency or "", 0))
    return float(getattr(activity, metric.value))


def build_overview(
    scope: Scope,
    title: str,
    p: Period,
    hours: dict[int, HourFigures],
    uniques: dict[int, int],
    activity: dict[int, ActivityFigures],
    revenue: dict[int, dict[str, int]],
) -> Overview:
    """The headlines from the figures per bucket index (see `period_rows`)."""
    current, previous, _ = period_rows(p)
    totals: dict[str, int] = defaultdict(int)
    for by_currency in revenue.values():
        for cur, amount in by_currency.items():
            totals[cur] += abs(amount)
    currency = max(sorted(totals), key=lambda c: totals[c]) if totals else None
    metrics = [
        m
        for m in Metric
        if m is not Metric.REVENUE or scope.kind in (ScopeKind.CHANNEL, ScopeKind.PLATFORM)
    ]

    def value(metric: Metric, idx: int) -> float:
        return _metric_value(
            metric,
            hours.get(idx, HourFigures()),
            uniques.get(idx, 0),
            activity.get(idx, ActivityFigures()),
            revenue.get(idx, {}),
            currency,
        )

    headlines = []
    for metric in metrics:
        now_value, before = value(metric, TOTAL), value(metric, PREVIOUS_TOTAL)
        headlines.append(
            Headline(
                metric=metric,
                value=now_value,
                previous=before,
                change=_change(now_value, before),
                series=[Point(at=b.label, value=value(metric, i)) for i, b in enumerate(current)],
                previous_series=[
                    Point(at=b.label, value=value(metric, len(current) + i))
                    for i, b in enumerate(previous)
                ],
                currency=(currency or "usd").lower() if metric is Metric.REVENUE else None,
            )
        )
    return Overview(scope=scope, title=title, period=p, headlines=headlines)


def _top(rows: list[BreakdownRow], n: int | None) -> list[BreakdownRow]:
    rows.sort(key=lambda r: (-r.views, -r.watch_seconds, r.key))
    return rows[:n] if n else rows


def build_breakdowns(rows: Sequence[tuple[str, str, int, int, float]]) -> list[Breakdown]:
    """The seven breakdowns from (dimension, value, sessions, views, watch seconds) rows."""
    by_dim: dict[str, list[tuple[str, int, float]]] = defaultdict(list)
    for dim, value, _sessions, views, watch in rows:
        by_dim[dim].append((value, views, watch))
    labels = {
        "traffic": ("source", SOURCE_LABELS),
        "search_terms": ("search", {}),
        "referrers": ("referrer", {}),
        "device": ("device", DEVICE_LABELS),
        "browser": ("browser", BROWSER_LABELS),
        "os": ("os", OS_LABELS),
        "quality": ("rung", {}),
    }
    result = []
    for name in BREAKDOWNS:
        dim, names = labels[name]
        merged: dict[str, tuple[int, float]] = {}
        for value, views, watch in by_dim.get(dim, []):
            v, w = merged.get(value, (0, 0.0))
            merged[value] = (v + views, w + watch)
        if name == "quality":
            total_w = sum(w for _, w in merged.values())
            quality = [
                BreakdownRow(
                    key=k,
                    label=f"{k}p" if k.isdigit() else k,
                    views=v,
                    watch_seconds=w,
                    share=w / total_w if total_w else 0.0,
                )
                for k, (v, w) in merged.items()
            ]
            quality.sort(key=lambda r: (-int(r.key) if r.key.isdigit() else 0, r.key))
            result.append(Breakdown(dimension=name, rows=quality))
            continue
        total_v = sum(v for v, _ in merged.values())
        out = [
            BreakdownRow(
                key=k,
                label=names.get(k, k),
                views=v,
                watch_seconds=w,
                share=v / total_v if total_v else 0.0,
            )
            for k, (v, w) in merged.items()
        ]
        result.append(
            Breakdown(
                dimension=name,
                rows=_top(out, TOP_TERMS if name in ("search_terms", "referrers") else None),
            )
        )
    return result


def curve(sessions: int, counts: Sequence[int]) -> list[float]:
    return [c / sessions if sessions else 0.0 for c in counts]


def add_buckets(total: list[int], buckets: str) -> None:
    parts = buckets.split(",")[:100]
    try:
        counts = list(map(int, parts))  # one C-level pass: a channel has thousands of rows
    except ValueError:  # an empty count: skipped
        counts = [int(part) if part else 0 for part in parts]
    total[: len(counts)] = [a + b for a, b in zip(total, counts, strict=False)]


class AnalyticsService:
    # -- authorization --------------------------------------------------------------

    async def authorize(
        self, session: AsyncSession, actor: Actor | None, scope: Scope
    ) -> ScopeInfo:
        """What the scope is, when `actor` may read it (else it looks missing)."""
        if actor is None:
            raise NotAuthenticated()
        if scope.kind is ScopeKind.PLATFORM:
            if not actor.is_admin:
                raise AnalyticsNotFound()
            return ScopeInfo(get_settings().site_name, None)
        if scope.id is None:
            raise AnalyticsNotFound()
        info = await repo.scope_info(session, scope)
        if info is None:
            raise AnalyticsNotFound()
        if actor.is_admin or (actor.is_creator and info.owner_id == actor.id):
            return info
        raise AnalyticsNotFound()

    async def period(
        self,
        session: AsyncSession,
        scope: Scope,
        key: RangeKey,
        start: date | None,
        end: date | None,
        tz: str,
    ) -> Period:
        first = await repo.first_data(session, scope) if key is RangeKey.LIFETIME else None
        return periods.period(key, start=start, end=end, tz=tz, now=utcnow(), first_data=first)

    # -- figures ----------------------------------------------------------------------

    async def overview(
        self,
        session: AsyncSession,
        actor: Actor | None,
        scope: Scope,
        key: RangeKey,
        start: date | None = None,
        end: date | None = None,
        tz: str | None = None,
    ) -> Overview:
        """The twelve headline metrics over the period, against the previous one,
        each with its series (a constant number of statements)."""
        info = await self.authorize(session, actor, scope)
        p = await self.period(session, scope, key, start, end, tz or actor_time_zone(actor))
        return await compute_overview(session, scope, info.title, p, hour_figures)

    async def retention(
        self,
        session: AsyncSession,
        actor: Actor | None,
        video_id: uuid.UUID,
        key: RangeKey,
        start: date | None = None,
        end: date | None = None,
        tz: str | None = None,
    ) -> RetentionCurve:
        """The share of viewers still watching at each hundredth of the video, over the
        period widened to whole UTC days, with the channel's typical curve."""
        scope = Scope(kind=ScopeKind.VIDEO, id=video_id)
        info = await self.authorize(session, actor, scope)
        p = await self.period(session, scope, key, start, end, tz or actor_time_zone(actor))
        first, last = periods.utc_days(p.start, p.end)
        assert info.owner_id is not None
        sessions: dict[uuid.UUID, int] = defaultdict(int)
        counts: dict[uuid.UUID, list[int]] = defaultdict(lambda: [0] * 100)
        for vid, n, buckets in await repo.retention_days(session, info.owner_id, first, last):
            sessions[vid] += n
            add_buckets(counts[vid], buckets)
        others = [curve(sessions[v], counts[v]) for v in sessions if v != video_id and sessions[v]]
        typical = [statistics.median(c[i] for c in others) for i in range(100)] if others else None
        totals = await hour_figures(session, scope, [(TOTAL, Bucket(p.start, p.end, p.start))])
        figures = totals.get(TOTAL, HourFigures())
        markers = [
            Marker(at=at, kind="quiz", label=_short(prompt))
            for at, prompt in await repo.quiz_markers(session, video_id)
        ][:MAX_MARKERS]
        return RetentionCurve(
            video_id=video_id,
            title=info.title,
            duration=info.duration,
            sessions=sessions.get(video_id, 0),
            points=curve(sessions.get(video_id, 0), counts[video_id]),
            average_percent_viewed=(
                100 * figures.watched_fraction / figures.views if figures.views else 0.0
            ),
            typical=typical,
            markers=markers,
        )

    async def breakdowns(
        self,
        session: AsyncSession,
        actor: Actor | None,
        scope: Scope,
        key: RangeKey,
        start: date | None = None,
        end: date | None = None,
        tz: str | None = None,
    ) -> list[Breakdown]:
        """Traffic sources, search terms, referrers, devices, browsers, systems and
        qualities over the period widened to whole UTC days."""
        await self.authorize(session, actor, scope)
        p = await self.period(session, scope, key, start, end, tz or actor_time_zone(actor))
        first, last = periods.utc_days(p.start, p.end)
        return build_breakdowns(await repo.dimension_rows(session, scope, first, last))

    async def top_content(
        self,
        session: AsyncSession,
        actor: Actor | None,
        scope: Scope,
        key: RangeKey,
        start: date | None = None,
        end: date | None = None,
        tz: str | None = None,
        *,
        sort: TopSort = TopSort.VIEWS,
        limit: int = 50,
    ) -> list[ContentRow]:
        """The scope's videos with data in the period, best first by `sort`."""
        await self.authorize(session, actor, scope)
        p = await self.period(session, scope, key, start, end, tz or actor_time_zone(actor))
        rows = await repo.top_content(session, scope, p.start, p.end, sort, max(1, min(limit, 200)))
        return [
            ContentRow(
                video_id=vid,
                title=title,
                published_at=published,
                duration=duration,
                views=views,
                watch_seconds=watch,
                average_percent_viewed=(
                    100 * watch / duration / views if duration and views else 0.0
                ),
                likes=likes,
            )
            for vid, title, published, duration, views, watch, likes in rows
        ]

    async def realtime(
        self, session: AsyncSession, actor: Actor | None, scope: Scope
    ) -> RealtimeSnapshot:
        """Views per hour over the last 48 hours and sessions active in the last minute."""
        await self.authorize(session, actor, scope)
        return await self.snapshot(session, scope)

    async def snapshot(self, session: AsyncSession, scope: Scope) -> RealtimeSnapshot:
        """The realtime figures of a scope the caller has already authorized."""
        now = utcnow()
        hour = now.replace(minute=0, second=0, microsecond=0)
        first = hour - timedelta(hours=REALTIME_HOURS - 1)
        rows = [
            (i, Bucket(first + timedelta(hours=i), first + timedelta(hours=i + 1), first))
            for i in range(REALTIME_HOURS)
        ]
        views = await repo.realtime_views(session, scope, rows)
        watching = await repo.watching_now(session, scope, now - WATCHING_NOW_WINDOW)
        return RealtimeSnapshot(
            scope=scope,
            hours=[Point(at=b.start, value=float(views.get(i, 0))) for i, b in rows],
            watching_now=watching,
            at=now,
        )


async def hour_figures(
    session: AsyncSession, scope: Scope, rows: Sequence[tuple[int, Bucket]]
) -> dict[int, HourFigures]:
    """The roll-ups up to the current hour, and the current hour from the raw rows
    (the roll-up task trails it by up to a minute; "now" must not lag)."""
    now_hour = utcnow().replace(minute=0, second=0, microsecond=0)
    rolled = await repo.hour_figures(session, scope, rows, before=now_hour)
    if all(b.end <= now_hour for _, b in rows):
        return rolled
    live = await repo.raw_hour_figures(session, scope, rows, since=now_hour)
    return {
        idx: _add(rolled.get(idx, HourFigures()), live.get(idx, HourFigures()))
        for idx in set(rolled) | set(live)
    }


def _add(a: HourFigures, b: HourFigures) -> HourFigures:
    return HourFigures(
        a.views + b.views,
        a.watch_seconds + b.watch_seconds,
        a.watched_fraction + b.watched_fraction,
    )


def _short(text: str, limit: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


async def compute_overview(
    session: AsyncSession, scope: Scope, title: str, p: Period, hour_source: HourSource
) -> Overview:
    """The overview of an authorized scope, its views and watch time from `hour_source`
    (the roll-ups, or analytics/raw.py's computation from the raw rows)."""
    _, _, rows = period_rows(p)
    return build_overview(
        scope,
        title,
        p,
        await hour_source(session, scope, rows),
        await repo.unique_viewers(session, scope, rows),
        await repo.activity(session, scope, rows),
        await repo.revenue(session, scope, rows),
    )


analytics_service = AnalyticsService()
