"""The news ingest, every 20 minutes."""

from __future__ import annotations

import httpx
from huey import crontab

from cosmostream.config import get_settings
from cosmostream.db import WriteSession
from cosmostream.news.schemas import IngestResult
from cosmostream.news.service import feeds_from_settings, news_service
from cosmostream.worker import periodic_task

USER_AGENT = "CosmoStream news (+https://github.com/cosmostream)"


async def ingest_news(session: WriteSession) -> IngestResult | None:
    settings = get_settings()
    if not settings.fetch_space_data:
        return None
    async with httpx.AsyncClient(headers={"User-Agent": USER_AGENT}) as client:
        return await news_service.ingest(
            session,
            client,
            feeds=feeds_from_settings(settings.news_feeds),
            snapi_url=settings.snapi_url or None,
        )


ingest_news_task = periodic_task("news.ingest", crontab(minute="3,23,43"))(ingest_news)
