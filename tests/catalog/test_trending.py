"""Trending scores (the periodic task) and rising creators."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from cosmostream.catalog.service import catalog_service, trending_weights
from cosmostream.catalog.tasks import recompute_trending_task
from cosmostream.db import Database
from cosmostream.kit.time import utcnow
from cosmostream.models import Category, Follow, Role, Video, VideoDailyStats
from tests.catalog.conftest import set_video
from tests.factories import make_user, make_video


async def scores(db: Database) -> dict[str, float]:
    async with db.read() as session:
        rows = await session.execute(select(Video.title, Video.trending_score))
        return {title: float(score) for title, score in rows}


async def add_stats(db: Database, video: Video, days_ago: int, **values: float) -> None:
    async with db.unit_of_work() as session:
        day = utcnow().date() - timedelta(days=days_ago)
        session.add(VideoDailyStats(video_id=video.id, day=day, **values))


def test_weights_halve_every_two_days_over_fourteen_days() -> None:
    today = datetime(2026, 3, 14).date()
    weights = trending_weights(today)
    assert len(weights) == 14 and min(weights) == today - timedelta(days=13)
    assert weights[today] == 1.0
    assert weights[today - timedelta(days=2)] == pytest.approx(0.5)
    assert weights[today - timedelta(days=4)] == pytest.approx(0.25)


async def test_trending_task_scores_decayed_engagement(
    db: Database, categories: dict[str, Category]
) -> None:
    creator = await make_user(db, role=Role.CREATOR)
    old_hit = await make_video(db, creator, title="Old hit")
    fresh = await make_video(db, creator, title="Fresh")
    loved = await make_video(db, creator, title="Loved")
    watched = await make_video(db, creator, title="Watched")
    forgotten = await make_video(db, creator, title="Forgotten")
    quiet = await make_video(db, creator, title="Quiet")
    await add_stats(db, old_hit, 4, views=100)  # 100 * 0.25 = 25
    await add_stats(db, fresh, 0, views=20)  # 20
    await add_stats(db, loved, 0, likes=5)  # 5 * 4 = 20
    await add_stats(db, loved, 2, comments=2)  # 2 * 6 * 0.5 = 6
    await add_stats(db, watched, 0, watch_seconds=36000)  # 10 hours = 10
    await add_stats(db, forgotten, 14, views=1000)  # outside the window
    # Scores left from an earlier run must decay to zero once out of the window.
    await set_video(db, forgotten.id, trending_score=500.0)
    await set_video(db, quiet.id, trending_score=1.0)

    async with db.read() as session:
        edited = {v.id: v.updated_at for v in await session.scalars(select(Video))}

    await asyncio.to_thread(recompute_trending_task.call_local)

    got = await scores(db)
    # A new score is not an edit of the video.
    async with db.read() as session:
        assert {v.id: v.updated_at for v in await session.scalars(select(Video))} == edited
    assert got["Old hit"] == pytest.approx(25.0)
    assert got["Fresh"] == pytest.approx(20.0)
    assert got["Loved"] == pytest.approx(26.0)
    assert got["Watched"] == pytest.approx(10.0)
    assert got["Forgotten"] == 0.0 and got["Quiet"] == 0.0
    trending = [v.title for v in await _trending(db)]
    assert trending[:4] == ["Loved", "Old hit", "Fresh", "Watched"]

    # Idempotent: the same day gives the same scores.
    async with db.unit_of_work() as session:
        await catalog_service.recompute_trending(session)
    assert await scores(db) == got


async def test_scores_decay_as_days_pass(db: Database, categories: dict[str, Category]) -> None:
    creator = await make_user(db, role=Role.CREATOR)
    video = await make_video(db, creator, title="Once popular")
    await add_stats(db, video, 0, views=64)
    for days_later, expected in ((0, 64.0), (2, 32.0), (6, 8.0), (14, 0.0)):
        async with db.unit_of_work() as session:
            await catalog_service.recompute_trending(session, utcnow() + timedelta(days=days_later))
        assert (await scores(db))["Once popular"] == pytest.approx(expected), days_later


async def _trending(db: Database) -> list[Video]:
    async with db.read() as session:
        return await catalog_service.trending(session, 10)


async def test_rising_creators_rank_growth_and_new_followers(
    db: Database, categories: dict[str, Category]
) -> None:
    growing = await make_user(db, role=Role.CREATOR, name="Growing")
    big = await make_user(db, role=Role.CREATOR, name="Big but flat")
    followed = await make_user(db, role=Role.CREATOR, name="Newly followed")
    shrinking = await make_user(db, role=Role.CREATOR, name="Shrinking")
    hidden = await make_user(db, role=Role.CREATOR, name="Only private")
    viewer = await make_user(db, name="Just a viewer")
    fans = [await make_user(db) for _ in range(3)]

    g = await make_video(db, growing)
    b = await make_video(db, big)
    s = await make_video(db, shrinking)
    await make_video(db, followed)
    p = await make_video(db, hidden, visibility="private")
    await add_stats(db, g, 1, views=50)
    await add_stats(db, g, 9, views=10)  # +40
    await add_stats(db, b, 2, views=1000)
    await add_stats(db, b, 10, views=1000)  # flat: 0
    await add_stats(db, s, 3, views=5)
    await add_stats(db, s, 8, views=50)  # -45
    await add_stats(db, p, 0, views=10_000)  # private videos do not count
    now = utcnow()
    async with db.unit_of_work() as session:
        for fan in fans:
            session.add(Follow(follower_id=fan.id, followee_id=followed.id, created_at=now))
            # A viewer gaining followers is not a creator with videos to rank.
            session.add(Follow(follower_id=fan.id, followee_id=viewer.id, created_at=now))
        # Followers from long ago are not news.
        session.add(
            Follow(follower_id=viewer.id, followee_id=big.id, created_at=now - timedelta(days=30))
        )
    async with db.read() as session:
        # Nothing is ranked before the periodic task has run.
        assert await catalog_service.rising_creators(session) == []
    await asyncio.to_thread(recompute_trending_task.call_local)
    async with db.read() as session:
        rising = await catalog_service.rising_creators(session)
    assert [(r.user.display_name, r.score) for r in rising] == [
        ("Growing", 40),
        ("Newly followed", 30),
    ]
    assert rising[0].views_this_week == 50 and rising[0].views_last_week == 10
    assert rising[1].new_followers == 3 and rising[1].follower_count == 3
    async with db.read() as session:
        assert len(await catalog_service.rising_creators(session, first=1)) == 1
    # A creator disabled since the last run drops out at once.
    async with db.unit_of_work() as session:
        (await session.get(type(growing), growing.id)).disabled_at = utcnow()  # type: ignore[union-attr]
    async with db.read() as session:
        assert [r.user.display_name for r in await catalog_service.rising_creators(session)] == [
            "Newly followed"
        ]
