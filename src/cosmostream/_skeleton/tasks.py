"""Huey tasks: each one unit of work; they take ids, reload state and may be retried."""

from __future__ import annotations

import logging

from cosmostream._skeleton.service import skeleton_service
from cosmostream.db import WriteSession
from cosmostream.worker import task

log = logging.getLogger(__name__)


@task("skeleton.refresh", retries=2, retry_delay=30)
async def refresh(session: WriteSession, user_id: str) -> None:
    summary = await skeleton_service.summary(session, "refresh")
    log.info("skeleton refreshed for %s: %d categories", user_id, summary.category_count)
