"""The learning domain's periodic work."""

from __future__ import annotations

import logging

from huey import crontab

from cosmostream.db import WriteSession
from cosmostream.learning.attempts import attempt_service
from cosmostream.worker import periodic_task

log = logging.getLogger(__name__)


async def close_overdue_attempts(session: WriteSession) -> int:
    """Grade the quiz attempts whose time ran out and that nobody submitted, with the
    answers their learners saved: a timed quiz, or one that closed, ends for everyone."""
    closed = await attempt_service.close_all_overdue(session)
    if closed:
        log.info("graded %d quiz attempts whose time ran out", closed)
    return closed


close_overdue_attempts_task = periodic_task("learning.close_overdue", crontab(minute="*"))(
    close_overdue_attempts
)
