"""Moderation rules: filing a report.

- Anything reportable (a comment, a forum post, a chat message) is reported
  the same way: once per reporter and subject, never about one's own words.
- The domain that owns the subject finds it and checks the reporter may see
  it; it also names the errors its users see.
"""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from cosmostream.account.schemas import Actor
from cosmostream.errors import AppError
from cosmostream.kit.time import utcnow
from cosmostream.moderation.errors import AlreadyReported
from cosmostream.moderation.repository import report_repository
from cosmostream.moderation.schemas import ReportSubject, clean_report_reason


class ModerationService:
    async def report(
        self,
        session: AsyncSession,
        reporter: Actor,
        subject: ReportSubject,
        subject_id: uuid.UUID,
        author_id: uuid.UUID,
        reason: str,
        *,
        own: AppError,
        again: AppError | None = None,
    ) -> None:
        """Flag a subject written by `author_id` for the moderators.

        Raises `own` when the reporter wrote it, and `again` (by default
        `AlreadyReported`) when they had already reported it.
        """
        if author_id == reporter.id:
            raise own
        text = clean_report_reason(reason)
        if not await report_repository.add(
            session, subject, subject_id, reporter.id, text, utcnow()
        ):
            raise again or AlreadyReported()


moderation_service = ModerationService()
