"""Demo analytics: a year of plausible viewing for the demo channels' videos.

Written as the raw rows the ingest writes (viewer sessions, watched ranges,
channel activity), in bulk, then rolled up by `analytics.rollup.rebuild` — so
the studio's charts read what they read in production. The numbers follow
what video analytics usually look like: an evening peak and busier weekends,
more stargazing in the northern winter, a launch day that lifts the channels,
a burst when a video comes out and then a long tail; a mix of traffic
sources, devices and qualities; retention that drops steeply in the first
seconds, declines slowly and, on short videos, rises at the end where
viewers replay it; some rewatching; the demo viewers signed in, everyone else
anonymous.

The demo clips were published 0 to 25 days ago (`cosmostream.demo`); for a
year of history the older ones are moved back `AGE_SCALE` times further,
in the same order. Every video of the demo creators that has a duration
(processed) gets a history, once: a video that has sessions is skipped, so
loading again changes nothing, and videos processed later get theirs on the
next load (`analytics.demo_history`, queued by `cosmostream demo`, loads
again until they are all processed). A video published less than a day ago
gets what it had time for: little or nothing. Everything is drawn
from a random generator seeded by the video's title: the same videos at the
same time give the same rows. The videos' view counters and daily statistics
are set to the generated views and watch time, so they agree with the studio.
"""

from __future__ import annotations

import bisect
import functools
import hashlib
import itertools
import logging
import math
import random
import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from cosmostream.account.demo import CARL, VERA, demo_users
from cosmostream.analytics import rollup
from cosmostream.analytics.salts import user_viewer
from cosmostream.analytics.sessions import bucket_mask, coverage_hex
from cosmostream.kit.sql import insert as upsert
from cosmostream.kit.time import aware, utcnow
from cosmostream.media.ladder import LADDER
from cosmostream.models import (
    ChannelActivity,
    User,
    Video,
    VideoDailyStats,
    VideoStatus,
    VideoTag,
    ViewerSession,
    WatchedRange,
)

log = logging.getLogger(__name__)

HISTORY_DAYS = 365
# A demo clip published n days ago is shown as published AGE_SCALE times n days ago.
AGE_SCALE = 14
# A big launch this many days ago sent viewers to both channels (rockets most).
LAUNCH_DAYS_AGO = 117
# Expected sessions per day of a video of popularity 1, on an ordinary day a
# few months after publication; tuned so the demo stays a few thousand rows.
BASE_RATE = 0.5
VIEW_SECONDS = 30.0
SIGNED_IN_SHARE = 0.07

# Share of the day's sessions starting in each UTC hour: night low, evening peak.
HOURLY = [
    2.0, 1.5, 1.1, 0.8, 0.6, 0.6, 0.8, 1.2, 1.8, 2.4, 2.9, 3.3,
    3.7, 4.0, 4.3, 4.6, 5.0, 5.6, 6.4, 7.2, 7.6, 7.0, 5.2, 3.2,
]  # fmt: skip
HOURS = tuple(enumerate(HOURLY))
# Monday … Sunday.
WEEKLY = [0.92, 0.88, 0.9, 0.94, 1.02, 1.22, 1.3]
SOURCES = (
    ("home", 22), ("browse", 10), ("search", 16), ("up_next", 14), ("channel", 8),
    ("notification", 4), ("course", 4), ("watch_party", 2), ("embed", 3),
    ("external", 9), ("direct", 8),
)  # fmt: skip
REFERRERS = (
    ("reddit.com", 5), ("cloudynights.com", 3), ("news.ycombinator.com", 2),
    ("astronomy.com", 2), ("mastodon.social", 2), ("skyatnightmagazine.com", 1),
)  # fmt: skip
DEVICES = (("desktop", 52), ("mobile", 35), ("tablet", 9), ("tv", 4))
# (browser, os, weight) per device.
AGENTS: dict[str, list[tuple[str, str, int]]] = {
    "desktop": [
        ("chrome", "windows", 34), ("edge", "windows", 12), ("firefox", "windows", 7),
        ("chrome", "macos", 10), ("safari", "macos", 12), ("firefox", "linux", 8),
        ("chrome", "linux", 5), ("opera", "windows", 2), ("chrome", "chromeos", 3),
    ],
    "mobile": [
        ("chrome", "android", 45), ("samsung", "android", 8), ("safari", "ios", 40),
        ("chrome", "ios", 5), ("firefox", "android", 2),
    ],
    "tablet": [("safari", "ipados", 60), ("chrome", "android", 35), ("other", "android", 5)],
    "tv": [("chrome", "android", 50), ("other", "other", 50)],
}  # fmt: skip
# How far down the ladder each device tends to play, from the top rung.
RUNG_STEPS = {
    "desktop": [70, 22, 8], "tv": [85, 15], "tablet": [50, 35, 15], "mobile": [30, 40, 30],
}  # fmt: skip
ACTIVITY_RATES = {"like": 0.045, "save": 0.015, "comment": 0.008, "share": 0.007, "follow": 0.006}


@dataclass
class _Plan:
    """Everything generated for the videos of one load, as rows to insert."""

    sessions: list[dict[str, Any]] = field(default_factory=list)
    ranges: list[dict[str, Any]] = field(default_factory=list)
    activity: list[dict[str, Any]] = field(default_factory=list)
    views: dict[tuple[uuid.UUID, date], int] = field(default_factory=lambda: defaultdict(int))
    watch: dict[tuple[uuid.UUID, date], float] = field(default_factory=lambda: defaultdict(float))


async def load(session: AsyncSession) -> int:
    """Generate the history of the demo videos that have none; returns how
    many sessions were written."""
    users = await demo_users(session)
    owners = [users[e].id for e in (VERA, CARL) if e in users]
    if not owners:
        return 0
    # Two loads at once (the command and the job) must not both write a
    # video's history: the second waits here, then finds it done (PostgreSQL).
    await session.execute(select(User.id).where(User.id.in_(owners)).with_for_update())
    videos = list(
        await session.scalars(
            select(Video)
            .where(Video.owner_id.in_(owners), Video.duration_seconds.is_not(None))
            .order_by(Video.title)
        )
    )
    if not videos:
        return 0
    done = set(
        await session.scalars(
            select(ViewerSession.video_id)
            .where(ViewerSession.video_id.in_([v.id for v in videos]))
            .distinct()
        )
    )
    videos = [v for v in videos if v.id not in done]
    if not videos:
        return 0
    now = utcnow()
    tags: dict[uuid.UUID, list[str]] = defaultdict(list)
    rows = await session.execute(
        select(VideoTag.video_id, VideoTag.tag)
        .where(VideoTag.video_id.in_([v.id for v in videos]))
        .order_by(VideoTag.video_id, VideoTag.position)
    )
    for video_id, tag in rows:
        tags[video_id].append(tag)
    viewers = [u for e, u in sorted(users.items())]
    plan = _Plan()
    for video in videos:
        _backdate(video, now)
        _generate(plan, video, tags[video.id], viewers, now)
    await _write(session, plan)
    await _set_counters(session, videos, plan)
    await rollup.rebuild(session, video_ids=[v.id for v in videos])
    return len(plan.sessions)


async def processed_titles(session: AsyncSession, titles: list[str]) -> tuple[set[str], int]:
    """Of the demo videos named `titles`: those processed (or failed), and how many exist."""
    ready = set(
        await session.scalars(
            select(Video.title).where(
                Video.title.in_(titles),
                Video.status.not_in((VideoStatus.UPLOADING, VideoStatus.PROCESSING)),
            )
        )
    )
    known = await session.scalar(
        select(func.count()).select_from(Video).where(Video.title.in_(titles))
    )
    return ready, int(known or 0)


def _backdate(video: Video, now: datetime) -> None:
    published = aware(video.published_at) if video.published_at else None
    if published is None or now - published < timedelta(days=1):
        return
    age = min((now - published) * AGE_SCALE, timedelta(days=HISTORY_DAYS - 5))
    video.published_at = now - age
    if aware(video.created_at) > now - age:
        video.created_at = now - age - timedelta(hours=3)


def _pick(rng: random.Random, weighted: Sequence[tuple[Any, float]]) -> Any:
    values, cumulative = _cumulative(tuple(weighted))
    return values[bisect.bisect_right(cumulative, rng.random() * cumulative[-1])]


@functools.cache
def _cumulative(weighted: tuple[tuple[Any, float], ...]) -> tuple[list[Any], list[float]]:
    return [v for v, _ in weighted], list(itertools.accumulate(float(w) for _, w in weighted))


def _daily_rate(
    popularity: float, age_days: float, day: date, rockets: bool, now: datetime
) -> float:
    """Expected sessions on `day` of a video `age_days` old."""
    burst = 1.0 + 9.0 * math.exp(-age_days / 2.5)  # the first days after publication
    tail: float = (1.0 + age_days / 30.0) ** -0.55  # then a long, slowly thinning tail
    weekly = WEEKLY[day.weekday()]
    # More stargazing in the northern winter (peak mid-January).
    season = 1.0 + 0.25 * math.cos(2 * math.pi * (day.timetuple().tm_yday - 15) / 365.25)
    since_launch = (day - (now - timedelta(days=LAUNCH_DAYS_AGO)).date()).days
    launch = 1.0
    if 0 <= since_launch < 10:
        launch += (5.0 if rockets else 1.2) * math.exp(-since_launch / 1.8)
    return BASE_RATE * popularity * burst * tail * weekly * season * launch


def _watch_plan(rng: random.Random, duration: float) -> list[tuple[float, float]]:
    """The stretches of the video one session plays, in order."""
    short = duration < 60
    r = rng.random()
    if r < 0.14:  # the steep start: gone within the first seconds
        stop = duration * rng.uniform(0.01, 0.12)
    elif r < (0.62 if short else 0.42):
        stop = duration  # to the end
    else:  # the slow decline
        stop = duration * min(1.0, 0.1 + rng.expovariate(1.7))
    parts: list[tuple[float, float]] = []
    if stop > duration * 0.3 and rng.random() < 0.1:  # a seek forward
        cut = rng.uniform(0.1, 0.5) * stop
        gap = rng.uniform(0.05, 0.25) * duration
        parts.append((0.0, cut))
        if cut + gap < stop:
            parts.append((cut + gap, stop))
    else:
        parts.append((0.0, stop))
    if short and stop < duration * 0.8 and rng.random() < 0.25:
        # Skipping to the ending (the reveal): the bump at the end of short videos.
        parts.append((duration * rng.uniform(0.82, 0.92), duration))
    elif stop >= duration and rng.random() < (0.3 if short else 0.06):
        # Replays: short videos loop, and viewers go back for the ending.
        start = 0.0 if rng.random() < 0.5 else duration * rng.uniform(0.55, 0.85)
        parts.append((start, duration))
    return [(round(a, 3), round(b, 3)) for a, b in parts if b - a > 0.01]


def _coverage(parts: list[tuple[float, float]], duration: float) -> str:
    """The retention buckets any part of `parts` touched, as ingest writes them."""
    bits = 0
    for start, end in parts:
        bits |= bucket_mask(start, end, duration)
    return coverage_hex(bits)


def _generate(
    plan: _Plan, video: Video, tags: list[str], viewers: list[User], now: datetime
) -> None:
    rng = random.Random(f"cosmostream-analytics-demo:{video.title}")
    duration = float(video.duration_seconds or 0.0)
    if duration <= 0:
        return
    published = aware(video.published_at or video.created_at)
    start_day = max(published, now - timedelta(days=HISTORY_DAYS))
    popularity = rng.uniform(3.0, 9.0)
    text = f"{video.title} {' '.join(tags)}".lower()
    rockets = any(w in text for w in ("launch", "rocket", "starship", "stage"))
    heights = [h for h in LADDER if h <= (video.height or 360)] or [min(LADDER)]
    terms = [t.lower() for t in tags] or [video.title.lower()[:40]]
    others = [u for u in viewers if u.id != video.owner_id]
    threshold = min(VIEW_SECONDS, duration / 2) if duration < 60 else VIEW_SECONDS
    day = start_day.date()
    while day <= now.date():
        midnight = datetime(day.year, day.month, day.day, tzinfo=UTC)
        age = max(0.0, (midnight - published).total_seconds() / 86400)
        expected = _daily_rate(popularity, age, day, rockets, now)
        count = int(expected) + (1 if rng.random() < expected - int(expected) else 0)
        # Anonymous viewers of the day: fewer than sessions, so some come back.
        pool = max(1, int(count * 0.85))
        salt = hashlib.sha256(f"demo-salt:{day.isoformat()}".encode()).hexdigest()
        for _ in range(count):
            hour = _pick(rng, HOURS)
            started = midnight + timedelta(hours=hour, seconds=rng.uniform(0, 3600))
            if started < published:
                started = published + timedelta(minutes=rng.uniform(1, 240))
            if rng.random() < SIGNED_IN_SHARE and others:
                user: User | None = rng.choice(others)
                assert user is not None
                viewer = user_viewer(user.id)
            else:
                user = None
                key = f"{salt}:{rng.randrange(pool)}"
                viewer = "a:" + hashlib.sha256(key.encode()).hexdigest()[:40]
            _session(plan, rng, video, duration, started, now, user, viewer, threshold,
                     heights, terms, age)  # fmt: skip
        day += timedelta(days=1)


def _session(
    plan: _Plan,
    rng: random.Random,
    video: Video,
    duration: float,
    started: datetime,
    now: datetime,
    user: User | None,
    viewer: str,
    threshold: float,
    heights: list[int],
    terms: list[str],
    age: float,
) -> None:
    parts = _watch_plan(rng, duration)
    speed = 1.0 if rng.random() < 0.9 else rng.choice([1.25, 1.5, 2.0, 0.75])
    device = _pick(rng, DEVICES)
    browser, os_ = _pick(rng, tuple(((b, o), w) for b, o, w in AGENTS[device]))
    rung_index = min(len(heights) - 1, _pick(rng, tuple(enumerate(RUNG_STEPS[device]))))
    rung = heights[-1 - rung_index]
    sources: tuple[tuple[str, int], ...] = SOURCES
    if age < 3:  # followers are told about a new video
        sources = tuple((s, w * 5 if s == "notification" else w) for s, w in SOURCES)
    source = _pick(rng, sources)
    detail = None
    if source == "search":
        detail = rng.choice(terms)[:120]
    elif source == "external":
        detail = _pick(rng, REFERRERS)

    session_id = uuid.UUID(bytes=rng.randbytes(16), version=4)
    wall = started
    watched = 0.0
    view_at: datetime | None = None
    ranges: list[dict[str, Any]] = []
    for n, (a, b) in enumerate(parts):
        if n:
            wall += timedelta(seconds=rng.uniform(0.5, 3.0))  # seeking, or the replay button
        # Split the stretch at UTC hour boundaries, positions proportionally.
        pos = a
        while pos < b - 1e-9:
            hour = wall.replace(minute=0, second=0, microsecond=0)
            left = (hour + timedelta(hours=1) - wall).total_seconds()
            seconds = min((b - pos) / speed, left)
            end = b if seconds >= (b - pos) / speed - 1e-9 else pos + seconds * speed
            if view_at is None and watched + seconds >= threshold:
                view_at = wall + timedelta(seconds=threshold - watched)
            watched += seconds
            wall += timedelta(seconds=seconds)
            ranges.append(
                {
                    "session_id": session_id,
                    "video_id": video.id,
                    "owner_id": video.owner_id,
                    "hour": hour,
                    "start": round(pos, 3),
                    "end": round(end, 3),
                    "seconds": round(seconds, 3),
                    "rung": rung,
                    "recorded_at": wall,
                }
            )
            pos = end
    if wall > now or not ranges:
        return  # still watching: not generated
    plan.sessions.append(
        {
            "id": session_id,
            "video_id": video.id,
            "owner_id": video.owner_id,
            "user_id": user.id if user else None,
            "viewer": viewer,
            "started_at": started,
            "last_seen_at": wall,
            "source": source,
            "source_detail": detail,
            "device": device,
            "browser": browser,
            "os": os_,
            "watched_seconds": round(watched, 3),
            "max_position": max(b for _, b in parts),
            "coverage": _coverage(parts, duration),
            "view_at": view_at,
        }
    )
    plan.ranges.extend(ranges)
    for r in ranges:
        plan.watch[(video.id, r["hour"].date())] += r["seconds"]
    if view_at is None:
        return
    plan.views[(video.id, view_at.date())] += 1
    for kind, rate in ACTIVITY_RATES.items():
        if rng.random() >= rate:
            continue
        at = view_at + timedelta(minutes=rng.uniform(0.2, 20))
        if at > now:
            continue
        _activity(plan, rng, video, user, kind, 1, at)
        # Some change their mind: unliked, unsaved, unfollowed later.
        if kind in ("like", "save", "follow") and rng.random() < 0.12:
            undo = at + timedelta(days=rng.uniform(0.1, 60))
            if undo < now:
                _activity(plan, rng, video, user, kind, -1, undo)


def _activity(
    plan: _Plan,
    rng: random.Random,
    video: Video,
    user: User | None,
    kind: str,
    delta: int,
    at: datetime,
) -> None:
    plan.activity.append(
        {
            "id": uuid.UUID(bytes=rng.randbytes(16), version=4),
            "owner_id": video.owner_id,
            "video_id": video.id,
            "user_id": user.id if user else None,
            "kind": kind,
            "delta": delta,
            "at": at,
        }
    )


async def _write(session: AsyncSession, plan: _Plan) -> None:
    """Bulk inserts (executemany), sessions before the ranges that point at them."""
    for model, rows in (
        (ViewerSession, plan.sessions),
        (WatchedRange, plan.ranges),
        (ChannelActivity, plan.activity),
    ):
        for chunk in range(0, len(rows), 5000):
            await session.execute(insert(model.__table__), rows[chunk : chunk + 5000])  # type: ignore[arg-type]


async def _set_counters(session: AsyncSession, videos: list[Video], plan: _Plan) -> None:
    """The videos' view counters and daily statistics become the generated
    views and watch time (likes and comments stay the rows behind them)."""
    ids = [v.id for v in videos]
    await session.execute(
        update(VideoDailyStats)
        .where(VideoDailyStats.video_id.in_(ids))
        .values(views=0, watch_seconds=0.0)
        .execution_options(synchronize_session=False)
    )
    days = sorted(set(plan.views) | set(plan.watch))
    rows = [
        {
            "video_id": video_id,
            "day": day,
            "views": plan.views.get((video_id, day), 0),
            "watch_seconds": round(plan.watch.get((video_id, day), 0.0), 3),
            "likes": 0,
            "comments": 0,
        }
        for video_id, day in days
    ]
    stmt = upsert(session, VideoDailyStats.__table__)  # type: ignore[arg-type]
    stmt = stmt.on_conflict_do_update(
        index_elements=["video_id", "day"],
        set_={"views": stmt.excluded.views, "watch_seconds": stmt.excluded.watch_seconds},
    )
    if rows:
        await session.execute(stmt, rows)
    totals: dict[uuid.UUID, int] = defaultdict(int)
    watch: dict[uuid.UUID, float] = defaultdict(float)
    for (video_id, _), n in plan.views.items():
        totals[video_id] += n
    for (video_id, _), s in plan.watch.items():
        watch[video_id] += s
    for video in videos:
        video.view_count = totals[video.id]
        video.watch_seconds = round(watch[video.id], 3)
    await session.flush()
