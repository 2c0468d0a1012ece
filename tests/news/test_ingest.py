"""News ingest from recorded RSS, Atom and SNAPI payloads: dedup across sources,
sanitised summaries, malformed feeds, API errors and 429s, idempotent re-runs."""

from __future__ import annotations

import uuid
from datetime import timedelta

import httpx
from sqlalchemy import func, select

from cosmostream.db import Database
from cosmostream.kit.time import utcnow
from cosmostream.models import IngestState, NewsArticle, NewsArticleLaunch, NewsArticleMission
from cosmostream.news.service import news_service
from cosmostream.news.text import canonical_url, sanitize_summary, title_hash, topics_for
from tests.factories import shift_time
from tests.news.helpers import BROKEN, HOSTILE, MIRROR, NASA_URL, Upstream, ingest

CREW_13 = uuid.UUID("9f2a6c4e-7d3b-4a5f-b1e8-2c6d9a0f3e77")
CREW_13_URL = (
    "https://nasa.gov/news-release/nasa-sets-coverage-for-agencys-spacex-crew-13-launch-docking"
)


async def articles(db: Database) -> dict[str, NewsArticle]:
    async with db.read() as session:
        return {a.title: a for a in await session.scalars(select(NewsArticle))}


async def count(db: Database, model: type) -> int:
    async with db.read() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def test_ingests_rss_atom_and_snapi_once_across_sources(db: Database) -> None:
    result = await ingest(db)
    # 4 NASA + 3 ESA + 6 SNAPI items; SNAPI's Crew-13 item is NASA's RSS item.
    assert (result.fetched, result.created, result.merged) == (13, 12, 1)
    assert result.failed_sources == []
    stored = await articles(db)
    assert len(stored) == 12
    crew = stored["NASA Sets Coverage for Agency\u2019s SpaceX Crew-13 Launch, Docking"]
    assert crew.canonical_url == CREW_13_URL
    assert crew.source == "nasa" and crew.via == "feed"
    assert "utm_source" in crew.url  # the link as the source gave it
    esa = stored["Ariane 6 ready for its heaviest payload yet"]
    assert esa.source == "esa" and esa.image_url and esa.image_url.endswith("ariane_64_on_pad.jpg")
    assert "<strong>Ariane 64</strong>" in esa.summary
    async with db.read() as session:
        view = (await news_service.latest(session, source="nasa", first=10)).items[0]
        linked = set(await session.scalars(select(NewsArticleLaunch.launch_id)))
        missions = set(await session.scalars(select(NewsArticleMission.mission_slug)))
    # SNAPI's launch link was merged into the NASA feed's article.
    assert view.article.title == crew.title and view.launch_ids == [CREW_13]
    assert "launches" in view.topics and "human-spaceflight" in view.topics
    assert len(linked) == 5
    assert {"jwst", "perseverance", "hubble"} <= missions


async def test_re_runs_are_idempotent(db: Database) -> None:
    await ingest(db)
    before = (await count(db, NewsArticle), await count(db, NewsArticleLaunch))
    with shift_time(timedelta(minutes=20)):
        again = await ingest(db)
    assert again.created == 0 and again.merged == 13
    assert (await count(db, NewsArticle), await count(db, NewsArticleLaunch)) == before


async def test_duplicates_by_tracking_params_and_by_title_are_stored_once(db: Database) -> None:
    await ingest(db)
    result = await ingest(db, feeds=(MIRROR,), snapi=None)
    # Same NASA link (http, www, utm_*, fbclid, fragment); same title under another
    # link; and one new story listed twice with different tracking parameters.
    assert (result.created, result.merged) == (1, 3)
    stored = await articles(db)
    assert len(stored) == 13
    saturn = stored["A perfectly new story about Saturn's rings"]
    assert saturn.canonical_url == "https://mirror.example.org/2026/12/04/saturn-rings"
    assert "planetary" in topics_for(saturn.title, saturn.summary, [], False)


async def test_html_in_summaries_is_sanitised(db: Database) -> None:
    result = await ingest(db, feeds=(HOSTILE,), snapi=None)
    assert result.created == 1  # the item without a link is skipped
    [article] = (await articles(db)).values()
    assert article.title == "Comet C/2026 A1 brightens"
    summary = article.summary.lower()
    for bad in (
        "<script",
        "alert(",
        "onclick",
        "onerror",
        "javascript:",
        "<iframe",
        "<style",
        "style=",
        "<img",
    ):
        assert bad not in summary, bad
    assert "<b>brightening</b>" in article.summary
    assert (
        '<a href="https://hostile.example.org/more" rel="noopener noreferrer nofollow">more</a>'
        in article.summary
    )


async def test_a_malformed_feed_is_skipped_and_the_others_ingested(db: Database) -> None:
    from cosmostream.news.fixtures import DEMO_FEEDS

    result = await ingest(db, feeds=(BROKEN, *DEMO_FEEDS))
    assert result.failed_sources == ["broken"]
    assert result.created == 12
    # Recorded (and logged) as the source's last error; it backs off on its own.
    async with db.read() as session:
        state = await session.get(IngestState, "feed:broken")
    assert state is not None and state.blocked_until is not None
    assert state.last_error and "malformed" in state.last_error


async def test_server_errors_and_429_back_off_and_lose_nothing(db: Database) -> None:
    await ingest(db)

    def failing(request: httpx.Request) -> httpx.Response | None:
        if request.url.host == "api.spaceflightnewsapi.net":
            return httpx.Response(429, headers={"Retry-After": "600"}, json={"detail": "Too many"})
        if str(request.url) == NASA_URL:
            return httpx.Response(500, text="Internal Server Error")
        return None

    upstream = Upstream(failing)
    with shift_time(timedelta(minutes=20)):
        result = await ingest(db, upstream)
        assert sorted(result.failed_sources) == ["feed:nasa", "snapi"]
        assert await count(db, NewsArticle) == 12
        async with db.read() as session:
            snapi = await session.get(IngestState, "snapi")
            nasa = await session.get(IngestState, "feed:nasa")
        assert snapi is not None and snapi.blocked_until is not None
        assert round((snapi.blocked_until - utcnow()).total_seconds() / 60) == 10
        assert nasa is not None and nasa.failures == 1
        # Backing off: the next run skips both sources without a request.
        upstream.requests.clear()
        await ingest(db, upstream)
        assert upstream.requests == ["https://www.esa.int/rssfeed/TopNews"]
    with shift_time(timedelta(minutes=40)):
        upstream.requests.clear()
        await ingest(db, upstream)
        assert "https://api.spaceflightnewsapi.net/v4/articles/?limit=50" in upstream.requests


async def test_the_hourly_budget_caps_requests_per_source(db: Database) -> None:
    from cosmostream.news.service import REQUESTS_PER_HOUR

    upstream = Upstream()
    for _ in range(REQUESTS_PER_HOUR + 2):
        await ingest(db, upstream, feeds=(MIRROR,), snapi=None)
    assert len(upstream.requests) == REQUESTS_PER_HOUR


def test_canonical_urls_and_title_hashes() -> None:
    assert canonical_url("HTTP://WWW.Example.org/a/b/?utm_source=x&b=2&a=1&fbclid=z#top") == (
        "https://example.org/a/b?a=1&b=2"
    )
    assert title_hash("NASA\u2019s \u201cWebb\u201d  Finds Ice!") == title_hash(
        "nasa s webb finds ice"
    )
    assert sanitize_summary('<p style="x">ok</p><script>bad()</script>') == "<p>ok</p>"
    long = "<p>" + "word " * 1000 + "</p>"
    assert len(sanitize_summary(long)) < 700 and "<p>" not in sanitize_summary(long)


async def test_demo_loader_is_idempotent(db: Database) -> None:
    from cosmostream.news.fixtures import load_demo_news

    for _ in range(2):
        async with db.unit_of_work() as session:
            await load_demo_news(session)
    assert await count(db, NewsArticle) == 12
