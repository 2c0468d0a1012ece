"""Playback events: watch time measured by the server, the view rules, history.

Time is moved with the application clock (`shift_time`), so each event below
happens at a known number of seconds after the first one.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from cosmostream.account.schemas import ClientInfo
from cosmostream.db import Database
from cosmostream.engagement.schemas import PlaybackEventKind, PlaybackResult
from cosmostream.engagement.service import engagement_service, viewer_key
from cosmostream.kit.time import utcnow
from cosmostream.models import PlaybackEvent, PlaybackState, Video, VideoDailyStats, WatchHistory
from tests.engagement.conftest import ROLES, Cast, error_code
from tests.factories import actor, make_video, shift_time, stopped_clock

START, HEARTBEAT, PAUSE, SEEK, END = (
    PlaybackEventKind.START,
    PlaybackEventKind.HEARTBEAT,
    PlaybackEventKind.PAUSE,
    PlaybackEventKind.SEEK,
    PlaybackEventKind.END,
)
RECORD = """
mutation($id: ID!, $position: Float!, $event: PlaybackEvent!) {
  recordPlayback(videoId: $id, position: $position, event: $event) {
    recorded countedView watchedSeconds viewCount
  }
}"""


@pytest.fixture(autouse=True)
def _stopped_clock() -> Iterator[None]:
    """Only `shift_time` moves the clock here, so a slow machine adds no watch time."""
    with stopped_clock():
        yield


@contextmanager
def at(seconds: float) -> Iterator[None]:
    with shift_time(timedelta(seconds=seconds)):
        yield


async def play(
    db: Database,
    video: Any,
    event: PlaybackEventKind,
    position: float = 0.0,
    *,
    when: float,
    viewer: str = "c:test-viewer",
    who: Any = None,
) -> PlaybackResult:
    """One event `when` seconds after the test's time zero, as `who` (a User) or `viewer`."""
    as_actor = actor(who) if who is not None else None
    key = f"u:{who.id}" if who is not None else viewer
    with at(when):
        async with db.unit_of_work() as session:
            return await engagement_service.record_playback(
                session, as_actor, key, video.id, position, event
            )


async def video_row(db: Database, video_id: uuid.UUID) -> Video:
    async with db.read() as session:
        video = await session.get(Video, video_id)
        assert video is not None
        return video


async def daily(db: Database, video_id: uuid.UUID) -> VideoDailyStats | None:
    async with db.read() as session:
        return await session.get(VideoDailyStats, (video_id, utcnow().date()))


async def raw_events(db: Database, video_id: uuid.UUID) -> list[PlaybackEvent]:
    async with db.read() as session:
        return list(
            await session.scalars(
                select(PlaybackEvent)
                .where(PlaybackEvent.video_id == video_id)
                .order_by(PlaybackEvent.created_at)
            )
        )


async def test_a_view_counts_after_thirty_seconds_of_playing(cast: Cast) -> None:
    video = cast.public  # 120 s: not a short video, so the 30 s rule applies
    first = await play(cast.db, video, START, 0, when=0)
    assert first == PlaybackResult(
        recorded=True, counted_view=False, watched_seconds=0.0, view_count=0
    )
    for second in (10, 20):
        assert not (await play(cast.db, video, HEARTBEAT, second, when=second)).counted_view
    nine = await play(cast.db, video, HEARTBEAT, 29, when=29)
    assert not nine.counted_view
    assert 9 <= nine.watched_seconds < 9.5
    thirty = await play(cast.db, video, HEARTBEAT, 30.5, when=30.5)
    assert thirty.counted_view and thirty.view_count == 1
    row = await video_row(cast.db, video.id)
    assert row.view_count == 1
    assert 30.5 <= row.watch_seconds < 31.5
    stats = await daily(cast.db, video.id)
    assert stats is not None and stats.views == 1 and 30.5 <= stats.watch_seconds < 31.5
    events = await raw_events(cast.db, video.id)
    assert [e.event for e in events] == ["start"] + ["heartbeat"] * 4
    assert [e.viewer_key for e in events] == ["c:test-viewer"] * 5


async def test_a_short_video_counts_at_half_its_duration(cast: Cast) -> None:
    short = await make_video(cast.db, cast.owner, title="Meteor in 20 s", duration=20.0)
    await play(cast.db, short, START, 0, when=0)
    early = await play(cast.db, short, HEARTBEAT, 9, when=9)
    assert not early.counted_view
    enough = await play(cast.db, short, HEARTBEAT, 10.5, when=10.5)  # half of 20 s = 10 s
    assert enough.counted_view and enough.view_count == 1


async def test_one_view_per_viewer_session(cast: Cast) -> None:
    video = cast.public
    await play(cast.db, video, START, 0, when=0)
    for second in (10, 20):
        await play(cast.db, video, HEARTBEAT, second, when=second)
    assert (await play(cast.db, video, HEARTBEAT, 30, when=30.5)).counted_view
    for second in (40, 50, 60, 70):
        result = await play(cast.db, video, HEARTBEAT, second, when=second + 0.5)
        assert not result.counted_view
    # Another viewer counts on their own.
    await play(cast.db, video, START, 0, when=61, viewer="c:someone-else")
    for second in (10, 20):
        await play(cast.db, video, HEARTBEAT, second, when=61 + second, viewer="c:someone-else")
    assert (
        await play(cast.db, video, HEARTBEAT, 31, when=92, viewer="c:someone-else")
    ).counted_view

    # A reload 20 min later carries the session on: no second view.
    reload = 20 * 60.0
    await play(cast.db, video, START, 0, when=reload)
    for second in (10, 20, 31):
        assert not (
            await play(cast.db, video, HEARTBEAT, second, when=reload + second)
        ).counted_view
    # After 30 min without events, a new session counts again; the time
    # watched in the last one does not carry over.
    later = reload + 31 + 30 * 60.0
    await play(cast.db, video, START, 0, when=later)
    again = await play(cast.db, video, HEARTBEAT, 10, when=later + 10)
    assert not again.counted_view
    for second in (20, 29):
        assert not (await play(cast.db, video, HEARTBEAT, second, when=later + second)).counted_view
    again = await play(cast.db, video, HEARTBEAT, 31, when=later + 31)
    assert again.counted_view and again.view_count == 3
    assert (await video_row(cast.db, video.id)).view_count == 3


async def test_claimed_time_is_capped_by_wall_time(cast: Cast) -> None:
    video = cast.public
    await play(cast.db, video, START, 0, when=0)
    # The client claims to be 100 s in after 2 s of real time: 2 s are credited.
    claim = await play(cast.db, video, HEARTBEAT, 100, when=2)
    assert 2 <= claim.watched_seconds < 2.5 and not claim.counted_view
    # A silent minute earns at most one and a half heartbeat intervals.
    late = await play(cast.db, video, HEARTBEAT, 160, when=62)
    assert late.watched_seconds == 15.0
    row = await video_row(cast.db, video.id)
    assert 17 <= row.watch_seconds < 18


async def test_a_flood_of_events_cannot_claim_more_or_write_more(cast: Cast) -> None:
    video = cast.public
    await play(cast.db, video, START, 0, when=0)
    # Fifty heartbeats within a tenth of a second each.
    results = [await play(cast.db, video, HEARTBEAT, 50, when=0.002 * i) for i in range(1, 51)]
    assert not any(r.recorded for r in results)
    assert not any(r.counted_view for r in results)
    assert sum(r.watched_seconds for r in results) < 1.0
    assert len(await raw_events(cast.db, video.id)) == 1


async def test_pause_seek_and_end_stop_the_clock(cast: Cast) -> None:
    video = cast.public
    await play(cast.db, video, START, 0, when=0)
    assert 4 <= (await play(cast.db, video, PAUSE, 4, when=4)).watched_seconds < 4.5
    # Paused for a minute: the next event earns nothing for that time.
    assert (await play(cast.db, video, START, 4, when=64)).watched_seconds == 0
    assert 3 <= (await play(cast.db, video, SEEK, 90, when=67)).watched_seconds < 3.5
    # Seeking stopped the clock until the player says it plays again.
    assert (await play(cast.db, video, HEARTBEAT, 91, when=70)).watched_seconds == 0
    ended = await play(cast.db, video, END, 120, when=73)
    # 4 + 3 + 3 = 10 s: short of the 30 s of a view.
    assert 3 <= ended.watched_seconds < 3.5 and not ended.counted_view
    assert (await play(cast.db, video, HEARTBEAT, 120, when=90)).watched_seconds == 0


async def test_positions_are_clamped_to_the_video(cast: Cast) -> None:
    video = cast.public
    await play(cast.db, video, START, -30, when=0, who=cast.viewer)
    await play(cast.db, video, PAUSE, 9999, when=2, who=cast.viewer)
    events = await raw_events(cast.db, video.id)
    assert [e.position for e in events] == [0.0, 120.0]
    async with cast.db.read() as session:
        state = await session.get(PlaybackState, (video.id, f"u:{cast.viewer.id}"))
        entry = await session.get(WatchHistory, (cast.viewer.id, video.id))
    assert state is not None and state.last_position == 120.0
    assert entry is not None and entry.position == 120.0 and entry.completed


async def test_history_keeps_position_time_and_completion(cast: Cast) -> None:
    video = cast.public
    await play(cast.db, video, START, 30, when=0, who=cast.viewer)
    await play(cast.db, video, HEARTBEAT, 40, when=10, who=cast.viewer)
    await play(cast.db, video, PAUSE, 43, when=13, who=cast.viewer)
    async with cast.db.read() as session:
        entry = await session.get(WatchHistory, (cast.viewer.id, video.id))
    assert entry is not None
    assert entry.position == 43 and not entry.completed
    assert 13 <= entry.watched_seconds < 13.5
    events = await raw_events(cast.db, video.id)
    assert {e.user_id for e in events} == {cast.viewer.id}

    await play(cast.db, video, START, 100, when=20, who=cast.viewer)
    await play(cast.db, video, END, 120, when=40, who=cast.viewer)
    async with cast.db.read() as session:
        entry = await session.get(WatchHistory, (cast.viewer.id, video.id))
    assert entry is not None and entry.completed and entry.position == 120


async def test_paused_history_records_nothing_but_views_still_count(cast: Cast) -> None:
    set_paused = "mutation($p: Boolean!) { setHistoryPaused(paused: $p) { historyPaused } }"
    body = await cast.gql("viewer", set_paused, {"p": True})
    assert body["data"]["setHistoryPaused"] == {"historyPaused": True}
    video = {"id": str(cast.public.id)}
    with at(0):
        await cast.gql("viewer", RECORD, {**video, "position": 0, "event": "START"})
    for second in (10, 20, 31):
        with at(second):
            result = await cast.gql(
                "viewer", RECORD, {**video, "position": second, "event": "HEARTBEAT"}
            )
    assert result["data"]["recordPlayback"]["countedView"] is True
    async with cast.db.read() as session:
        assert await session.scalar(select(func.count()).select_from(WatchHistory)) == 0
    me = await cast.gql("viewer", "{ me { historyPaused history { nodes { position } } } }")
    assert me["data"]["me"] == {"historyPaused": True, "history": {"nodes": []}}

    await cast.gql("viewer", set_paused, {"p": False})
    with at(40):
        await cast.gql("viewer", RECORD, {**video, "position": 40, "event": "PAUSE"})
    me = await cast.gql("viewer", "{ me { historyPaused history { nodes { position } } } }")
    assert me["data"]["me"] == {"historyPaused": False, "history": {"nodes": [{"position": 40.0}]}}


async def test_anonymous_viewers_are_told_apart_by_their_cookie(cast: Cast) -> None:
    video = {"id": str(cast.public.id)}

    async def watch(cookie: str | None, offset: float) -> Any:
        cast.client.cookies.clear()
        if cookie:
            cast.client.cookies.set("cs_viewer", cookie)
        with at(offset):
            await cast.gql("anonymous", RECORD, {**video, "position": 0, "event": "START"})
        for second in (10, 20, 31):
            with at(offset + second):
                body = await cast.gql(
                    "anonymous", RECORD, {**video, "position": second, "event": "HEARTBEAT"}
                )
        return body["data"]["recordPlayback"]

    first = "a" * 22
    assert (await watch(first, 0))["countedView"] is True
    assert (await watch(first, 40))["countedView"] is False  # the same browser, same session
    assert (await watch("b" * 22, 80))["countedView"] is True
    # Without a cookie the viewer is the IP address and user agent.
    assert (await watch(None, 120))["countedView"] is True
    assert (await watch(None, 160))["countedView"] is False
    assert (await video_row(cast.db, cast.public.id)).view_count == 3
    async with cast.db.read() as session:
        keys = set(await session.scalars(select(PlaybackEvent.viewer_key)))
    assert len(keys) == 3
    assert not any(first in k or "203.0.113.7" in k for k in keys)  # only hashes are kept


def test_viewer_keys() -> None:
    client = ClientInfo(ip="203.0.113.7", user_agent="Firefox")
    other_ua = ClientInfo(ip="203.0.113.7", user_agent="Chrome")
    assert viewer_key(None, cookie="x" * 22, client=client) == viewer_key(
        None, cookie="x" * 22, client=other_ua
    )
    assert viewer_key(None, cookie=None, client=client) != viewer_key(
        None, cookie=None, client=other_ua
    )
    # Junk that is not one of our cookies falls back to the address.
    assert viewer_key(None, cookie="short", client=client) == viewer_key(
        None, cookie=None, client=client
    )
    assert all(len(viewer_key(None, cookie=c, client=client)) <= 64 for c in (None, "y" * 128))


@pytest.mark.parametrize("who", ROLES)
async def test_record_playback_authorization(cast: Cast, who: str) -> None:
    variables = {"position": 0, "event": "START"}
    public = await cast.gql(who, RECORD, {"id": str(cast.public.id), **variables})
    assert error_code(public) is None and public["data"]["recordPlayback"]["recorded"]
    private = await cast.gql(who, RECORD, {"id": str(cast.private.id), **variables})
    if who in ("owner", "admin"):
        assert error_code(private) is None
    else:
        assert error_code(private) == "video_not_found"
    async with cast.db.read() as session:
        private_events = await session.scalar(
            select(func.count())
            .select_from(PlaybackEvent)
            .where(PlaybackEvent.video_id == cast.private.id)
        )
    assert private_events == (1 if who in ("owner", "admin") else 0)


async def test_concurrent_first_events_share_one_state(cast: Cast) -> None:
    video = cast.public
    await asyncio.gather(
        *(play(cast.db, video, START, 0, when=0, viewer="c:racer") for _ in range(5))
    )
    async with cast.db.read() as session:
        states = await session.scalar(select(func.count()).select_from(PlaybackState))
    assert states == 1


async def test_stale_playback_states_are_pruned(cast: Cast) -> None:
    await play(cast.db, cast.public, START, 0, when=0, viewer="c:old")
    await play(cast.db, cast.public, START, 0, when=3 * 86400, viewer="c:new")
    with at(3 * 86400):
        async with cast.db.unit_of_work() as session:
            assert await engagement_service.prune_playback_states(session) == 1
    async with cast.db.read() as session:
        keys = list(await session.scalars(select(PlaybackState.viewer_key)))
    assert keys == ["c:new"]
    assert len(await raw_events(cast.db, cast.public.id)) == 2  # raw events stay
