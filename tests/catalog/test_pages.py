"""Discovery pages without JavaScript: home rows, /browse with its filters and
"More videos" link (and its fragment), /discover, /categories, /category/{slug},
staff-pick forms and the watch page's up next."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any

import httpx
import pytest

from cosmostream.catalog.service import catalog_service
from cosmostream.db import Database
from cosmostream.kit.time import utcnow
from cosmostream.models import Category, Follow, Role, StaffPick, User, WatchHistory
from cosmostream.models import UserFavouriteCategory as Favourite
from tests.catalog.conftest import HANDMADE_CURSORS, browser_login, set_video
from tests.factories import csrf, login, make_user, make_video, recorded_queries, selects


@asynccontextmanager
async def browser(app: Any, user: User | None = None) -> AsyncIterator[httpx.AsyncClient]:
    """A fresh cookie jar, signed in as `user` when given."""
    transport = httpx.ASGITransport(app=app, client=("203.0.113.9", 50001))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        if user is not None:
            await browser_login(c, user)
        yield c


def card_titles(html: str) -> list[str]:
    return re.findall(r'<h3 class="video-card-title"><a href="/video/[^"]+">([^<]+)</a>', html)


def section(html: str, heading_id: str) -> str:
    """The HTML of the row whose heading has this id (empty when the row is absent)."""
    match = re.search(
        rf'<section class="video-row" aria-labelledby="{heading_id}">(.*?)</section>', html, re.S
    )
    return match.group(1) if match else ""


def more_link(html: str) -> str | None:
    match = re.search(
        r'<a class="more-link button button-ghost" rel="next" href="([^"]+)">More videos</a>', html
    )
    return match.group(1).replace("&amp;", "&") if match else None


async def test_home_when_empty(client: httpx.AsyncClient, categories: dict[str, Category]) -> None:
    page = await client.get("/")
    assert page.status_code == 200
    assert "The universe, in motion." in page.text
    assert "No videos yet." in page.text
    assert card_titles(page.text) == []
    assert 'href="/category/planets"' in page.text


async def test_home_rows_for_an_anonymous_visitor(
    client: httpx.AsyncClient, db: Database, categories: dict[str, Category]
) -> None:
    creator = await make_user(db, role=Role.CREATOR, name="Vera")
    rocket = await make_video(db, creator, title="Falcon launch", category="rockets")
    await make_video(db, creator, title="Saturn rings", category="planets")
    await make_video(db, creator, title="Secret", category="planets", visibility="private")
    await make_video(db, creator, title="Link only", category="rockets", visibility="unlisted")
    await set_video(db, rocket.id, trending_score=5.0)
    async with db.unit_of_work() as session:
        session.add(StaffPick(video_id=rocket.id))
    page = await client.get("/")
    html = page.text
    assert "The universe, in motion." in html
    assert card_titles(section(html, "trending")) == ["Falcon launch", "Saturn rings"]
    assert card_titles(section(html, "new")) == ["Saturn rings", "Falcon launch"]
    assert card_titles(section(html, "staff-picks")) == ["Falcon launch"]
    # Without favourites, the categories trending now get a row each.
    assert card_titles(section(html, "category-rockets")) == ["Falcon launch"]
    assert card_titles(section(html, "category-planets")) == ["Saturn rings"]
    assert 'href="/browse?sort=trending"' in html and 'href="/category/rockets"' in html
    assert "Continue watching" not in html and "From creators you follow" not in html
    assert "Secret" not in html and "Link only" not in html


async def test_home_rows_for_a_signed_in_viewer(
    app: Any, db: Database, categories: dict[str, Category]
) -> None:
    viewer = await make_user(db, name="Ada")
    followed = await make_user(db, role=Role.CREATOR, name="Followed")
    stranger = await make_user(db, role=Role.CREATOR, name="Stranger")
    half = await make_video(db, followed, title="Half watched", category="planets", duration=120)
    done = await make_video(db, followed, title="Finished", category="stars")
    gone = await make_video(db, stranger, title="Gone private", category="planets")
    await make_video(db, stranger, title="Rocket talk", category="rockets")
    async with db.unit_of_work() as session:
        session.add(Follow(follower_id=viewer.id, followee_id=followed.id))
        session.add(Favourite(user_id=viewer.id, category_id=categories["planets"].id))
        now = utcnow()
        session.add_all(
            [
                WatchHistory(user_id=viewer.id, video_id=half.id, position=30.0, updated_at=now),
                WatchHistory(
                    user_id=viewer.id, video_id=done.id, position=60, completed=True, updated_at=now
                ),
                WatchHistory(
                    user_id=viewer.id,
                    video_id=gone.id,
                    position=10,
                    updated_at=now - timedelta(minutes=1),
                ),
            ]
        )
    await set_video(db, gone.id, listed=False)
    await login(db, viewer)  # an earlier sign-in: this visit is a return
    async with browser(app, viewer) as c:
        html = (await c.get("/")).text
    assert "Welcome back, Ada." in html and "The universe, in motion." not in html
    watching = section(html, "continue-watching")
    assert card_titles(watching) == ["Half watched"]
    assert f'href="/video/{half.id}?t=30"' in watching and 'data-progress="25.0"' in watching
    assert card_titles(section(html, "from-following")) == ["Finished", "Half watched"]
    # A row for the favourite category only.
    assert card_titles(section(html, "category-planets")) == ["Half watched"]
    assert section(html, "category-rockets") == "" and section(html, "category-stars") == ""
    assert re.search(r'class="category-card is-favourite">.*?Planets', html, re.S)


async def test_home_uses_a_constant_number_of_queries(
    app: Any, db: Database, categories: dict[str, Category]
) -> None:
    viewer = await make_user(db)
    creator = await make_user(db, role=Role.CREATOR)
    async with db.unit_of_work() as session:
        session.add(Follow(follower_id=viewer.id, followee_id=creator.id))
        session.add(Favourite(user_id=viewer.id, category_id=categories["planets"].id))
        session.add(Favourite(user_id=viewer.id, category_id=categories["stars"].id))

    async def count(user: User | None) -> int:
        async with browser(app, user) as c:
            with recorded_queries(db) as statements:
                assert (await c.get("/")).status_code == 200
        return len(selects(statements))

    async def add(n: int) -> None:
        for i in range(n):
            video = await make_video(db, creator, category=["planets", "stars"][i % 2])
            async with db.unit_of_work() as session:
                session.add(StaffPick(video_id=video.id))
                session.add(WatchHistory(user_id=viewer.id, video_id=video.id, position=5.0))

    await add(2)
    few = (await count(None), await count(viewer))
    await add(14)
    many = (await count(None), await count(viewer))
    assert few == many


async def test_browse_paginates_with_a_real_more_link(
    client: httpx.AsyncClient, db: Database, categories: dict[str, Category]
) -> None:
    creator = await make_user(db, role=Role.CREATOR)
    for n in range(26):
        await make_video(db, creator, title=f"Clip {n:02d}", category="planets")
    await make_video(db, creator, title="Unlisted one", visibility="unlisted")
    await make_video(db, creator, title="Draft one", ready=False)
    first = await client.get("/browse", params={"category": "planets", "sort": "newest"})
    assert first.status_code == 200
    assert card_titles(first.text) == [f"Clip {n:02d}" for n in range(25, 1, -1)]
    next_url = more_link(first.text)
    assert next_url and next_url.startswith("/browse?category=planets&sort=newest&after=")
    second = await client.get(next_url)
    assert card_titles(second.text) == ["Clip 01", "Clip 00"]
    assert more_link(second.text) is None
    assert "Unlisted one" not in first.text + second.text
    assert "Draft one" not in first.text + second.text
    # The filter form keeps the choices.
    assert '<option value="planets" selected>' in first.text


async def test_browse_fragment_for_infinite_scroll(
    client: httpx.AsyncClient, db: Database, categories: dict[str, Category]
) -> None:
    creator = await make_user(db, role=Role.CREATOR)
    for n in range(50):
        await make_video(db, creator, title=f"Clip {n:02d}")
    first = await client.get("/browse")
    assert first.headers["vary"] == "X-Fragment"
    next_url = more_link(first.text)
    assert next_url
    fragment = await client.get(next_url, headers={"X-Fragment": "1"})
    assert fragment.status_code == 200 and "Vary" in fragment.headers
    assert "<html" not in fragment.text and "site-header" not in fragment.text
    assert card_titles(fragment.text) == [f"Clip {n:02d}" for n in range(25, 1, -1)]
    last = await client.get(more_link(fragment.text) or "", headers={"X-Fragment": "1"})
    assert card_titles(last.text) == ["Clip 01", "Clip 00"] and more_link(last.text) is None


async def test_browse_filters_sorts_and_bad_input(
    client: httpx.AsyncClient, db: Database, categories: dict[str, Category]
) -> None:
    creator = await make_user(db, role=Role.CREATOR)
    short = await make_video(db, creator, title="Short one", duration=30)
    await make_video(db, creator, title="Long one", duration=3600)
    await set_video(db, short.id, view_count=99)
    assert card_titles((await client.get("/browse?duration=long")).text) == ["Long one"]
    assert card_titles((await client.get("/browse?sort=views")).text) == ["Short one", "Long one"]
    assert card_titles((await client.get("/browse?sort=longest")).text) == ["Long one", "Short one"]
    # Hand-edited values are dropped, not errors.
    odd = await client.get("/browse?sort=bogus&duration=huge&category=nope&uploaded=never")
    assert odd.status_code == 200 and len(card_titles(odd.text)) == 2
    bad = await client.get("/browse?after=garbage")
    assert bad.status_code == 422 and "cursor" in bad.text
    empty = await client.get("/browse?uploaded=today&duration=medium")
    assert "No videos match these filters." in empty.text


async def test_handmade_cursors_are_a_client_error(
    client: httpx.AsyncClient, db: Database, categories: dict[str, Category]
) -> None:
    await make_video(db, await make_user(db, role=Role.CREATOR), category="stars")
    for sort, _, cursor in HANDMADE_CURSORS:
        for path in ("/browse", "/category/stars"):
            response = await client.get(path, params={"sort": sort, "after": cursor})
            assert response.status_code == 422 and "cursor" in response.text, (path, sort, cursor)


async def test_browse_and_discover_when_empty(
    client: httpx.AsyncClient, categories: dict[str, Category]
) -> None:
    browse = await client.get("/browse")
    assert browse.status_code == 200 and "No videos yet." in browse.text
    discover = await client.get("/discover")
    assert discover.status_code == 200
    assert "No staff picks yet." in discover.text and "Nothing is trending yet." in discover.text
    assert "No rising creators this week yet." in discover.text
    categories_page = await client.get("/categories")
    assert categories_page.status_code == 200 and "0 videos" in categories_page.text


async def test_discover_page(app: Any, db: Database, categories: dict[str, Category]) -> None:
    from cosmostream.models import VideoDailyStats

    admin = await make_user(db, role=Role.ADMIN)
    viewer = await make_user(db)
    creator = await make_user(db, role=Role.CREATOR, name="Rising Star")
    hot = await make_video(db, creator, title="Hot one")
    picked = await make_video(db, creator, title="Picked one")
    await set_video(db, hot.id, trending_score=3.0)
    async with db.unit_of_work() as session:
        session.add(StaffPick(video_id=picked.id))
        session.add(VideoDailyStats(video_id=hot.id, day=utcnow().date(), views=12))
    async with db.unit_of_work() as session:
        await catalog_service.recompute_rising_creators(session)
    async with browser(app) as c:
        html = (await c.get("/discover")).text
    assert card_titles(section(html, "trending")) == ["Hot one", "Picked one"]
    assert card_titles(section(html, "staff-picks")) == ["Picked one"]
    assert "Rising Star" in html and f'href="/profile/{creator.id}"' in html
    assert "12 views this week" in html
    assert "Pin to staff picks" not in html
    async with browser(app, viewer) as c:
        assert "Pin to staff picks" not in (await c.get("/discover")).text
    async with browser(app, admin) as c:
        html = (await c.get("/discover")).text
    assert f'action="/staff-picks/{hot.id}/pin"' in html
    assert f'action="/staff-picks/{picked.id}/unpin"' in html


@pytest.mark.parametrize("who", ["anonymous", "viewer", "creator", "admin"])
async def test_pin_forms_are_for_admins_only(
    app: Any, db: Database, categories: dict[str, Category], who: str
) -> None:
    creator = await make_user(db, role=Role.CREATOR)
    video = await make_video(db, creator, title="Pin me")
    users = {
        "anonymous": None,
        "viewer": await make_user(db),
        "creator": creator,
        "admin": await make_user(db, role=Role.ADMIN),
    }
    async with browser(app, users[who]) as c:
        token = await csrf(c, "/discover")
        data = {"csrf_token": token, "next": f"/video/{video.id}"}
        pinned = await c.post(f"/staff-picks/{video.id}/pin", data=data)
        async with db.read() as session:
            picked = await session.get(StaffPick, video.id)
        if who == "admin":
            assert pinned.status_code == 303 and pinned.headers["location"] == f"/video/{video.id}"
            assert picked is not None
            unpinned = await c.post(f"/staff-picks/{video.id}/unpin", data=data)
            assert unpinned.status_code == 303
            async with db.read() as session:
                assert await session.get(StaffPick, video.id) is None
            without_csrf = await c.post(f"/staff-picks/{video.id}/pin", data={"next": "/"})
            assert without_csrf.status_code == 403
        else:
            assert pinned.status_code == (401 if who == "anonymous" else 403)
            assert picked is None


async def test_categories_and_category_pages(
    client: httpx.AsyncClient, db: Database, categories: dict[str, Category]
) -> None:
    creator = await make_user(db, role=Role.CREATOR)
    low = await make_video(db, creator, title="Low", category="planets")
    top = await make_video(db, creator, title="Top", category="planets")
    await make_video(db, creator, title="Hidden", category="planets", visibility="private")
    await set_video(db, top.id, view_count=40)
    await set_video(db, low.id, view_count=4)
    listing = (await client.get("/categories")).text
    assert re.search(r"Planets</span>.*?2 videos", listing, re.S)
    assert re.search(r"Stars</span>.*?0 videos", listing, re.S)
    assert f"/media/images/{top.id}/poster_card.webp" in listing
    page = await client.get("/category/planets?sort=views")
    assert page.status_code == 200
    assert "Worlds of the Solar System and beyond." in page.text
    assert "2 videos" in page.text and card_titles(page.text) == ["Top", "Low"]
    assert "Hidden" not in page.text
    empty = await client.get("/category/stars")
    assert empty.status_code == 200 and "No videos in Stars yet." in empty.text
    missing = await client.get("/category/no-such-topic")
    assert missing.status_code == 404 and "That category does not exist." in missing.text


async def test_category_page_more_link(
    client: httpx.AsyncClient, db: Database, categories: dict[str, Category]
) -> None:
    creator = await make_user(db, role=Role.CREATOR)
    for n in range(25):
        await make_video(db, creator, title=f"Star {n:02d}", category="stars")
    first = await client.get("/category/stars")
    next_url = more_link(first.text)
    assert next_url and next_url.startswith("/category/stars?after=")
    assert card_titles((await client.get(next_url)).text) == ["Star 00"]


async def test_watch_page_shows_up_next_and_the_admin_pin_form(
    app: Any, db: Database, categories: dict[str, Category]
) -> None:
    creator = await make_user(db, role=Role.CREATOR)
    admin = await make_user(db, role=Role.ADMIN)
    video = await make_video(db, creator, title="Main", category="planets", tags=["saturn"])
    await make_video(db, creator, title="Same tag", category="stars", tags=["saturn"])
    await make_video(db, creator, title="Same category", category="planets")
    await make_video(db, creator, title="Unrelated", category="rockets")
    await make_video(db, creator, title="Private twin", category="planets", visibility="private")
    async with browser(app) as c:
        html = (await c.get(f"/video/{video.id}")).text
    aside = html[html.index('<aside class="up-next"') :]
    # related first; the site's trending videos fill the rest, never the private one
    assert card_titles(aside) == ["Same tag", "Same category", "Unrelated"]
    assert "Pin to staff picks" not in html
    async with browser(app, admin) as c:
        html = (await c.get(f"/video/{video.id}")).text
        assert f'action="/staff-picks/{video.id}/pin"' in html
        token = await csrf(c, f"/video/{video.id}")
        await c.post(
            f"/staff-picks/{video.id}/pin",
            data={"csrf_token": token, "next": f"/video/{video.id}"},
        )
        html = (await c.get(f"/video/{video.id}")).text
        assert f'action="/staff-picks/{video.id}/unpin"' in html
