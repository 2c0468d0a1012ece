"""Launches: the LL2 sync (within its request budget), the upcoming list,
follows, and the "lift-off soon" notification of followers."""

from __future__ import annotations

import logging
import uuid
from datetime import datetime, timedelta

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from cosmostream.account.schemas import Actor
from cosmostream.kit import upstream
from cosmostream.kit.time import utcnow
from cosmostream.launch.errors import LaunchNotFound
from cosmostream.launch.ll2 import MalformedPage, parse_page
from cosmostream.launch.repository import launch_follow_repository, launch_repository
from cosmostream.launch.schemas import LaunchData, LaunchView, SyncResult
from cosmostream.models import IngestState, Launch
from cosmostream.notification.service import notification_service

log = logging.getLogger(__name__)

UPCOMING_PATH = "/launches/upcoming/?limit=50&mode=normal"
MAX_UPCOMING = 100
NOTIFY_BATCH = 500
# A launch stays "upcoming" for a while after its NET: holds and scrubs are
# common, and the countdown then shows T+ until the next sync moves it.
UPCOMING_GRACE = timedelta(hours=1)
TIMEOUT = httpx.Timeout(20.0)


class LaunchService:
    async def sync(
        self,
        session: AsyncSession,
        client: httpx.AsyncClient,
        *,
        base_url: str,
        per_hour: int,
        max_pages: int,
        source: str = "ll2",
    ) -> SyncResult:
        """Fetch the upcoming launches (following `next` pages within the budget)
        and upsert them. Never raises for upstream trouble: the failure and its
        back-off are recorded on the source's state, and what was stored stays.
        """
        result = SyncResult()
        state = await upstream.state_of(session, source)
        now = utcnow()
        if upstream.blocked(state, now):
            result.stopped = "backoff"
            return result
        url: str | None = base_url.rstrip("/") + UPCOMING_PATH
        fetched: list[LaunchData] = []
        pages = 0
        while url and pages < max_pages:
            if not upstream.may_request(state, now, per_hour):
                result.stopped = "budget"
                break
            upstream.record_request(state, now)
            result.requests += 1
            try:
                response = await client.get(url, timeout=TIMEOUT)
            except httpx.HTTPError as exc:
                self._failed(result, state, now, f"{type(exc).__name__}: {exc}")
                break
            if response.status_code == 429:
                wait = upstream.retry_after(response.headers.get("Retry-After"), now)
                upstream.record_failure(state, now, "429 Too Many Requests", wait)
                result.stopped = "rate_limited"
                result.errors.append("429")
                log.warning(
                    "Launch Library 2 rate limit: backing off until %s", state.blocked_until
                )
                break
            if response.status_code >= 400:
                self._failed(result, state, now, f"HTTP {response.status_code}")
                break
            try:
                page = parse_page(response.json())
            except (ValueError, MalformedPage) as exc:
                self._failed(result, state, now, f"bad payload: {exc}")
                break
            fetched.extend(page.launches)
            result.skipped_items += page.skipped
            pages += 1
            url = page.next_url
        # Pages fetched before a failure are kept: nothing that arrived is lost.
        result.stored = await launch_repository.upsert(session, fetched, now)
        if pages and not result.errors:
            upstream.record_success(state, now)
        return result

    def _failed(self, result: SyncResult, state: IngestState, now: datetime, error: str) -> None:
        upstream.record_failure(state, now, error)
        result.stopped = "error"
        result.errors.append(error)
        log.warning(
            "Launch Library 2 sync failed (%s); backing off until %s", error, state.blocked_until
        )

    async def upcoming(
        self, session: AsyncSession, limit: int = 10, viewer: Actor | None = None
    ) -> list[LaunchView]:
        """The next launches by NET (including those that just passed it)."""
        limit = max(1, min(limit, MAX_UPCOMING))
        launches = await launch_repository.upcoming(session, utcnow() - UPCOMING_GRACE, limit)
        followed: set[uuid.UUID] = set()
        if viewer is not None:
            followed = await launch_follow_repository.followed_ids(
                session, viewer.id, [launch.id for launch in launches]
            )
        return [LaunchView(launch=launch, followed=launch.id in followed) for launch in launches]

    async def _get(self, session: AsyncSession, launch_id: uuid.UUID) -> Launch:
        launch = await launch_repository.get(session, launch_id)
        if launch is None:
            raise LaunchNotFound()
        return launch

    async def launch(
        self, session: AsyncSession, launch_id: uuid.UUID, viewer: Actor | None = None
    ) -> LaunchView:
        launch = await self._get(session, launch_id)
        followed = False
        if viewer is not None:
            followed = bool(
                await launch_follow_repository.followed_ids(session, viewer.id, [launch.id])
            )
        return LaunchView(launch=launch, followed=followed)

    async def follow(self, session: AsyncSession, actor: Actor, launch_id: uuid.UUID) -> Launch:
        """Follow a launch (idempotent): its followers hear before lift-off."""
        launch = await self._get(session, launch_id)
        await launch_follow_repository.follow(session, actor.id, launch.id)
        return launch

    async def unfollow(self, session: AsyncSession, actor: Actor, launch_id: uuid.UUID) -> Launch:
        launch = await self._get(session, launch_id)
        await launch_follow_repository.unfollow(session, actor.id, launch.id)
        return launch

    async def notify_due(self, session: AsyncSession, minutes_before: int) -> int:
        """Notify followers of launches lifting off within `minutes_before`, once each.

        A follow is marked notified in the same transaction as its notification,
        so a retried or concurrent run sends nothing twice. A launch whose NET
        slips after the notice does not notify again.
        """
        now = utcnow()
        due = await launch_follow_repository.due(
            session, now, now + timedelta(minutes=minutes_before), NOTIFY_BATCH
        )
        by_launch: dict[uuid.UUID, tuple[Launch, list[uuid.UUID]]] = {}
        for follow, launch in due:
            follow.notified_at = now
            by_launch.setdefault(launch.id, (launch, []))[1].append(follow.user_id)
        total = 0
        for launch, user_ids in by_launch.values():
            total += await notification_service.launch_soon(session, launch, user_ids, now)
        return total


launch_service = LaunchService()
