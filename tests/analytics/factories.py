"""Raw analytics rows and roll-ups for the read side's tests.

The ingest receivers and the roll-up task write these in the app; the read
side's tests insert them directly so that each figure is known in advance.
`write_rollups` computes the roll-ups from the raw rows with the counting rules
of docs/analytics.md (or calls `analytics.rollup.rebuild` when it exists).
"""

from __future__ import annotations

import importlib
import uuid
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from cosmostream.db import Database
from cosmostream.models import (
    ChannelActivity,
    CreatorRevenue,
    DimensionDay,
    RetentionDay,
    Video,
    VideoHour,
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


def _bits(cover: str) -> list[int]:
    value = int(cover or "0", 16)
    return [(value >> (99 - i)) & 1 for i in range(100)]


async def write_rollups(db: Database) -> None:
    """Rebuild every roll-up from the raw rows (the real `rollup.rebuild` when merged)."""
    try:
        rollup = importlib.import_module("cosmostream.analytics.rollup")
    except ImportError:
        rollup = None
    async with db.unit_of_work() as session:
        if rollup is not None and hasattr(rollup, "rebuild"):
            await rollup.rebuild(session)
            return
        await _python_rollups(session)


def _utc(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


async def _python_rollups(session: AsyncSession) -> None:
    for model in (VideoHour, RetentionDay, DimensionDay):
        await session.execute(delete(model))
    sessions = list(await session.scalars(select(ViewerSession)))
    ranges = list(await session.scalars(select(WatchedRange)))
    owners = dict((await session.execute(select(Video.id, Video.owner_id))).all())
    hours: dict[tuple[uuid.UUID, datetime], list[float]] = defaultdict(lambda: [0, 0, 0.0])
    retention: dict[tuple[uuid.UUID, date], list[int]] = defaultdict(lambda: [0] * 101)
    dims: dict[tuple[uuid.UUID, date, str, str], list[float]] = defaultdict(lambda: [0, 0, 0.0])

    def hour_of(t: datetime) -> datetime:
        return _utc(t).replace(minute=0, second=0, microsecond=0)

    for s in sessions:
        hours[(s.video_id, hour_of(s.started_at))][1] += 1
        if s.view_at is not None:
            hours[(s.video_id, hour_of(s.view_at))][0] += 1
        day = _utc(s.started_at).date()
        counts = retention[(s.video_id, day)]
        counts[100] += 1
        for i, bit in enumerate(_bits(s.coverage)):
            counts[i] += bit
        keys = [("source", s.source), ("device", s.device), ("browser", s.browser), ("os", s.os)]
        if s.source_detail and s.source == "search":
            keys.append(("search", s.source_detail))
        if s.source_detail and s.source == "external":
            keys.append(("referrer", s.source_detail))
        for dim, value in keys:
            row = dims[(s.video_id, day, dim, value)]
            row[0] += 1
            row[1] += 1 if s.view_at is not None else 0
            row[2] += s.watched_seconds
    for r in ranges:
        hours[(r.video_id, hour_of(r.hour))][2] += r.seconds
        if r.rung is not None:
            dims[(r.video_id, _utc(r.hour).date(), "rung", str(r.rung))][2] += r.seconds
    for (vid, hour), (views, n, watch) in hours.items():
        session.add(
            VideoHour(
                video_id=vid,
                hour=hour,
                owner_id=owners[vid],
                views=int(views),
                sessions=int(n),
                watch_seconds=watch,
            )
        )
    for (vid, day), counts in retention.items():
        session.add(
            RetentionDay(
                video_id=vid,
                day=day,
                sessions=counts[100],
                buckets=",".join(str(c) for c in counts[:100]),
            )
        )
    for (vid, day, dim, value), (n, views, watch) in dims.items():
        session.add(
            DimensionDay(
                video_id=vid,
                day=day,
                dimension=dim,
                value=value,
                owner_id=owners[vid],
                sessions=int(n),
                views=int(views),
                watch_seconds=watch,
            )
        )
    await session.flush()
