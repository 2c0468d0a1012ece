"""Forums: categories, threads, posts and their likes (chat and reports: `chat`, `moderation`)."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import (
    ForeignKey,
    Index,
    String,
    Text,
    false,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cosmostream.kit.time import utcnow
from cosmostream.models.account import User
from cosmostream.models.base import Base, IdMixin


class ForumCategory(IdMixin, Base):
    __tablename__ = "forum_categories"

    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(80))
    description: Mapped[str] = mapped_column(Text, default="", server_default="")
    position: Mapped[int] = mapped_column(default=0, server_default=text("0"))


class Thread(IdMixin, Base):
    __tablename__ = "forum_threads"
    __table_args__ = (
        # The category listing: pinned first, then the most recent activity.
        Index(
            "ix_forum_threads_listing",
            "category_id",
            "deleted_at",
            "pinned",
            "last_activity_at",
            "id",
        ),
        Index("ix_forum_threads_author", "author_id"),
    )

    category_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("forum_categories.id", ondelete="CASCADE")
    )
    author_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(200))
    pinned: Mapped[bool] = mapped_column(default=False, server_default=false())
    locked: Mapped[bool] = mapped_column(default=False, server_default=false())
    # Live posts after the opening one.
    reply_count: Mapped[int] = mapped_column(default=0, server_default=text("0"))
    last_activity_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    deleted_at: Mapped[datetime | None]

    category: Mapped[ForumCategory] = relationship(lazy="raise")
    author: Mapped[User] = relationship(lazy="raise")


class Post(IdMixin, Base):
    __tablename__ = "forum_posts"
    __table_args__ = (
        Index("ix_forum_posts_thread_created", "thread_id", "created_at", "id"),
        Index("ix_forum_posts_author", "author_id"),
    )

    thread_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("forum_threads.id", ondelete="CASCADE"))
    author_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    # The post that started the thread; it is not counted as a reply.
    opening: Mapped[bool] = mapped_column(default=False, server_default=false())
    body: Mapped[str] = mapped_column(Text)
    like_count: Mapped[int] = mapped_column(default=0, server_default=text("0"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    edited_at: Mapped[datetime | None]
    deleted_at: Mapped[datetime | None]

    author: Mapped[User] = relationship(lazy="raise")


class PostLike(Base):
    __tablename__ = "forum_post_likes"
    __table_args__ = (Index("ix_forum_post_likes_post", "post_id"),)

    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    post_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("forum_posts.id", ondelete="CASCADE"), primary_key=True
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
