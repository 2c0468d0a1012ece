"""GraphQL of the creator studio: `analytics(scope, range, …) { overview, retention,
breakdowns, topContent, realtime }`.

The root field authorizes the scope (a forbidden scope looks missing); each
sub-field calls the service with its own read session, which authorizes again,
so a field can never be reached around the check.
"""

from __future__ import annotations

import enum
import uuid
from datetime import date, datetime

import strawberry

from cosmostream.analytics import schemas
from cosmostream.analytics.errors import AnalyticsNotFound
from cosmostream.analytics.periods import zone
from cosmostream.analytics.service import analytics_service
from cosmostream.graphql.context import Info
from cosmostream.kit.ids import require_uuid


@strawberry.enum(description="The last N days ending today, the scope's lifetime or custom dates.")
class AnalyticsRange(enum.Enum):
    DAYS_7 = "7d"
    DAYS_28 = "28d"
    DAYS_90 = "90d"
    DAYS_365 = "365d"
    LIFETIME = "lifetime"
    CUSTOM = "custom"


@strawberry.enum(
    description="A channel (its user id), a video, a course, or the platform (admins)."
)
class AnalyticsScopeKind(enum.Enum):
    CHANNEL = "channel"
    VIDEO = "video"
    COURSE = "course"
    PLATFORM = "platform"


AnalyticsMetric = strawberry.enum(schemas.Metric, name="AnalyticsMetric")
AnalyticsTopSort = strawberry.enum(schemas.TopSort, name="AnalyticsTopSort")
AnalyticsGranularity = strawberry.enum(schemas.Granularity, name="AnalyticsGranularity")


@strawberry.input
class AnalyticsScopeInput:
    kind: AnalyticsScopeKind
    id: strawberry.ID | None = None


@strawberry.type
class AnalyticsPoint:
    at: datetime = strawberry.field(description="The bucket's start, in the period's time zone.")
    value: float


@strawberry.type
class AnalyticsPeriod:
    start: datetime
    end: datetime
    previous_start: datetime
    previous_end: datetime
    tz: str
    granularity: AnalyticsGranularity  # type: ignore[valid-type]


@strawberry.type
class AnalyticsHeadline:
    metric: AnalyticsMetric  # type: ignore[valid-type]
    value: float
    previous: float
    change: float | None = strawberry.field(
        description="(value - previous) / previous; null when previous is 0."
    )
    series: list[AnalyticsPoint]
    previous_series: list[AnalyticsPoint]
    currency: str | None


@strawberry.type
class AnalyticsOverview:
    title: str
    period: AnalyticsPeriod
    headlines: list[AnalyticsHeadline]


@strawberry.type
class AnalyticsMarker:
    at: float
    kind: str
    label: str


@strawberry.type
class AnalyticsRetention:
    video_id: strawberry.ID
    title: str
    duration: float
    sessions: int
    points: list[float] = strawberry.field(
        description="100 shares (0..1), one per hundredth of the video."
    )
    average_percent_viewed: float
    typical: list[float] | None
    markers: list[AnalyticsMarker]


@strawberry.type
class AnalyticsBreakdownRow:
    key: str
    label: str
    views: int
    watch_seconds: float
    share: float


@strawberry.type
class AnalyticsBreakdown:
    dimension: str
    rows: list[AnalyticsBreakdownRow]


@strawberry.type
class AnalyticsContentRow:
    video_id: strawberry.ID
    title: str
    published_at: datetime | None
    duration: float
    views: int
    watch_seconds: float
    average_percent_viewed: float
    likes: int


@strawberry.type
class AnalyticsRealtime:
    hours: list[AnalyticsPoint]
    watching_now: int
    at: datetime


def _points(points: list[schemas.Point]) -> list[AnalyticsPoint]:
    return [AnalyticsPoint(at=p.at, value=p.value) for p in points]


@strawberry.type(description="The studio's figures of one scope over one period.")
class Analytics:
    scope: strawberry.Private[schemas.Scope]
    key: strawberry.Private[schemas.RangeKey]
    start: strawberry.Private[date | None]
    end: strawberry.Private[date | None]
    tz: strawberry.Private[str | None]

    @strawberry.field(description="The twelve headline metrics with their series.")
    async def overview(self, info: Info) -> AnalyticsOverview:
        async with info.context.db.read() as session:
            o = await analytics_service.overview(
                session, info.context.actor, self.scope, self.key, self.start, self.end, self.tz
            )
        p = o.period
        return AnalyticsOverview(
            title=o.title,
            period=AnalyticsPeriod(
                start=p.start,
                end=p.end,
                previous_start=p.previous_start,
                previous_end=p.previous_end,
                tz=p.tz,
                granularity=p.granularity,
            ),
            headlines=[
                AnalyticsHeadline(
                    metric=h.metric,
                    value=h.value,
                    previous=h.previous,
                    change=h.change,
                    series=_points(h.series),
                    previous_series=_points(h.previous_series),
                    currency=h.currency,
                )
                for h in o.headlines
            ],
        )

    @strawberry.field(description="Audience retention (video scope only).")
    async def retention(self, info: Info) -> AnalyticsRetention:
        if self.scope.kind is not schemas.ScopeKind.VIDEO or self.scope.id is None:
            raise AnalyticsNotFound("Retention is measured for one video.")
        async with info.context.db.read() as session:
            c = await analytics_service.retention(
                session, info.context.actor, self.scope.id, self.key, self.start, self.end, self.tz
            )
        return AnalyticsRetention(
            video_id=strawberry.ID(str(c.video_id)),
            title=c.title,
            duration=c.duration,
            sessions=c.sessions,
            points=c.points,
            average_percent_viewed=c.average_percent_viewed,
            typical=c.typical,
            markers=[AnalyticsMarker(at=m.at, kind=m.kind, label=m.label) for m in c.markers],
        )

    @strawberry.field(
        description="Traffic sources, search terms, referrers, devices, browsers, OS, qualities."
    )
    async def breakdowns(self, info: Info) -> list[AnalyticsBreakdown]:
        async with info.context.db.read() as session:
            found = await analytics_service.breakdowns(
                session, info.context.actor, self.scope, self.key, self.start, self.end, self.tz
            )
        return [
            AnalyticsBreakdown(
                dimension=b.dimension,
                rows=[
                    AnalyticsBreakdownRow(
                        key=r.key,
                        label=r.label,
                        views=r.views,
                        watch_seconds=r.watch_seconds,
                        share=r.share,
                    )
                    for r in b.rows
                ],
            )
            for b in found
        ]

    @strawberry.field(description="The scope's videos with data in the period, best first.")
    async def top_content(
        self,
        info: Info,
        sort: AnalyticsTopSort = schemas.TopSort.VIEWS,  # type: ignore[valid-type]
        limit: int = 50,
    ) -> list[AnalyticsContentRow]:
        async with info.context.db.read() as session:
            rows = await analytics_service.top_content(
                session,
                info.context.actor,
                self.scope,
                self.key,
                self.start,
                self.end,
                self.tz,
                sort=schemas.TopSort(sort),
                limit=limit,
            )
        return [
            AnalyticsContentRow(
                video_id=strawberry.ID(str(r.video_id)),
                title=r.title,
                published_at=r.published_at,
                duration=r.duration,
                views=r.views,
                watch_seconds=r.watch_seconds,
                average_percent_viewed=r.average_percent_viewed,
                likes=r.likes,
            )
            for r in rows
        ]

    @strawberry.field(description="Views per hour over the last 48 hours and viewers watching now.")
    async def realtime(self, info: Info) -> AnalyticsRealtime:
        async with info.context.db.read() as session:
            s = await analytics_service.realtime(session, info.context.actor, self.scope)
        return AnalyticsRealtime(hours=_points(s.hours), watching_now=s.watching_now, at=s.at)


@strawberry.type
class AnalyticsQuery:
    @strawberry.field(
        description="Analytics of your channel, video or course (admins: any, and the platform)."
    )
    async def analytics(
        self,
        info: Info,
        scope: AnalyticsScopeInput,
        range: AnalyticsRange = AnalyticsRange.DAYS_28,
        start: date | None = None,
        end: date | None = None,
        tz: str | None = None,
    ) -> Analytics:
        kind = schemas.ScopeKind(scope.kind.value)
        ident: uuid.UUID | None = None
        if kind is not schemas.ScopeKind.PLATFORM:
            ident = require_uuid(scope.id, AnalyticsNotFound)
        s = schemas.Scope(kind=kind, id=ident)
        if tz:
            zone(tz)
        async with info.context.db.read() as session:
            await analytics_service.authorize(session, info.context.actor, s)
        return Analytics(scope=s, key=schemas.RangeKey(range.value), start=start, end=end, tz=tz)
