"""Periodic housekeeping for accounts."""

from __future__ import annotations

import logging
from datetime import timedelta

from huey import crontab
from sqlalchemy import delete

from cosmostream.account.repository import action_token_repository, session_repository
from cosmostream.db import WriteSession
from cosmostream.kit.time import utcnow
from cosmostream.models import ThrottleBucket
from cosmostream.worker import periodic_task

log = logging.getLogger(__name__)


async def purge_stale(session: WriteSession) -> dict[str, int]:
    """Forget sessions, tokens and throttle counters nobody can use any more."""
    now = utcnow()
    sessions = await session_repository.delete_stale(session, now - timedelta(days=7))
    tokens = await action_token_repository.delete_stale(session, now - timedelta(days=1))
    buckets = await session.execute(
        delete(ThrottleBucket).where(
            ThrottleBucket.window_started_at < now - timedelta(days=1),
            (ThrottleBucket.blocked_until.is_(None)) | (ThrottleBucket.blocked_until < now),
        )
    )
    counts = {"sessions": sessions, "action_tokens": tokens,
              "throttle_buckets": int(buckets.rowcount or 0)}  # type: ignore[attr-defined]
    log.info("purged stale account rows: %s", counts)
    return counts


purge_stale_task = periodic_task("account.purge_stale", crontab(minute="17"))(purge_stale)
