"""Demo news with no network: the shipped NASA RSS, ESA Atom and SNAPI files go
through the real ingest (an httpx MockTransport serves them by URL)."""

from __future__ import annotations

from importlib import resources

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from cosmostream.news.schemas import FeedConfig, IngestResult
from cosmostream.news.service import news_service

DEMO_FEEDS = (
    FeedConfig("nasa", "NASA", "https://www.nasa.gov/news-release/feed/"),
    FeedConfig("esa", "ESA", "https://www.esa.int/rssfeed/TopNews"),
)
DEMO_SNAPI = "https://api.spaceflightnewsapi.net/v4/articles/?limit=50"
FILES = {
    "https://www.nasa.gov/news-release/feed/": ("nasa.rss", "application/rss+xml"),
    "https://www.esa.int/rssfeed/TopNews": ("esa.atom", "application/atom+xml"),
    DEMO_SNAPI: ("snapi-articles.json", "application/json"),
}
EMPTY_SNAPI_PAGE = b'{"count": 0, "next": null, "previous": null, "results": []}'


def recorded(name: str) -> bytes:
    return resources.files("cosmostream.data").joinpath(f"space/news/{name}").read_bytes()


def transport() -> httpx.MockTransport:
    def serve(request: httpx.Request) -> httpx.Response:
        found = FILES.get(str(request.url))
        if found is not None:
            return httpx.Response(
                200, content=recorded(found[0]), headers={"Content-Type": found[1]}
            )
        if request.url.host == "api.spaceflightnewsapi.net":
            # Later SNAPI pages: the recording has only the first one.
            return httpx.Response(200, content=EMPTY_SNAPI_PAGE)
        return httpx.Response(404)

    return httpx.MockTransport(serve)


async def load_demo_news(session: AsyncSession) -> IngestResult:
    async with httpx.AsyncClient(transport=transport()) as client:
        return await news_service.ingest(
            session, client, feeds=DEMO_FEEDS, snapi_url=DEMO_SNAPI, state_prefix="demo:"
        )
