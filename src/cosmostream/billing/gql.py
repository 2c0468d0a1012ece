"""GraphQL of billing: plans with Stripe's prices, your billing, checkout and changes.

Amounts are in the currency's smallest unit (cents), as Stripe gives them.
Every mutation is for the signed-in caller's own subscription; the server
picks the price from the plan and interval named.
"""

from __future__ import annotations

from datetime import datetime

import strawberry

from cosmostream.billing.features import describe
from cosmostream.billing.plans import PLANS
from cosmostream.billing.service import PreviewView, billing_service
from cosmostream.billing.stripe_api import enabled
from cosmostream.graphql.context import Info


@strawberry.type(description="A price of a plan, from Stripe.")
class PlanPrice:
    interval: str = strawberry.field(description='"month" or "year".')
    amount: int = strawberry.field(description="In the currency's smallest unit (cents).")
    currency: str
    per_seat: bool


@strawberry.type(description="A plan: what it includes (entitlement keys) and its prices.")
class BillingPlan:
    key: str
    name: str
    entitlements: list[str]
    features: list[str] = strawberry.field(description="What the plan includes, in words.")
    prices: list[PlanPrice]


@strawberry.type(description="Your plan and subscription.")
class MyBilling:
    plan: str = strawberry.field(description='"free", "premium" or "institutional".')
    status: str | None = strawberry.field(description="Stripe's subscription status; null on Free.")
    interval: str | None
    current_period_end: datetime | None
    cancel_at_period_end: bool
    entitlements: list[str] = strawberry.field(description="The feature keys you hold now.")
    payment_failed: bool
    grace_ends_at: datetime | None = strawberry.field(
        description="When premium access stops unless the failed payment is settled."
    )


@strawberry.type(description="One line of a proration preview.")
class PreviewLineItem:
    description: str
    amount: int


@strawberry.type(description="What a change would cost now (Stripe's invoice preview).")
class PlanChangePreview:
    plan: str
    interval: str
    quantity: int
    total: int = strawberry.field(description="Prorated total; negative is a credit.")
    amount_due: int
    currency: str
    lines: list[PreviewLineItem]


def _preview(view: PreviewView) -> PlanChangePreview:
    return PlanChangePreview(
        plan=view.plan,
        interval=view.interval,
        quantity=view.quantity,
        total=view.total,
        amount_due=view.amount_due,
        currency=view.currency,
        lines=[PreviewLineItem(description=x.description, amount=x.amount) for x in view.lines],
    )


async def _my_billing(info: Info) -> MyBilling:
    actor = info.context.require_actor()
    async with info.context.db.read() as session:
        view = await billing_service.my_billing(session, actor)
    s = view.subscription
    return MyBilling(
        plan=view.plan.key,
        status=s.status.value if s else None,
        interval=s.interval if s else None,
        current_period_end=s.current_period_end if s else None,
        cancel_at_period_end=s.cancel_at_period_end if s else False,
        entitlements=sorted(view.entitlements),
        payment_failed=view.payment_failed,
        grace_ends_at=view.grace_ends_at,
    )


@strawberry.type
class BillingQuery:
    @strawberry.field(description="The plans, with Stripe's prices (none when billing is off).")
    async def plans(self) -> list[BillingPlan]:
        prices = await billing_service.prices() if enabled() else {}
        return [
            BillingPlan(
                key=plan.key,
                name=plan.name,
                entitlements=sorted(plan.entitlements),
                features=describe(plan.key),
                prices=[
                    PlanPrice(
                        interval=p.interval,
                        amount=p.amount,
                        currency=p.currency,
                        per_seat=plan.per_seat,
                    )
                    for p in prices.values()
                    if p.plan == plan.key
                ],
            )
            for plan in PLANS.values()
        ]

    @strawberry.field(description="Your plan, its status and the entitlements you hold.")
    async def my_billing(self, info: Info) -> MyBilling:
        return await _my_billing(info)


@strawberry.type
class BillingMutation:
    @strawberry.mutation(
        description="Start Stripe Checkout for Premium, or Institutional seats for a new "
        "organization; the hosted page's URL."
    )
    async def start_checkout(
        self,
        info: Info,
        plan: str,
        interval: str,
        organization_name: str | None = None,
        organization_slug: str | None = None,
        seats: int | None = None,
    ) -> str:
        actor = info.context.require_actor()
        return await billing_service.start_checkout(
            info.context.db,
            actor,
            plan,
            interval,
            organization_name=organization_name,
            organization_slug=organization_slug,
            seats=seats,
        )

    @strawberry.mutation(description="Cancel your plan at the end of the paid period.")
    async def cancel_subscription(self, info: Info) -> MyBilling:
        actor = info.context.require_actor()
        await billing_service.set_cancel_at_period_end(info.context.db, actor, True)
        return await _my_billing(info)

    @strawberry.mutation(description="Keep a plan you cancelled before its period ends.")
    async def resume_subscription(self, info: Info) -> MyBilling:
        actor = info.context.require_actor()
        await billing_service.set_cancel_at_period_end(info.context.db, actor, False)
        return await _my_billing(info)

    @strawberry.mutation(description="What changing your plan or interval would cost now.")
    async def preview_plan_change(self, info: Info, plan: str, interval: str) -> PlanChangePreview:
        actor = info.context.require_actor()
        async with info.context.db.read() as session:
            return _preview(
                await billing_service.preview_plan_change(session, actor, plan, interval)
            )

    @strawberry.mutation(description="Change your plan or interval (prorated).")
    async def change_plan(self, info: Info, plan: str, interval: str) -> MyBilling:
        actor = info.context.require_actor()
        await billing_service.change_plan(info.context.db, actor, plan, interval)
        return await _my_billing(info)

    @strawberry.mutation(description="A Stripe Customer Portal session for your payment method.")
    async def open_billing_portal(self, info: Info) -> str:
        actor = info.context.require_actor()
        async with info.context.db.read() as session:
            return await billing_service.portal_url(session, actor)
