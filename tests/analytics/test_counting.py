"""The counting rules of docs/analytics.md, one test each, with the test clock."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import delete, func, select

from cosmostream.analytics import salts
from cosmostream.analytics.sessions import buckets_of
from cosmostream.db import Database
from cosmostream.engagement.schemas import PlaybackContext
from cosmostream.models import (
    AnalyticsSalt,
    Role,
    User,
    Video,
    ViewerSession,
    WatchedRange,
)
from tests.analytics.playback_helpers import (
    END,
    HEARTBEAT,
    PAUSE,
    SEEK,
    START,
    clock_at,
    play,
    ranges_of,
    sessions_of,
    t,
)
from tests.factories import make_user, make_video


@pytest.fixture
async def owner(db: Database) -> User:
    user: User = await make_user(db, role=Role.CREATOR, name="Vera Nebula")
    return user


@pytest.fixture
async def video(db: Database, owner: User) -> Any:
    return await make_video(db, owner, title="Jupiter's storms", duration=120.0)


async def watch(db: Database, video: Any, start: float, seconds: int, **kw: Any) -> bool:
    """START at `start` s, then a heartbeat every 10 s for `seconds`; True if a view counted."""
    counted = (await play(db, video, START, 0, when=t(start), **kw)).counted_view
    for s in range(10, seconds + 1, 10):
        counted |= (await play(db, video, HEARTBEAT, s, when=t(start + s), **kw)).counted_view
    return counted


async def view_count(db: Database, video_id: Any) -> int:
    async with db.read() as session:
        return int(await session.scalar(select(Video.view_count).where(Video.id == video_id)) or 0)


async def test_a_reload_within_thirty_minutes_continues_the_session(
    db: Database, video: Any
) -> None:
    assert await watch(db, video, 0, 30)
    await play(db, video, PAUSE, 31, when=t(31))  # the page's beacon as it goes away
    # The page is reloaded 20 min later and watched again: the same session.
    assert not await watch(db, video, 20 * 60, 40)
    sessions = await sessions_of(db)
    assert len(sessions) == 1
    assert sessions[0].watched_seconds == pytest.approx(71)
    assert sessions[0].view_at == t(30)
    assert await view_count(db, video.id) == 1


async def test_thirty_idle_minutes_start_a_new_session(db: Database, video: Any) -> None:
    assert await watch(db, video, 0, 30)
    # 30 min after the last event (at 30 s): a new session and a new view.
    assert await watch(db, video, 30 + 30 * 60, 30)
    sessions = await sessions_of(db)
    assert [s.started_at for s in sessions] == [t(0), t(30 + 30 * 60)]
    assert [s.view_at for s in sessions] == [t(30), t(60 + 30 * 60)]
    assert await view_count(db, video.id) == 2


async def test_a_view_counts_at_thirty_seconds_or_half_a_short_video(
    db: Database, owner: User, video: Any
) -> None:
    await play(db, video, START, 0, when=t(0))
    await play(db, video, HEARTBEAT, 15, when=t(15))
    assert not (await play(db, video, HEARTBEAT, 29.9, when=t(29.9))).counted_view
    assert (await play(db, video, HEARTBEAT, 30, when=t(30))).counted_view
    short = await make_video(db, owner, title="Meteor", duration=40.0)
    await play(db, short, START, 0, when=t(100))
    assert not (await play(db, short, HEARTBEAT, 10, when=t(110))).counted_view
    assert (await play(db, short, HEARTBEAT, 20, when=t(120))).counted_view  # half of 40 s
    sessions = {s.video_id: s for s in await sessions_of(db)}
    assert sessions[video.id].view_at == t(30)
    assert sessions[short.id].view_at == t(120)


async def test_no_credit_across_a_seek(db: Database, video: Any) -> None:
    await play(db, video, START, 0, when=t(0))
    await play(db, video, HEARTBEAT, 10, when=t(10))
    # 3 s after the heartbeat the viewer jumps to 100 s: 10-13 s was watched.
    await play(db, video, SEEK, 100, when=t(13))
    await play(db, video, START, 100, when=t(14))
    await play(db, video, HEARTBEAT, 110, when=t(24))
    (session,) = await sessions_of(db)
    assert session.watched_seconds == pytest.approx(23)
    buckets = buckets_of(session.coverage)
    # 120 s video: a bucket is 1.2 s. 0-13 s and 100-110 s watched.
    assert all(buckets[:11]) and not any(buckets[11:83]) and all(buckets[84:91])
    assert not any(buckets[92:])
    ranges = await ranges_of(db)
    assert [(r.start, r.end, r.seconds) for r in ranges] == [
        pytest.approx((0, 13, 13)),
        pytest.approx((100, 110, 10)),
    ]


async def test_a_rewatch_counts_time_and_coverage_but_one_view(db: Database, video: Any) -> None:
    assert await watch(db, video, 0, 30)
    await play(db, video, SEEK, 0, when=t(31))
    await play(db, video, START, 0, when=t(32))
    for s in (10, 20, 30):
        assert not (await play(db, video, HEARTBEAT, s, when=t(32 + s))).counted_view
    (session,) = await sessions_of(db)
    assert session.watched_seconds == pytest.approx(61)
    assert sum(buckets_of(session.coverage)) == 26  # 0-31 s of 120 s
    assert session.max_position == pytest.approx(31)
    assert await view_count(db, video.id) == 1
    assert sum(r.seconds for r in await ranges_of(db)) == pytest.approx(61)


async def test_double_speed_counts_server_time_not_positions(db: Database, video: Any) -> None:
    await play(db, video, START, 0, when=t(0))
    for s in (10, 20):
        assert not (await play(db, video, HEARTBEAT, 2 * s, when=t(s))).counted_view
    assert (await play(db, video, HEARTBEAT, 60, when=t(30))).counted_view
    (session,) = await sessions_of(db)
    assert session.watched_seconds == pytest.approx(30)
    assert sum(buckets_of(session.coverage)) == 50  # the first 60 s of 120 s
    (watched,) = await ranges_of(db)
    assert (watched.start, watched.end, watched.seconds) == pytest.approx((0, 60, 30))


async def test_pause_stops_the_clock(db: Database, video: Any) -> None:
    await play(db, video, START, 0, when=t(0))
    await play(db, video, PAUSE, 5, when=t(5))
    await play(db, video, START, 5, when=t(65))
    await play(db, video, HEARTBEAT, 15, when=t(75))
    await play(db, video, END, 120, when=t(80))  # a jump to the end: 5 s from 15 s
    (session,) = await sessions_of(db)
    assert session.watched_seconds == pytest.approx(20)
    assert session.view_at is None
    assert sum(r.seconds for r in await ranges_of(db)) == pytest.approx(20)
    assert session.max_position == pytest.approx(20)


async def test_a_step_across_an_hour_is_split_between_the_hours(db: Database, video: Any) -> None:
    base = t(3600 - 5)  # 10:59:55
    await play(db, video, START, 0, when=base)
    await play(db, video, HEARTBEAT, 10, when=base + timedelta(seconds=10))
    ranges = await ranges_of(db)
    assert [(r.hour, r.seconds, r.start, r.end) for r in ranges] == [
        (t(0), pytest.approx(5), pytest.approx(0), pytest.approx(5)),
        (t(3600), pytest.approx(5), pytest.approx(5), pytest.approx(10)),
    ]


async def test_steps_in_one_hour_and_rung_extend_one_range(db: Database, video: Any) -> None:
    hd, sd = PlaybackContext(rung=720), PlaybackContext(rung=360)
    await play(db, video, START, 0, when=t(0), context=hd)
    await play(db, video, HEARTBEAT, 10, when=t(10), context=hd)
    await play(db, video, HEARTBEAT, 20, when=t(20), context=hd)
    await play(db, video, HEARTBEAT, 30, when=t(30), context=sd)
    ranges = await ranges_of(db)
    assert [(r.rung, r.start, r.end, r.seconds) for r in ranges] == [
        (720, 0, 20, pytest.approx(20)),
        (360, 20, 30, pytest.approx(10)),
    ]


async def test_late_heartbeats_land_in_the_hour_they_were_watched(db: Database, video: Any) -> None:
    await play(db, video, START, 0, when=t(3600 - 15))  # 10:59:45
    # Offline from here; the queue is flushed at 11:30 with each event's time.
    flush = t(5400)
    for s in (10, 20, 30):
        at = t(3600 - 15 + s)
        await play(db, video, HEARTBEAT, s, when=flush, context=PlaybackContext(at=at))
    ranges = await ranges_of(db)
    by_hour: dict[Any, float] = {}
    for r in ranges:
        by_hour[r.hour] = by_hour.get(r.hour, 0) + r.seconds
    assert by_hour == {t(0): pytest.approx(15), t(3600): pytest.approx(15)}
    assert all(r.recorded_at == flush for r in ranges)
    (session,) = await sessions_of(db)
    assert session.view_at == t(3600 + 15)
    assert session.last_seen_at == flush  # server time: the roll-up's watermark sees it


async def test_event_times_are_clamped(db: Database, video: Any) -> None:
    await play(db, video, START, 0, when=t(0))
    # `at` before the previous event: taken as the previous event (no time).
    early = await play(db, video, HEARTBEAT, 5, when=t(10), context=PlaybackContext(at=t(-60)))
    assert early.watched_seconds == 0
    # `at` in the future: taken as now, 20 s after the previous event, capped at 15 s.
    future = PlaybackContext(at=t(3600))
    assert (await play(db, video, HEARTBEAT, 20, when=t(20), context=future)).watched_seconds == 15
    # `at` more than a day old: taken as now.
    old = PlaybackContext(at=t(30 - 25 * 3600))
    assert (await play(db, video, HEARTBEAT, 30, when=t(30), context=old)).watched_seconds == 10
    (session,) = await sessions_of(db)
    assert session.watched_seconds == pytest.approx(25)
    # Credit never exceeds the real time between the first and the last event.
    assert sum(r.seconds for r in await ranges_of(db)) <= 30


async def test_queued_events_cannot_add_up_to_more_than_real_time(db: Database, video: Any) -> None:
    await play(db, video, START, 0, when=t(0))
    # A client replays 100 heartbeats all claiming the same 10 s window.
    for i in range(100):
        at = PlaybackContext(at=t(1 + (i % 10)))
        await play(db, video, HEARTBEAT, i, when=t(10 + i * 0.01), context=at)
    (session,) = await sessions_of(db)
    assert session.watched_seconds <= 10 + 1.0


async def test_anonymous_viewers_hash_rotates_daily(db: Database, owner: User, video: Any) -> None:
    other = await make_video(db, owner, title="Saturn", duration=120.0)
    await play(db, video, START, 0, when=t(0), viewer="c:browser")
    await play(db, other, START, 0, when=t(60), viewer="c:browser")
    await play(db, video, START, 0, when=t(86400), viewer="c:browser")
    viewer = await make_user(db, name="Ada Viewer")
    await play(db, video, START, 0, when=t(0), who=viewer)
    await play(db, video, START, 0, when=t(86400 * 3), who=viewer)
    rows = await sessions_of(db)
    anonymous = [s.viewer for s in rows if s.user_id is None]
    signed_in = [s.viewer for s in rows if s.user_id is not None]
    assert anonymous[0] == anonymous[1] != anonymous[2]  # same day, then the next day
    assert all(v.startswith("a:") for v in anonymous)
    assert signed_in[0] == signed_in[1] and signed_in[0].startswith("u:")
    assert str(viewer.id) not in signed_in[0] and viewer.id.hex not in signed_in[0]
    async with db.read() as session:
        days = list(await session.scalars(select(AnalyticsSalt.day).order_by(AnalyticsSalt.day)))
    assert days == [t(0).date(), t(86400).date()]


async def test_old_salts_are_deleted_by_the_daily_task(db: Database, video: Any) -> None:
    from cosmostream.analytics.tasks import prune_salts

    for day in range(4):
        await play(db, video, START, 0, when=t(day * 86400), viewer=f"c:day{day}")
    with clock_at(t(3 * 86400)):
        async with db.unit_of_work() as session:
            assert await prune_salts(session) == 2
    async with db.read() as session:
        days = list(await session.scalars(select(AnalyticsSalt.day).order_by(AnalyticsSalt.day)))
    assert days == [t(2 * 86400).date(), t(3 * 86400).date()]
    with clock_at(t(3 * 86400)):
        async with db.read() as session:
            assert await salts.salt_of(session, t(0).date()) != ""  # a new salt, not the old


async def test_no_raw_address_or_cookie_in_analytics_rows(db: Database, video: Any) -> None:
    from cosmostream.account.schemas import ClientInfo
    from cosmostream.engagement.service import viewer_key

    key = viewer_key(None, cookie=None, client=ClientInfo(ip="203.0.113.7", user_agent="Firefox"))
    cookie_key = viewer_key(None, cookie="k" * 22, client=ClientInfo())
    await play(db, video, START, 0, when=t(0), viewer=key)
    await play(db, video, START, 0, when=t(0), viewer=cookie_key)
    async with db.read() as session:
        rows = (await session.execute(select(ViewerSession))).scalars().all()
    for row in rows:
        values = " ".join(str(v) for v in row.__dict__.values())
        assert "203.0.113.7" not in values and "k" * 22 not in values
        assert key not in values and cookie_key not in values
        assert key[2:] not in values and cookie_key[2:] not in values


async def test_account_deletion_removes_the_viewers_rows(db: Database, video: Any) -> None:
    viewer = await make_user(db, name="Leaving Viewer")
    await watch(db, video, 0, 30, who=viewer)
    await watch(db, video, 0, 30, viewer="c:stays")
    assert len(await sessions_of(db)) == 2
    # No account deletion service exists yet: deleting the user row is the path.
    async with db.unit_of_work() as session:
        await session.execute(delete(User).where(User.id == viewer.id))
    async with db.read() as session:
        left = list(await session.scalars(select(ViewerSession.user_id)))
        ranges = await session.scalar(select(func.count()).select_from(WatchedRange))
    assert left == [None]
    assert ranges == 1  # the anonymous session's one range
