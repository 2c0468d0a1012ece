"""Creator revenue: each month, a share of premium revenue goes to creators by the
premium watch time their videos and courses earned.

The pool of a month is `creator_revenue_share` of what the invoices of plans
granting premium content (`video.premium` or `course.premium`) paid in that
month, per currency. It is split over (creator, day) cells in proportion to
premium watch time (`premium_watch`): what the server measured of signed-in,
entitled viewers playing premium videos and the videos of published premium
courses, other than their creators (`on_playback`), by the
largest-remainder method: the cells add up to the pool to the cent. Closing a
month writes its `revenue_months` row and its ledger rows in one transaction,
once: a second run, or a second worker, finds the month closed.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from cosmostream.account.schemas import Actor, require_signed_in
from cosmostream.billing.entitlements import held
from cosmostream.billing.plans import COURSE_PREMIUM, PLANS, VIDEO_PREMIUM
from cosmostream.billing.revenue_repository import revenue_repository
from cosmostream.config import get_settings
from cosmostream.engagement.signals import PlaybackStep
from cosmostream.kit.time import utcnow
from cosmostream.models import Video

K = TypeVar("K", bound=Hashable)

# The currency a month without any premium revenue is recorded in.
DEFAULT_CURRENCY = "usd"


def premium_plans() -> list[str]:
    """The plans whose revenue feeds creators: those that grant premium content."""
    return [k for k, plan in PLANS.items() if plan.entitlements & {VIDEO_PREMIUM, COURSE_PREMIUM}]


def split(pool: int, weights: Mapping[K, float]) -> dict[K, int]:
    """`pool` (whole units) over `weights` in proportion, summing exactly to `pool`.

    Each key gets the floor of its exact share; the units left over go one each
    to the largest remainders (ties in key order, so the result is repeatable).
    Without any positive weight nothing is split.
    """
    total = sum(w for w in weights.values() if w > 0)
    if pool <= 0 or total <= 0:
        return dict.fromkeys(weights, 0)
    shares = {key: pool * max(w, 0.0) / total for key, w in weights.items()}
    result = {key: math.floor(share) for key, share in shares.items()}
    left = pool - sum(result.values())
    by_remainder = sorted(shares, key=lambda key: (-(shares[key] - result[key]), str(key)))
    for key in by_remainder[:left]:
        result[key] += 1
    return result


def month_start(day: date) -> date:
    return day.replace(day=1)


def next_month(month: date) -> date:
    return (month.replace(day=28) + timedelta(days=4)).replace(day=1)


@dataclass(frozen=True)
class ClosedMonth:
    month: date
    currency: str
    premium_revenue: int
    pool: int
    watch_seconds: float
    creators: int


class RevenueService:
    async def on_playback(self, session: AsyncSession, step: PlaybackStep) -> None:
        """Credit premium watch time (a receiver of `engagement.playback_step`).

        Only what the server measured of playing (never the client's claim),
        of premium content (a video marked Premium, or a video a published
        premium course shows), watched by a signed-in viewer who holds the
        entitlement it needs and is not its creator.
        """
        if not step.playing or step.elapsed_seconds <= 0:
            return
        video = await session.get(Video, step.video_id)  # loaded already by the beacon
        if video is None or video.owner_id == step.user_id:
            return
        if video.premium:
            needs = VIDEO_PREMIUM
        elif await revenue_repository.in_premium_course(session, video.id):
            needs = COURSE_PREMIUM
        else:
            return
        if needs not in await held(session, step.user_id):
            return
        await revenue_repository.credit(
            session, video.owner_id, step.at.date(), step.elapsed_seconds
        )

    async def close_month(self, session: AsyncSession, month: date) -> list[ClosedMonth]:
        """Split `month` (a month that has ended) among creators; [] if it was split before."""
        month = month_start(month)
        end = next_month(month)
        if end > utcnow().date():
            raise ValueError(f"{month:%Y-%m} has not ended yet")
        start_at = datetime(month.year, month.month, 1, tzinfo=UTC)
        end_at = datetime(end.year, end.month, 1, tzinfo=UTC)
        share = get_settings().creator_revenue_share
        revenue = await revenue_repository.revenue(session, premium_plans(), start_at, end_at)
        watch = await revenue_repository.premium_watch(session, month, end - timedelta(days=1))
        weights = {(creator, day): seconds for creator, day, seconds in watch}
        seconds_total = sum(weights.values())
        closed: list[ClosedMonth] = []
        for currency, paid in sorted((revenue or {DEFAULT_CURRENCY: 0}).items()):
            pool = math.floor(paid * share) if seconds_total > 0 else 0
            claimed = await revenue_repository.claim_month(
                session,
                month,
                currency,
                premium_revenue=paid,
                share=share,
                pool=pool,
                watch_seconds=seconds_total,
            )
            if not claimed:
                continue
            amounts = split(pool, weights)
            await revenue_repository.add_ledger(
                session,
                [
                    {
                        "creator_id": creator,
                        "day": day,
                        "currency": currency,
                        "premium_watch_seconds": weights[(creator, day)],
                        "amount": amount,
                    }
                    for (creator, day), amount in sorted(amounts.items(), key=str)
                ],
            )
            closed.append(
                ClosedMonth(
                    month, currency, paid, pool, seconds_total, len({c for c, _ in weights})
                )
            )
        return closed

    async def close_due(
        self, session: AsyncSession, today: date | None = None
    ) -> list[ClosedMonth]:
        """Close last month unless it is closed (run daily, so a missed run is caught up)."""
        today = today or utcnow().date()
        last_month = month_start(month_start(today) - timedelta(days=1))
        if await revenue_repository.months(session, last_month):
            return []
        return await self.close_month(session, last_month)

    async def earnings(
        self, session: AsyncSession, actor: Actor | None, months: int = 12
    ) -> list[MonthlyEarnings]:
        """The signed-in creator's earnings per closed month, newest first."""
        actor = require_signed_in(actor)
        months = max(1, min(months, 36))
        since = month_start(utcnow().date())
        for _ in range(months):
            since = month_start(since - timedelta(days=1))
        totals: dict[tuple[date, str], MonthlyEarnings] = {}
        for row in await revenue_repository.ledger(session, actor.id, since):
            key = (month_start(row.day), row.currency)
            found = totals.get(key) or MonthlyEarnings(key[0], row.currency, 0, 0.0)
            totals[key] = MonthlyEarnings(
                found.month,
                found.currency,
                found.amount + row.amount,
                found.premium_watch_seconds + row.premium_watch_seconds,
            )
        return sorted(totals.values(), key=lambda e: (e.month, e.currency), reverse=True)


@dataclass(frozen=True)
class MonthlyEarnings:
    month: date
    currency: str
    amount: int  # smallest unit
    premium_watch_seconds: float


revenue_service = RevenueService()
