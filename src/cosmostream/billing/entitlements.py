"""What a user may do because of a plan: derived from subscriptions on every request.

Nothing is cached or stored, so losing an entitlement (a cancellation that
took effect, a payment that failed past the grace period, a seat given up)
shows on the user's next request, as a role change does.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from sqlalchemy import and_, event, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from cosmostream.billing.plans import PLANS
from cosmostream.config import get_settings
from cosmostream.kit.time import aware, utcnow
from cosmostream.models.billing import OrganizationMember, Subscription, SubscriptionStatus

NONE: frozenset[str] = frozenset()

_ENTITLED = (SubscriptionStatus.ACTIVE, SubscriptionStatus.TRIALING)
_IN_GRACE = (SubscriptionStatus.PAST_DUE,)


def grants(subscription: Subscription, now: datetime, grace: timedelta) -> bool:
    """Whether a subscription grants its plan now.

    Active and trialing subscriptions do; a past-due one does until the grace
    period after the failed payment runs out; every other status does not.
    """
    if subscription.ended_at is not None and aware(subscription.ended_at) <= now:
        return False
    # A cancellation at period end takes effect when the period ends, even
    # before Stripe's `deleted` event (or the reconciliation) reaches us.
    if (
        subscription.cancel_at_period_end
        and subscription.current_period_end is not None
        and aware(subscription.current_period_end) <= now
    ):
        return False
    if subscription.status in _ENTITLED:
        return True
    if subscription.status in _IN_GRACE:
        failed = subscription.payment_failed_at or subscription.current_period_end or now
        return now < aware(failed) + grace
    return False


def grace_period() -> timedelta:
    """How long a past-due subscription keeps its plan (and an organization its
    seats) after the failed payment: the `billing_grace_days` setting."""
    return timedelta(days=get_settings().billing_grace_days)


async def held(
    session: AsyncSession,
    user_id: uuid.UUID | None,
    *,
    grace: timedelta | None = None,
    now: datetime | None = None,
) -> frozenset[str]:
    """The entitlement keys `user_id` holds now: from their own subscriptions and
    from the subscription of every organization they have a seat in.

    An organization's subscription also names its buyer as `user_id`, but only
    a seat grants it: the buyer who leaves (or is removed) loses it as everyone.

    `grace` defaults to the `billing_grace_days` setting. The answer is kept
    for the rest of the session (one request's unit of work) until it next
    flushes, so a page listing many videos asks once; a new request, or a
    write in this one, asks again.
    """
    if user_id is None:
        return NONE
    grace = grace if grace is not None else grace_period()
    memo: dict[tuple[uuid.UUID, timedelta], frozenset[str]] | None = None
    if now is None:
        memo = session.info.setdefault(_MEMO, {})
        if (user_id, grace) in memo:
            return memo[(user_id, grace)]
    at = now or utcnow()
    seats = select(OrganizationMember.organization_id).where(OrganizationMember.user_id == user_id)
    # Plan: ix_subscriptions_user_id, and ix_organization_members_user for the seats.
    rows = await session.scalars(
        select(Subscription).where(
            or_(
                and_(Subscription.user_id == user_id, Subscription.organization_id.is_(None)),
                Subscription.organization_id.in_(seats),
            ),
            Subscription.status.in_(_ENTITLED + _IN_GRACE),
        )
    )
    keys: set[str] = set()
    for subscription in rows:
        plan = PLANS.get(subscription.plan)
        if plan is not None and grants(subscription, at, grace):
            keys |= plan.entitlements
    found = frozenset(keys)
    if memo is not None:
        memo[(user_id, grace)] = found
    return found


_MEMO = "billing.entitlements"


@event.listens_for(Session, "after_flush")
def _forget_after_writes(session: Session, _context: object) -> None:
    """Anything written may change a subscription or a seat: ask again."""
    session.info.pop(_MEMO, None)


@event.listens_for(Session, "after_rollback")
def _forget_after_rollback(session: Session) -> None:
    session.info.pop(_MEMO, None)
