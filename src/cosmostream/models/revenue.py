"""Creator revenue: each month's share of premium revenue, split by premium watch time."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import BigInteger, Date, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from cosmostream.kit.time import utcnow
from cosmostream.models.base import Base


class RevenueMonth(Base):
    """One month's split, per currency: written once, in the same transaction as
    its ledger rows, so a month is never split twice or half."""

    __tablename__ = "revenue_months"

    month: Mapped[date] = mapped_column(Date, primary_key=True)  # its first day
    currency: Mapped[str] = mapped_column(String(3), primary_key=True)
    premium_revenue: Mapped[int] = mapped_column(BigInteger)  # smallest unit, paid that month
    share: Mapped[float]  # of premium revenue that goes to creators
    pool: Mapped[int] = mapped_column(BigInteger)  # what was split, smallest unit
    watch_seconds: Mapped[float]  # premium watch time of the month, all creators
    closed_at: Mapped[datetime] = mapped_column(default=utcnow)


class CreatorRevenue(Base):
    """The revenue ledger: what one creator earned on one day, and from how much
    premium watch time (the creator analytics read it)."""

    __tablename__ = "creator_revenue"
    __table_args__ = (Index("ix_creator_revenue_day", "day"),)

    creator_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    currency: Mapped[str] = mapped_column(String(3), primary_key=True)
    premium_watch_seconds: Mapped[float]
    amount: Mapped[int] = mapped_column(BigInteger)  # smallest unit


class PremiumWatch(Base):
    """Premium watch time per creator and UTC day: what the split is made by.

    Credited from the server's playback measure (`engagement.playback_step`)
    only for signed-in viewers who hold the entitlement the content needs and
    are not its creator: previews, anonymous and free viewers earn nothing.
    """

    __tablename__ = "premium_watch"
    __table_args__ = (Index("ix_premium_watch_day", "day"),)

    creator_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    watch_seconds: Mapped[float] = mapped_column(default=0.0)
