"""The demo analytics history: a year of raw viewing rows for the demo channels'
videos, once, the same every time, with the videos' counters agreeing."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import delete, func, select

from cosmostream import demo, worker
from cosmostream.account.demo import demo_users
from cosmostream.analytics import demo as analytics_demo
from cosmostream.analytics import tasks as analytics_tasks
from cosmostream.analytics.sessions import buckets_of
from cosmostream.db import Database
from cosmostream.kit.time import aware, utcnow
from cosmostream.models import (
    ChannelActivity,
    Video,
    VideoDailyStats,
    VideoHour,
    ViewerSession,
    WatchedRange,
)
from tests.factories import finish_processing, make_video, stopped_clock

# The short clips and one showcase clip; one short clip is left processing.
CLIPS = [*demo.CLIPS[:6], demo.SHOWCASE[0]]


async def _with_videos(db: Database) -> list[Any]:
    async with db.unit_of_work() as session:
        await demo.load_demo(session)
        users = await demo_users(session)
    videos = []
    for clip in CLIPS:
        video = await make_video(db, users[clip.creator], title=clip.title, duration=clip.seconds)
        videos.append(video)
    processing = demo.CLIPS[6]
    await make_video(db, users[processing.creator], title=processing.title, ready=False)
    now = utcnow()
    async with db.unit_of_work() as session:
        for clip, made in zip(CLIPS, videos, strict=True):
            video = await session.get(Video, made.id)
            assert video is not None
            # At least two days old: a video published in the last hours has
            # (rightly) no history yet when the test runs just after midnight UTC.
            video.published_at = now - timedelta(days=max(clip.age_days, 2), hours=1)
    return videos


async def _fingerprint(db: Database) -> tuple[list[Any], list[Any], list[Any]]:
    async with db.read() as session:
        sessions = (
            await session.execute(
                select(
                    ViewerSession.id,
                    ViewerSession.video_id,
                    ViewerSession.viewer,
                    ViewerSession.started_at,
                    ViewerSession.view_at,
                    ViewerSession.source,
                    ViewerSession.coverage,
                    ViewerSession.watched_seconds,
                ).order_by(ViewerSession.id)
            )
        ).all()
        ranges = (
            await session.execute(
                select(
                    WatchedRange.session_id,
                    WatchedRange.hour,
                    WatchedRange.start,
                    WatchedRange.end,
                    WatchedRange.seconds,
                    WatchedRange.rung,
                ).order_by(WatchedRange.session_id, WatchedRange.recorded_at)
            )
        ).all()
        activity = (
            await session.execute(
                select(
                    ChannelActivity.video_id, ChannelActivity.kind, ChannelActivity.delta
                ).order_by(ChannelActivity.id)
            )
        ).all()
    return [tuple(r) for r in sessions], [tuple(r) for r in ranges], [tuple(r) for r in activity]


async def test_a_year_of_history_once_and_the_same_every_time(db: Database) -> None:
    videos = await _with_videos(db)
    with stopped_clock():
        now = utcnow()
        async with db.read() as session:
            published = {
                v.id: (v.published_at, v.created_at) for v in await session.scalars(select(Video))
            }
        started = time.monotonic()
        async with db.unit_of_work() as session:
            made = await analytics_demo.load(session)
        elapsed = time.monotonic() - started
        first = await _fingerprint(db)
        sessions, ranges, _ = first
        assert made == len(sessions) > 1000
        print(f"demo history: {len(sessions)} sessions, {len(ranges)} ranges in {elapsed:.2f} s")

        async with db.read() as session:
            rows = list(await session.scalars(select(ViewerSession)))
            by_video = Counter(r.video_id for r in rows)
            # Every processed demo video, none still processing.
            assert set(by_video) == {v.id for v in videos}
            starts = [aware(r.started_at) for r in rows]
            assert min(starts) < now - timedelta(days=250) and max(starts) <= now
            # Both signed-in demo viewers and anonymous ones, sources and devices.
            assert {r.viewer[:2] for r in rows} == {"u:", "a:"}
            assert {r.source for r in rows} >= {"home", "search", "external", "direct"}
            assert {r.device for r in rows} == {"desktop", "mobile", "tablet", "tv"}
            assert any(r.watched_seconds > 1.2 * r.max_position for r in rows)  # rewatching
            # Retention: the first hundredth is watched far more than the middle.
            bits = Counter(i for r in rows for i, hit in enumerate(buckets_of(r.coverage)) if hit)
            assert bits[0] == len(rows) and bits[50] < 0.9 * bits[0]
            # … and rises again at the end of these short clips.
            assert bits[99] > bits[80]
            kinds = {(a.kind, a.delta) for a in await session.scalars(select(ChannelActivity))}
            assert {("like", 1), ("follow", 1), ("follow", -1), ("share", 1)} <= kinds
            # The counters are the generated views and watch time.
            for video in videos:
                fresh = await session.get(Video, video.id)
                assert fresh is not None
                views = await session.scalar(
                    select(func.count())
                    .select_from(ViewerSession)
                    .where(ViewerSession.video_id == video.id, ViewerSession.view_at.is_not(None))
                )
                watched = await session.scalar(
                    select(func.sum(WatchedRange.seconds)).where(WatchedRange.video_id == video.id)
                )
                daily_views, daily_watch = (
                    await session.execute(
                        select(
                            func.sum(VideoDailyStats.views), func.sum(VideoDailyStats.watch_seconds)
                        ).where(VideoDailyStats.video_id == video.id)
                    )
                ).one()
                assert fresh.view_count == views == daily_views > 0
                assert fresh.watch_seconds == pytest.approx(watched, rel=1e-6)
                assert daily_watch == pytest.approx(watched, rel=1e-6)

        # Loading again: nothing new.
        async with db.unit_of_work() as session:
            assert await analytics_demo.load(session) == 0
            await demo.load_demo(session)
        assert await _fingerprint(db) == first

        # The same videos at the same time: the same rows.
        async with db.unit_of_work() as session:
            await session.execute(delete(ChannelActivity))
            await session.execute(delete(ViewerSession))
            for video in await session.scalars(select(Video)):
                video.published_at, video.created_at = published[video.id]
        async with db.unit_of_work() as session:
            assert await analytics_demo.load(session) == made
        assert await _fingerprint(db) == first


async def test_the_history_is_rolled_up(db: Database) -> None:
    videos = await _with_videos(db)
    async with db.unit_of_work() as session:
        await analytics_demo.load(session)
    async with db.read() as session:
        for video in videos:
            fresh = await session.get(Video, video.id)
            assert fresh is not None
            views, watched = (
                await session.execute(
                    select(func.sum(VideoHour.views), func.sum(VideoHour.watch_seconds)).where(
                        VideoHour.video_id == video.id
                    )
                )
            ).one()
            assert views == fresh.view_count > 0
            assert watched == pytest.approx(fresh.watch_seconds, rel=1e-6)


async def test_the_job_adds_history_as_videos_are_processed(db: Database) -> None:
    """`cosmostream demo` queues it before the worker has processed the videos:
    it adds what is processed, and looks again later while some are not."""
    async with db.unit_of_work() as session:
        await demo.load_demo(session)
        users = await demo_users(session)
    first, second = demo.CLIPS[:2]
    ready = await make_video(db, users[first.creator], title=first.title, duration=first.seconds)
    later = await make_video(db, users[second.creator], title=second.title, ready=False)
    async with db.unit_of_work() as session:
        video = await session.get(Video, ready.id)
        assert video is not None
        video.published_at = utcnow() - timedelta(days=first.age_days)
    worker.huey.flush()
    job = analytics_tasks.add_demo_history
    titles = [first.title, second.title]

    assert await asyncio.to_thread(job.call_local, titles) > 0
    assert [(t.name, t.args) for t in worker.huey.pending()] == [(job.name, (titles, 2))]
    async with db.read() as session:
        have = set(await session.scalars(select(ViewerSession.video_id).distinct()))
    assert have == {ready.id}

    worker.huey.flush()
    async with db.unit_of_work() as session:
        video = await session.get(Video, later.id)
        assert video is not None
        await finish_processing(session, video, duration=second.seconds)
        video.published_at = utcnow() - timedelta(days=second.age_days)
    worker.huey.flush()  # the publication's notification
    assert await asyncio.to_thread(job.call_local, titles, 2) > 0
    assert worker.huey.pending() == []  # all processed: done
    async with db.read() as session:
        have = set(await session.scalars(select(ViewerSession.video_id).distinct()))
    assert have == {ready.id, later.id}
    # Nothing for a database without those videos: no looking again either.
    assert await asyncio.to_thread(job.call_local, ["No such video"]) == 0
    assert worker.huey.pending() == []
