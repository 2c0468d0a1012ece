"""The creator's part of /dashboard: "Your channel".

How the latest video is doing against the creator's typical video at the same
age, what is still processing, comments waiting for an answer, followers,
revenue this month and the studio's shortcuts. Engagement owns the dashboard
page and cannot import analytics (an earlier domain), so the section arrives
through engagement's `dashboard_sections` signal (see `on_dashboard`), read
with the page's own read session.
"""

from __future__ import annotations

import math
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from statistics import median
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from cosmostream.account.repository import follow_repository
from cosmostream.account.schemas import Actor, require_signed_in
from cosmostream.analytics.dashboard_repository import dashboard_repository
from cosmostream.billing.service import money
from cosmostream.engagement.signals import DashboardSection, DashboardSections
from cosmostream.errors import NotFound
from cosmostream.kit.time import utcnow
from cosmostream.models import Comment, User, Video

# The latest video is judged on its first week (or its life so far, if younger)...
FIRST_DAYS = timedelta(days=7)
# ...against the median of the creator's previous videos over the same span.
TYPICAL_OF = 10
IN_PROGRESS = 10
FAILED_SHOWN_FOR = timedelta(days=7)
COMMENTS = 5
TEMPLATE = "analytics/_dashboard.html"


class ChannelNotFound(NotFound):
    code = "channel_not_found"
    message = "There is no such channel."


@dataclass(frozen=True)
class Performance:
    views: float  # a median can fall between two counts
    watch_seconds: float
    # 100 * watch seconds / duration / views; None without views or duration.
    average_percent: float | None

    @property
    def watch_hours(self) -> float:
        return self.watch_seconds / 3600


@dataclass(frozen=True)
class LatestVideo:
    video: Video
    span: timedelta  # the first part of its life both figures cover
    performance: Performance
    typical: Performance | None  # None before the creator's second video
    compared_with: int  # how many earlier videos make the typical

    @property
    def span_label(self) -> str:
        hours = max(1, math.ceil(self.span.total_seconds() / 3600))
        if hours < 48:
            return "first hour" if hours == 1 else f"first {hours} hours"
        return f"first {math.ceil(hours / 24)} days"


@dataclass(frozen=True)
class CommentToAnswer:
    comment: Comment
    author: User
    video: Video


@dataclass(frozen=True)
class CreatorDashboard:
    owner_id: uuid.UUID
    latest: LatestVideo | None
    in_progress: list[Video]
    comments: list[CommentToAnswer]
    followers: int
    month_start: date  # in the creator's time zone
    revenue: list[str]  # formatted, one per currency; empty when nothing was earned


def _floor_hour(at: datetime) -> datetime:
    return at.replace(minute=0, second=0, microsecond=0)


def _performance(video: Video, views: float, seconds: float) -> Performance:
    duration = video.duration_seconds or 0.0
    percent = 100.0 * seconds / duration / views if views and duration else None
    return Performance(views=views, watch_seconds=seconds, average_percent=percent)


def _typical(figures: list[Performance]) -> Performance | None:
    if not figures:
        return None
    percents = [f.average_percent for f in figures if f.average_percent is not None]
    return Performance(
        views=median(f.views for f in figures),
        watch_seconds=median(f.watch_seconds for f in figures),
        average_percent=median(percents) if percents else None,
    )


def month_start(now: datetime, tz: str) -> date:
    """The first day of the current month where the creator lives."""
    try:
        zone = ZoneInfo(tz)
    except (ValueError, KeyError):  # a zone the system no longer knows
        zone = ZoneInfo("UTC")
    return now.astimezone(zone).date().replace(day=1)


class CreatorDashboardService:
    async def overview(
        self, session: AsyncSession, actor: Actor | None, *, now: datetime | None = None
    ) -> CreatorDashboard:
        """The signed-in creator's own channel (admins have a channel too);
        anyone else gets `ChannelNotFound`. Six queries, whatever the size
        of the channel."""
        actor = require_signed_in(actor)
        if not actor.is_creator:
            raise ChannelNotFound()
        now = now or utcnow()
        owner_id = actor.id
        latest = await self._latest(session, owner_id, now)
        in_progress = await dashboard_repository.unfinished(
            session, owner_id, now - FAILED_SHOWN_FOR, IN_PROGRESS
        )
        comments = await dashboard_repository.comments_to_answer(session, owner_id, COMMENTS)
        followers, _ = await follow_repository.counts(session, owner_id)
        first_day = month_start(now, actor.user.time_zone)
        revenue = await dashboard_repository.revenue_since(session, owner_id, first_day)
        return CreatorDashboard(
            owner_id=owner_id,
            latest=latest,
            in_progress=in_progress,
            comments=[CommentToAnswer(c, u, v) for c, u, v in comments],
            followers=followers,
            month_start=first_day,
            revenue=[money(amount, currency) for currency, amount in revenue],
        )

    async def _latest(
        self, session: AsyncSession, owner_id: uuid.UUID, now: datetime
    ) -> LatestVideo | None:
        videos = await dashboard_repository.latest_published(session, owner_id, TYPICAL_OF + 1)
        if not videos:
            return None
        latest, earlier = videos[0], videos[1:]
        assert latest.published_at is not None
        # Earlier videos are older, so each has lived at least this long.
        span = max(timedelta(0), min(FIRST_DAYS, now - latest.published_at))
        windows = {}
        for video in videos:
            assert video.published_at is not None
            windows[video.id] = (_floor_hour(video.published_at), video.published_at + span)
        totals = await dashboard_repository.totals_between(session, windows)
        figures = [_performance(v, *totals[v.id]) for v in videos]
        return LatestVideo(
            video=latest,
            span=span,
            performance=figures[0],
            typical=_typical(figures[1:]),
            compared_with=len(earlier),
        )


creator_dashboard_service = CreatorDashboardService()


async def on_dashboard(session: AsyncSession, request: DashboardSections) -> None:
    """Add "Your channel" to a creator's dashboard (nothing for other viewers)."""
    if not request.actor.is_creator:
        return
    data = await creator_dashboard_service.overview(session, request.actor)
    request.sections.append(DashboardSection(TEMPLATE, {"channel": data}))
