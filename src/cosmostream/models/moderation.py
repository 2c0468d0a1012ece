"""Reports: anything reportable flagged for the moderators, once per reporter."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from cosmostream.kit.time import utcnow
from cosmostream.models.base import Base, IdMixin


class Report(IdMixin, Base):
    """A report about one subject: a comment, a forum post or a chat message.

    Each kind of subject has its own column, a real foreign key, so a report
    goes with what it is about (comments are deleted for good) and the
    moderators' queue never shows a report about nothing.
    """

    __tablename__ = "reports"
    __table_args__ = (
        UniqueConstraint("comment_id", "reporter_id"),
        UniqueConstraint("post_id", "reporter_id"),
        UniqueConstraint("chat_message_id", "reporter_id"),
        CheckConstraint(
            "(CASE WHEN comment_id IS NULL THEN 0 ELSE 1 END)"
            " + (CASE WHEN post_id IS NULL THEN 0 ELSE 1 END)"
            " + (CASE WHEN chat_message_id IS NULL THEN 0 ELSE 1 END) = 1",
            name="one_subject",
        ),
        Index("ix_reports_open", "resolved_at", "created_at"),
    )

    comment_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("comments.id", ondelete="CASCADE")
    )
    post_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("forum_posts.id", ondelete="CASCADE")
    )
    chat_message_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("chat_messages.id", ondelete="CASCADE")
    )
    reporter_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    reason: Mapped[str] = mapped_column(String(500), default="", server_default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    resolved_at: Mapped[datetime | None]
