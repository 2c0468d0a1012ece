"""What the analytics service takes and returns (no ORM objects leave a transport).

Every figure is decided on the server; pages, GraphQL and CSV only format them.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict


class RangeKey(StrEnum):
    DAYS_7 = "7d"
    DAYS_28 = "28d"
    DAYS_90 = "90d"
    DAYS_365 = "365d"
    LIFETIME = "lifetime"
    CUSTOM = "custom"


class Granularity(StrEnum):
    HOUR = "hour"
    DAY = "day"
    WEEK = "week"
    MONTH = "month"


class ScopeKind(StrEnum):
    CHANNEL = "channel"  # one creator's videos
    VIDEO = "video"
    COURSE = "course"  # the videos of one course's lessons
    PLATFORM = "platform"  # every video (admins)


class Metric(StrEnum):
    VIEWS = "views"
    UNIQUE_VIEWERS = "unique_viewers"
    WATCH_HOURS = "watch_hours"
    AVERAGE_VIEW_DURATION = "average_view_duration"  # seconds
    AVERAGE_PERCENT_VIEWED = "average_percent_viewed"  # 0..100
    FOLLOWERS_GAINED = "followers_gained"
    FOLLOWERS_LOST = "followers_lost"
    LIKES = "likes"
    COMMENTS = "comments"
    SAVES = "saves"
    SHARES = "shares"
    REVENUE = "revenue"  # smallest currency unit


class TopSort(StrEnum):
    VIEWS = "views"
    WATCH_TIME = "watch_time"
    AVERAGE_PERCENT_VIEWED = "average_percent_viewed"
    LIKES = "likes"


class Scope(BaseModel):
    """What is measured: `id` is the owner (channel), video or course id; none for the platform."""

    model_config = ConfigDict(frozen=True)

    kind: ScopeKind
    id: uuid.UUID | None = None


class Period(BaseModel):
    """A half-open UTC interval [start, end) chosen in `tz`, its bucket size and
    the equally long period just before it (for the change figures)."""

    model_config = ConfigDict(frozen=True)

    key: RangeKey
    start: datetime
    end: datetime
    previous_start: datetime
    previous_end: datetime
    tz: str  # IANA name
    granularity: Granularity


class Point(BaseModel):
    model_config = ConfigDict(frozen=True)

    at: datetime  # the bucket's start, in the period's time zone
    value: float


class Headline(BaseModel):
    """One metric over the period: its value, the previous period's and the series."""

    model_config = ConfigDict(frozen=True)

    metric: Metric
    value: float
    previous: float
    # (value - previous) / previous; None when previous is 0.
    change: float | None
    series: list[Point]
    currency: str | None = None  # revenue only
    # The previous period's series, bucket by bucket (its own bucket starts).
    previous_series: list[Point] = []


class Overview(BaseModel):
    model_config = ConfigDict(frozen=True)

    scope: Scope
    title: str  # the channel's name, the video's or course's title, or the site's
    period: Period
    # One per Metric, in Metric's order; revenue only for channels and the
    # platform (a creator earns it, not a video or a course).
    headlines: list[Headline]


class Marker(BaseModel):
    model_config = ConfigDict(frozen=True)

    at: float  # seconds into the video
    kind: str  # "chapter" | "quiz"
    label: str


class RetentionCurve(BaseModel):
    """The share of a video's viewers still watching at each hundredth of it."""

    model_config = ConfigDict(frozen=True)

    video_id: uuid.UUID
    title: str
    duration: float
    sessions: int
    points: list[float]  # 100 values, 0..1: point i covers [i, i+1) hundredths
    average_percent_viewed: float  # 0..100
    # The channel's typical curve over the same period: the median, point by
    # point, of its other videos' curves (None when it has no other data).
    typical: list[float] | None
    markers: list[Marker]


class BreakdownRow(BaseModel):
    model_config = ConfigDict(frozen=True)

    key: str  # e.g. "search", "mobile", "1080"
    label: str  # for people: "Search", "Mobile", "1080p"
    views: int
    watch_seconds: float
    share: float  # of the breakdown's views (of watch time for `quality`), 0..1


class Breakdown(BaseModel):
    """Views by one dimension: `traffic`, `search_terms`, `referrers`, `device`,
    `browser`, `os` or `quality`."""

    model_config = ConfigDict(frozen=True)

    dimension: str
    rows: list[BreakdownRow]


class ContentRow(BaseModel):
    model_config = ConfigDict(frozen=True)

    video_id: uuid.UUID
    title: str
    published_at: datetime | None
    duration: float
    views: int
    watch_seconds: float
    average_percent_viewed: float
    likes: int


class RealtimeSnapshot(BaseModel):
    """Views per hour over the last 48 hours (oldest first) and viewers watching now."""

    model_config = ConfigDict(frozen=True)

    scope: Scope
    hours: list[Point]
    watching_now: int
    at: datetime
