"""Listings: only listed videos, filters, sorts, keyset cursors and their query plans."""

from __future__ import annotations

import base64
import json
import re
import uuid
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import event, update

from cosmostream.catalog.repository import Listing, catalog_repository
from cosmostream.catalog.schemas import DurationBand, UploadDate, VideoFilter, VideoPage, VideoSort
from cosmostream.catalog.service import catalog_service
from cosmostream.db import Database
from cosmostream.errors import ValidationFailed
from cosmostream.kit.pagination import BadCursor, encode_cursor
from cosmostream.kit.time import utcnow
from cosmostream.models import Category, Follow, Role, Video
from tests.catalog.conftest import set_video
from tests.factories import make_user, make_video


async def listing(
    db: Database,
    filter: VideoFilter | None = None,
    sort: VideoSort = VideoSort.NEWEST,
    first: int = 24,
    after: str | None = None,
) -> VideoPage:
    async with db.read() as session:
        return await catalog_service.list_videos(session, filter, sort, first, after)


def titles(page: VideoPage) -> list[str]:
    return [v.title for v in page.videos]


async def walk(db: Database, sort: VideoSort, first: int, **kw: Any) -> list[uuid.UUID]:
    """Every id of a listing, page by page through the cursors."""
    seen: list[uuid.UUID] = []
    after = None
    for _ in range(100):
        page = await listing(db, VideoFilter(**kw), sort, first, after)
        seen += [v.id for v in page.videos]
        if not page.has_next:
            return seen
        after = page.end_cursor
    raise AssertionError("pagination did not end")


async def test_only_listed_videos_appear_in_every_sort(
    db: Database, categories: dict[str, Category]
) -> None:
    creator = await make_user(db, role=Role.CREATOR)
    other = await make_user(db, role=Role.CREATOR)
    await make_video(db, creator, title="Public", category="planets")
    await make_video(db, creator, title="Unlisted", visibility="unlisted", category="planets")
    await make_video(db, creator, title="Private", visibility="private", category="planets")
    await make_video(db, creator, title="Processing", ready=False, category="planets")
    await make_video(db, other, title="Other's draft", ready=False, category="planets")
    await make_video(db, other, title="Other's private", visibility="private")
    for sort in VideoSort:
        assert titles(await listing(db, sort=sort)) == ["Public"], sort
        assert titles(await listing(db, VideoFilter(category="planets"), sort)) == ["Public"]
        assert titles(await listing(db, VideoFilter(owner_ids=(creator.id,)), sort)) == ["Public"]


async def test_a_video_made_private_leaves_the_listing(
    db: Database, categories: dict[str, Category]
) -> None:
    from cosmostream.models import Visibility
    from cosmostream.video.schemas import VideoUpdate
    from cosmostream.video.service import video_service
    from tests.factories import actor

    creator = await make_user(db, role=Role.CREATOR)
    video = await make_video(db, creator, title="Soon private")
    assert titles(await listing(db)) == ["Soon private"]
    async with db.unit_of_work() as session:
        await video_service.update(
            session, actor(creator), video.id, VideoUpdate(visibility=Visibility.PRIVATE)
        )
    assert titles(await listing(db)) == []


async def test_filters(db: Database, categories: dict[str, Category]) -> None:
    creator = await make_user(db, role=Role.CREATOR)
    other = await make_user(db, role=Role.CREATOR)
    short = await make_video(db, creator, title="Short", category="planets", duration=239)
    medium = await make_video(db, creator, title="Medium", category="stars", duration=240)
    long = await make_video(db, other, title="Long", category="planets", duration=1201)
    old = await make_video(db, other, title="Old", category="rockets", duration=600)
    now = utcnow()
    await set_video(db, short.id, published_at=now - timedelta(hours=2))
    await set_video(db, medium.id, published_at=now - timedelta(days=3))
    await set_video(db, long.id, published_at=now - timedelta(days=20))
    await set_video(db, old.id, published_at=now - timedelta(days=200))

    async def match(**kw: Any) -> set[str]:
        return set(titles(await listing(db, VideoFilter(**kw))))

    assert await match(category="planets") == {"Short", "Long"}
    assert await match(duration=DurationBand.SHORT) == {"Short"}
    assert await match(duration=DurationBand.MEDIUM) == {"Medium", "Old"}
    assert await match(duration=DurationBand.LONG) == {"Long"}
    assert await match(uploaded=UploadDate.TODAY) == {"Short"}
    assert await match(uploaded=UploadDate.WEEK) == {"Short", "Medium"}
    assert await match(uploaded=UploadDate.MONTH) == {"Short", "Medium", "Long"}
    assert await match(uploaded=UploadDate.YEAR) == {"Short", "Medium", "Long", "Old"}
    assert await match(owner_ids=(other.id,)) == {"Long", "Old"}
    assert await match(owner_ids=()) == set()
    assert await match(category="planets", duration=DurationBand.LONG) == {"Long"}
    # The same filters hold whatever the order.
    for sort in VideoSort:
        page = await listing(db, VideoFilter(uploaded=UploadDate.WEEK), sort)
        assert set(titles(page)) == {"Short", "Medium"}, sort
        page = await listing(db, VideoFilter(duration=DurationBand.MEDIUM), sort)
        assert set(titles(page)) == {"Medium", "Old"}, sort


async def test_followed_by_keeps_the_followed_creators(
    db: Database, categories: dict[str, Category]
) -> None:
    viewer = await make_user(db)
    followed = await make_user(db, role=Role.CREATOR)
    stranger = await make_user(db, role=Role.CREATOR)
    await make_video(db, followed, title="Followed")
    await make_video(db, stranger, title="Stranger")
    assert titles(await listing(db, VideoFilter(followed_by=viewer.id))) == []
    async with db.unit_of_work() as session:
        session.add(Follow(follower_id=viewer.id, followee_id=followed.id))
    assert titles(await listing(db, VideoFilter(followed_by=viewer.id))) == ["Followed"]


async def test_followed_listing_pages_through_every_creator_in_order(
    db: Database, categories: dict[str, Category]
) -> None:
    """The followed-creators listing keeps each creator's newest videos only as
    far as a page needs: walking it page by page still yields all of them,
    newest first, interleaved across creators."""
    viewer = await make_user(db)
    creators = [await make_user(db, role=Role.CREATOR) for _ in range(3)]
    stranger = await make_user(db, role=Role.CREATOR)
    made = []
    for n in range(15):
        made.append(await make_video(db, creators[n % 3], title=f"V{n}"))
        if n % 4 == 0:
            await make_video(db, stranger, title=f"Stranger {n}")
    async with db.unit_of_work() as session:
        for creator in creators:
            session.add(Follow(follower_id=viewer.id, followee_id=creator.id))
    expected = [v.id for v in reversed(made)]
    for first in (1, 2, 4, 7, 24):
        assert await walk(db, VideoSort.NEWEST, first, followed_by=viewer.id) == expected


async def test_unknown_category_is_a_validation_error(
    db: Database, categories: dict[str, Category]
) -> None:
    with pytest.raises(ValidationFailed) as caught:
        await listing(db, VideoFilter(category="no-such-topic"))
    assert caught.value.field == "category"


async def test_sorts_order_by_their_key_then_newest_id(
    db: Database, categories: dict[str, Category]
) -> None:
    creator = await make_user(db, role=Role.CREATOR)
    a = await make_video(db, creator, title="A", duration=100)
    b = await make_video(db, creator, title="B", duration=300)
    c = await make_video(db, creator, title="C", duration=200)
    d = await make_video(db, creator, title="D", duration=300)
    await set_video(db, a.id, view_count=50, trending_score=1.5)
    await set_video(db, b.id, view_count=10, trending_score=9.25)
    await set_video(db, c.id, view_count=50, trending_score=0.0)
    await set_video(db, d.id, view_count=7, trending_score=3.0)

    assert titles(await listing(db, sort=VideoSort.NEWEST)) == ["D", "C", "B", "A"]
    # Ties (A and C on views, B and D on duration) go to the newer id.
    assert titles(await listing(db, sort=VideoSort.MOST_VIEWED)) == ["C", "A", "B", "D"]
    assert titles(await listing(db, sort=VideoSort.TRENDING)) == ["B", "D", "A", "C"]
    assert titles(await listing(db, sort=VideoSort.LONGEST)) == ["D", "B", "C", "A"]


@pytest.mark.parametrize("sort", list(VideoSort))
async def test_cursors_walk_every_video_once(
    db: Database, categories: dict[str, Category], sort: VideoSort
) -> None:
    creator = await make_user(db, role=Role.CREATOR)
    videos = [await make_video(db, creator, duration=60 * (n % 3 + 1)) for n in range(7)]
    # Many equal keys, so the id tie-break is what keeps pages apart.
    for n, v in enumerate(videos):
        await set_video(db, v.id, view_count=n % 2, trending_score=float(n % 3) / 3)
    expected = [v.id for v in (await listing(db, sort=sort, first=100)).videos]
    assert len(expected) == 7
    for first in (1, 2, 3):
        assert await walk(db, sort, first) == expected


async def test_pagination_is_stable_while_new_videos_arrive(
    db: Database, categories: dict[str, Category]
) -> None:
    creator = await make_user(db, role=Role.CREATOR)
    old = [await make_video(db, creator, title=f"Old {n}") for n in range(5)]
    first_page = await listing(db, first=2)
    assert titles(first_page) == ["Old 4", "Old 3"]
    # New uploads land on top while the viewer reads page one.
    for n in range(3):
        await make_video(db, creator, title=f"New {n}")
    seen = [v.id for v in first_page.videos]
    after = first_page.end_cursor
    while after:
        page = await listing(db, first=2, after=after)
        seen += [v.id for v in page.videos]
        after = page.end_cursor if page.has_next else None
    assert seen == [v.id for v in reversed(old)]


async def test_bad_cursors_are_422_with_a_clear_code(
    db: Database, categories: dict[str, Category]
) -> None:
    creator = await make_user(db, role=Role.CREATOR)
    await make_video(db, creator)
    await make_video(db, creator)
    newest = (await listing(db, first=1)).end_cursor
    assert newest is not None

    def b64(payload: object) -> str:
        return base64.urlsafe_b64encode(json.dumps(payload).encode()).decode().rstrip("=")

    bad = [
        "not a cursor!",
        "%%%",
        b64({"a": 1}),
        b64(["videos:newest", {"t": "yesterday"}, str(uuid.uuid4())]),
        b64(["videos:newest", 5, str(uuid.uuid4())]),  # the key must be a time here
        b64(["videos:views", "5", str(uuid.uuid4())]),
        b64(["videos:views", True, str(uuid.uuid4())]),
        b64(["videos:views", 5, "not-a-uuid"]),
        "A" * 5000,
    ]
    for cursor in bad:
        with pytest.raises(BadCursor) as caught:
            await listing(db, first=1, after=cursor)
        assert caught.value.status == 422 and caught.value.code == "bad_cursor", cursor
    # A cursor of one order cannot be replayed against another.
    with pytest.raises(BadCursor, match="another sort"):
        await listing(db, sort=VideoSort.MOST_VIEWED, first=1, after=newest)
    # Well-formed but made elsewhere: fine, it is just a position.
    made = encode_cursor("videos:views", 10, uuid.uuid4())
    await listing(db, sort=VideoSort.MOST_VIEWED, after=made)


async def test_first_is_checked_and_capped(db: Database, categories: dict[str, Category]) -> None:
    creator = await make_user(db, role=Role.CREATOR)
    for _ in range(101):
        await make_video(db, creator)
    with pytest.raises(ValidationFailed):
        await listing(db, first=0)
    page = await listing(db, first=1000)
    assert len(page.videos) == 100 and page.has_next
    rest = await listing(db, first=1000, after=page.end_cursor)
    assert len(rest.videos) == 1 and not rest.has_next


# SQLite only: its planner is the one without statistics to steer it.
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_sort_indexes_drive_every_listing_on_sqlite(
    db: Database, categories: dict[str, Category], database_url: str
) -> None:
    """Each sort walks its (listed, key, id) index in order, with and without a
    category filter, and never sorts the catalogue in a temporary B-tree."""
    creator = await make_user(db, role=Role.CREATOR)
    video = await make_video(db, creator, category="planets")
    category_id = categories["planets"].id
    expected = {
        VideoSort.NEWEST: "ix_videos_listed_published",
        VideoSort.MOST_VIEWED: "ix_videos_listed_views",
        VideoSort.TRENDING: "ix_videos_listed_trending",
        VideoSort.LONGEST: "ix_videos_listed_duration",
    }
    cursor_keys = {
        VideoSort.NEWEST: utcnow(),
        VideoSort.MOST_VIEWED: 10,
        VideoSort.TRENDING: 1.5,
        VideoSort.LONGEST: 60.0,
    }
    for sort, index in expected.items():
        for with_category in (False, True):
            for after in (None, (cursor_keys[sort], video.id)):
                query = Listing(
                    sort=sort, category_id=category_id if with_category else None, after=after
                )
                plan = await _plan(db, query)
                used = index
                if with_category and sort is VideoSort.NEWEST:
                    used = "ix_videos_category_listed_published"
                assert re.search(f"USING (COVERING )?INDEX {used} ", plan), (
                    sort,
                    with_category,
                    plan,
                )
                assert "TEMP B-TREE" not in plan, (sort, with_category, plan)
    # A recent-uploads window drives the query; a wide one leaves it to the sort index.
    recent = await _plan(
        db, Listing(sort=VideoSort.MOST_VIEWED, published_since=utcnow() - timedelta(days=1))
    )
    assert "ix_videos_listed_published" in recent
    wide = await _plan(
        db, Listing(sort=VideoSort.MOST_VIEWED, published_since=utcnow() - timedelta(days=365))
    )
    assert "ix_videos_listed_views" in wide and "TEMP B-TREE" not in wide
    banded = await _plan(db, Listing(sort=VideoSort.TRENDING, duration=DurationBand.SHORT))
    assert "ix_videos_listed_trending" in banded and "TEMP B-TREE" not in banded
    following = await _plan(db, Listing(followed_by=creator.id))
    assert "ix_videos_listed_published" not in following


async def _plan(db: Database, query: Listing) -> str:
    """SQLite's EXPLAIN QUERY PLAN of the statement the repository really sends."""
    sent: list[tuple[str, Any]] = []

    def capture(conn: Any, cursor: Any, statement: str, params: Any, *args: Any) -> None:
        sent.append((statement, params))

    engine = db.read_engine.sync_engine
    event.listen(engine, "before_cursor_execute", capture)
    try:
        async with db.read() as session:
            await catalog_repository.page_ids(session, [query], 25)
    finally:
        event.remove(engine, "before_cursor_execute", capture)
    statement, params = sent[0]
    async with db.read() as session:
        conn = await session.connection()
        rows = await conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, params)
        return " | ".join(str(r[-1]) for r in rows)


async def test_listing_reads_only_the_listed_flag_not_visibility(
    db: Database, categories: dict[str, Category]
) -> None:
    """`listed` is the one source of truth: a stale flag is what hides a video."""
    creator = await make_user(db, role=Role.CREATOR)
    video = await make_video(db, creator, title="Flagged")
    async with db.unit_of_work() as session:
        await session.execute(update(Video).where(Video.id == video.id).values(listed=False))
    assert titles(await listing(db)) == []


def test_cursor_round_trip_keeps_keys_exact() -> None:
    from cosmostream.kit.pagination import decode_cursor

    row = uuid.uuid4()
    moment = utcnow()
    for key in (moment, 0, 12345678901, 0.1 + 0.2, 1e-300, None, "text"):
        cursor = encode_cursor("videos:any", key, row)
        assert re.fullmatch(r"[A-Za-z0-9_-]+", cursor), cursor  # URL-safe, no padding
        assert decode_cursor(cursor, "videos:any") == (key, row)
    with pytest.raises(BadCursor):
        decode_cursor(encode_cursor("videos:any", 1, row), "videos:other")
