"""A creator's public page is their channel: their listed videos, newest or
most viewed first, 24 a page with opaque cursors, the follow button and the
counts (followers, videos, total views)."""

from __future__ import annotations

import re
from typing import Any

import pytest

from cosmostream.db import Database
from cosmostream.models import Follow, Role, User
from tests.catalog.conftest import handmade_cursor, set_video
from tests.catalog.test_pages import browser, card_titles, more_link
from tests.factories import make_user, make_video, recorded_queries, selects


@pytest.fixture
async def vera(db: Database) -> User:
    return await make_user(db, role=Role.CREATOR, name="Vera Nebula")


def stat(html: str, name: str) -> str:
    match = re.search(rf'data-testid="{name}">([^<]+)<', html)
    assert match, name
    return match.group(1)


async def test_the_channel_lists_what_the_viewer_may_see_with_counts_and_follow(
    app: Any, db: Database, vera: User
) -> None:
    viewer = await make_user(db, name="Ada Viewer")
    other = await make_user(db, role=Role.CREATOR)
    admin = await make_user(db, role=Role.ADMIN)
    first = await make_video(db, vera, title="Andromeda in one night")
    second = await make_video(db, vera, title="Saturn rings")
    await set_video(db, first.id, view_count=1200)
    await set_video(db, second.id, view_count=34)
    await make_video(db, vera, title="Unlisted rehearsal", visibility="unlisted")
    await make_video(db, vera, title="Private notes", visibility="private")
    await make_video(db, vera, title="Still uploading", ready=False)
    await make_video(db, other, title="Someone else's comet")
    async with db.unit_of_work() as session:
        session.add(Follow(follower_id=viewer.id, followee_id=vera.id))

    for who in (None, viewer, vera, admin):
        async with browser(app, who) as c:
            page = await c.get(f"/profile/{vera.id}")
        assert page.status_code == 200
        # The public face of the channel, for its owner and admins too.
        assert card_titles(page.text) == ["Saturn rings", "Andromeda in one night"]
        assert stat(page.text, "follower-count") == "1"
        assert stat(page.text, "video-count") == "2"
        assert stat(page.text, "view-count") == "1.2K"
        if who is None:
            assert f'href="/login?next=/profile/{vera.id}">Log in to follow' in page.text
        elif who is viewer:
            assert f'action="/profile/{vera.id}/unfollow"' in page.text
        elif who is admin:
            assert f'action="/profile/{vera.id}/follow"' in page.text
        else:
            assert f"/profile/{vera.id}/follow" not in page.text
            assert 'href="/content">Manage your videos' in page.text

    async with browser(app, None) as c:
        popular = await c.get(f"/profile/{vera.id}", params={"sort": "views"})
    assert card_titles(popular.text) == ["Andromeda in one night", "Saturn rings"]
    assert f'href="/profile/{vera.id}?sort=views" aria-current="page"' in popular.text


@pytest.mark.parametrize("sort", ["newest", "views"])
async def test_the_channel_paginates_with_opaque_cursors(
    app: Any, db: Database, vera: User, sort: str
) -> None:
    for n in range(26):
        video = await make_video(db, vera, title=f"Clip {n:02d}")
        await set_video(db, video.id, view_count=n)
    async with browser(app, None) as c:
        first = await c.get(f"/profile/{vera.id}", params={"sort": sort})
        assert card_titles(first.text) == [f"Clip {n:02d}" for n in range(25, 1, -1)]
        next_url = more_link(first.text)
        assert next_url and next_url.startswith(f"/profile/{vera.id}?sort={sort}&after=")
        second = await c.get(next_url)
        assert card_titles(second.text) == ["Clip 01", "Clip 00"]
        assert more_link(second.text) is None
        # The infinite-scroll fragment: only the next cards.
        fragment = await c.get(next_url, headers={"X-Fragment": "1"})
        assert "<h1" not in fragment.text and card_titles(fragment.text) == ["Clip 01", "Clip 00"]
        for bad in ("", "nonsense", handmade_cursor(sort, '{"t":"2026-01-01"}')):
            refused = await c.get(f"/profile/{vera.id}", params={"sort": sort, "after": bad or "x"})
            assert refused.status_code == 422 and "cursor" in refused.text


async def test_the_channel_costs_a_fixed_number_of_queries(
    app: Any, db: Database, vera: User
) -> None:
    viewer = await make_user(db)

    async def count(who: User | None) -> int:
        async with browser(app, who) as c:
            with recorded_queries(db) as statements:
                page = await c.get(f"/profile/{vera.id}")
        assert page.status_code == 200
        # Counted on a page that shows the videos: a full page once there are 24.
        assert len(card_titles(page.text)) == min(made, 24)
        return len(selects(statements))

    made = 0

    async def add(n: int) -> None:
        nonlocal made
        for _ in range(n):
            await make_video(db, vera, tags=["nebula", "orion"])
        made += n

    await add(2)
    few = (await count(None), await count(viewer))
    await add(30)
    many = (await count(None), await count(viewer))
    assert few == many
    # The user, the follow counts, the page, its owners and tags (categories when
    # any is set), the totals; signed in, also the session, the bell's unread
    # count and whether the viewer follows.
    assert many == (6, 9), many
