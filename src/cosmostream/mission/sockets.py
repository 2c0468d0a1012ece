"""Socket.IO transport of missions: the `mission:<slug>` room and its telemetry ticker.

Anyone may join a mission room; the join ack carries the current telemetry.
Each web process runs one ticker, and only while at least one of its own
sockets is in some mission room: once a second it computes each watched
mission's telemetry once, whatever the number of subscribers, and emits it to
the room's local sockets (`ignore_queue`: every process serves its own
subscribers, so nothing crosses Redis and nobody gets a tick twice).
"""

from __future__ import annotations

import asyncio
import logging
import time
import weakref
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from cosmostream.account.schemas import Actor
from cosmostream.kit.time import utcnow
from cosmostream.mission.errors import MissionNotFound
from cosmostream.mission.service import TelemetrySource, mission_service
from cosmostream.realtime import Realtime, register_room

log = logging.getLogger(__name__)

ROOM_PREFIX = "mission:"
TELEMETRY = "mission.telemetry"


def mission_room(slug: str) -> str:
    return f"{ROOM_PREFIX}{slug}"


@dataclass
class TickStats:
    """Counters the tests and the benchmark read."""

    ticks: int = 0
    computations: int = 0
    emits: int = 0
    compute_seconds: float = 0.0
    emit_seconds: float = 0.0
    # Computations in each of the last completed ticks (one per watched mission).
    per_tick: deque[int] = field(default_factory=lambda: deque(maxlen=100))


@dataclass
class TelemetryTicker:
    rt: Realtime
    interval: float = 1.0
    # Mission rows and elements are re-read this often, not every tick.
    source_ttl: float = 60.0
    stats: TickStats = field(default_factory=TickStats)
    _running: bool = False
    _sources: dict[str, tuple[float, TelemetrySource]] = field(default_factory=dict)

    @property
    def running(self) -> bool:
        return self._running

    def watched(self) -> list[str]:
        """Slugs of the mission rooms that have at least one socket in this process."""
        rooms: dict[Any, Any] = self.rt.sio.manager.rooms.get("/", {})
        return sorted(
            name[len(ROOM_PREFIX) :]
            for name, members in list(rooms.items())
            if isinstance(name, str) and name.startswith(ROOM_PREFIX) and members
        )

    def ensure_running(self) -> None:
        if self._running:
            return
        self._running = True  # before the task starts, so two joins start one loop
        self.rt.after_event(self._run())

    async def _run(self) -> None:
        try:
            while True:
                slugs = self.watched()
                if not slugs:
                    return
                started = time.monotonic()
                try:
                    await self.tick(slugs)
                except Exception:
                    log.exception("mission telemetry tick failed")
                # Sleep to the next whole interval so ticks do not drift.
                elapsed = time.monotonic() - started
                await asyncio.sleep(max(0.05, self.interval - elapsed))
        finally:
            self._running = False

    async def source(self, slug: str) -> TelemetrySource | None:
        now = time.monotonic()
        cached = self._sources.get(slug)
        if cached is not None and cached[0] > now:
            return cached[1]
        try:
            async with self.rt.db.read() as session:
                found = await mission_service.telemetry_source(session, slug)
        except MissionNotFound:
            self._sources.pop(slug, None)
            return None
        self._sources[slug] = (now + self.source_ttl, found)
        return found

    async def tick(self, slugs: list[str]) -> None:
        """Compute each watched mission's telemetry once and send it to its room."""
        at = utcnow()
        computed = 0
        for slug in slugs:
            source = await self.source(slug)
            if source is None:
                continue
            t0 = time.perf_counter()
            telemetry = mission_service.compute_telemetry(source, at)
            t1 = time.perf_counter()
            self.stats.computations += 1
            computed += 1
            self.stats.compute_seconds += t1 - t0
            if telemetry is None:
                continue
            await self.rt.sio.emit(
                TELEMETRY, telemetry.payload(), room=mission_room(slug), ignore_queue=True
            )
            self.stats.emits += 1
            self.stats.emit_seconds += time.perf_counter() - t1
        self.stats.ticks += 1
        self.stats.per_tick.append(computed)


_tickers: weakref.WeakKeyDictionary[Realtime, TelemetryTicker] = weakref.WeakKeyDictionary()


def ticker_of(rt: Realtime) -> TelemetryTicker:
    ticker = _tickers.get(rt)
    if ticker is None:
        ticker = _tickers[rt] = TelemetryTicker(rt)
    return ticker


def install(rt: Realtime) -> None:
    """Register the mission room on `rt`."""
    ticker = ticker_of(rt)

    async def authorize(session: AsyncSession, actor: Actor | None, ident: str) -> None:
        if not await mission_service.exists(session, ident):
            raise MissionNotFound()

    async def welcome(session: AsyncSession, actor: Actor | None, ident: str) -> dict[str, Any]:
        telemetry = await mission_service.telemetry(session, ident)
        ticker.ensure_running()
        return {"telemetry": telemetry.payload() if telemetry else None}

    register_room("mission", authorize, welcome=welcome)
