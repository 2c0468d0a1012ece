"""The header bell and `/notifications`: server-rendered, forms without JavaScript."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import httpx
import pytest

from cosmostream.db import Database
from cosmostream.models import Role, User
from cosmostream.notification import pages
from tests.factories import PASSWORD, csrf, make_user, recorded_queries, selects, shift_time
from tests.notification.conftest import follow, publish


async def browser_login(client: httpx.AsyncClient, user: User) -> None:
    token = await csrf(client)
    response = await client.post(
        "/login", data={"email": user.email, "password": PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 303, response.text


def badge(html: str) -> str | None:
    """The bell's count as rendered, or None when the badge is hidden."""
    match = re.search(r'<span class="notification-badge" data-unread="(\d+)"( hidden)?>', html)
    assert match, "no bell on the page"
    return None if match.group(2) else match.group(1)


async def feed(db: Database, count: int) -> tuple[User, User]:
    vera = await make_user(db, role=Role.CREATOR, name="Vera Nebula")
    ada = await make_user(db)
    await follow(db, ada, vera)
    for i in range(count):
        with shift_time(timedelta(minutes=i)):
            await publish(db, vera, title=f"Comet <b>{i}</b>")
    return ada, vera


async def test_anonymous_visitors_have_no_bell_and_are_sent_to_log_in(
    client: httpx.AsyncClient,
) -> None:
    about = await client.get("/about")
    assert "notification-bell" not in about.text
    page = await client.get("/notifications")
    assert page.status_code == 303
    assert page.headers["location"] == "/login?next=/notifications"


async def test_bell_shows_the_unread_count_on_every_page(
    client: httpx.AsyncClient, db: Database
) -> None:
    ada, _ = await feed(db, 3)
    await browser_login(client, ada)
    for path in ("/about", "/notifications", "/settings"):
        assert badge((await client.get(path)).text) == "3", path
    # Fragments and APIs do not pay for the count.
    with recorded_queries(db) as statements:
        await client.get("/healthz")
        await client.post("/graphql", json={"query": "{ categories { slug } }"})
    assert not any("notifications" in s for s in statements)


async def test_list_escapes_titles_and_pages_with_a_real_link(
    client: httpx.AsyncClient, db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    ada, _ = await feed(db, 3)
    await browser_login(client, ada)
    monkeypatch.setattr(pages, "PAGE_SIZE", 2)
    first = await client.get("/notifications")
    assert first.status_code == 200
    assert "Comet &lt;b&gt;2&lt;/b&gt;" in first.text and "<b>2</b>" not in first.text
    assert "Comet &lt;b&gt;0" not in first.text
    more = re.search(r'<a class="more-link" rel="next" href="([^"]+)"', first.text)
    assert more
    second = await client.get(more.group(1).replace("&amp;", "&"))
    assert "Comet &lt;b&gt;0&lt;/b&gt;" in second.text
    assert 'rel="next"' not in second.text
    bad = await client.get("/notifications?after=garbage")
    assert bad.status_code == 422


async def test_page_query_count_is_constant(
    client: httpx.AsyncClient, db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    ada, _ = await feed(db, 8)
    await browser_login(client, ada)
    counts = []
    for size in (2, 8):
        monkeypatch.setattr(pages, "PAGE_SIZE", size)
        with recorded_queries(db) as statements:
            page = await client.get("/notifications")
        assert page.text.count('class="notification-item') == size
        counts.append(len(selects(statements)))
    assert counts[0] == counts[1], counts


async def test_mark_one_then_all_read_without_javascript(
    app: Any, client: httpx.AsyncClient, db: Database
) -> None:
    ada, vera = await feed(db, 3)
    bob = await make_user(db)
    await follow(db, bob, vera)
    await publish(db, vera, title="For Bob too")
    await browser_login(client, ada)
    page = await client.get("/notifications")
    ids = re.findall(r'name="id" value="([0-9a-f-]+)"', page.text)
    assert len(ids) == 4
    token = client.cookies["cs_csrf"]

    refused = await client.post("/notifications/read", data={"id": ids[0]})
    assert refused.status_code == 403
    one = await client.post("/notifications/read", data={"id": ids[0], "csrf_token": token})
    assert one.status_code == 303 and one.headers["location"] == "/notifications"
    assert badge((await client.get("/notifications")).text) == "3"
    # Garbage ids mark nothing (and never mean "all").
    await client.post("/notifications/read", data={"id": "nope", "csrf_token": token})
    assert badge((await client.get("/about")).text) == "3"

    everything = await client.post(
        "/notifications/read", data={"csrf_token": token, "next": "/about"}
    )
    assert everything.headers["location"] == "/about"
    page = await client.get("/notifications")
    assert badge(page.text) is None
    assert "is-unread" not in page.text

    # Bob's notification about the same video is still unread.
    bob_client = httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://testserver")
    async with bob_client:
        await browser_login(bob_client, bob)
        assert badge((await bob_client.get("/about")).text) == "1"
        outside = await bob_client.post(
            "/notifications/read",
            data={"csrf_token": bob_client.cookies["cs_csrf"], "next": "https://evil.example"},
        )
        assert outside.headers["location"] == "/notifications"


async def test_empty_list(client: httpx.AsyncClient, db: Database) -> None:
    await browser_login(client, await make_user(db))
    page = await client.get("/notifications")
    assert page.status_code == 200
    assert "Nothing yet" in page.text
    assert badge(page.text) is None
