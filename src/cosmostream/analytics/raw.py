"""The studio's figures computed from the raw rows only — sessions and watched
ranges, never the roll-ups.

Two uses: the property tests hold the roll-ups equal to these on random data,
and the benchmark measures how much the roll-ups save (benchmarks/analytics.py).
No authorization here: callers are tests, benchmarks and operators.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import and_, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from cosmostream.analytics import periods
from cosmostream.analytics.periods import Bucket
from cosmostream.analytics.repository import HourFigures, analytics_repository, scope_where
from cosmostream.analytics.schemas import Breakdown, Overview, Period, Scope
from cosmostream.analytics.service import build_breakdowns, compute_overview
from cosmostream.models import ViewerSession, WatchedRange


async def hour_figures(
    session: AsyncSession, scope: Scope, rows: Sequence[tuple[int, Bucket]]
) -> dict[int, HourFigures]:
    """Views (sessions' `view_at`) and watch time (ranges by their hour) per bucket."""
    return await analytics_repository.raw_hour_figures(session, scope, rows)


async def overview(session: AsyncSession, scope: Scope, p: Period, title: str = "") -> Overview:
    """`analytics_service.overview` of an authorized scope, from the raw rows."""
    return await compute_overview(session, scope, title, p, hour_figures)


def _day_bounds(first: date, last: date) -> tuple[datetime, datetime]:
    return datetime.combine(first, time(0), UTC), datetime.combine(
        last + timedelta(days=1), time(0), UTC
    )


async def retention(session: AsyncSession, video_id: uuid.UUID, p: Period) -> tuple[int, list[int]]:
    """Sessions started on the period's UTC days and, per hundredth of the video,
    how many of them watched some of it (from each session's coverage bits)."""
    lo, hi = _day_bounds(*periods.utc_days(p.start, p.end))
    s = ViewerSession
    stmt = select(s.coverage).where(s.video_id == video_id, s.started_at >= lo, s.started_at < hi)
    counts = [0] * 100
    sessions = 0
    for (coverage,) in await session.execute(stmt):
        sessions += 1
        bits = int(coverage or "0", 16)
        for i in range(100):
            # Bucket 0 is the most significant of the 100 bits (25 hex digits).
            if bits >> (99 - i) & 1:
                counts[i] += 1
    return sessions, counts


async def breakdowns(session: AsyncSession, scope: Scope, p: Period) -> list[Breakdown]:
    """The seven breakdowns from sessions (and ranges for quality) over the period's UTC days."""
    lo, hi = _day_bounds(*periods.utc_days(p.start, p.end))
    s, r = ViewerSession, WatchedRange
    where = and_(
        scope_where(scope, video=s.video_id, owner=s.owner_id),
        s.started_at >= lo,
        s.started_at < hi,
    )
    rows: dict[tuple[str, str], list[float]] = defaultdict(lambda: [0, 0, 0.0])
    stmt = select(
        s.source, s.source_detail, s.device, s.browser, s.os, s.view_at, s.watched_seconds
    ).where(where)
    for source, detail, device, browser, os_, view_at, watched in await session.execute(stmt):
        keys = [("source", source), ("device", device), ("browser", browser), ("os", os_)]
        if detail and source == "search":
            keys.append(("search", detail))
        if detail and source == "external":
            keys.append(("referrer", detail))
        for key in keys:
            row = rows[key]
            row[0] += 1
            row[1] += 1 if view_at is not None else 0
            row[2] += float(watched or 0)
    rung_stmt = (
        select(r.rung, func.sum(r.seconds))
        .where(
            scope_where(scope, video=r.video_id, owner=r.owner_id),
            r.hour >= lo,
            r.hour < hi,
            r.rung.is_not(None),
        )
        .group_by(r.rung)
    )
    for rung, seconds in await session.execute(rung_stmt):
        rows[("rung", str(rung))][2] += float(seconds or 0)
    return build_breakdowns(
        [(dim, value, int(v[0]), int(v[1]), float(v[2])) for (dim, value), v in rows.items()]
    )
