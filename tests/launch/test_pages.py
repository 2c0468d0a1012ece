"""Launch pages (anonymous and signed in, no JavaScript needed), the home page
row, GraphQL queries and mutations with their authorization, query counts."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
from sqlalchemy import update

from cosmostream.db import Database
from cosmostream.kit.time import utcnow
from cosmostream.models import Launch, User
from tests.catalog.conftest import browser_login, error_code
from tests.factories import csrf, gql, login, make_user, recorded_queries, selects
from tests.launch.helpers import CREW_13, STARLINK

pytestmark = pytest.mark.usefixtures("synced")

UPCOMING = """query($first: Int!) { upcomingLaunches(first: $first) {
  id name provider vehicle missionName orbit net windowStart windowEnd status statusName
  webcastUrl imageUrl lastUpdated followed pad { name location latitude longitude } } }"""
FOLLOW = "mutation($id: ID!) { followLaunch(id: $id) { launch { id followed } } }"
UNFOLLOW = "mutation($id: ID!) { unfollowLaunch(id: $id) { launch { id followed } } }"


@asynccontextmanager
async def browser(app: Any, user: User | None = None) -> AsyncIterator[httpx.AsyncClient]:
    """A fresh cookie jar, signed in as `user` when given."""
    transport = httpx.ASGITransport(app=app, client=("203.0.113.9", 50001))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        if user is not None:
            await browser_login(c, user)
        yield c


async def test_detail_page_for_an_anonymous_visitor(client: httpx.AsyncClient) -> None:
    page = await client.get(f"/launches/{STARLINK}")
    assert page.status_code == 200
    html = page.text
    assert "Falcon 9 Block 5 | Starlink Group 12-7" in html
    assert "Space Launch Complex 40, Cape Canaveral SFS, FL, USA" in html
    assert re.search(r'data-countdown="[^"]+" datetime="[^"]+">T\u22120[23]:\d\d:\d\d<', html)
    assert 'href="https://x.com/i/broadcasts/1YqxoDgXwRMJv"' in html
    assert "Go for Launch" in html and "Low Earth Orbit" in html
    assert f'href="/login?next=/launches/{STARLINK}"' in html
    assert f'action="/launches/{STARLINK}/follow"' not in html


async def test_unknown_or_malformed_launch_is_404(client: httpx.AsyncClient) -> None:
    assert (await client.get("/launches/0b0e3d4c-0000-4000-8000-000000000000")).status_code == 404
    assert (await client.get("/launches/not-a-launch")).status_code == 404


async def test_follow_form_works_without_javascript(app: Any, db: Database) -> None:
    user = await make_user(db)
    async with browser(app, user) as c:
        page = await c.get(f"/launches/{STARLINK}")
        assert f'action="/launches/{STARLINK}/follow"' in page.text
        token = await csrf(c, f"/launches/{STARLINK}")
        done = await c.post(f"/launches/{STARLINK}/follow", data={"csrf_token": token})
        assert done.status_code == 303 and done.headers["location"] == f"/launches/{STARLINK}"
        page = await c.get(f"/launches/{STARLINK}")
        assert f'action="/launches/{STARLINK}/unfollow"' in page.text
        assert "Following" in (await c.get("/launches")).text
        await c.post(f"/launches/{STARLINK}/unfollow", data={"csrf_token": token})
        assert (
            f'action="/launches/{STARLINK}/follow"' in (await c.get(f"/launches/{STARLINK}")).text
        )


async def test_follow_form_needs_sign_in_and_csrf(app: Any) -> None:
    async with browser(app) as c:
        token = await csrf(c, f"/launches/{STARLINK}")
        done = await c.post(f"/launches/{STARLINK}/follow", data={"csrf_token": token})
        assert done.status_code == 303 and done.headers["location"].startswith("/login?next=")
        assert (await c.post(f"/launches/{STARLINK}/follow", data={})).status_code == 403


async def test_list_page_and_home_page_show_countdowns(client: httpx.AsyncClient) -> None:
    for path in ("/launches", "/"):
        html = (await client.get(path)).text
        assert 'id="upcoming-launches"' in html
        assert f'href="/launches/{STARLINK}"' in html
        assert html.count("data-countdown=") >= (6 if path == "/launches" else 4)
    home = (await client.get("/")).text
    # The home page shows the next four, soonest first.
    assert home.index(STARLINK) < home.index("Hawk 12A")
    assert f'href="/launches/{CREW_13}"' not in home


async def test_the_launches_page_has_its_heading_and_no_link_to_itself(
    client: httpx.AsyncClient,
) -> None:
    html = (await client.get("/launches")).text
    assert re.findall(r"<h1[^>]*>([^<]*)</h1>", html) == ["Upcoming launches"]
    assert 'href="/launches"' not in html.split("<main", 1)[1]
    # Where the list is one part of a page, it stays a section that links here.
    for path in ("/", "/missions"):
        html = (await client.get(path)).text
        assert '<h2 id="upcoming-launches">Upcoming launches</h2>' in html, path
        assert 'href="/launches">All launches</a>' in html, path


async def test_graphql_upcoming_and_launch(client: httpx.AsyncClient) -> None:
    body = (await gql(client, UPCOMING, {"first": 3})).json()
    launches = body["data"]["upcomingLaunches"]
    assert launches[0]["id"] == STARLINK and len(launches) == 3
    first = launches[0]
    assert first["provider"] == "SpaceX" and first["vehicle"] == "Falcon 9 Block 5"
    assert first["status"] == "Go" and first["followed"] is False
    assert first["pad"]["location"] == "Cape Canaveral SFS, FL, USA"
    one = (
        await gql(client, "query($id: ID!) { launch(id: $id) { name } }", {"id": CREW_13})
    ).json()
    assert one["data"]["launch"]["name"] == "Falcon 9 Block 5 | Crew-13"
    none = (await gql(client, 'query { launch(id: "nope") { name } }')).json()
    assert none["data"]["launch"] is None


@pytest.mark.parametrize("mutation", [FOLLOW, UNFOLLOW])
async def test_graphql_follow_needs_a_signed_in_user(
    client: httpx.AsyncClient, mutation: str
) -> None:
    body = (await gql(client, mutation, {"id": STARLINK})).json()
    assert error_code(body) == "not_authenticated"


async def test_graphql_follow_and_unfollow(client: httpx.AsyncClient, db: Database) -> None:
    user = await make_user(db)
    token = (await login(db, user)).access_token
    body = (await gql(client, FOLLOW, {"id": STARLINK}, token=token)).json()
    assert body["data"]["followLaunch"]["launch"] == {"id": STARLINK, "followed": True}
    listed = (await gql(client, UPCOMING, {"first": 1}, token=token)).json()
    assert listed["data"]["upcomingLaunches"][0]["followed"] is True
    body = (await gql(client, UNFOLLOW, {"id": STARLINK}, token=token)).json()
    assert body["data"]["unfollowLaunch"]["launch"]["followed"] is False
    missing = (
        await gql(client, FOLLOW, {"id": "0b0e3d4c-0000-4000-8000-000000000000"}, token=token)
    ).json()
    assert error_code(missing) == "launch_not_found"


async def test_upcoming_list_uses_a_constant_number_of_queries(app: Any, db: Database) -> None:
    user = await make_user(db)

    async def count(path: str, who: User | None) -> int:
        async with browser(app, who) as c:
            with recorded_queries(db) as statements:
                assert (await c.get(path)).status_code == 200
        return len(selects(statements))

    few = [await count(p, w) for p in ("/launches", "/") for w in (None, user)]
    async with db.unit_of_work() as session:
        # Everything but one launch moves into the past: the list shrinks to one.
        await session.execute(
            update(Launch)
            .where(Launch.name.not_like("%Starlink%"))
            .values(net=utcnow().replace(year=2001))
        )
    fewer = [await count(p, w) for p in ("/launches", "/") for w in (None, user)]
    assert few == fewer
