"""Periodic fetchers: CelesTrak GP elements (at most every 2 h) and JPL Horizons
vector tables (daily). The service decides whether a run is due, so these can
tick often and cost nothing when there is nothing to do."""

from __future__ import annotations

from typing import Any

import httpx
from huey import crontab

from cosmostream.config import get_settings
from cosmostream.db import WriteSession
from cosmostream.mission.service import TIMEOUT, mission_service
from cosmostream.worker import periodic_task


def _client() -> httpx.AsyncClient:
    return httpx.AsyncClient(timeout=TIMEOUT, follow_redirects=True)


async def refresh_elements(session: WriteSession) -> dict[str, Any] | None:
    if not get_settings().fetch_space_data:
        return None
    async with _client() as client:
        return await mission_service.refresh_elements(session, client)


async def refresh_horizons(session: WriteSession) -> dict[str, Any] | None:
    if not get_settings().fetch_space_data:
        return None
    async with _client() as client:
        return await mission_service.refresh_horizons(session, client)


refresh_elements_task = periodic_task("mission.refresh_elements", crontab(minute="*/15"))(
    refresh_elements
)
refresh_horizons_task = periodic_task("mission.refresh_horizons", crontab(minute="40"))(
    refresh_horizons
)
