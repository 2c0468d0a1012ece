"""GraphQL of creator revenue: what a creator earned, month by month."""

from __future__ import annotations

from datetime import date

import strawberry

from cosmostream.billing.revenue import revenue_service
from cosmostream.graphql.context import Info


@strawberry.type(description="What you earned from premium watch time in one month.")
class MonthlyEarnings:
    month: date = strawberry.field(description="The month's first day.")
    currency: str
    amount: int = strawberry.field(description="In the currency's smallest unit (cents).")
    premium_watch_seconds: float = strawberry.field(
        description="Watch time on your premium videos and premium courses' videos that month."
    )


@strawberry.type
class RevenueQuery:
    @strawberry.field(description="Your earnings per closed month, newest first (up to 36).")
    async def my_earnings(self, info: Info, months: int = 12) -> list[MonthlyEarnings]:
        async with info.context.db.read() as session:
            rows = await revenue_service.earnings(session, info.context.actor, months)
        return [
            MonthlyEarnings(
                month=r.month,
                currency=r.currency,
                amount=r.amount,
                premium_watch_seconds=round(r.premium_watch_seconds, 1),
            )
            for r in rows
        ]
