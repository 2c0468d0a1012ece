"""Periodic work of analytics' measure: roll-ups every minute, salts daily."""

from __future__ import annotations

import logging

from huey import crontab

from cosmostream.analytics import rollup, salts
from cosmostream.db import WriteSession
from cosmostream.kit.time import utcnow
from cosmostream.worker import periodic_task

log = logging.getLogger(__name__)


async def roll_up(session: WriteSession) -> int:
    """Rebuild the roll-ups of the hours and days whose raw rows changed."""
    touched = await rollup.catch_up(session)
    if touched:
        log.info("rolled up %d video hours", touched)
    return touched


async def prune_salts(session: WriteSession) -> int:
    """Delete anonymous viewers' salts older than two days (docs/analytics.md)."""
    pruned = await salts.prune(session, utcnow().date())
    log.info("pruned %d analytics salts", pruned)
    return pruned


roll_up_task = periodic_task("analytics.rollup", crontab(minute="*"))(roll_up)
prune_salts_task = periodic_task("analytics.prune_salts", crontab(minute="7", hour="0"))(
    prune_salts
)
