"""SQL of reports."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from cosmostream.kit.ids import uuid7
from cosmostream.kit.sql import insert_ignore
from cosmostream.models import Report
from cosmostream.moderation.schemas import ReportSubject

# The column of `reports` that holds each kind of subject.
_SUBJECT_COLUMNS = {
    ReportSubject.COMMENT: Report.comment_id,
    ReportSubject.POST: Report.post_id,
    ReportSubject.CHAT_MESSAGE: Report.chat_message_id,
}


class ReportRepository:
    async def add(
        self,
        session: AsyncSession,
        subject: ReportSubject,
        subject_id: uuid.UUID,
        reporter_id: uuid.UUID,
        reason: str,
        now: datetime,
    ) -> bool:
        """False when this user had already reported this subject."""
        return await insert_ignore(
            session,
            Report,
            id=uuid7(),
            **{_SUBJECT_COLUMNS[subject].key: subject_id},
            reporter_id=reporter_id,
            reason=reason,
            created_at=now,
            resolved_at=None,
        )


report_repository = ReportRepository()
