"""The demo catalogue: clips drawn on the spot, processed by the real pipeline,
with engagement whose counters add up; loading it twice creates nothing twice."""

from __future__ import annotations

import asyncio
import dataclasses
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from cosmostream import demo, demo_media, worker
from cosmostream.account.service import account_service
from cosmostream.analytics import demo as analytics_demo
from cosmostream.billing import organization_demo
from cosmostream.catalog import demo as catalog_demo
from cosmostream.config import Settings
from cosmostream.db import Database
from cosmostream.forum import demo as forum_demo
from cosmostream.kit.time import aware, utcnow
from cosmostream.media.probe import ProbeLimits, probe
from cosmostream.models import (
    ChatMessage,
    Comment,
    ForumCategory,
    Notification,
    Post,
    PostLike,
    StaffPick,
    Thread,
    User,
    Video,
    VideoDailyStats,
    VideoLike,
    VideoStatus,
    WatchHistory,
)
from cosmostream.storage import storage_from_settings
from tests.factories import make_video


def test_every_scene_draws_a_distinct_frame() -> None:
    canvas = demo_media.Canvas(160, 90, seed=3)
    frames = {}
    for name, draw in demo_media.SCENES.items():
        image = draw(0.3, canvas)
        assert image.mode == "RGB" and image.size == (160, 90), name
        lo, hi = zip(*image.getextrema(), strict=True)
        assert max(hi) - min(lo) > 60, f"{name} is flat"
        frames[name] = image.resize((16, 9)).tobytes()
    assert len(set(frames.values())) == len(frames)
    # Every demo clip uses a scene that exists, and no two clips look alike.
    scenes = [clip.scene for clip in demo.PLAN]
    assert set(scenes) <= set(demo_media.SCENES) and len(set(scenes)) == len(scenes)
    assert {clip.category for clip in demo.CLIPS} == {slug for slug, *_ in catalog_demo.CATEGORIES}
    assert {clip.creator for clip in demo.PLAN} == {demo.VERA, demo.CARL}
    assert all(3 <= clip.seconds <= 6 for clip in demo.CLIPS)


def test_the_plan_ends_with_long_1080p_and_4k_clips() -> None:
    """The quality menu, seek previews and adaptive streaming need big, long videos;
    the short ones come first so the site fills quickly."""
    assert demo.PLAN == demo.CLIPS + demo.SHOWCASE
    assert all(clip.size == (640, 360) for clip in demo.CLIPS)
    sizes = [clip.size for clip in demo.SHOWCASE]
    assert sizes.count((1920, 1080)) >= 1 and sizes.count((3840, 2160)) == 1
    assert all(20 <= clip.seconds <= 60 for clip in demo.SHOWCASE)


def test_a_clip_is_a_small_h264_aac_mp4(tmp_path: Path) -> None:
    path = demo_media.render_clip(tmp_path / "clip.mp4", "ringed_planet", seconds=3, seed=7)
    info = probe(path, ProbeLimits(max_bytes=50 << 20))
    assert (info.width, info.height) == demo_media.SIZE
    assert info.duration == pytest.approx(3.0, abs=0.2)
    assert info.video_codec == "h264"
    assert info.audio_codec == "aac"
    assert path.stat().st_size < 1 << 20


async def test_demo_videos_go_through_the_pipeline_once(
    db: Database, settings: Settings, task_worker: object
) -> None:
    async with db.unit_of_work() as session:
        await demo.load_demo(session)
    made = await demo.add_demo_videos(db, settings, 2)
    ids = made.ids
    assert len(ids) == 2 and made.showcase == []
    status = await demo.wait_for_processing(db, ids, timeout=120)
    assert set(status.values()) == {VideoStatus.READY}, status

    storage = storage_from_settings(settings)
    async with db.read() as session:
        videos = {v.title: v for v in await session.scalars(select(Video))}
        assert set(videos) == {c.title for c in demo.CLIPS[:2]}
        for clip in demo.CLIPS[:2]:
            video = videos[clip.title]
            assert video.listed and video.playable
            assert video.duration_seconds == pytest.approx(clip.seconds, abs=0.2)
            assert storage.exists(video.images["poster"]["card"])
            assert storage.exists(video.images["storyboard"])
            # Published in the past, as the catalogue's history says — or
            # further back once the analytics demo history has been added.
            assert video.published_at is not None
            age = utcnow() - video.published_at
            days = age.days + age.seconds / 86400
            moved = min(clip.age_days * analytics_demo.AGE_SCALE, analytics_demo.HISTORY_DAYS - 5)
            assert any(d - 1 < days <= d + 1 for d in (clip.age_days, moved)), days
            # Counters match the rows behind them.
            likes = await session.scalar(
                select(func.count()).select_from(VideoLike).where(VideoLike.video_id == video.id)
            )
            comments = await session.scalar(
                select(func.count()).select_from(Comment).where(Comment.video_id == video.id)
            )
            views, daily_likes, daily_comments = (
                await session.execute(
                    select(
                        func.sum(VideoDailyStats.views),
                        func.sum(VideoDailyStats.likes),
                        func.sum(VideoDailyStats.comments),
                    ).where(VideoDailyStats.video_id == video.id)
                )
            ).one()
            assert video.like_count == likes == daily_likes
            assert video.comment_count == comments == (daily_comments or 0)
            assert video.view_count == views > 0
            assert video.trending_score > 0
        saturn = videos[demo.CLIPS[0].title]
        ada = await session.scalar(select(User).where(User.email == demo.ADA))
        assert ada is not None
        history = await session.get(WatchHistory, (ada.id, saturn.id))
        assert history is not None and 0 < history.position < saturn.duration_seconds
        assert await session.get(StaffPick, saturn.id) is not None
        # A past publication: the follower's notification is there, already read,
        # and no task announced it as new.
        notes = list(await session.scalars(select(Notification)))
        assert {(n.user_id, n.video_id) for n in notes} == {(ada.id, v.id) for v in videos.values()}
        assert all(n.read_at is not None for n in notes)

    # Twice: nothing new.
    assert await demo.add_demo_videos(db, settings, 2) == demo.DemoVideos([], [])
    async with db.unit_of_work() as session:
        assert await demo.load_demo(session) == []
    async with db.read() as session:
        assert await session.scalar(select(func.count()).select_from(Video)) == 2
        # The four demo accounts, and the demo college's dean and students.
        college = 1 + len(organization_demo.STUDENTS)
        assert await session.scalar(select(func.count()).select_from(User)) == 4 + college


async def test_no_videos_when_asked_for_none(db: Database, settings: Settings) -> None:
    async with db.unit_of_work() as session:
        created = await demo.load_demo(session)
    assert [a.email for a in created] == [a.email for a in demo.ACCOUNTS]
    assert await demo.add_demo_videos(db, settings, 0) == demo.DemoVideos([], [])
    async with db.read() as session:
        assert await session.scalar(select(func.count()).select_from(Video)) == 0


async def test_the_demo_viewer_starts_with_her_favourite_topics(db: Database) -> None:
    for _ in range(2):
        async with db.unit_of_work() as session:
            await demo.load_demo(session)
    async with db.read() as session:
        ada = await session.scalar(select(User).where(User.email == demo.ADA))
        assert ada is not None
        topics = await account_service.favourite_category_slugs(session, ada.id)
    assert topics == set(catalog_demo.ADA_TOPICS)


async def test_demo_forum_threads_are_made_once(db: Database, client: httpx.AsyncClient) -> None:
    async with db.unit_of_work() as session:
        await demo.load_demo(session)
    async with db.read() as session:
        slugs = [c.slug for c in await session.scalars(select(ForumCategory))]
        threads = {t.title: t for t in await session.scalars(select(Thread))}
        posts = list(await session.scalars(select(Post)))
        likes = list(await session.scalars(select(PostLike)))
        chats = list(await session.scalars(select(ChatMessage)))
    assert sorted(slugs) == sorted(slug for slug, *_ in forum_demo.FORUM_CATEGORIES)
    assert set(threads) == {t.title for t in forum_demo.THREADS}
    assert [t.title for t in threads.values() if t.pinned] == [forum_demo.THREADS[0].title]
    assert len([t for t in threads.values() if t.locked]) == 1
    assert len({m.thread_id for m in chats}) == 2
    now = utcnow()
    for thread in threads.values():
        mine = sorted((p for p in posts if p.thread_id == thread.id), key=lambda p: p.created_at)
        # Counters match the rows; the past is in the past, in order.
        assert thread.reply_count == len(mine) - 1 >= 2
        assert mine[0].opening and aware(thread.created_at) == aware(mine[0].created_at)
        assert aware(thread.last_activity_at) == aware(mine[-1].created_at) < now
        for post in mine:
            assert post.like_count == sum(1 for like in likes if like.post_id == post.id)
    assert all(aware(m.created_at) < now for m in chats)

    page = await client.get("/forums")
    assert page.status_code == 200
    assert "Welcome to the CosmoStream forums" in page.text and "Telescopes &amp; gear" in page.text
    welcome = next(t for t in threads.values() if t.pinned)
    page = await client.get(f"/forums/{welcome.id}")
    assert page.status_code == 200 and page.text.count("data-message-id=") == 3

    # Twice: nothing new.
    async with db.unit_of_work() as session:
        assert await demo.load_demo(session) == []
        assert await forum_demo.load_demo_forum(session) == 0
    async with db.read() as session:
        for model, expected in (
            (ForumCategory, len(slugs)),
            (Thread, len(threads)),
            (Post, len(posts)),
            (PostLike, len(likes)),
            (ChatMessage, len(chats)),
        ):
            assert await session.scalar(select(func.count()).select_from(model)) == expected


async def test_showcase_clips_are_queued_after_the_short_ones(
    db: Database, settings: Settings
) -> None:
    """No worker runs: the queue shows the order. The big clips are drawn by the
    worker, after the short videos' processing, so nothing big is drawn here."""
    async with db.unit_of_work() as session:
        await demo.load_demo(session)
        users = await demo.demo_users(session)
    # The catalogue is there but for the last two short clips (factories: no drawing).
    for clip in demo.CLIPS[:-2]:
        await make_video(db, users[clip.creator], title=clip.title)
    worker.huey.flush()  # their followers' notifications
    made = await demo.add_demo_videos(db, settings)
    assert made.showcase == [clip.title for clip in demo.SHOWCASE]
    queue = [(task.name, task.args) for task in worker.huey.pending()]
    assert queue == [
        *[("video.process", (str(video_id),)) for video_id in made.ids],
        *[("demo.showcase", (title,)) for title in made.showcase],
        # Then the analytics history, once they are processed.
        ("analytics.demo_history", ([c.title for c in demo.CLIPS[-2:] + demo.SHOWCASE],)),
    ]
    assert len(made.ids) == 2


async def test_a_showcase_job_draws_its_clip_and_queues_its_processing(
    db: Database, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The job as the worker runs it, on a small stand-in for the 4K clip.
    small = dataclasses.replace(demo.SHOWCASE[-1], seconds=1, size=(160, 90))
    monkeypatch.setattr(demo, "SHOWCASE", [small])
    monkeypatch.setattr(demo, "PLAN", [*demo.CLIPS, small])
    async with db.unit_of_work() as session:
        await demo.load_demo(session)
    assert await asyncio.to_thread(demo.add_showcase_video.call_local, small.title) == "queued"
    async with db.read() as session:
        video = await session.scalar(select(Video).where(Video.title == small.title))
    assert video is not None and video.status is VideoStatus.PROCESSING
    info = probe(settings.media_dir / str(video.source_key))
    assert (info.width, info.height) == (160, 90)
    assert [task.name for task in worker.huey.pending()] == ["video.process"]
    # Run again (a duplicate from a second `demo`): nothing new.
    assert await asyncio.to_thread(demo.add_showcase_video.call_local, small.title) == "skipped"
