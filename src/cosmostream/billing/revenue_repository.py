"""SQL of the creator-revenue split: premium revenue, premium watch time, the ledger."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from datetime import date, datetime

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from cosmostream.kit import sql
from cosmostream.models import (
    BillingInvoice,
    Course,
    CreatorRevenue,
    Lesson,
    PublishState,
    RevenueMonth,
    Video,
    VideoDailyStats,
)


class RevenueRepository:
    async def revenue(
        self, session: AsyncSession, plans: Collection[str], start: datetime, end: datetime
    ) -> dict[str, int]:
        """What invoices of `plans` paid in [start, end), per currency."""
        # ix_billing_invoices_paid_at: a range scan over one month of invoices.
        rows = await session.execute(
            select(BillingInvoice.currency, func.sum(BillingInvoice.amount_paid))
            .where(
                BillingInvoice.paid_at >= start,
                BillingInvoice.paid_at < end,
                BillingInvoice.plan.in_(list(plans)),
            )
            .group_by(BillingInvoice.currency)
        )
        return {currency.lower(): int(total or 0) for currency, total in rows.all()}

    async def premium_watch(
        self, session: AsyncSession, first: date, last: date
    ) -> list[tuple[uuid.UUID, date, float]]:
        """Watch time per creator and day in [first, last] on premium content: videos
        marked Premium, and the videos of published premium courses' lessons."""
        in_premium_course = (
            select(Lesson.video_id)
            .join(Course, Course.id == Lesson.course_id)
            .where(
                Course.premium.is_(True),
                Course.state == PublishState.PUBLISHED,
                Lesson.video_id.is_not(None),
            )
        )
        # ix_video_daily_stats_day: one month of daily rows, joined to videos by key.
        rows = await session.execute(
            select(Video.owner_id, VideoDailyStats.day, func.sum(VideoDailyStats.watch_seconds))
            .join(Video, Video.id == VideoDailyStats.video_id)
            .where(
                VideoDailyStats.day >= first,
                VideoDailyStats.day <= last,
                VideoDailyStats.watch_seconds > 0,
                or_(Video.premium.is_(True), Video.id.in_(in_premium_course)),
            )
            .group_by(Video.owner_id, VideoDailyStats.day)
        )
        return [(owner, day, float(seconds)) for owner, day, seconds in rows.all()]

    async def claim_month(
        self,
        session: AsyncSession,
        month: date,
        currency: str,
        *,
        premium_revenue: int,
        share: float,
        pool: int,
        watch_seconds: float,
    ) -> bool:
        """Record a month's split; False when it was split before (the primary key
        decides between two workers closing the same month)."""
        return await sql.insert_ignore(
            session,
            RevenueMonth,
            month=month,
            currency=currency,
            premium_revenue=premium_revenue,
            share=share,
            pool=pool,
            watch_seconds=watch_seconds,
        )

    async def add_ledger(self, session: AsyncSession, rows: Sequence[dict[str, object]]) -> None:
        if rows:
            await session.execute(sql.insert(session, CreatorRevenue), list(rows))

    async def months(self, session: AsyncSession, month: date) -> list[RevenueMonth]:
        return list(await session.scalars(select(RevenueMonth).where(RevenueMonth.month == month)))

    async def ledger(
        self, session: AsyncSession, creator_id: uuid.UUID, since: date
    ) -> list[CreatorRevenue]:
        # pk_creator_revenue (creator_id, day, currency): one creator's range.
        return list(
            await session.scalars(
                select(CreatorRevenue)
                .where(CreatorRevenue.creator_id == creator_id, CreatorRevenue.day >= since)
                .order_by(CreatorRevenue.day, CreatorRevenue.currency)
            )
        )


revenue_repository = RevenueRepository()
