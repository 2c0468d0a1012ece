"""Following launches and the one "lift-off soon" notification before NET."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select, update

from cosmostream.bus import bus
from cosmostream.db import Database
from cosmostream.kit.time import utcnow
from cosmostream.launch.errors import LaunchNotFound
from cosmostream.launch.service import launch_service
from cosmostream.models import Launch, Notification
from cosmostream.notification.service import notification_service
from tests.factories import actor, make_user, shift_time
from tests.launch.helpers import CREW_13, STARLINK

pytestmark = pytest.mark.usefixtures("synced")


@pytest.fixture
def events(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, Any, str]]:
    sent: list[tuple[str, Any, str]] = []

    def emit(event: str, data: Any, room: str) -> None:
        sent.append((event, data, room))

    monkeypatch.setattr(bus, "emit", emit)
    return sent


async def notify(db: Database) -> int:
    async with db.unit_of_work() as session:
        return await launch_service.notify_due(session, 60)


async def test_follow_is_idempotent_and_unfollow_removes_it(db: Database) -> None:
    user = await make_user(db)
    for _ in range(2):
        async with db.unit_of_work() as session:
            await launch_service.follow(session, actor(user), uuid.UUID(STARLINK))
    async with db.read() as session:
        [first, *_] = await launch_service.upcoming(session, 10, actor(user))
        assert first.launch.id == uuid.UUID(STARLINK) and first.followed
    async with db.unit_of_work() as session:
        await launch_service.unfollow(session, actor(user), uuid.UUID(STARLINK))
    async with db.read() as session:
        assert not (await launch_service.launch(session, uuid.UUID(STARLINK), actor(user))).followed
    with pytest.raises(LaunchNotFound):
        async with db.unit_of_work() as session:
            await launch_service.follow(session, actor(user), uuid.uuid4())


async def test_followers_are_notified_once_an_hour_before_lift_off(
    db: Database, events: list[tuple[str, Any, str]]
) -> None:
    follower, other, bystander = await make_user(db), await make_user(db), await make_user(db)
    async with db.unit_of_work() as session:
        for user in (follower, other):
            await launch_service.follow(session, actor(user), uuid.UUID(STARLINK))
        await launch_service.follow(session, actor(follower), uuid.UUID(CREW_13))
    # Three hours before NET: too early.
    assert await notify(db) == 0
    with shift_time(timedelta(hours=2, minutes=5)):
        assert await notify(db) == 2
        assert await notify(db) == 0  # once
    with shift_time(timedelta(hours=2, minutes=30)):
        assert await notify(db) == 0
    async with db.read() as session:
        rows = list(await session.scalars(select(Notification)))
    assert sorted(n.user_id for n in rows) == sorted([follower.id, other.id])
    assert {(n.kind, n.launch_id) for n in rows} == {("launch_soon", uuid.UUID(STARLINK))}
    assert sorted(room for _, _, room in events) == sorted(
        [f"user:{follower.id}", f"user:{other.id}"]
    )
    event, data, _ = events[0]
    assert event == "notification.new"
    assert data["kind"] == "LAUNCH_SOON" and data["url"] == f"/launches/{STARLINK}"
    assert "Starlink Group 12-7" in data["text"] and data["unreadCount"] == 1
    async with db.read() as session:
        page = await notification_service.list_for(session, actor(follower))
    [item] = page.items
    assert item.url == f"/launches/{STARLINK}" and "lifts off soon" in item.text
    assert bystander.id not in {n.user_id for n in rows}


async def test_a_launch_that_already_lifted_off_is_not_announced(db: Database) -> None:
    user = await make_user(db)
    async with db.unit_of_work() as session:
        await launch_service.follow(session, actor(user), uuid.UUID(STARLINK))
        await session.execute(
            update(Launch)
            .where(Launch.id == uuid.UUID(STARLINK))
            .values(net=utcnow() - timedelta(minutes=1))
        )
    assert await notify(db) == 0


async def test_disabled_users_are_not_notified(db: Database) -> None:
    from cosmostream.models import User

    user = await make_user(db)
    async with db.unit_of_work() as session:
        await launch_service.follow(session, actor(user), uuid.UUID(STARLINK))
        await session.execute(update(User).where(User.id == user.id).values(disabled_at=utcnow()))
    with shift_time(timedelta(hours=2, minutes=30)):
        assert await notify(db) == 0


async def test_the_notification_page_links_to_the_launch(app: Any, db: Database) -> None:
    import httpx

    from tests.catalog.conftest import browser_login

    user = await make_user(db)
    async with db.unit_of_work() as session:
        await launch_service.follow(session, actor(user), uuid.UUID(STARLINK))
    with shift_time(timedelta(hours=2, minutes=30)):
        assert await notify(db) == 1
    transport = httpx.ASGITransport(app=app, client=("203.0.113.9", 50001))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        await browser_login(c, user)
        html = (await c.get("/notifications")).text
    assert f'<a href="/launches/{STARLINK}">' in html
    assert "Starlink Group 12-7" in html and "lifts off soon" in html
