"""Periodic work of analytics' measure: roll-ups every minute, salts daily."""

from __future__ import annotations

import logging

from huey import crontab

from cosmostream.analytics import demo, rollup, salts
from cosmostream.db import Database, WriteSession
from cosmostream.kit.time import utcnow
from cosmostream.worker import job, periodic_task

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


# `cosmostream demo` loads the domains' demo data before the task worker has
# processed the demo videos (the long ones are not even drawn yet): this job,
# queued after them, adds each video's history once it is processed.
HISTORY_RETRY_SECONDS = 30
HISTORY_ATTEMPTS = 100


@job("analytics.demo_history")
async def add_demo_history(db: Database, titles: list[str], attempt: int = 1) -> int:
    """Add the history of the demo videos processed so far; look again later
    while any of `titles` is missing or still processing. Returns the
    sessions written."""
    async with db.unit_of_work() as session:
        made = await demo.load(session)
    async with db.read() as session:
        ready, known = await demo.processed_titles(session, titles)
    # None of them: another database (or deleted); stop looking.
    if known and len(ready) < len(set(titles)) and attempt < HISTORY_ATTEMPTS:
        add_demo_history.schedule((titles, attempt + 1), delay=HISTORY_RETRY_SECONDS)
    return made
