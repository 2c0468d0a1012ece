from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, BigInteger, Enum, ForeignKey, Index, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cosmostream.kit.time import utcnow
from cosmostream.models.account import Category, User
from cosmostream.models.base import Base, IdMixin, TimestampMixin


class VideoStatus(StrEnum):
    UPLOADING = "uploading"
    PROCESSING = "processing"
    READY = "ready"
    FAILED = "failed"
    REJECTED = "rejected"


class Visibility(StrEnum):
    PUBLIC = "public"
    UNLISTED = "unlisted"
    PRIVATE = "private"


def _enum(cls: type[StrEnum], length: int) -> Enum:
    return Enum(
        cls, native_enum=False, length=length, values_callable=lambda e: [m.value for m in e]
    )


class Video(IdMixin, TimestampMixin, Base):
    __tablename__ = "videos"
    __table_args__ = (
        Index("ix_videos_owner_created", "owner_id", "created_at"),
        Index("ix_videos_status_heartbeat", "status", "heartbeat_at"),
        # Discovery lists read only listed videos, keyset-paginated on (key, id).
        Index("ix_videos_listed_published", "listed", "published_at", "id"),
        Index("ix_videos_listed_views", "listed", "view_count", "id"),
        Index("ix_videos_listed_trending", "listed", "trending_score", "id"),
        Index("ix_videos_listed_duration", "listed", "duration_seconds", "id"),
        Index("ix_videos_category_listed_published", "category_id", "listed", "published_at", "id"),
        Index("ix_videos_owner_listed_published", "owner_id", "listed", "published_at"),
    )

    owner_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    category_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("categories.id", ondelete="SET NULL")
    )
    visibility: Mapped[Visibility] = mapped_column(_enum(Visibility, 16), default=Visibility.PUBLIC)
    status: Mapped[VideoStatus] = mapped_column(
        _enum(VideoStatus, 16), default=VideoStatus.UPLOADING
    )
    status_message: Mapped[str] = mapped_column(Text, default="")
    status_code: Mapped[str | None] = mapped_column(String(40))
    processing_progress: Mapped[float] = mapped_column(default=0.0)
    playable: Mapped[bool] = mapped_column(default=False)
    attempts: Mapped[int] = mapped_column(default=0)
    heartbeat_at: Mapped[datetime | None]
    processed_at: Mapped[datetime | None]

    source_key: Mapped[str | None] = mapped_column(String(255))
    source_name: Mapped[str] = mapped_column(String(255), default="")
    source_size: Mapped[int | None] = mapped_column(BigInteger)
    duration_seconds: Mapped[float | None]
    width: Mapped[int | None]
    height: Mapped[int | None]
    renditions: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    images: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    # Discovery. `listed` = public and ready, kept by `video_service.refresh_listing`;
    # the counters are denormalised so lists sort on an index.
    listed: Mapped[bool] = mapped_column(default=False)
    published_at: Mapped[datetime | None]
    view_count: Mapped[int] = mapped_column(BigInteger, default=0)
    like_count: Mapped[int] = mapped_column(default=0)
    comment_count: Mapped[int] = mapped_column(default=0)
    watch_seconds: Mapped[float] = mapped_column(default=0.0)
    trending_score: Mapped[float] = mapped_column(default=0.0)

    # Premium (entitlement `video.premium`): viewers without it get a preview of
    # the first `preview_seconds` (None: the `premium_preview_seconds` setting).
    premium: Mapped[bool] = mapped_column(default=False, server_default=false())
    preview_seconds: Mapped[int | None]

    owner: Mapped[User] = relationship(lazy="raise")
    category: Mapped[Category | None] = relationship(lazy="raise")
    tags: Mapped[list[VideoTag]] = relationship(
        lazy="raise", cascade="all, delete-orphan", order_by="VideoTag.position"
    )


class VideoTag(Base):
    __tablename__ = "video_tags"
    __table_args__ = (Index("ix_video_tags_tag", "tag"),)

    video_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("videos.id", ondelete="CASCADE"), primary_key=True
    )
    tag: Mapped[str] = mapped_column(String(40), primary_key=True)
    position: Mapped[int] = mapped_column(default=0)


class Upload(IdMixin, Base):
    """A resumable upload (tus) or an S3 multipart upload bound to one draft video."""

    __tablename__ = "uploads"

    video_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("videos.id", ondelete="CASCADE"), unique=True
    )
    owner_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    backend: Mapped[str] = mapped_column(String(8), default="local")
    length: Mapped[int] = mapped_column(BigInteger)
    offset: Mapped[int] = mapped_column(BigInteger, default=0)
    filename: Mapped[str] = mapped_column(String(255), default="")
    s3_key: Mapped[str | None] = mapped_column(String(255))
    s3_upload_id: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    completed_at: Mapped[datetime | None]
