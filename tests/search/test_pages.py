"""The /search page: highlighted, escaped results, counts, paging without JS."""

from __future__ import annotations

import re
from html import unescape

import httpx

from cosmostream.db import Database
from cosmostream.models import Role
from tests.factories import make_user, make_video, recorded_queries, selects


def _titles(html: str) -> list[str]:
    found = re.findall(r'<h3 class="video-card-title"><a href="[^"]+">(.*?)</a></h3>', html, re.S)
    return [unescape(re.sub(r"</?mark>", "", t)) for t in found]


async def test_results_are_highlighted_and_escaped(client: httpx.AsyncClient, db: Database) -> None:
    creator = await make_user(db, role=Role.CREATOR, name="Vera Nebula")
    await make_video(
        db,
        creator,
        title='Saturn <img src=x onerror="alert(1)">',
        description="The rings of Saturn are made of ice.",
    )
    await make_video(db, creator, title="Hidden Saturn", visibility="private")
    response = await client.get("/search", params={"q": "saturn ri"})
    assert response.status_code == 200
    html = response.text
    assert "<img src=x" not in html
    assert "<mark>Saturn</mark> &lt;img src=x onerror=&#34;alert(1)&#34;&gt;" in html
    assert "The <mark>rings</mark> of <mark>Saturn</mark> are made of ice." in html
    assert "Hidden Saturn" not in html
    assert re.search(r'role="status">\s*1 video\s*<', html)
    # The header search box keeps the query.
    assert 'id="site-search" type="search" name="q"' in html
    assert 'value="saturn ri"' in html


async def test_no_results_offers_ways_to_browse(client: httpx.AsyncClient) -> None:
    response = await client.get("/search", params={"q": "nothing-matches-this"})
    assert response.status_code == 200
    assert "No videos match" in response.text
    assert 'href="/browse"' in response.text
    empty = await client.get("/search")
    assert empty.status_code == 200
    assert "No videos match" not in empty.text


async def test_more_results_link_pages_through_everything(
    client: httpx.AsyncClient, db: Database
) -> None:
    creator = await make_user(db, role=Role.CREATOR)
    for i in range(30):
        await make_video(db, creator, title=f"Meteor {i:02d}")
    response = await client.get("/search", params={"q": "meteor"})
    first = _titles(response.text)
    assert len(first) == 24
    assert re.search(r'role="status">\s*30 videos\s*<', response.text)
    more = re.search(r'<a class="button button-ghost" rel="next" href="([^"]+)"', response.text)
    assert more
    second_page = await client.get(unescape(more.group(1)))
    second = _titles(second_page.text)
    assert len(second) == 6
    assert set(first) | set(second) == {f"Meteor {i:02d}" for i in range(30)}
    assert 'rel="next"' not in second_page.text


async def test_page_query_count_is_constant(client: httpx.AsyncClient, db: Database) -> None:
    creators = [await make_user(db, role=Role.CREATOR) for _ in range(4)]
    for i in range(30):
        await make_video(db, creators[i % 4], title=f"Eclipse {i}", tags=["sun", "moon"])
    counts = []
    for q in ("eclipse 1", "eclipse"):  # one result, then a full page of 24
        with recorded_queries(db) as statements:
            response = await client.get("/search", params={"q": q})
        assert response.status_code == 200
        counts.append(len(selects(statements)))
    assert counts[0] == counts[1], counts


async def test_bad_cursor_is_a_client_error(client: httpx.AsyncClient) -> None:
    response = await client.get("/search", params={"q": "x", "after": "garbage"})
    assert response.status_code == 422
