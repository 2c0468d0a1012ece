"""Video pages without JavaScript: the manage view of one video (/content/<id>),
for its owner and for admins, and the content list for viewers."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest

from cosmostream.db import Database
from cosmostream.models import Role, User
from cosmostream.video.repository import video_repository
from tests.catalog.conftest import browser_login
from tests.factories import make_user, make_video


@asynccontextmanager
async def browser(app: Any, user: User | None = None) -> AsyncIterator[httpx.AsyncClient]:
    """A fresh cookie jar, signed in as `user` when given."""
    transport = httpx.ASGITransport(app=app, client=("203.0.113.7", 50002))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        if user is not None:
            await browser_login(c, user)
        yield c


def csrf_of(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "no CSRF field on the page"
    return match.group(1)


async def title_of(db: Database, video_id: Any) -> str | None:
    async with db.read() as session:
        video = await video_repository.get(session, video_id)
    return video.title if video else None


@pytest.fixture
async def cast(db: Database) -> dict[str, User | None]:
    return {
        "anonymous": None,
        "viewer": await make_user(db, name="Ada Viewer"),
        "creator": await make_user(db, role=Role.CREATOR, name="Carl Other"),
        "owner": await make_user(db, role=Role.CREATOR, name="Vera Owner"),
        "admin": await make_user(db, role=Role.ADMIN, name="Alma Admin"),
    }


# Who may open the manage view of Vera's videos: the owner and admins. Others
# get 403 for a video they can watch anyway, and the same 404 as a missing video
# for one they cannot see (its existence stays hidden).
MANAGE_MATRIX = [
    ("anonymous", "public", 303),
    ("anonymous", "private", 303),
    ("viewer", "public", 403),
    ("viewer", "private", 404),
    ("creator", "public", 403),
    ("creator", "private", 404),
    ("owner", "public", 200),
    ("owner", "private", 200),
    ("admin", "public", 200),
    ("admin", "private", 200),
]


@pytest.mark.parametrize(("who", "visibility", "status"), MANAGE_MATRIX)
async def test_manage_view_is_for_the_owner_and_admins(
    app: Any,
    db: Database,
    cast: dict[str, User | None],
    who: str,
    visibility: str,
    status: int,
) -> None:
    owner = cast["owner"]
    assert owner is not None
    video = await make_video(db, owner, title="Saturn at opposition", visibility=visibility)
    async with browser(app, cast[who]) as c:
        page = await c.get(f"/content/{video.id}")
        assert page.status_code == status, page.text[:300]
        if status == 303:
            assert page.headers["location"] == f"/login?next=/content/{video.id}"
        if status != 200:
            assert 'action="/content/' not in page.text
            return
        assert f'action="/content/{video.id}/edit"' in page.text
        assert f'action="/content/{video.id}/delete"' in page.text
        assert 'value="Saturn at opposition"' in page.text
        # An admin is told whose video this is.
        assert ("Uploaded by" in page.text) is (who == "admin")


@pytest.mark.parametrize("who", ["viewer", "creator", "owner", "admin"])
async def test_only_the_owner_and_admins_can_edit_and_delete(
    app: Any, db: Database, cast: dict[str, User | None], who: str
) -> None:
    owner = cast["owner"]
    assert owner is not None
    video = await make_video(db, owner, title="Orion in winter")
    allowed = who in ("owner", "admin")
    async with browser(app, cast[who]) as c:
        token = csrf_of((await c.get(f"/video/{video.id}")).text)
        edited = await c.post(
            f"/content/{video.id}/edit",
            data={
                "csrf_token": token,
                "title": "Renamed",
                "description": "",
                "category": "",
                "visibility": "unlisted",
                "tags": "",
                "next": f"/content/{video.id}",
            },
        )
        assert edited.status_code == 303
        assert edited.headers["location"] == f"/content/{video.id}"
        assert await title_of(db, video.id) == ("Renamed" if allowed else "Orion in winter")
        deleted = await c.post(
            f"/content/{video.id}/delete",
            data={"csrf_token": token, "next": f"/profile/{owner.id}"},
        )
        assert deleted.status_code in (303, 404)
        gone = await title_of(db, video.id) is None
        assert gone is allowed


async def test_the_watch_page_links_managers_to_the_videos_own_manage_view(
    app: Any, db: Database, cast: dict[str, User | None]
) -> None:
    owner = cast["owner"]
    assert owner is not None
    video = await make_video(db, owner)
    for who in ("owner", "admin"):
        async with browser(app, cast[who]) as c:
            html = (await c.get(f"/video/{video.id}")).text
        assert f'href="/content/{video.id}">Manage video</a>' in html, who
    async with browser(app, cast["viewer"]) as c:
        assert "Manage video" not in (await c.get(f"/video/{video.id}")).text


async def test_viewers_content_page_offers_creator_access_not_uploads(
    app: Any, db: Database, cast: dict[str, User | None]
) -> None:
    viewer = cast["viewer"]
    async with browser(app, viewer) as c:
        html = (await c.get("/content")).text
        assert 'href="/upload"' not in html
        assert "Request creator access" in html
        form = re.search(r'<form method="post" action="/settings/creator".*?</form>', html, re.S)
        assert form and 'name="next" value="/content"' in form.group(0)
        asked = await c.post(
            "/settings/creator", data={"csrf_token": csrf_of(html), "next": "/content"}
        )
        assert asked.status_code == 303 and asked.headers["location"] == "/content"
        html = (await c.get("/content")).text
        assert "waiting for an admin" in html and "Request creator access" not in html
    async with browser(app, cast["creator"]) as c:
        html = (await c.get("/content")).text
        assert 'href="/upload"' in html and "Request creator access" not in html
