"""Periodic housekeeping for accounts."""

from __future__ import annotations

import logging
from datetime import timedelta

from huey import crontab

from cosmostream.account import throttle
from cosmostream.account.repository import action_token_repository, session_repository
from cosmostream.db import WriteSession
from cosmostream.kit.time import utcnow
from cosmostream.worker import periodic_task

log = logging.getLogger(__name__)


async def purge_stale(session: WriteSession) -> dict[str, int]:
    """Forget sessions, tokens and throttle counters nobody can use any more."""
    now = utcnow()
    sessions = await session_repository.delete_stale(session, now - timedelta(days=7))
    tokens = await action_token_repository.delete_stale(session, now - timedelta(days=1))
    buckets = await throttle.purge(session, now)
    counts = {"sessions": sessions, "action_tokens": tokens, "throttle_buckets": buckets}
    log.info("purged stale account rows: %s", counts)
    return counts


purge_stale_task = periodic_task("account.purge_stale", crontab(minute="17"))(purge_stale)
