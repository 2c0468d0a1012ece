"""SQL of the creator-revenue split: premium revenue, premium watch time, the ledger."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from cosmostream.kit import sql
from cosmostream.models import (
    BillingInvoice,
    Course,
    CreatorRevenue,
    Lesson,
    PremiumWatch,
    PublishState,
    RevenueMonth,
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
        """Premium watch time per creator and day in [first, last]."""
        # ix_premium_watch_day: one month of (creator, day) rows.
        rows = await session.execute(
            select(PremiumWatch.creator_id, PremiumWatch.day, PremiumWatch.watch_seconds).where(
                PremiumWatch.day >= first,
                PremiumWatch.day <= last,
                PremiumWatch.watch_seconds > 0,
            )
        )
        return [(creator, day, float(seconds)) for creator, day, seconds in rows.all()]

    async def in_premium_course(self, session: AsyncSession, video_id: uuid.UUID) -> bool:
        """Whether a lesson of a published premium course shows this video."""
        # ix_lessons_video, then the course by its key.
        found = await session.scalar(
            select(Lesson.id)
            .join(Course, Course.id == Lesson.course_id)
            .where(
                Lesson.video_id == video_id,
                Course.premium.is_(True),
                Course.state == PublishState.PUBLISHED,
            )
            .limit(1)
        )
        return found is not None

    async def credit(
        self, session: AsyncSession, creator_id: uuid.UUID, day: date, seconds: float
    ) -> None:
        """Add premium watch time to one creator's day."""
        stmt = sql.insert(session, PremiumWatch).values(
            creator_id=creator_id, day=day, watch_seconds=seconds
        )
        stmt = stmt.on_conflict_do_update(
            index_elements=[PremiumWatch.creator_id, PremiumWatch.day],
            set_={"watch_seconds": PremiumWatch.watch_seconds + stmt.excluded.watch_seconds},
        )
        await session.execute(stmt)

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
