"""Launch tasks: the LL2 sync every 30 minutes and the "lift-off soon" notices."""

from __future__ import annotations

import httpx
from huey import crontab

from cosmostream.config import get_settings
from cosmostream.db import WriteSession
from cosmostream.launch.schemas import SyncResult
from cosmostream.launch.service import launch_service
from cosmostream.worker import periodic_task

USER_AGENT = "CosmoStream (+https://github.com/cosmostream) launch sync"


async def sync_launches(session: WriteSession) -> SyncResult | None:
    """Two runs an hour, up to `ll2_max_pages_per_sync` requests each: well
    inside the free tier's 15 an hour, which the shared budget enforces anyway."""
    settings = get_settings()
    if not settings.fetch_space_data:
        return None
    async with httpx.AsyncClient(headers={"User-Agent": USER_AGENT}) as client:
        return await launch_service.sync(
            session,
            client,
            base_url=settings.ll2_base_url,
            per_hour=settings.ll2_requests_per_hour,
            max_pages=settings.ll2_max_pages_per_sync,
        )


async def notify_launch_followers(session: WriteSession) -> int:
    return await launch_service.notify_due(session, get_settings().launch_notify_minutes_before)


sync_launches_task = periodic_task("launch.sync", crontab(minute="7,37"))(sync_launches)
notify_launch_followers_task = periodic_task("launch.notify", crontab(minute="*"))(
    notify_launch_followers
)
