"""Upcoming launches synced from Launch Library 2, who follows them, and the
bookkeeping of every third-party ingest (request budget, back-off)."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Float, ForeignKey, Index, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column

from cosmostream.kit.time import utcnow
from cosmostream.models.base import Base


class Launch(Base):
    """One launch as Launch Library 2 last described it. The id is LL2's own
    UUID, so a re-sync updates the row and news articles can link by it."""

    __tablename__ = "launches"
    __table_args__ = (Index("ix_launches_net", "net"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(200), default="")
    name: Mapped[str] = mapped_column(String(300))
    provider: Mapped[str] = mapped_column(String(200), default="")
    vehicle: Mapped[str] = mapped_column(String(200), default="")
    mission_name: Mapped[str | None] = mapped_column(String(300))
    mission_description: Mapped[str | None] = mapped_column(Text)
    mission_orbit: Mapped[str | None] = mapped_column(String(100))
    pad_name: Mapped[str] = mapped_column(String(200), default="")
    pad_location: Mapped[str] = mapped_column(String(200), default="")
    pad_latitude: Mapped[float | None] = mapped_column(Float)
    pad_longitude: Mapped[float | None] = mapped_column(Float)
    # NET = "no earlier than": the current target lift-off time.
    net: Mapped[datetime]
    window_start: Mapped[datetime | None]
    window_end: Mapped[datetime | None]
    status_abbrev: Mapped[str] = mapped_column(String(32), default="TBD")
    status_name: Mapped[str] = mapped_column(String(100), default="")
    webcast_url: Mapped[str | None] = mapped_column(String(1000))
    webcast_live: Mapped[bool] = mapped_column(default=False, server_default=false())
    image_url: Mapped[str | None] = mapped_column(String(1000))
    # LL2's `last_updated`: a sync skips rows that did not change upstream.
    source_updated_at: Mapped[datetime | None]
    synced_at: Mapped[datetime] = mapped_column(default=utcnow)


class LaunchFollow(Base):
    __tablename__ = "launch_follows"
    __table_args__ = (Index("ix_launch_follows_user", "user_id"),)

    launch_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("launches.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Set when the "lift-off soon" notification went out, so it goes out once.
    notified_at: Mapped[datetime | None]
