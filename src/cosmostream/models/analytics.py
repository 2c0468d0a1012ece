"""Creator analytics: viewer sessions and the ranges they watched (the raw
measure), what viewers did on a channel, and the roll-ups the studio reads.

The raw rows are written by the analytics domain's receivers of engagement's
and account's signals, inside the unit of work of the event (see
`analytics/ingest.py`); the roll-ups are rebuilt from them, hour by hour, by
`analytics/rollup.py` — a rebuild replaces rows, so it can run any number of
times. The counting rules are in docs/analytics.md.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    Date,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column

from cosmostream.kit.time import utcnow
from cosmostream.models.base import Base, IdMixin

# SQLite only makes an INTEGER PRIMARY KEY its rowid (autoincrement); BIGINT
# on PostgreSQL, where 20 million ranges a year must not run out.
RowId = BigInteger().with_variant(Integer(), "sqlite")


class ViewerSession(IdMixin, Base):
    """One viewer watching one video: consecutive player events of one viewer
    with less than `SESSION_GAP` (30 min) between them. Reloading the page
    carries on the same session, so it cannot add a view.

    `viewer` is who, for unique viewers: `u:<hash of the user id>` for a
    signed-in viewer (exact across any range), `a:<hash>` for an anonymous one,
    salted with a random salt of the UTC day that is deleted after two days —
    an anonymous viewer is the same viewer within a day only, and no raw IP
    address, cookie or user id is stored here. `user_id` is kept only so that
    deleting the account deletes the rows (CASCADE).
    """

    __tablename__ = "analytics_sessions"
    __table_args__ = (
        # Channel and video queries over a time range; `viewer` makes the
        # unique-viewer count index-only on both databases.
        Index("ix_analytics_sessions_owner_started", "owner_id", "started_at", "viewer"),
        Index("ix_analytics_sessions_video_started", "video_id", "started_at", "viewer"),
        Index("ix_analytics_sessions_user", "user_id"),
        Index("ix_analytics_sessions_last_seen", "last_seen_at"),
        # The roll-up of an hour's views reads the views counted in it.
        Index("ix_analytics_sessions_video_view", "video_id", "view_at"),
    )

    video_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("videos.id", ondelete="CASCADE"))
    owner_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    user_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    viewer: Mapped[str] = mapped_column(String(48))
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Where the view started (analytics/sources.py) and its detail: the search
    # terms, the referring domain or the course, lower-cased and cut to 120.
    source: Mapped[str] = mapped_column(String(16), default="direct")
    source_detail: Mapped[str | None] = mapped_column(String(120))
    # From the User-Agent at the session's start (analytics/agents.py).
    device: Mapped[str] = mapped_column(String(8), default="desktop")
    browser: Mapped[str] = mapped_column(String(16), default="other")
    os: Mapped[str] = mapped_column(String(16), default="other")
    watched_seconds: Mapped[float] = mapped_column(default=0.0)
    # The furthest position reached, and the retention buckets (hundredths of
    # the video) any part of which was watched: 100 bits as 25 hex digits.
    max_position: Mapped[float] = mapped_column(default=0.0)
    coverage: Mapped[str] = mapped_column(String(25), default="0" * 25)
    # When the session's view counted (30 s watched, or half a video shorter than a minute).
    view_at: Mapped[datetime | None]
    # Whether its last event left the player playing: "watching now" is a
    # playing session seen in the last minute (a paused viewer is not watching).
    playing: Mapped[bool] = mapped_column(default=False, server_default=false())


class WatchedRange(Base):
    """A stretch of one session's watching inside one UTC hour: from `start` to
    `end` in the video, `seconds` of server-measured time (not the same as
    end - start at other speeds), at quality `rung` (the rendition's height).

    Each measured second is in exactly one range, in the hour it was watched:
    a step across an hour boundary is split in two. Consecutive steps of a
    session in the same hour and rung extend its last range.
    """

    __tablename__ = "analytics_ranges"
    __table_args__ = (
        Index("ix_analytics_ranges_video_hour", "video_id", "hour"),
        Index("ix_analytics_ranges_owner_hour", "owner_id", "hour"),
        Index("ix_analytics_ranges_session", "session_id"),
    )

    id: Mapped[int] = mapped_column(RowId, primary_key=True, autoincrement=True)
    session_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("analytics_sessions.id", ondelete="CASCADE")
    )
    video_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("videos.id", ondelete="CASCADE"))
    owner_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    hour: Mapped[datetime]  # UTC, on the hour
    start: Mapped[float]
    end: Mapped[float]
    seconds: Mapped[float]
    rung: Mapped[int | None] = mapped_column(SmallInteger)
    # When the server wrote it (not moved when the range is extended: the
    # roll-up's watermark is the session's `last_seen_at`).
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)


class ChannelActivity(IdMixin, Base):
    """What a viewer did on a channel: `like`, `save`, `comment`, `share`
    (`delta` +1, or -1 when undone) and `follow` (+1 gained, -1 lost)."""

    __tablename__ = "analytics_activity"
    __table_args__ = (
        Index("ix_analytics_activity_owner_at", "owner_id", "at"),
        Index("ix_analytics_activity_video_at", "video_id", "at"),
        Index("ix_analytics_activity_user", "user_id"),
    )

    owner_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    video_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("videos.id", ondelete="CASCADE"))
    user_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(8))
    delta: Mapped[int] = mapped_column(SmallInteger, default=1)
    at: Mapped[datetime] = mapped_column(default=utcnow)


class VideoHour(Base):
    """Roll-up per video and UTC hour: views counted, sessions started, seconds
    watched (in that hour, from the ranges) and seconds per quality rung."""

    __tablename__ = "analytics_video_hours"
    __table_args__ = (Index("ix_analytics_video_hours_owner_hour", "owner_id", "hour"),)

    video_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("videos.id", ondelete="CASCADE"), primary_key=True
    )
    hour: Mapped[datetime] = mapped_column(primary_key=True)
    owner_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    views: Mapped[int] = mapped_column(default=0)
    sessions: Mapped[int] = mapped_column(default=0)
    watch_seconds: Mapped[float] = mapped_column(default=0.0)


class RetentionDay(Base):
    """Roll-up per video and UTC day of the sessions started that day: how many,
    and how many watched some of each hundredth of the video (100 counts,
    comma-separated)."""

    __tablename__ = "analytics_retention_days"

    video_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("videos.id", ondelete="CASCADE"), primary_key=True
    )
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    sessions: Mapped[int] = mapped_column(default=0)
    buckets: Mapped[str] = mapped_column(Text)


class DimensionDay(Base):
    """Roll-up per video, UTC day and dimension value (`source`, `source_detail`
    as `search:<terms>` / `referrer:<domain>`, `device`, `browser`, `os`,
    `rung`): sessions started, views counted and seconds watched."""

    __tablename__ = "analytics_dimension_days"
    __table_args__ = (Index("ix_analytics_dimension_days_owner_day", "owner_id", "day"),)

    video_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("videos.id", ondelete="CASCADE"), primary_key=True
    )
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    dimension: Mapped[str] = mapped_column(String(16), primary_key=True)
    value: Mapped[str] = mapped_column(String(128), primary_key=True)
    owner_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    sessions: Mapped[int] = mapped_column(default=0)
    views: Mapped[int] = mapped_column(default=0)
    watch_seconds: Mapped[float] = mapped_column(default=0.0)


class AnalyticsSalt(Base):
    """The random salt of one UTC day for anonymous viewers' hashes; deleted
    after two days, so an old hash can no longer be linked to anyone."""

    __tablename__ = "analytics_salts"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    salt: Mapped[str] = mapped_column(String(64))


class RollupMark(Base):
    """How far the roll-ups have read the raw rows (the sessions' `last_seen_at` watermark)."""

    __tablename__ = "analytics_rollup_marks"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    at: Mapped[datetime]
    runs: Mapped[int] = mapped_column(BigInteger, default=0)
