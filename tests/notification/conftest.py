"""Helpers for the notification tests: follows and publications through the services."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select

from cosmostream.account.service import account_service
from cosmostream.db import Database
from cosmostream.models import Category, Notification, User
from cosmostream.notification.service import notification_service
from tests.core.test_realtime import server, sockets  # noqa: F401 - shared fixtures
from tests.factories import actor, make_video


async def follow(db: Database, follower: User, followee: User) -> None:
    async with db.unit_of_work() as session:
        await account_service.follow(session, actor(follower), followee.id)


async def fan_out(db: Database, video_id: uuid.UUID) -> int:
    """What the `notification.video_published` task does, run here and now."""
    async with db.unit_of_work() as session:
        return await notification_service.fan_out_video_published(session, video_id)


async def publish(db: Database, owner: User, **kwargs: Any) -> Any:
    """A video made ready and public, and its followers notified."""
    video = await make_video(db, owner, **kwargs)
    await fan_out(db, video.id)
    return video


async def notified(db: Database, video_id: uuid.UUID | None = None) -> list[tuple[uuid.UUID, Any]]:
    """(user id, video id) of every notification (of one video), in no particular order."""
    async with db.read() as session:
        stmt = select(Notification.user_id, Notification.video_id)
        if video_id is not None:
            stmt = stmt.where(Notification.video_id == video_id)
        return [(u, v) for u, v in await session.execute(stmt)]


async def make_category(db: Database, slug: str = "planets") -> None:
    async with db.unit_of_work() as session:
        if await session.scalar(select(Category).where(Category.slug == slug)) is None:
            session.add(Category(slug=slug, name=slug.title(), description="", icon="planet"))
