"""Raw analytics rows and roll-ups for the read side's tests.

The ingest receivers and the roll-up task write these in the app; the read
side's tests insert them directly so that each figure is known in advance.
`write_rollups` rebuilds the roll-ups from them with `analytics.rollup.rebuild`.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from cosmostream.analytics import rollup
from cosmostream.db import Database
from cosmostream.models import (
    ChannelActivity,
    CreatorRevenue,
    ViewerSession,
    WatchedRange,
)


def at(text: str) -> datetime:
    """`2026-11-10 14:30` in UTC."""
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def coverage(*hundredths: int | range) -> str:
    """The 25 hex digits of a session's coverage: bit 99 - i set for bucket i."""
    bits = 0
    for part in hundredths:
        for i in part if isinstance(part, range) else [part]:
            bits |= 1 << (99 - i)
    return f"{bits:025x}"


async def add_session(
    session: AsyncSession,
    video: Any,
    *,
    viewer: str,
    started_at: datetime,
    view_at: datetime | None = None,
    last_seen_at: datetime | None = None,
    watched: float = 0.0,
    cover: str | None = None,
    source: str = "direct",
    detail: str | None = None,
    device: str = "desktop",
    browser: str = "firefox",
    os: str = "linux",
    user_id: uuid.UUID | None = None,
    ranges: list[tuple[datetime, float, int | None]] | None = None,
    playing: bool = True,
) -> ViewerSession:
    """One session; `ranges` are (hour, seconds, rung) of its watched ranges."""
    row = ViewerSession(
        video_id=video.id,
        owner_id=video.owner_id,
        user_id=user_id,
        viewer=viewer,
        started_at=started_at,
        last_seen_at=last_seen_at or started_at + timedelta(seconds=max(watched, 1)),
        view_at=view_at,
        watched_seconds=watched,
        coverage=cover or "0" * 25,
        source=source,
        source_detail=detail,
        device=device,
        browser=browser,
        os=os,
        playing=playing,
    )
    session.add(row)
    await session.flush()
    for hour, seconds, rung in ranges or []:
        session.add(
            WatchedRange(
                session_id=row.id,
                video_id=video.id,
                owner_id=video.owner_id,
                hour=hour.replace(minute=0, second=0, microsecond=0),
                start=0.0,
                end=seconds,
                seconds=seconds,
                rung=rung,
            )
        )
    await session.flush()
    return row


async def add_activity(
    session: AsyncSession,
    owner_id: uuid.UUID,
    kind: str,
    when: datetime,
    *,
    video_id: uuid.UUID | None = None,
    delta: int = 1,
) -> None:
    session.add(
        ChannelActivity(owner_id=owner_id, video_id=video_id, kind=kind, delta=delta, at=when)
    )
    await session.flush()


async def add_revenue(
    session: AsyncSession, creator_id: uuid.UUID, day: date, amount: int, currency: str = "usd"
) -> None:
    session.add(
        CreatorRevenue(
            creator_id=creator_id,
            day=day,
            currency=currency,
            amount=amount,
            premium_watch_seconds=0.0,
        )
    )
    await session.flush()


async def write_rollups(db: Database) -> None:
    """Rebuild every roll-up from the raw rows, as `cosmostream analytics-rollup --rebuild` does."""
    async with db.unit_of_work() as session:
        await rollup.rebuild(session)
