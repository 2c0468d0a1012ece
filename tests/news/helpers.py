"""Feeds and the Spaceflight News API faked at the HTTP boundary."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import httpx

from cosmostream.db import Database
from cosmostream.news.fixtures import DEMO_FEEDS, DEMO_SNAPI, recorded
from cosmostream.news.schemas import FeedConfig, IngestResult
from cosmostream.news.service import news_service

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "space"
NASA_URL = "https://www.nasa.gov/news-release/feed/"
ESA_URL = "https://www.esa.int/rssfeed/TopNews"
MIRROR = FeedConfig("mirror", "Mirror Space News", "https://mirror.example.org/feed/")
HOSTILE = FeedConfig("hostile", "Hostile Space Blog", "https://hostile.example.org/feed/")
BROKEN = FeedConfig("broken", "Broken Feed", "https://broken.example.org/feed/")

Answer = Callable[[httpx.Request], httpx.Response | None]


def test_file(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


class Upstream:
    """Serves the recorded demo files plus the test fixtures; `override` answers first."""

    def __init__(self, override: Answer | None = None) -> None:
        self.override = override
        self.requests: list[str] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        url = str(request.url)
        self.requests.append(url)
        if self.override is not None:
            answer = self.override(request)
            if answer is not None:
                return answer
        files = {
            NASA_URL: recorded("nasa.rss"),
            ESA_URL: recorded("esa.atom"),
            DEMO_SNAPI: recorded("snapi-articles.json"),
            MIRROR.url: test_file("feed-duplicates.rss"),
            HOSTILE.url: test_file("feed-hostile.rss"),
            BROKEN.url: test_file("malformed-feed.xml"),
        }
        if url in files:
            return httpx.Response(200, content=files[url])
        if request.url.host == "api.spaceflightnewsapi.net":
            return httpx.Response(
                200, json={"count": 0, "next": None, "previous": None, "results": []}
            )
        return httpx.Response(404)


async def ingest(
    db: Database,
    upstream: Upstream | None = None,
    feeds: tuple[FeedConfig, ...] = DEMO_FEEDS,
    snapi: str | None = DEMO_SNAPI,
) -> IngestResult:
    transport = httpx.MockTransport(upstream or Upstream())
    async with httpx.AsyncClient(transport=transport) as client, db.unit_of_work() as session:
        return await news_service.ingest(session, client, feeds=feeds, snapi_url=snapi)
