"""What viewers do with videos: likes, saves, comments, playback, history."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import BigInteger, Date, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cosmostream.kit.time import utcnow
from cosmostream.models.account import User
from cosmostream.models.base import Base, IdMixin


class VideoLike(Base):
    __tablename__ = "video_likes"
    __table_args__ = (Index("ix_video_likes_video", "video_id"),)

    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    video_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("videos.id", ondelete="CASCADE"), primary_key=True
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class SavedVideo(Base):
    __tablename__ = "saved_videos"
    __table_args__ = (
        Index("ix_saved_videos_user_created", "user_id", "created_at"),
        Index("ix_saved_videos_video", "video_id"),
    )

    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    video_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("videos.id", ondelete="CASCADE"), primary_key=True
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Comment(IdMixin, Base):
    """A comment on a video, or a reply to one (one level: replies have no replies)."""

    __tablename__ = "comments"
    __table_args__ = (
        Index("ix_comments_video_parent_created", "video_id", "parent_id", "created_at"),
        Index("ix_comments_author", "author_id"),
    )

    video_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("videos.id", ondelete="CASCADE"))
    author_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    parent_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("comments.id", ondelete="CASCADE")
    )
    body: Mapped[str] = mapped_column(Text)
    reply_count: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    edited_at: Mapped[datetime | None]
    # A deleted comment with replies stays as a "deleted" placeholder.
    deleted_at: Mapped[datetime | None]

    author: Mapped[User] = relationship(lazy="raise")


class WatchHistory(Base):
    """The latest position per signed-in viewer and video (continue watching)."""

    __tablename__ = "watch_history"
    __table_args__ = (Index("ix_watch_history_user_updated", "user_id", "updated_at"),)

    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    video_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("videos.id", ondelete="CASCADE"), primary_key=True
    )
    position: Mapped[float] = mapped_column(default=0.0)
    watched_seconds: Mapped[float] = mapped_column(default=0.0)
    completed: Mapped[bool] = mapped_column(default=False)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class PlaybackState(Base):
    """Per viewer (user or anonymous key) and video: the viewer session in
    progress (events less than 30 min apart), its watch time towards its view,
    and when the last view was counted (one view per session)."""

    __tablename__ = "playback_states"

    video_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("videos.id", ondelete="CASCADE"), primary_key=True
    )
    viewer_key: Mapped[str] = mapped_column(String(64), primary_key=True)
    last_event_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_position: Mapped[float] = mapped_column(default=0.0)
    playing: Mapped[bool] = mapped_column(default=False)
    pending_seconds: Mapped[float] = mapped_column(default=0.0)
    last_view_at: Mapped[datetime | None]
    # The analytics session (`analytics_sessions.id`) and when it started; a
    # view counted at or after `session_started_at` is this session's view.
    session_id: Mapped[uuid.UUID | None]
    session_started_at: Mapped[datetime | None]


class PlaybackEvent(IdMixin, Base):
    """Raw player events, kept for the analytics roll-ups."""

    __tablename__ = "playback_events"
    __table_args__ = (Index("ix_playback_events_video_created", "video_id", "created_at"),)

    video_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("videos.id", ondelete="CASCADE"))
    user_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    viewer_key: Mapped[str] = mapped_column(String(64))
    event: Mapped[str] = mapped_column(String(16))
    position: Mapped[float] = mapped_column(default=0.0)
    watched_seconds: Mapped[float] = mapped_column(default=0.0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class VideoDailyStats(Base):
    """Engagement per video and UTC day: the input of the trending score."""

    __tablename__ = "video_daily_stats"
    __table_args__ = (Index("ix_video_daily_stats_day", "day"),)

    video_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("videos.id", ondelete="CASCADE"), primary_key=True
    )
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    views: Mapped[int] = mapped_column(BigInteger, default=0)
    watch_seconds: Mapped[float] = mapped_column(default=0.0)
    likes: Mapped[int] = mapped_column(default=0)
    comments: Mapped[int] = mapped_column(default=0)


class StaffPick(Base):
    __tablename__ = "staff_picks"

    video_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("videos.id", ondelete="CASCADE"), primary_key=True
    )
    picked_by_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Notification(IdMixin, Base):
    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_user_created", "user_id", "created_at"),)

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(32))
    actor_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    video_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("videos.id", ondelete="CASCADE"))
    # For `launch_soon`: the followed launch (models/launch.py).
    launch_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("launches.id", ondelete="CASCADE")
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    read_at: Mapped[datetime | None]


class CreatorRanking(Base):
    """Rising creators as of the last `catalog.trending` run: computing the
    ranking reads two weeks of daily stats, far too much for a page view."""

    __tablename__ = "creator_rankings"
    __table_args__ = (Index("ix_creator_rankings_score", "score"),)

    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    score: Mapped[float] = mapped_column(default=0.0)
    views_this_week: Mapped[int] = mapped_column(BigInteger, default=0)
    views_last_week: Mapped[int] = mapped_column(BigInteger, default=0)
    new_followers: Mapped[int] = mapped_column(default=0)
    computed_at: Mapped[datetime] = mapped_column(default=utcnow)
