"""Who hears about a new video, how often, and when (first publication only)."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import select

from cosmostream import worker
from cosmostream.db import Database
from cosmostream.models import Notification, Role, User, Visibility
from cosmostream.notification import service as notification_module
from cosmostream.notification.service import notification_service
from cosmostream.video.schemas import VideoUpdate
from cosmostream.video.service import video_service
from tests.factories import actor, make_user, make_video, shift_time
from tests.notification.conftest import fan_out, follow, notified


def queued_fan_outs() -> list[str]:
    """Video ids of the `notification.video_published` tasks waiting in the real queue."""
    return [
        str(task.args[0])
        for task in worker.huey.pending()
        if task.name == "notification.video_published"
    ]


async def test_followers_only_are_notified_once(db: Database) -> None:
    creator = await make_user(db, role=Role.CREATOR, name="Vera Nebula")
    fans = [await make_user(db) for _ in range(3)]
    stranger = await make_user(db)
    other_creator = await make_user(db, role=Role.CREATOR)
    for fan in fans:
        await follow(db, fan, creator)
    await follow(db, stranger, other_creator)
    await follow(db, creator, other_creator)  # the creator follows someone else

    video = await make_video(db, creator, title="Saturn's rings from Cassini")
    assert await fan_out(db, video.id) == 3
    rows = await notified(db)
    assert sorted(u for u, _ in rows) == sorted(f.id for f in fans)
    assert {v for _, v in rows} == {video.id}

    # A retried or duplicated task creates nothing twice.
    assert await fan_out(db, video.id) == 0
    assert len(await notified(db)) == 3
    async with db.read() as session:
        kinds = set(await session.scalars(select(Notification.kind)))
        actors = set(await session.scalars(select(Notification.actor_id)))
    assert kinds == {"video_published"} and actors == {creator.id}


async def test_fan_out_goes_in_batches(db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(notification_module, "FAN_OUT_BATCH", 2)
    creator = await make_user(db, role=Role.CREATOR)
    fans = [await make_user(db) for _ in range(5)]
    for fan in fans:
        await follow(db, fan, creator)
    video = await make_video(db, creator)
    # Some followers already have theirs (a task that died half-way and was retried).
    async with db.unit_of_work() as session:
        session.add(
            Notification(user_id=fans[2].id, kind="video_published", actor_id=creator.id,
                         video_id=video.id)
        )  # fmt: skip
    assert await fan_out(db, video.id) == 4
    rows = await notified(db, video.id)
    assert sorted(u for u, _ in rows) == sorted(f.id for f in fans)


async def test_disabled_followers_are_skipped(db: Database) -> None:
    creator = await make_user(db, role=Role.CREATOR)
    fan, gone = await make_user(db), await make_user(db)
    await follow(db, fan, creator)
    await follow(db, gone, creator)
    async with db.unit_of_work() as session:
        user = await session.get(User, gone.id)
        assert user is not None
        user.disabled_at = user.created_at
    video = await make_video(db, creator)
    assert await fan_out(db, video.id) == 1
    assert [u for u, _ in await notified(db)] == [fan.id]


async def test_private_and_unlisted_uploads_notify_nobody(db: Database) -> None:
    creator = await make_user(db, role=Role.CREATOR)
    fan = await make_user(db)
    await follow(db, fan, creator)
    private = await make_video(db, creator, visibility="private")
    unlisted = await make_video(db, creator, visibility="unlisted")
    draft = await make_video(db, creator, ready=False)
    assert queued_fan_outs() == []
    for video in (private, unlisted, draft):
        # Even a stray task finds nothing to announce.
        assert await fan_out(db, video.id) == 0
    assert await notified(db) == []


async def test_publishing_later_notifies_once(db: Database) -> None:
    creator = await make_user(db, role=Role.CREATOR)
    fan = await make_user(db)
    await follow(db, fan, creator)
    video = await make_video(db, creator, visibility="private")
    assert queued_fan_outs() == []
    me = actor(creator)

    async def set_visibility(visibility: Visibility) -> None:
        async with db.unit_of_work() as session:
            await video_service.update(session, me, video.id, VideoUpdate(visibility=visibility))

    await set_visibility(Visibility.PUBLIC)
    assert queued_fan_outs() == [str(video.id)]
    # Hidden and shown again: it is not new any more.
    with shift_time(timedelta(hours=2)):
        await set_visibility(Visibility.PRIVATE)
        await set_visibility(Visibility.PUBLIC)
    assert queued_fan_outs() == [str(video.id)]
    assert await fan_out(db, video.id) == 1
    assert await fan_out(db, video.id) == 0
    assert await notified(db) == [(fan.id, video.id)]


async def test_video_hidden_before_the_task_runs_notifies_nobody(db: Database) -> None:
    creator = await make_user(db, role=Role.CREATOR)
    fan = await make_user(db)
    await follow(db, fan, creator)
    video = await make_video(db, creator)
    async with db.unit_of_work() as session:
        await video_service.update(
            session, actor(creator), video.id, VideoUpdate(visibility=Visibility.PRIVATE)
        )
    assert await fan_out(db, video.id) == 0
    assert await fan_out(db, uuid.uuid4()) == 0  # deleted meanwhile
    assert await notified(db) == []


async def test_the_queued_task_notifies_through_a_real_worker(
    db: Database, task_worker: object
) -> None:
    creator = await make_user(db, role=Role.CREATOR)
    fan = await make_user(db)
    await follow(db, fan, creator)
    video = await make_video(db, creator)
    for _ in range(400):  # up to 20 s for the worker to pick it up
        if await notified(db):
            break
        await asyncio.sleep(0.05)
    assert await notified(db) == [(fan.id, video.id)]
    assert queued_fan_outs() == []


async def test_prune_keeps_the_newest_per_user(db: Database) -> None:
    creator = await make_user(db, role=Role.CREATOR)
    busy, quiet = await make_user(db), await make_user(db)
    await follow(db, busy, creator)
    videos = []
    for hours in range(5):
        with shift_time(timedelta(hours=hours)):
            videos.append(await make_video(db, creator))
            await fan_out(db, videos[-1].id)
    await follow(db, quiet, creator)
    with shift_time(timedelta(hours=6)):
        last = await make_video(db, creator)
        await fan_out(db, last.id)
    async with db.unit_of_work() as session:
        assert await notification_service.prune(session, keep=3) == 3
    async with db.unit_of_work() as session:
        assert await notification_service.prune(session, keep=3) == 0
    rows = await notified(db)
    kept = {v for u, v in rows if u == busy.id}
    assert kept == {videos[3].id, videos[4].id, last.id}
    assert [v for u, v in rows if u == quiet.id] == [last.id]
