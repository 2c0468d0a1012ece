"""Creator analytics at scale: the channel overview (28 and 365 days), one
video's retention curve and heartbeat ingest, on 10,000 videos from about 500
creators, 2 million viewer sessions and 20 million watched ranges over a year.

For each backend (a SQLite file, and a PostgreSQL database created for the run
and dropped after it) a freshly migrated database gets the demo accounts
through the app's own `load_demo`, then users and videos from `_seed.py`'s
generators, then the analytics raw rows generated here and written set-based
with `_seed.py`'s writers (executemany in one transaction with
synchronous=OFF on SQLite, COPY via asyncpg's `copy_records_to_table` on
PostgreSQL): sessions spread over the year by video popularity, each with
about ten watched ranges (steps across hours, seeks and quality changes),
its retention coverage and the view time by the counting rules, and channel
activity in proportion. Then the roll-ups are rebuilt from the raw rows
(`analytics.rollup.rebuild`) and the tables ANALYZEd.

Measured in process through the app's `Database`, p50/p95 over `--runs`
runs, each with its anchor from the same run:

- the overview of the largest channel for 28 and 365 days through
  `analytics_service.overview` (the roll-ups), against the same figures (current
  and previous period, daily series, unique viewers, activity) computed from
  the raw rows only (SQL here; `analytics/raw.py` may replace it once merged);
- the retention curve of the most-watched video (28 days) through
  `analytics_service.retention`, against the same curve from the raw
  sessions' coverage and, on PostgreSQL, PeerTube's retention query shape
  (`LocalVideoViewerModel.getRetentionStats`: `generate_series` over the
  video's seconds, each joined to the sessions with a watched section covering
  it) reproduced against `analytics_ranges`;
- heartbeats per second on one process: `--viewers` concurrent tasks drive
  `engagement_service.record_playback`, each event in its own unit of work,
  over a pool of viewers so no viewer sends more often than a real player;
  then the time the roll-ups need to catch up with what was ingested
  (`rollup.catch_up`).

Targets (issue 15): overview 28 d p95 <= 100 ms, 365 d <= 200 ms, retention
<= 50 ms, 1,000 heartbeats/s with roll-ups keeping up.

    .venv/bin/python benchmarks/analytics.py [--scale 0.1] [--backend sqlite|postgresql|both]
        [--runs 30] [--viewers 32] [--heartbeats 10000]

`--scale` shrinks videos, creators, sessions and ranges together. A read-side
module that is not there yet (service, roll-ups) is reported as "not
available" and its rows are left out.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import math
import os
import random
import sys
import time
import uuid
from bisect import bisect_left
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from itertools import accumulate
from pathlib import Path
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.schema import CreateIndex

sys.path.insert(0, str(Path(__file__).parent))
import _seed
from _server import percentile
from discovery import PG_ADMIN, postgres_available, postgres_database, sqlite_database

from cosmostream.account.passwords import hash_password
from cosmostream.db import Database
from cosmostream.demo import load_demo
from cosmostream.kit.time import utcnow
from cosmostream.migrate import upgrade
from cosmostream.models import ChannelActivity, ViewerSession, WatchedRange

DAY = 86400.0
HOUR = 3600.0
YEAR_DAYS = 365
VIDEOS = 10_000
CREATORS = 500
SESSIONS = 2_000_000
# Mean of the steps drawn per session; sessions that reach the video's end
# stop early, which makes about ten ranges a session (20 M at full scale).
RANGES_PER_SESSION = 16
CHUNK = 20_000  # sessions generated and written at a time, then their ranges
TARGETS_MS = {"overview 28 d": 100.0, "overview 365 d": 200.0, "retention 28 d": 50.0}
HEARTBEAT_TARGET = 1000.0
SESSION_COLUMNS = (
    "id", "video_id", "owner_id", "user_id", "viewer", "started_at", "last_seen_at",
    "source", "source_detail", "device", "browser", "os", "watched_seconds",
    "max_position", "coverage", "view_at",
)  # fmt: skip
RANGE_COLUMNS = (
    "session_id", "video_id", "owner_id", "hour", "start", "end", "seconds", "rung",
    "recorded_at",
)  # fmt: skip
ACTIVITY_COLUMNS = ("id", "owner_id", "video_id", "user_id", "kind", "delta", "at")
SOURCES = ["home", "browse", "search", "up_next", "channel", "notification", "direct",
           "external", "embed", "course", "watch_party"]  # fmt: skip
SOURCE_CUM = list(accumulate([22, 10, 16, 14, 8, 4, 8, 9, 3, 4, 2]))
DEVICES = [("desktop", "chrome", "windows"), ("desktop", "safari", "macos"),
           ("desktop", "firefox", "linux"), ("mobile", "chrome", "android"),
           ("mobile", "safari", "ios"), ("tablet", "safari", "ipados"), ("tv", "other", "other")]  # fmt: skip
DEVICE_CUM = list(accumulate([40, 12, 6, 20, 14, 6, 2]))
RUNGS = {top: [h for h in (2160, 1080, 720, 480, 360) if h <= top] for top in (2160, 1080, 720)}
KINDS = ["like", "like", "like", "save", "comment", "share", "follow", "follow"]


@dataclass
class Row:
    name: str
    p50: float
    p95: float
    anchor: str = ""
    anchor_p95: float = 0.0


@dataclass
class Seeded:
    url: str
    channel: str  # the largest channel's owner id (hex)
    channel_videos: int
    video: str  # the most-watched video
    video_duration: float
    listed: list[str]
    steps: list[_seed.Step] = field(default_factory=list)
    sessions: int = 0
    ranges: int = 0


# ---------------------------------------------------------------------------
# Seeding


def _sessions(
    cat: _seed.Catalog, n: int, heights: dict[str, int]
) -> Iterator[tuple[list[_seed.Row], list[_seed.Row], list[_seed.Row]]]:
    """Chunks of (sessions, ranges, activity) rows, canonical values (`_seed.Writer`)."""
    rng = cat.rng
    now = cat.now
    year_ago = now - YEAR_DAYS * DAY
    users = cat.users
    total = cat.listed_cum[-1]
    made = 0
    while made < n:
        sessions: list[_seed.Row] = []
        ranges: list[_seed.Row] = []
        activity: list[_seed.Row] = []
        for _ in range(min(CHUNK, n - made)):
            i = bisect_left(cat.listed_cum, rng.random() * total)
            vid = cat.listed[i]
            owner = cat.video_owner[vid]
            duration = cat.listed_duration[i]
            first = max(cat.listed_published[i], year_ago)
            # Newer videos get more of their views early: skew towards publication.
            started = first + (now - first) * rng.random() ** 1.6
            sid = cat.new_id(started)
            signed_in = rng.random() < 0.2
            user = rng.choice(users) if signed_in else None
            viewer = f"u:{user}" if user else f"a:{rng.getrandbits(128):032x}"
            source = SOURCES[bisect_left(SOURCE_CUM, rng.random() * SOURCE_CUM[-1])]
            detail = None
            if source == "search":
                detail = f"term {rng.randrange(200)}"
            elif source == "external":
                detail = f"site{rng.randrange(40)}.example"
            device, browser, os_ = DEVICES[bisect_left(DEVICE_CUM, rng.random() * DEVICE_CUM[-1])]
            top = heights.get(vid) or 1080
            rungs = RUNGS[top]
            rung = rng.choice(rungs)
            steps = max(1, min(60, int(rng.expovariate(1 / RANGES_PER_SESSION)) + 1))
            wall = started
            pos = 0.0 if rng.random() < 0.9 else rng.uniform(0, duration * 0.5)
            watched = 0.0
            bits = 0
            view_at = None
            threshold = min(30.0, duration / 2) if duration < 60 else 30.0
            for _ in range(steps):
                if pos >= duration - 1:
                    break
                seconds = min(rng.uniform(3, 60), duration - pos)
                hour = wall - wall % HOUR
                # A range never crosses an hour: cut at the boundary.
                seconds = min(seconds, hour + HOUR - wall)
                end = pos + seconds
                if view_at is None and watched + seconds >= threshold:
                    view_at = wall + threshold - watched
                watched += seconds
                lo = int(pos / duration * 100)
                hi = min(99, max(lo, math.ceil(end / duration * 100) - 1))
                bits |= ((1 << (hi - lo + 1)) - 1) << lo
                wall += seconds
                ranges.append((sid, vid, owner, hour, pos, end, seconds, rung, wall))
                pos = end
                r = rng.random()
                if r < 0.08:  # a seek
                    pos = rng.uniform(0, duration)
                elif r < 0.12:  # a quality change
                    rungs = RUNGS[top]
            rung = rng.choice(rungs)
            if wall > now:
                wall = now
            sessions.append(
                (sid, vid, owner, user, viewer, started, max(wall, started), source, detail,
                 device, browser, os_, round(watched, 3), round(pos, 3), f"{bits:025x}",
                 view_at if view_at is not None and view_at <= now else None)
            )  # fmt: skip
            if view_at is not None and rng.random() < 0.06:
                at = min(now, view_at + rng.uniform(10, 600))
                kind = rng.choice(KINDS)
                delta = -1 if kind in ("like", "follow") and rng.random() < 0.1 else 1
                activity.append((cat.new_id(at), owner, vid, user, kind, delta, at))
        made += len(sessions)
        yield sessions, ranges, activity


async def _insert_ranges(writer: _seed.Writer, rows: list[_seed.Row]) -> int:
    """Ranges by hand: their `id` is the database's own (autoincrement), which
    `_seed.Writer` takes for a missing NOT NULL column, and `end` is a keyword
    in SQL (quoted here; asyncpg's COPY quotes on its own)."""
    if not rows:
        return 0
    if isinstance(writer, _seed.SQLiteWriter):
        ts = _seed._ts_sqlite
        columns = ", ".join(f'"{c}"' for c in RANGE_COLUMNS)
        sql = f"INSERT INTO analytics_ranges ({columns}) VALUES ({', '.join('?' * 9)})"
        writer.conn.executemany(sql, [(*r[:3], ts(r[3]), *r[4:8], ts(r[8])) for r in rows])
    else:
        assert isinstance(writer, _seed.PostgresWriter)
        ts = _seed._ts_pg
        records = [(*r[:3], ts(r[3]), *r[4:8], ts(r[8])) for r in rows]
        await writer.conn.copy_records_to_table(
            "analytics_ranges", records=records, columns=list(RANGE_COLUMNS)
        )
    return len(rows)


async def seed(url: str, scale: float) -> Seeded:
    steps: list[_seed.Step] = []

    def done(name: str, rows: int, started: float) -> None:
        step = _seed.Step(name, rows, time.perf_counter() - started)
        steps.append(step)
        rate = f"{rows / step.seconds:>11,.0f} rows/s" if rows and step.seconds else ""
        print(f"  {name:30} {rows:>11,} rows {step.seconds:8.2f} s {rate}", flush=True)

    started = time.perf_counter()
    db = Database(url, pooled=False)
    try:
        async with db.unit_of_work() as session:
            await load_demo(session)
    finally:
        await db.dispose()
    done("demo data", 0, started)

    cat = _seed.Catalog(rng=random.Random(15), now=utcnow().timestamp())
    writer: _seed.Writer
    if url.startswith("sqlite"):
        writer = _seed.SQLiteWriter(url.split("///", 1)[1])
    else:
        dsn = url.replace("postgresql+asyncpg://", "postgresql://")
        writer = await _seed.PostgresWriter.connect(dsn)
    try:
        cat.categories = [
            (_seed._hex(i), s)
            for i, s in await writer.rows("SELECT id, slug FROM categories ORDER BY position")
        ]
        for uid, email, created in await writer.rows("SELECT id, email, created_at FROM users"):
            when = created if isinstance(created, datetime) else datetime.fromisoformat(created)
            cat.demo[email] = (_seed._hex(uid), when.replace(tzinfo=UTC).timestamp())
        started = time.perf_counter()
        users = max(60, round(CREATORS * scale / _seed.CREATOR_SHARE))
        rows = await writer.insert(
            "users",
            _seed.USER_COLUMNS,
            _seed.gen_users(cat, users, hash_password(_seed.SEEDED_PASSWORD)),
        )
        done("users", rows, started)
        cat.rng.shuffle(cat.creators)
        cat.creator_weights = [1 / (i + 1) ** 0.9 for i in range(len(cat.creators))]
        cat.creator_category = {c: cat.rng.randrange(len(cat.categories)) for c in cat.creators}

        started = time.perf_counter()
        tags: list[_seed.Row] = []
        heights: dict[str, int] = {}
        video_rows = []
        height_at = _seed.VIDEO_COLUMNS.index("height")
        for row, video_tags in _seed.gen_videos(cat, max(50, round(VIDEOS * scale))):
            tags.extend((row[0], tag, i) for i, tag in enumerate(video_tags))
            heights[row[0]] = row[height_at] or 1080
            video_rows.append(row)
        rows = await writer.insert("videos", _seed.VIDEO_COLUMNS, video_rows)
        await writer.insert("video_tags", ("video_id", "tag", "position"), tags)
        done("videos", rows, started)
        cat.listed_cum = list(accumulate(v + 1 for v in cat.listed_views))

        n_sessions = n_ranges = n_activity = 0
        # Secondary indexes are built once after the load, as a restore does:
        # far cheaper than keeping them up to date row by row.
        indexes = [
            index
            for model in (ViewerSession, WatchedRange, ChannelActivity)
            for index in model.__table__.indexes
        ]
        dialect = sqlite.dialect() if writer.sqlite else postgresql.dialect()
        for index in indexes:
            await _execute(writer, f"DROP INDEX {index.name}")
        started = time.perf_counter()
        for sessions, ranges, activity in _sessions(cat, round(SESSIONS * scale), heights):
            n_sessions += await writer.insert("analytics_sessions", SESSION_COLUMNS, sessions)
            n_ranges += await _insert_ranges(writer, ranges)
            n_activity += await writer.insert("analytics_activity", ACTIVITY_COLUMNS, activity)
        done("sessions + ranges + activity", n_sessions + n_ranges + n_activity, started)
        started = time.perf_counter()
        for index in indexes:
            await _execute(writer, str(CreateIndex(index).compile(dialect=dialect)))
        done(f"their {len(indexes)} indexes", 0, started)
        await writer.commit()
        owners = await writer.rows(
            "SELECT owner_id, COUNT(*) FROM videos GROUP BY owner_id ORDER BY 2 DESC LIMIT 1"
        )
        channel, channel_videos = _seed._hex(owners[0][0]), int(owners[0][1])
        top = await writer.rows(
            "SELECT video_id, COUNT(*) FROM analytics_sessions GROUP BY video_id "
            "ORDER BY 2 DESC LIMIT 1"
        )
        video = _seed._hex(top[0][0])
    finally:
        await writer.close()

    rollup = _optional("cosmostream.analytics.rollup")
    if rollup is not None:
        started = time.perf_counter()
        db = Database(url, pooled=False)
        try:
            async with db.unit_of_work() as session:
                await rollup.rebuild(session)
        finally:
            await db.dispose()
        done("roll-ups rebuilt from raw rows", 0, started)
    else:
        print("  roll-ups: not available (cosmostream.analytics.rollup is missing)")
    steps.append(_seed.Step("ANALYZE", 0, await _seed.analyze(url)))
    duration = cat.listed_duration[cat.listed.index(video)]
    seeded = Seeded(url, channel, channel_videos, video, duration, cat.listed, steps)
    seeded.sessions, seeded.ranges = n_sessions, n_ranges
    return seeded


async def _execute(writer: _seed.Writer, sql: str) -> None:
    if isinstance(writer, _seed.SQLiteWriter):
        writer.conn.execute(sql)
    else:
        assert isinstance(writer, _seed.PostgresWriter)
        await writer.conn.execute(sql)


def _optional(module: str) -> Any:
    try:
        return importlib.import_module(module)
    except ModuleNotFoundError:
        return None


# ---------------------------------------------------------------------------
# The raw anchors: the same figures from the raw rows only


async def raw_overview(session: Any, owner: uuid.UUID, days: int, now: datetime) -> int:
    """Current and previous period: headline sums, unique viewers, activity by
    kind, average percentage viewed per video, and daily series of views and
    watch time. Returns the number of result rows (so nothing is optimised away)."""
    pg = session.get_bind().dialect.name == "postgresql"
    end = now
    start = end - timedelta(days=days)
    previous = start - timedelta(days=days)
    n = 0
    for lo, hi in ((start, end), (previous, start)):
        s = ViewerSession
        r = WatchedRange
        a = ChannelActivity
        mine = s.owner_id == owner
        started = (s.started_at >= lo, s.started_at < hi)
        viewed = (s.view_at >= lo, s.view_at < hi)
        hours = (r.hour >= lo, r.hour < hi)
        n += len(
            (
                await session.execute(
                    select(func.count(s.id), func.count(func.distinct(s.viewer))).where(
                        mine, *started
                    )
                )
            ).all()
        )
        views = (
            await session.execute(
                select(s.video_id, func.count()).where(mine, *viewed).group_by(s.video_id)
            )
        ).all()
        watch = (
            await session.execute(
                select(r.video_id, func.sum(r.seconds))
                .where(r.owner_id == owner, *hours)
                .group_by(r.video_id)
            )
        ).all()
        kinds = (
            await session.execute(
                select(a.kind, a.delta, func.count())
                .where(a.owner_id == owner, a.at >= lo, a.at < hi)
                .group_by(a.kind, a.delta)
            )
        ).all()
        day_of_view = func.date_trunc("day", s.view_at) if pg else func.date(s.view_at)
        day_of_hour = func.date_trunc("day", r.hour) if pg else func.date(r.hour)
        series_views = (
            await session.execute(
                select(day_of_view, func.count()).where(mine, *viewed).group_by(day_of_view)
            )
        ).all()
        series_watch = (
            await session.execute(
                select(day_of_hour, func.sum(r.seconds))
                .where(r.owner_id == owner, *hours)
                .group_by(day_of_hour)
            )
        ).all()
        n += len(views) + len(watch) + len(kinds) + len(series_views) + len(series_watch)
    return n


async def raw_retention(session: Any, video: uuid.UUID, now: datetime) -> list[float]:
    """The 100-point curve from the sessions' coverage, counted here."""
    rows = await session.scalars(
        select(ViewerSession.coverage).where(
            ViewerSession.video_id == video,
            ViewerSession.started_at >= now - timedelta(days=28),
            ViewerSession.started_at < now,
        )
    )
    counts = [0] * 100
    total = 0
    for coverage in rows:
        bits = int(coverage, 16)
        total += 1
        for i in range(100):
            if bits >> i & 1:
                counts[i] += 1
    return [c / max(total, 1) for c in counts]


PEERTUBE_RETENTION = text(
    """
    WITH total AS (
        SELECT COUNT(*) AS viewers FROM analytics_sessions
        WHERE video_id = :video AND started_at >= :start AND started_at < :end
    )
    SELECT serie AS second,
           COUNT(s.id)::float / (SELECT GREATEST(total.viewers, 1) FROM total) AS retention
    FROM generate_series(0, CAST(:duration AS integer), CAST(:step AS integer)) serie
    LEFT JOIN analytics_sessions s ON s.video_id = :video
        AND s.started_at >= :start AND s.started_at < :end
        AND EXISTS (
            SELECT 1 FROM analytics_ranges r
            WHERE r.session_id = s.id AND serie >= r.start AND serie <= r."end"
        )
    GROUP BY serie
    ORDER BY serie
    """
)


# ---------------------------------------------------------------------------
# Measuring


async def timed(fn: Callable[[], Awaitable[object]], runs: int, warmup: int = 3) -> list[float]:
    for _ in range(warmup):
        await fn()
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        await fn()
        times.append((time.perf_counter() - started) * 1000)
    return times


def row(
    name: str, times: list[float], anchor: str = "", anchor_times: list[float] | None = None
) -> Row:
    return Row(
        name,
        percentile(times, 0.5),
        percentile(times, 0.95),
        anchor,
        percentile(anchor_times, 0.95) if anchor_times else 0.0,
    )


async def measure_reads(seeded: Seeded, runs: int) -> list[Row]:
    from cosmostream.account.schemas import Actor
    from cosmostream.kit.ids import uuid7
    from cosmostream.models import User

    service_module = _optional("cosmostream.analytics.service")
    schemas = importlib.import_module("cosmostream.analytics.schemas")
    db = Database(seeded.url, pooled=False)
    rows: list[Row] = []
    owner = uuid.UUID(seeded.channel)
    video = uuid.UUID(seeded.video)
    now = utcnow()
    pg = seeded.url.startswith("postgresql")
    try:
        async with db.read() as session:
            user = await session.get(User, owner)
            assert user is not None
        actor = Actor(user=user, session_id=uuid7())
        scope = schemas.Scope(kind=schemas.ScopeKind.CHANNEL, id=owner)

        for days, key in ((28, schemas.RangeKey.DAYS_28), (365, schemas.RangeKey.DAYS_365)):

            async def by_raw(days: int = days) -> None:
                async with db.read() as session:
                    await raw_overview(session, owner, days, now)

            raw_times = await timed(by_raw, runs)
            name = f"overview {days} d"
            if service_module is None:
                rows.append(Row(name, math.nan, math.nan, "raw rows (SQL here)",
                                percentile(raw_times, 0.95)))  # fmt: skip
                continue

            async def by_service(key: Any = key) -> None:
                async with db.read() as session:
                    await service_module.analytics_service.overview(session, actor, scope, key)

            rows.append(row(name, await timed(by_service, runs), "raw rows (SQL here)", raw_times))

        async def retention_raw() -> None:
            async with db.read() as session:
                await raw_retention(session, video, now)

        raw_times = await timed(retention_raw, runs)
        if service_module is None:
            rows.append(Row("retention 28 d", math.nan, math.nan, "raw coverage",
                            percentile(raw_times, 0.95)))  # fmt: skip
        else:

            async def retention_service() -> None:
                async with db.read() as session:
                    await service_module.analytics_service.retention(
                        session, actor, video, schemas.RangeKey.DAYS_28
                    )

            service_times = await timed(retention_service, runs)
            rows.append(row("retention 28 d", service_times, "raw coverage", raw_times))
        if pg:
            step = max(round(seeded.video_duration / 100), 1)

            async def peertube() -> None:
                async with db.read() as session:
                    await session.execute(
                        PEERTUBE_RETENTION,
                        {
                            "video": video,
                            "start": now - timedelta(days=28),
                            "end": now,
                            "duration": int(seeded.video_duration),
                            "step": step,
                        },
                    )

            pt_times = await timed(peertube, max(5, runs // 3), warmup=1)
            rows.append(row("PeerTube retention shape", pt_times))
    finally:
        await db.dispose()
    return rows


async def measure_ingest(seeded: Seeded, viewers: int, total: int) -> tuple[float, float | None]:
    """Heartbeats/s through `record_playback`; then the roll-ups' catch-up time."""
    from cosmostream.engagement.schemas import PlaybackEventKind
    from cosmostream.engagement.service import engagement_service

    db = Database(seeded.url)
    rng = random.Random(7)
    videos = [uuid.UUID(v) for v in rng.sample(seeded.listed, min(200, len(seeded.listed)))]
    # Each viewer sends about five events (a START, then heartbeats), so even at
    # 1,000 events/s none comes less than a second after its previous one (the
    # engagement service stores no raw event for those: cheaper than real).
    pool = [(f"bench-viewer-{i}", videos[i % len(videos)]) for i in range(max(1000, total // 5))]
    started_keys: set[str] = set()
    counter = iter(range(total))
    errors = 0

    async def worker() -> None:
        nonlocal errors
        for i in counter:
            key, video = pool[i % len(pool)]
            kind = PlaybackEventKind.HEARTBEAT if key in started_keys else PlaybackEventKind.START
            started_keys.add(key)
            try:
                async with db.unit_of_work() as session:
                    await engagement_service.record_playback(
                        session, None, key, video, float(i // len(pool)) * 15.0, kind
                    )
            except Exception:  # counted and reported: the run goes on
                errors += 1

    try:
        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(viewers)))
        elapsed = time.perf_counter() - started
        if errors:
            print(f"  {errors} heartbeats failed")
        rate = (total - errors) / elapsed
        rollup = _optional("cosmostream.analytics.rollup")
        catch_up = None
        if rollup is not None and hasattr(rollup, "catch_up"):
            started = time.perf_counter()
            async with db.unit_of_work() as session:
                await rollup.catch_up(session)
            catch_up = time.perf_counter() - started
    finally:
        await db.dispose()
    return rate, catch_up


@dataclass
class Result:
    backend: str
    seeded: Seeded
    rows: list[Row]
    heartbeats: float
    catch_up: float | None
    ingest_seconds: float


def run(backend: str, args: argparse.Namespace) -> Result:
    database = sqlite_database if backend == "sqlite" else postgres_database
    print(
        f"== {backend}: seeding {round(VIDEOS * args.scale):,} videos, "
        f"~{round(CREATORS * args.scale):,} creators, {round(SESSIONS * args.scale):,} sessions, "
        f"~{round(SESSIONS * args.scale * 10):,} ranges",
        flush=True,
    )
    with database() as url:
        upgrade(url)
        seeded = asyncio.run(seed(url, args.scale))
        rows = asyncio.run(measure_reads(seeded, args.runs))
        started = time.perf_counter()
        rate, catch_up = asyncio.run(measure_ingest(seeded, args.viewers, args.heartbeats))
        ingest_seconds = time.perf_counter() - started
    return Result(backend, seeded, rows, rate, catch_up, ingest_seconds)


def report(result: Result) -> list[str]:
    missed = []
    s = result.seeded
    print(f"\n== {result.backend}: {s.sessions:,} sessions, {s.ranges:,} ranges; "
          f"largest channel {s.channel_videos:,} videos")  # fmt: skip
    for step in s.steps:
        print(f"  {step.name:30} {step.rows:>11,} rows {step.seconds:8.2f} s")
    print(
        f"\n{'measure':28} {'p50 ms':>8} {'p95 ms':>8} {'anchor':>28} {'anchor p95':>11} {'ratio':>7}"
    )
    for r in result.rows:
        ratio = r.anchor_p95 / r.p95 if r.anchor_p95 and r.p95 == r.p95 and r.p95 else math.nan
        if r.p95 != r.p95:
            print(f"{r.name:28} {'not available':>17} {r.anchor:>28} {r.anchor_p95:11.2f} {'':>7}")
            missed.append(f"{result.backend} {r.name} (not available)")
            continue
        if not r.anchor:
            print(f"{r.name:28} {r.p50:8.2f} {r.p95:8.2f}")
        else:
            print(
                f"{r.name:28} {r.p50:8.2f} {r.p95:8.2f} {r.anchor:>28} {r.anchor_p95:11.2f} "
                f"{ratio:7.1f}"
            )
        target = TARGETS_MS.get(r.name)
        if target is not None and r.p95 > target:
            missed.append(f"{result.backend} {r.name} p95 {r.p95:.0f} ms")
    ours = next((r for r in result.rows if r.name == "retention 28 d"), None)
    peertube = next((r for r in result.rows if r.name == "PeerTube retention shape"), None)
    if ours and peertube:
        # Against the roll-ups when the service is there, else the raw coverage.
        mine, what = (ours.p95, "roll-ups") if ours.p95 == ours.p95 else (ours.anchor_p95, "raw")
        print(f"{'PeerTube shape / ours':28} {peertube.p95 / mine:8.1f}x (p95, ours from {what})")
    print(f"\nheartbeats/s on one process: {result.heartbeats:,.0f} "
          f"(target {HEARTBEAT_TARGET:,.0f}: ratio {result.heartbeats / HEARTBEAT_TARGET:.2f})")  # fmt: skip
    if result.catch_up is not None:
        print(f"roll-up catch-up after the ingest: {result.catch_up:.2f} s")
    else:
        print("roll-up catch-up: not available (rollup.catch_up is missing)")
    if result.heartbeats < HEARTBEAT_TARGET:
        missed.append(f"{result.backend} heartbeats {result.heartbeats:.0f}/s")
    return missed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--viewers", type=int, default=32, help="concurrent heartbeat senders")
    parser.add_argument("--heartbeats", type=int, default=10_000, help="events to send")
    args = parser.parse_args()
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    if "postgresql" in backends and not postgres_available():
        if args.backend == "postgresql":
            sys.exit(f"PostgreSQL is not reachable at {PG_ADMIN}")
        print(f"PostgreSQL is not reachable at {PG_ADMIN}: measuring SQLite only")
        backends.remove("postgresql")
    load = os.getloadavg()[0]
    results = [run(backend, args) for backend in backends]
    print(f"\nload average (1 min): {load:.2f} at the start, {os.getloadavg()[0]:.2f} at the end")
    missed = [m for r in results for m in report(r)]
    print(
        "\ntarget (overview 28 d p95 <= 100 ms, 365 d <= 200 ms, retention <= 50 ms, "
        "1,000 heartbeats/s): " + ("met" if not missed else "NOT met: " + "; ".join(missed))
    )


if __name__ == "__main__":
    main()
