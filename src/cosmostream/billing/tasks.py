"""Billing's queued and periodic work: webhook events and reconciliation."""

from __future__ import annotations

import logging

from huey import crontab

from cosmostream.billing.revenue import revenue_service
from cosmostream.billing.service import billing_service
from cosmostream.billing.stripe_api import enabled
from cosmostream.db import WriteSession
from cosmostream.worker import periodic_task, task

log = logging.getLogger(__name__)


async def process_event(
    session: WriteSession, event_id: str, event_type: str, object_id: str
) -> None:
    """Act on one stored webhook event (the webhook answered before this ran)."""
    await billing_service.process_event(session, event_id, event_type, object_id)


process_event_task = task("billing.process_event", retries=5, retry_delay=30)(process_event)


async def reconcile(session: WriteSession) -> int:
    """Repair our subscriptions from Stripe's list (webhooks that never came)."""
    if not enabled():
        return 0
    repaired = await billing_service.reconcile(session)
    if repaired:
        log.warning("reconciliation repaired %d subscriptions from Stripe", repaired)
    return repaired


reconcile_task = periodic_task("billing.reconcile", crontab(minute="17"))(reconcile)


async def close_revenue(session: WriteSession) -> int:
    """Split last month's premium revenue among creators, once (daily: a missed run catches up)."""
    closed = await revenue_service.close_due(session)
    for month in closed:
        log.info(
            "creator revenue for %s: %d %s to %d creators",
            f"{month.month:%Y-%m}",
            month.pool,
            month.currency,
            month.creators,
        )
    return len(closed)


close_revenue_task = periodic_task("billing.close_revenue", crontab(hour="3", minute="7"))(
    close_revenue
)
