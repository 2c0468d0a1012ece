"""Roll-ups: rebuilt from raw rows, idempotent, caught up incrementally, and
equal to a plain computation over the raw rows on random viewing."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections import defaultdict
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, select

from cosmostream.analytics import rollup
from cosmostream.analytics.sessions import buckets_of, floor_hour
from cosmostream.db import Database
from cosmostream.engagement.schemas import PlaybackContext, PlaybackEventKind
from cosmostream.models import (
    DimensionDay,
    PlaybackEvent,
    PlaybackState,
    RetentionDay,
    Role,
    RollupMark,
    User,
    VideoHour,
    ViewerSession,
    WatchedRange,
)
from tests.analytics.playback_helpers import HEARTBEAT, PAUSE, START, clock_at, play, t
from tests.factories import make_user, make_video

# -- the same figures, computed plainly from the raw rows ----------------------


def _raw_hours(
    sessions: list[ViewerSession], ranges: list[WatchedRange]
) -> dict[tuple[uuid.UUID, datetime], tuple[int, int, float]]:
    views: dict[Any, int] = defaultdict(int)
    started: dict[Any, int] = defaultdict(int)
    watched: dict[Any, float] = defaultdict(float)
    for s in sessions:
        started[(s.video_id, floor_hour(s.started_at))] += 1
        if s.view_at is not None:
            views[(s.video_id, floor_hour(s.view_at))] += 1
    for r in ranges:
        watched[(r.video_id, r.hour)] += r.seconds
    keys = set(views) | set(started) | set(watched)
    return {k: (views[k], started[k], watched[k]) for k in keys}


def _raw_retention(sessions: list[ViewerSession]) -> dict[tuple[uuid.UUID, date], tuple[int, str]]:
    counts: dict[Any, list[int]] = {}
    total: dict[Any, int] = defaultdict(int)
    for s in sessions:
        key = (s.video_id, s.started_at.date())
        total[key] += 1
        bucket = counts.setdefault(key, [0] * 100)
        for i, on in enumerate(buckets_of(s.coverage)):
            bucket[i] += on
    return {k: (total[k], ",".join(map(str, v))) for k, v in counts.items()}


def _raw_dimensions(
    sessions: list[ViewerSession], ranges: list[WatchedRange]
) -> dict[tuple[uuid.UUID, date, str, str], tuple[int, int, float]]:
    out: dict[Any, list[float]] = defaultdict(lambda: [0, 0, 0.0])
    for s in sessions:
        values = [("source", s.source), ("device", s.device), ("browser", s.browser), ("os", s.os)]
        if s.source == "search" and s.source_detail:
            values.append(("search", s.source_detail))
        if s.source == "external" and s.source_detail:
            values.append(("referrer", s.source_detail))
        for dimension, value in values:
            row = out[(s.video_id, s.started_at.date(), dimension, value)]
            row[0] += 1
            row[1] += s.view_at is not None
            row[2] += s.watched_seconds
    for r in ranges:
        if r.rung is not None:
            out[(r.video_id, r.hour.date(), "rung", str(r.rung))][2] += r.seconds
    return {k: (int(v[0]), int(v[1]), v[2]) for k, v in out.items()}


async def _raw(db: Database) -> tuple[Any, Any, Any]:
    async with db.read() as session:
        sessions = list(await session.scalars(select(ViewerSession)))
        ranges = list(await session.scalars(select(WatchedRange)))
    return _raw_hours(sessions, ranges), _raw_retention(sessions), _raw_dimensions(sessions, ranges)


async def _rolled(db: Database) -> tuple[Any, Any, Any]:
    async with db.read() as session:
        hours = {
            (r.video_id, r.hour): (r.views, r.sessions, r.watch_seconds)
            for r in await session.scalars(select(VideoHour))
        }
        retention = {
            (r.video_id, r.day): (r.sessions, r.buckets)
            for r in await session.scalars(select(RetentionDay))
        }
        dimensions = {
            (r.video_id, r.day, r.dimension, r.value): (r.sessions, r.views, r.watch_seconds)
            for r in await session.scalars(select(DimensionDay))
        }
    return hours, retention, dimensions


def _same(rolled: Any, raw: Any) -> None:
    hours, retention, dimensions = rolled
    raw_hours, raw_retention, raw_dimensions = raw
    assert set(hours) == set(raw_hours)
    for key, (views, sessions, seconds) in raw_hours.items():
        assert hours[key][:2] == (views, sessions)
        assert hours[key][2] == pytest.approx(seconds, abs=1e-6)
    assert retention == raw_retention
    assert set(dimensions) == set(raw_dimensions)
    for key, (sessions, views, seconds) in raw_dimensions.items():
        assert dimensions[key][:2] == (sessions, views)
        assert dimensions[key][2] == pytest.approx(seconds, abs=1e-6)


async def _rebuild(db: Database, when: datetime, **kw: Any) -> None:
    with clock_at(when):
        async with db.unit_of_work() as session:
            await rollup.rebuild(session, **kw)


async def _catch_up(db: Database, when: datetime) -> int:
    with clock_at(when):
        async with db.unit_of_work() as session:
            return await rollup.catch_up(session)


@pytest.fixture
async def owner(db: Database) -> User:
    user: User = await make_user(db, role=Role.CREATOR, name="Vera Nebula")
    return user


@pytest.fixture
async def videos(db: Database, owner: User) -> list[Any]:
    return [
        await make_video(db, owner, title="Jupiter", duration=120.0),
        await make_video(db, owner, title="Meteor", duration=40.0),
    ]


SEARCH = PlaybackContext(referrer="http://testserver/search?q=Red+Spot", rung=720)


async def _some_viewing(db: Database, videos: list[Any]) -> None:
    jupiter, meteor = videos
    await play(db, jupiter, START, 0, when=t(3600 - 12), context=SEARCH)
    for s in (10, 20, 30, 40):
        await play(
            db, jupiter, HEARTBEAT, s, when=t(3600 - 12 + s), context=PlaybackContext(rung=720)
        )
    midnight = 14 * 3600  # T0 is 10:00 UTC
    await play(db, meteor, START, 0, when=t(midnight - 5), viewer="c:night")
    await play(db, meteor, HEARTBEAT, 10, when=t(midnight + 5), viewer="c:night")
    await play(db, meteor, HEARTBEAT, 20, when=t(midnight + 15), viewer="c:night")


async def test_rebuild_is_idempotent_and_matches_the_raw_rows(
    db: Database, videos: list[Any]
) -> None:
    await _some_viewing(db, videos)
    await _rebuild(db, t(2 * 86400))
    first = await _rolled(db)
    await _rebuild(db, t(2 * 86400))
    assert await _rolled(db) == first
    _same(first, await _raw(db))
    hours, _, dimensions = first
    jupiter, meteor = videos
    assert hours[(jupiter.id, t(0))] == (0, 1, pytest.approx(12))
    assert hours[(jupiter.id, t(3600))] == (1, 0, pytest.approx(28))
    assert hours[(meteor.id, t(13 * 3600))] == (0, 1, pytest.approx(5))  # 23:00
    assert hours[(meteor.id, t(14 * 3600))] == (1, 0, pytest.approx(15))  # half of 40 s
    day = t(0).date()
    assert dimensions[(jupiter.id, day, "source", "search")][:2] == (1, 1)
    assert dimensions[(jupiter.id, day, "search", "red spot")][:2] == (1, 1)
    assert dimensions[(jupiter.id, day, "rung", "720")][2] == pytest.approx(40)
    assert not any(k[2] == "rung" for k in dimensions if k[0] == meteor.id)  # rung unknown


async def test_rebuilding_a_window_leaves_the_rest(db: Database, videos: list[Any]) -> None:
    await _some_viewing(db, videos)
    await _rebuild(db, t(2 * 86400))
    before = await _rolled(db)
    async with db.unit_of_work() as session:
        await session.execute(delete(VideoHour))
        await session.execute(delete(RetentionDay))
        await session.execute(delete(DimensionDay))
    # Rebuild one hour of one video: only its rows (and its whole day) come back.
    await _rebuild(db, t(2 * 86400), start=t(3600), end=t(3660), video_ids=[videos[0].id])
    hours, retention, dimensions = await _rolled(db)
    assert set(hours) == {(videos[0].id, t(3600))}
    assert set(retention) == {(videos[0].id, t(0).date())}
    assert {k for k in before[2] if k[0] == videos[0].id and k[1] == t(0).date()} == set(dimensions)


async def test_catch_up_picks_up_late_ranges_and_touched_sessions(
    db: Database, videos: list[Any]
) -> None:
    jupiter = videos[0]
    await play(db, jupiter, START, 0, when=t(3600 - 15))
    await play(db, jupiter, HEARTBEAT, 10, when=t(3600 - 5))
    assert await _catch_up(db, t(3600)) == 1
    hours, _, _ = await _rolled(db)
    assert hours == {(jupiter.id, t(0)): (0, 1, pytest.approx(10))}
    # The client went offline at 10:59:55; its queue arrives at 11:40.
    for s in (20, 30, 40):
        late = PlaybackContext(at=t(3600 - 15 + s))
        await play(db, jupiter, HEARTBEAT, s, when=t(6000), context=late)
    assert await _catch_up(db, t(6060)) == 2
    hours, retention, _ = await _rolled(db)
    assert hours == {
        (jupiter.id, t(0)): (0, 1, pytest.approx(15)),
        (jupiter.id, t(3600)): (1, 0, pytest.approx(25)),
    }
    assert retention[(jupiter.id, t(0).date())][0] == 1
    _same(await _rolled(db), await _raw(db))
    # The next run reads again the two minutes before the last one (rows of a
    # slow transaction) and rebuilds them again, to the same rows.
    assert await _catch_up(db, t(6600)) == 2
    _same(await _rolled(db), await _raw(db))
    # Nothing new since: nothing to do.
    assert await _catch_up(db, t(7000)) == 0
    async with db.read() as session:
        mark = await session.get(RollupMark, rollup.MARK)
    assert mark is not None and mark.runs == 4 and mark.at == t(7000) - rollup.LAG


async def test_a_full_rebuild_moves_the_watermark(db: Database, videos: list[Any]) -> None:
    jupiter = videos[0]
    await play(db, jupiter, START, 0, when=t(3600 - 15))
    await play(db, jupiter, HEARTBEAT, 10, when=t(3600 - 5))
    await _rebuild(db, t(3600))
    async with db.read() as session:
        mark = await session.get(RollupMark, rollup.MARK)
    assert mark is not None and mark.at == t(3600) - rollup.LAG
    # Rolled up already: the next catch-up reads only the lag before the rebuild.
    assert await _catch_up(db, t(3600 + 300)) == 1
    assert await _catch_up(db, t(3600 + 600)) == 0
    # A heartbeat extends the session's range: found through the session seen,
    # though the range's `recorded_at` stays as it was written.
    async with db.read() as session:
        (recorded,) = (await session.execute(select(WatchedRange.recorded_at))).one()
    await play(
        db, jupiter, HEARTBEAT, 20, when=t(3600 + 605), context=PlaybackContext(at=t(3600 - 1))
    )
    async with db.read() as session:
        assert list(await session.scalars(select(WatchedRange.recorded_at))) == [recorded]
    assert await _catch_up(db, t(3600 + 660)) == 1
    hours, _, _ = await _rolled(db)
    assert hours == {(jupiter.id, t(0)): (0, 1, pytest.approx(14))}
    _same(await _rolled(db), await _raw(db))


async def test_the_first_catch_up_rebuilds_everything(db: Database, videos: list[Any]) -> None:
    await _some_viewing(db, videos)
    assert await _catch_up(db, t(2 * 86400)) == 4
    _same(await _rolled(db), await _raw(db))


# -- property: random viewing, roll-ups == raw ---------------------------------

KINDS = [PlaybackEventKind.START, HEARTBEAT, HEARTBEAT, HEARTBEAT, PAUSE, PlaybackEventKind.SEEK]
REFERRERS = [
    None,
    "https://www.google.com/",
    "http://testserver/search?q=Mars",
    "http://testserver/",
]

event = st.tuples(
    st.integers(0, 2),  # viewer
    st.integers(0, 1),  # video
    st.sampled_from(KINDS),
    st.one_of(st.floats(0.3, 16), st.sampled_from([1799.0, 1801.0, 3600.0])),  # server gap
    st.floats(0, 130),  # position
    st.one_of(st.none(), st.floats(0, 7200), st.just(90000.0)),  # how late (`at`)
    st.sampled_from([None, 360, 720]),  # rung
    st.sampled_from(REFERRERS),
    st.booleans(),  # catch up after it
)


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    start=st.sampled_from([t(3600 - 20), t(14 * 3600 - 25), t(86400 - 30)]),
    events=st.lists(event, min_size=1, max_size=25),
)
async def test_rollups_equal_the_raw_computation(
    db: Database, videos: list[Any], start: datetime, events: list[Any]
) -> None:
    async with db.unit_of_work() as session:
        for model in (
            WatchedRange, ViewerSession, VideoHour, RetentionDay, DimensionDay,
            RollupMark, PlaybackState, PlaybackEvent,
        ):  # fmt: skip
            await session.execute(delete(model))
    now = start
    credited = 0.0
    for viewer, video, kind, gap, position, late, rung, referrer, catch in events:
        now += timedelta(seconds=gap)
        at = None if late is None else now - timedelta(seconds=late)
        context = PlaybackContext(referrer=referrer, rung=rung, at=at)
        result = await play(
            db, videos[video], kind, position, when=now, viewer=f"c:v{viewer}", context=context
        )
        credited += result.watched_seconds
        if catch:
            await _catch_up(db, now)
    raw = await _raw(db)
    # The ranges hold exactly the time engagement credited, session by session.
    async with db.read() as session:
        sessions = list(await session.scalars(select(ViewerSession)))
        ranges = list(await session.scalars(select(WatchedRange)))
    for row in sessions:
        mine = sum(r.seconds for r in ranges if r.session_id == row.id)
        assert mine == pytest.approx(row.watched_seconds, abs=1e-6)
    assert sum(r.seconds for r in ranges) == pytest.approx(credited, abs=0.001 * len(events))
    assert all(r.hour == floor_hour(r.hour) and r.start <= r.end for r in ranges)
    await _catch_up(db, now + timedelta(seconds=1))
    _same(await _rolled(db), raw)
    await _rebuild(db, now)
    _same(await _rolled(db), raw)
    # Watch time is never more than the server time that passed.
    total = sum(v[2] for v in raw[0].values())
    assert total <= (now - start).total_seconds() * 3 + 1e-6  # three viewers at most


def test_the_operator_command(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("COSMOSTREAM_")}
    env.pop("DATABASE_URL", None)
    env.pop("REDIS_URL", None)
    env.update(COSMOSTREAM_DATA_DIR=str(tmp_path / "data"), JWT_SECRET="cli-" + "z" * 40)

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        command = [sys.executable, "-m", "cosmostream", *args]
        return subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)

    assert run("migrate").returncode == 0
    caught_up = run("analytics-rollup")
    assert caught_up.returncode == 0, caught_up.stderr
    assert "caught up (0 video hours)" in caught_up.stdout
    rebuilt = run("analytics-rollup", "--rebuild")
    assert rebuilt.returncode == 0 and "rebuilt" in rebuilt.stdout


async def test_the_periodic_task_rolls_up(db: Database, videos: list[Any]) -> None:
    from cosmostream.analytics.tasks import roll_up, roll_up_task

    assert roll_up_task is not None
    await _some_viewing(db, videos)
    with clock_at(t(2 * 86400)):
        async with db.unit_of_work() as session:
            assert (
                await roll_up(session) == 4
            )  # (Jupiter, 10:00 and 11:00), (Meteor, 23:00 and 00:00)
    _same(await _rolled(db), await _raw(db))
