"""The /news page (filters and "More" without JavaScript), GraphQL `news` and
`newsSources`, `for_mission`, and query counts."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from cosmostream.db import Database
from cosmostream.kit.time import utcnow
from cosmostream.models import NewsArticle
from cosmostream.news import pages as news_pages
from cosmostream.news.schemas import ArticleData
from cosmostream.news.service import news_service
from tests.factories import gql, recorded_queries, selects
from tests.news.helpers import HOSTILE, ingest

NEWS = """query($source: String, $topic: String, $first: Int!, $after: String) {
  news(source: $source, topic: $topic, first: $first, after: $after) {
    edges { cursor node { title url summary source sourceName publishedAt launchIds missionSlugs
      topics { key name } } }
    pageInfo { hasNextPage endCursor } } }"""


@pytest.fixture
async def ingested(db: Database) -> None:
    await ingest(db)


def titles(html: str) -> list[str]:
    return re.findall(
        r'<h2 class="news-title"><a href="[^"]+" rel="noopener nofollow">([^<]+)</a>', html
    )


@pytest.mark.usefixtures("ingested")
async def test_news_page_lists_newest_first_and_filters(client: httpx.AsyncClient) -> None:
    html = (await client.get("/news")).text
    listed = titles(html)
    assert len(listed) == 12
    assert listed[0] == "NASA Sets Coverage for Agency\u2019s SpaceX Crew-13 Launch, Docking"
    assert '<option value="nasa">NASA (4)</option>' in html
    assert '<option value="spacenews">SpaceNews (2)</option>' in html
    esa = titles((await client.get("/news?source=esa")).text)
    assert esa == [
        "Ariane 6 ready for its heaviest payload yet",
        "Sentinel-1D delivers first radar images",
        "Juice swings by Venus on its way to Jupiter",
    ]
    earth = titles((await client.get("/news?topic=earth")).text)
    assert "Sentinel-1D delivers first radar images" in earth and len(earth) < 12
    both = (await client.get("/news?source=esa&topic=earth")).text
    assert titles(both) == ["Sentinel-1D delivers first radar images"]
    assert '<option value="earth" selected>' in both
    # Unknown filters are ignored rather than failing.
    assert len(titles((await client.get("/news?source=nope&topic=nope")).text)) == 12
    assert 'href="/launches/9f2a6c4e-7d3b-4a5f-b1e8-2c6d9a0f3e77"' in html


@pytest.mark.usefixtures("ingested")
async def test_more_link_pages_with_filters(
    client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(news_pages, "PAGE_SIZE", 5)
    seen: list[str] = []
    url: str | None = "/news?topic=launches"
    while url:
        html = (await client.get(url)).text
        seen += titles(html)
        found = re.search(
            r'<a class="more-link button button-ghost" rel="next" href="([^"]+)">More</a>', html
        )
        url = found.group(1).replace("&amp;", "&") if found else None
        if url:
            assert "topic=launches" in url
    assert len(seen) == len(set(seen)) > 5
    assert (await client.get("/news?after=garbage")).status_code == 422


async def test_news_page_when_empty(client: httpx.AsyncClient) -> None:
    html = (await client.get("/news")).text
    assert "No news yet." in html


async def test_summaries_render_sanitised(client: httpx.AsyncClient, db: Database) -> None:
    await ingest(db, feeds=(HOSTILE,), snapi=None)
    html = (await client.get("/news")).text
    body = html.split('class="news-list"', 1)[1]
    assert "<script" not in body and "onerror" not in body and "javascript:" not in body
    assert "<b>brightening</b>" in body


@pytest.mark.usefixtures("ingested")
async def test_graphql_news_sources_and_paging(client: httpx.AsyncClient) -> None:
    first = (await gql(client, NEWS, {"first": 5})).json()["data"]["news"]
    assert len(first["edges"]) == 5 and first["pageInfo"]["hasNextPage"]
    top = first["edges"][0]["node"]
    assert top["source"] == "nasa" and top["launchIds"] == ["9f2a6c4e-7d3b-4a5f-b1e8-2c6d9a0f3e77"]
    assert "iss" in top["missionSlugs"]
    assert {"key": "launches", "name": "Launches"} in top["topics"]
    rest = (await gql(client, NEWS, {"first": 50, "after": first["pageInfo"]["endCursor"]})).json()
    assert len(rest["data"]["news"]["edges"]) == 7
    esa = (await gql(client, NEWS, {"first": 10, "source": "esa", "topic": "planetary"})).json()
    assert [e["node"]["title"] for e in esa["data"]["news"]["edges"]] == [
        "Juice swings by Venus on its way to Jupiter"
    ]
    bad = (await gql(client, NEWS, {"first": 10, "topic": "gossip"})).json()
    assert bad["errors"][0]["extensions"]["code"] == "unknown_topic"
    sources = (
        await gql(client, "{ newsSources { key name articleCount } newsTopics { key } }")
    ).json()
    keys = {s["key"]: s["articleCount"] for s in sources["data"]["newsSources"]}
    assert keys["nasa"] == 4 and keys["esa"] == 3 and keys["spaceflight-now"] == 1
    assert len(sources["data"]["newsTopics"]) == 6


@pytest.mark.usefixtures("ingested")
async def test_for_mission(db: Database) -> None:
    async with db.read() as session:
        jwst = await news_service.for_mission(session, "jwst", 5)
        nothing = await news_service.for_mission(session, "voyager-1", 5)
    assert [v.article.title for v in jwst] == [
        "NASA\u2019s Webb Finds Water Ice in a Young Planetary System"
    ]
    assert nothing == []


async def test_news_page_and_graphql_use_a_constant_number_of_queries(
    app: Any, client: httpx.AsyncClient, db: Database
) -> None:
    async def counts() -> tuple[int, int]:
        with recorded_queries(db) as page:
            assert (await client.get("/news?topic=launches")).status_code == 200
        with recorded_queries(db) as api:
            assert "errors" not in (await gql(client, NEWS, {"first": 20})).json()
        return len(selects(page)), len(selects(api))

    await ingest(db)
    few = await counts()
    async with db.unit_of_work() as session:
        now = utcnow()
        await news_service.store(
            session,
            [
                ArticleData(
                    url=f"https://example.org/launch-{n}",
                    title=f"Rocket launch number {n}",
                    summary="A rocket launch.",
                    source="example",
                    source_name="Example",
                    via="feed",
                    published_at=now - timedelta(hours=n),
                    categories=["Launch"],
                )
                for n in range(15)
            ],
        )
        assert len(list(await session.scalars(select(NewsArticle.id)))) == 27
    assert await counts() == few


@pytest.mark.usefixtures("ingested")
async def test_publisher_images_only_when_allowed(client: httpx.AsyncClient, app: Any) -> None:
    image = "https://www.nasa.gov/wp-content/uploads/2026/12/crew13-portrait.jpg"
    assert image not in (await client.get("/news")).text
    app.state.settings.space_remote_images = True
    assert f'src="{image}"' in (await client.get("/news")).text
