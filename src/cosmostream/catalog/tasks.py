"""Periodic discovery upkeep: trending scores and the rising-creators ranking."""

from __future__ import annotations

from huey import crontab

from cosmostream.catalog.service import catalog_service
from cosmostream.db import WriteSession
from cosmostream.worker import periodic_task


async def recompute_trending(session: WriteSession) -> None:
    """Refresh every video's trending score and the rising creators (safe to run any time)."""
    await catalog_service.recompute_trending(session)
    await catalog_service.recompute_rising_creators(session)


recompute_trending_task = periodic_task("catalog.trending", crontab(minute="*/10"))(
    recompute_trending
)
