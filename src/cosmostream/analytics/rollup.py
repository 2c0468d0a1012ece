"""Roll-ups: VideoHour, RetentionDay and DimensionDay rebuilt from the raw
sessions and ranges (docs/analytics.md, "Roll-ups").

A rebuild replaces the rows of the hours and days it covers with what the raw
rows say, so running it twice changes nothing. `catch_up` (the periodic task
`analytics.rollup`, every minute) rebuilds just what changed since its
watermark: the hours of the ranges, and the start and view hours, of the
sessions seen since (a session's `last_seen_at` is server time, moved by every
event, so events queued offline, whose ranges land in past hours, are picked
up too). A full rebuild moves the watermark too; without one, the first
catch-up is a full rebuild.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Collection
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from cosmostream.analytics.ingest_repository import ingest_repository
from cosmostream.analytics.sessions import BUCKETS, HOUR, buckets_of, floor_hour
from cosmostream.kit.time import utcnow
from cosmostream.models import RollupMark

MARK = "rollup"
# Rows are stamped when written but committed a little later: each run reads
# again the last LAG before its own start, so a slow transaction is not missed.
LAG = timedelta(minutes=2)
DAY = timedelta(days=1)


def _ceil_hour(at: datetime) -> datetime:
    floor = floor_hour(at)
    return floor if floor == at else floor + HOUR


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=UTC)


def _days(start: datetime | None, end: datetime | None) -> tuple[date | None, date | None]:
    """The whole UTC days [first, last) that [start, end) touches."""
    first = start.astimezone(UTC).date() if start is not None else None
    last = None
    if end is not None:
        end = end.astimezone(UTC)
        last = end.date() if end == _midnight(end.date()) else end.date() + DAY
    return first, last


async def rebuild(
    session: AsyncSession,
    *,
    start: datetime | None = None,
    end: datetime | None = None,
    video_ids: Collection[uuid.UUID] | None = None,
) -> None:
    """Recompute the roll-ups of the hours in [start, end) — widened to whole
    hours, and to whole UTC days for the daily roll-ups — for `video_ids`
    (None: every video; None bounds: all time)."""
    hour_start = floor_hour(start.astimezone(UTC)) if start is not None else None
    hour_end = _ceil_hour(end.astimezone(UTC)) if end is not None else None
    await ingest_repository.rebuild_hours(session, hour_start, hour_end, video_ids)
    day_start, day_end = _days(start, end)
    at_start = _midnight(day_start) if day_start is not None else None
    at_end = _midnight(day_end) if day_end is not None else None
    await _rebuild_retention(session, at_start, at_end, day_start, day_end, video_ids)
    await ingest_repository.rebuild_dimensions(
        session, at_start, at_end, day_start, day_end, video_ids
    )
    if start is None and end is None and video_ids is None:
        # Everything is rolled up: the periodic catch-up goes on from here
        # instead of reading the whole history again.
        await _advance(session, utcnow())


async def _advance(session: AsyncSession, now: datetime) -> None:
    """Move the watermark to `now` - LAG (never back), counting one run."""
    mark = await ingest_repository.mark(session, MARK)
    if mark is None:
        ingest_repository.add_mark(session, RollupMark(name=MARK, at=now - LAG, runs=1))
    else:
        mark.at = max(mark.at, now - LAG)
        mark.runs += 1
    await session.flush()


async def _rebuild_retention(
    session: AsyncSession,
    start: datetime | None,
    end: datetime | None,
    day_start: date | None,
    day_end: date | None,
    video_ids: Collection[uuid.UUID] | None,
) -> None:
    totals: dict[tuple[uuid.UUID, date], list[int]] = {}
    sessions: dict[tuple[uuid.UUID, date], int] = defaultdict(int)
    for video_id, day, coverage, count in await ingest_repository.coverage_counts(
        session, start, end, video_ids
    ):
        key = (video_id, day)
        counts = totals.setdefault(key, [0] * BUCKETS)
        sessions[key] += count
        for i, covered in enumerate(buckets_of(coverage)):
            if covered:
                counts[i] += count
    rows = [
        {
            "video_id": video_id,
            "day": day,
            "sessions": sessions[(video_id, day)],
            "buckets": ",".join(map(str, counts)),
        }
        for (video_id, day), counts in totals.items()
    ]
    await ingest_repository.replace_retention(session, day_start, day_end, video_ids, rows)


async def catch_up(session: AsyncSession) -> int:
    """Roll up what changed since the last run; the number of (video, hour) rebuilt.

    Without a watermark (never rolled up) everything is rebuilt set-based, as
    `rebuild` does, rather than hour by hour."""
    now = utcnow()
    mark = await ingest_repository.mark(session, MARK)
    if mark is None:
        await rebuild(session)  # creates the mark
        return await ingest_repository.count_hours(session)
    touched = await ingest_repository.touched_hours(session, mark.at, now)
    by_hour: dict[datetime, set[uuid.UUID]] = defaultdict(set)
    by_day: dict[date, set[uuid.UUID]] = defaultdict(set)
    for video_id, hour in touched:
        by_hour[hour].add(video_id)
        by_day[hour.date()].add(video_id)
    for hour, videos in sorted(by_hour.items()):
        await ingest_repository.rebuild_hours(session, hour, hour + HOUR, videos)
    for day, videos in sorted(by_day.items()):
        at = _midnight(day)
        await _rebuild_retention(session, at, at + DAY, day, day + DAY, videos)
        await ingest_repository.rebuild_dimensions(session, at, at + DAY, day, day + DAY, videos)
    await _advance(session, now)
    return len(touched)
