"""The creator's "Your channel" on /dashboard: who sees it, each figure, and a
fixed number of queries whatever the size of the channel."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, date, datetime, timedelta

import httpx
import pytest
from sqlalchemy import update

from cosmostream.account.service import account_service
from cosmostream.analytics.dashboard import (
    ChannelNotFound,
    CreatorDashboard,
    creator_dashboard_service,
    month_start,
)
from cosmostream.db import Database
from cosmostream.engagement.service import engagement_service
from cosmostream.errors import NotAuthenticated
from cosmostream.kit.time import utcnow
from cosmostream.models import CreatorRevenue, Role, User, Video, VideoHour, VideoStatus
from tests.factories import (
    actor,
    make_user,
    make_video,
    recorded_queries,
    selects,
    shift_time,
    sign_in,
    stopped_clock,
)

NOW = datetime(2026, 11, 20, 15, 30, tzinfo=UTC)


async def publish_at(db: Database, video_id: uuid.UUID, at: datetime) -> None:
    async with db.unit_of_work() as s:
        await s.execute(update(Video).where(Video.id == video_id).values(published_at=at))


async def hours(
    db: Database, owner: User, video_id: uuid.UUID, rows: list[tuple[datetime, int, float]]
) -> None:
    """VideoHour rows as the roll-up leaves them: (hour, views, watch seconds)."""
    async with db.unit_of_work() as s:
        for hour, views, seconds in rows:
            s.add(
                VideoHour(
                    video_id=video_id,
                    owner_id=owner.id,
                    hour=hour,
                    views=views,
                    sessions=views,
                    watch_seconds=seconds,
                )
            )


async def overview(db: Database, user: User, now: datetime = NOW) -> CreatorDashboard:
    async with db.read() as s:
        return await creator_dashboard_service.overview(s, actor(user), now=now)


# -- who sees it -------------------------------------------------------------


@pytest.fixture
async def people(db: Database) -> dict[str, User]:
    return {
        "viewer": await make_user(db, name="Ada Viewer"),
        "owner": await make_user(db, role=Role.CREATOR, name="Vera Nebula"),
        "other": await make_user(db, role=Role.CREATOR, name="Otto Other"),
        "admin": await make_user(db, role=Role.ADMIN, name="Alma Admin"),
    }


@pytest.mark.parametrize("who", ["anonymous", "viewer", "owner", "other", "admin"])
async def test_authorization_matrix(
    db: Database, client: httpx.AsyncClient, people: dict[str, User], who: str
) -> None:
    await make_video(db, people["owner"], title="Owner's galaxy")
    await make_video(db, people["other"], title="Other's comet")
    user = people.get(who)
    await sign_in(client, user)
    response = await client.get("/dashboard")
    if user is None:
        assert response.status_code == 303
        assert response.headers["location"].startswith("/login")
        return
    assert response.status_code == 200
    page = response.text
    if who == "viewer":
        assert "data-creator-dashboard" not in page
        assert "Your channel" not in page
    else:
        assert "data-creator-dashboard" in page
        # Each creator sees their own channel only.
        assert ("Owner&#39;s galaxy" in page) is (who == "owner")
        assert ("Other&#39;s comet" in page) is (who == "other")
        assert f'href="/profile/{user.id}"' in page


async def test_the_service_refuses_non_creators(db: Database, people: dict[str, User]) -> None:
    async with db.read() as s:
        with pytest.raises(NotAuthenticated):
            await creator_dashboard_service.overview(s, None)
        with pytest.raises(ChannelNotFound):
            await creator_dashboard_service.overview(s, actor(people["viewer"]))


# -- the latest video against the typical -----------------------------------


async def test_latest_video_against_the_median_of_earlier_ones_at_the_same_age(
    db: Database, people: dict[str, User]
) -> None:
    owner = people["owner"]
    day = timedelta(days=1)
    hour = timedelta(hours=1)
    # Three earlier videos (100 s long) and the latest (200 s), published 3 days ago.
    earlier = []
    for n, age in enumerate((40, 30, 20)):
        video = await make_video(db, owner, title=f"Earlier {n}", duration=100.0)
        published = NOW - age * day + timedelta(minutes=20)
        await publish_at(db, video.id, published)
        start = published.replace(minute=0)
        views = (10, 30, 20)[n]
        await hours(
            db,
            owner,
            video.id,
            [
                (start, views, views * 50.0),  # the hour it was published: counted
                (start + 2 * day, 1, 100.0),  # within its first three days
                (start + 3 * day + hour, 500, 9999.0),  # after them: not compared
            ],
        )
        earlier.append(video)
    latest = await make_video(db, owner, title="Latest", duration=200.0)
    await publish_at(db, latest.id, NOW - 3 * day)
    first = (NOW - 3 * day).replace(minute=0)
    await hours(db, owner, latest.id, [(first, 40, 4000.0), (NOW.replace(minute=0), 2, 0.0)])
    # A draft that was never published is not "the latest".
    await make_video(db, owner, title="Draft", ready=False)

    data = await overview(db, owner)
    got = data.latest
    assert got is not None
    assert got.video.id == latest.id
    assert got.span == 3 * day
    assert got.span_label == "first 3 days"
    assert got.compared_with == 3
    assert (got.performance.views, got.performance.watch_seconds) == (42, 4000.0)
    assert got.performance.average_percent == pytest.approx(100 * 4000 / 200 / 42)
    typical = got.typical
    assert typical is not None
    # Views 11, 31, 21 → 21; seconds 600, 1600, 1100 → 1100.
    assert (typical.views, typical.watch_seconds) == (21, 1100.0)
    # Per video: 100·600/100/11, 100·1600/100/31, 100·1100/100/21 → the median.
    assert typical.average_percent == pytest.approx(100 * 1100 / 100 / 21)


async def test_a_young_video_is_compared_over_its_life_so_far(
    db: Database, people: dict[str, User]
) -> None:
    owner = people["owner"]
    only = await make_video(db, owner, title="Fresh", duration=0.0)
    await publish_at(db, only.id, NOW - timedelta(hours=5, minutes=10))
    data = await overview(db, owner)
    assert data.latest is not None
    assert data.latest.span_label == "first 6 hours"
    assert data.latest.typical is None and data.latest.compared_with == 0
    # No views and no duration: no percentage rather than a division by zero.
    assert data.latest.performance.average_percent is None


# -- processing, comments, followers, revenue -------------------------------


async def test_videos_in_progress_and_recent_failures(
    db: Database, people: dict[str, User]
) -> None:
    owner = people["owner"]
    uploading = await make_video(db, owner, title="Uploading", ready=False)
    processing = await make_video(db, owner, title="Processing", ready=False)
    failed = await make_video(db, owner, title="Failed", ready=False)
    old_failure = await make_video(db, owner, title="Old failure", ready=False)
    await make_video(db, owner, title="Ready")
    await make_video(db, people["other"], title="Someone else's", ready=False)
    async with db.unit_of_work() as s:
        await s.execute(
            update(Video)
            .where(Video.id == processing.id)
            .values(status=VideoStatus.PROCESSING, processing_progress=0.5)
        )
        await s.execute(
            update(Video).where(Video.id == failed.id).values(status=VideoStatus.FAILED)
        )
        await s.execute(
            update(Video)
            .where(Video.id == old_failure.id)
            .values(status=VideoStatus.REJECTED, updated_at=utcnow() - timedelta(days=8))
        )
    data = await overview(db, owner, now=utcnow())
    assert {v.id for v in data.in_progress} == {uploading.id, processing.id, failed.id}


async def test_comments_waiting_for_an_answer(db: Database, people: dict[str, User]) -> None:
    owner, viewer, other = people["owner"], actor(people["viewer"]), actor(people["other"])
    video = await make_video(db, owner, title="Saturn")
    elsewhere = await make_video(db, people["other"], title="Not the owner's")
    with stopped_clock():
        async with db.unit_of_work() as s:
            answered = await engagement_service.add_comment(s, viewer, video.id, "Answered")
        with_step = timedelta(minutes=1)
        with shift_time(with_step):
            async with db.unit_of_work() as s:
                await engagement_service.add_comment(
                    s, actor(owner), video.id, "Thanks!", answered.comment.id
                )
                await engagement_service.add_comment(s, actor(owner), video.id, "My own note")
                await engagement_service.add_comment(s, other, elsewhere.id, "On another channel")
                waiting = await engagement_service.add_comment(s, other, video.id, "Waiting")
                gone = await engagement_service.add_comment(s, other, video.id, "Deleted")
        with shift_time(2 * with_step):
            async with db.unit_of_work() as s:
                # A follow-up after the owner's answer needs an answer again.
                follow_up = await engagement_service.add_comment(
                    s, viewer, video.id, "One more question", answered.comment.id
                )
                await engagement_service.delete_comment(s, other, gone.comment.id)
    data = await overview(db, owner, now=utcnow())
    assert [c.comment.id for c in data.comments] == [follow_up.comment.id, waiting.comment.id]
    assert data.comments[0].author.id == people["viewer"].id
    assert data.comments[0].video.id == video.id


async def test_followers_and_revenue_this_month(db: Database, people: dict[str, User]) -> None:
    owner = people["owner"]
    async with db.unit_of_work() as s:
        await account_service.follow(s, actor(people["viewer"]), owner.id)
        await account_service.follow(s, actor(people["other"]), owner.id)
        await account_service.follow(s, actor(people["viewer"]), people["other"].id)
        for day, amount, currency in (
            (date(2026, 10, 31), 999, "usd"),  # last month
            (date(2026, 11, 1), 150, "usd"),
            (date(2026, 11, 19), 275, "usd"),
            (date(2026, 11, 2), 500, "eur"),
        ):
            s.add(
                CreatorRevenue(
                    creator_id=owner.id,
                    day=day,
                    currency=currency,
                    premium_watch_seconds=1.0,
                    amount=amount,
                )
            )
        s.add(
            CreatorRevenue(
                creator_id=people["other"].id,
                day=date(2026, 11, 3),
                currency="usd",
                premium_watch_seconds=1.0,
                amount=10_000,
            )
        )
    data = await overview(db, owner)
    assert data.followers == 2
    assert data.month_start == date(2026, 11, 1)
    assert data.revenue == ["€5.00", "$4.25"]
    other = await overview(db, people["other"])
    assert (other.followers, other.revenue) == (1, ["$100.00"])


def test_the_month_starts_where_the_creator_lives() -> None:
    late = datetime(2026, 11, 30, 20, 0, tzinfo=UTC)
    assert month_start(late, "UTC") == date(2026, 11, 1)
    assert month_start(late, "Pacific/Kiritimati") == date(2026, 12, 1)  # UTC+14
    assert month_start(datetime(2026, 12, 1, 3, tzinfo=UTC), "America/New_York") == date(
        2026, 11, 1
    )


# -- query count --------------------------------------------------------------


async def test_dashboard_queries_do_not_grow_with_the_channel(
    db: Database, client: httpx.AsyncClient, people: dict[str, User]
) -> None:
    owner = people["owner"]
    await sign_in(client, owner)

    async def grow(n: int) -> None:
        for i in range(n):
            video = await make_video(db, owner, title=f"Video {i}")
            await hours(db, owner, video.id, [(NOW.replace(minute=0), 3, 30.0)])
            await make_video(db, owner, title=f"Draft {i}", ready=False)
            async with db.unit_of_work() as s:
                await engagement_service.add_comment(
                    s, actor(people["viewer"]), video.id, f"Comment {i}"
                )

    async def count() -> int:
        with recorded_queries(db) as statements:
            response = await client.get("/dashboard")
        assert response.status_code == 200
        assert "data-creator-dashboard" in response.text
        return len(selects(statements))

    await grow(1)
    small = await count()
    await grow(11)
    big = await count()
    page = (await client.get("/dashboard")).text
    assert len(re.findall(r"#comment-", page)) == 5
    assert big == small
    # "Your channel" itself is six queries: a viewer's dashboard has the rest.
    await sign_in(client, people["viewer"])
    with recorded_queries(db) as statements:
        assert "data-creator-dashboard" not in (await client.get("/dashboard")).text
    assert big - len(selects(statements)) == 6
