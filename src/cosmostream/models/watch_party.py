"""Watch parties: a shared, server-authoritative playback state, and its members (chat: `chat`)."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Float, ForeignKey, Index, String, false, text
from sqlalchemy.orm import Mapped, mapped_column

from cosmostream.kit.time import utcnow
from cosmostream.models.base import Base, IdMixin


class WatchParty(IdMixin, Base):
    __tablename__ = "watch_parties"
    __table_args__ = (Index("ix_watch_parties_video", "video_id"),)

    video_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("videos.id", ondelete="CASCADE"))
    host_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    # The secret in the invite link: holding it is what lets someone join.
    invite_token: Mapped[str] = mapped_column(String(64), unique=True)
    everyone_controls: Mapped[bool] = mapped_column(default=False, server_default=false())
    # The playback state: where the video was at `state_at`, and whether it has
    # played on since at `rate`. Clients derive the live position from it.
    playing: Mapped[bool] = mapped_column(default=False, server_default=false())
    position: Mapped[float] = mapped_column(Float, default=0.0, server_default=text("0"))
    rate: Mapped[float] = mapped_column(Float, default=1.0, server_default=text("1"))
    state_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Bumped on every change, so a client can drop a stale state that arrives late.
    seq: Mapped[int] = mapped_column(default=0, server_default=text("0"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    ended_at: Mapped[datetime | None]


class WatchPartyMember(Base):
    __tablename__ = "watch_party_members"
    __table_args__ = (Index("ix_watch_party_members_user", "user_id"),)

    party_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("watch_parties.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    joined_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Removed by the host: the invite no longer lets them in.
    removed_at: Mapped[datetime | None]
