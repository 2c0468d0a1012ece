"""Live chat: the messages of every chat room (a forum thread's, a watch party's)."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from cosmostream.kit.time import utcnow
from cosmostream.models.base import Base, IdMixin


class ChatMessage(IdMixin, Base):
    """A message in exactly one room. Each kind of room has its own column, a
    real foreign key, so a room's messages go with it when it is deleted."""

    __tablename__ = "chat_messages"
    __table_args__ = (
        CheckConstraint("(thread_id IS NULL) <> (party_id IS NULL)", name="one_room"),
        Index("ix_chat_messages_thread_created", "thread_id", "created_at"),
        Index("ix_chat_messages_party_created", "party_id", "created_at"),
    )

    thread_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("forum_threads.id", ondelete="CASCADE")
    )
    party_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("watch_parties.id", ondelete="CASCADE")
    )
    author_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    body: Mapped[str] = mapped_column(String(2000))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    deleted_at: Mapped[datetime | None]
