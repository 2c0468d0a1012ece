"""Socket.IO transport of the studio: the `analytics:<kind>:<id>` realtime room.

Joining is authorized like the service (a channel's creator or an admin, …;
anything else is refused as not found). Each web process runs one broadcaster,
only while one of its own sockets is in an analytics room: every 5 seconds it
computes each watched scope's realtime snapshot once and emits
`analytics.realtime` to the room's local sockets when the figures changed
(`ignore_queue`: each process serves its own members, nobody gets it twice).
"""

from __future__ import annotations

import asyncio
import logging
import time
import weakref
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from cosmostream.account.schemas import Actor
from cosmostream.analytics import views
from cosmostream.analytics.errors import AnalyticsNotFound
from cosmostream.analytics.schemas import RealtimeSnapshot, Scope
from cosmostream.analytics.service import analytics_service
from cosmostream.realtime import Realtime, register_room

log = logging.getLogger(__name__)

ROOM_KIND = "analytics"
REALTIME = "analytics.realtime"
INTERVAL_SECONDS = 5.0


def scope_of(ident: str) -> Scope:
    """`channel:<id>` (the room name without `analytics:`) → its scope; `platform:all`."""
    kind, _, rest = ident.partition(":")
    scope = views.parse_scope("platform" if kind == "platform" and rest == "all" else ident)
    # One name per scope (a UUID has many spellings): the broadcaster's work
    # grows with the rooms, not with the ways to write them.
    if views.room(scope) != f"{ROOM_KIND}:{ident}":
        raise AnalyticsNotFound()
    return scope


def payload(snapshot: RealtimeSnapshot) -> dict[str, Any]:
    return snapshot.model_dump(mode="json", by_alias=True)


def _figures(snapshot: RealtimeSnapshot) -> tuple[Any, ...]:
    """What a change means: the numbers, not the time they were read."""
    return (tuple((p.at, p.value) for p in snapshot.hours), snapshot.watching_now)


@dataclass
class RealtimeBroadcaster:
    rt: Realtime
    interval: float = INTERVAL_SECONDS
    sent: dict[str, tuple[Any, ...]] = field(default_factory=dict)
    emits: int = 0
    _running: bool = False

    def watched(self) -> list[str]:
        """The analytics rooms with at least one socket in this process."""
        rooms: dict[Any, Any] = self.rt.sio.manager.rooms.get("/", {})
        return sorted(
            name
            for name, members in list(rooms.items())
            if isinstance(name, str) and name.startswith(f"{ROOM_KIND}:") and members
        )

    def ensure_running(self) -> None:
        if self._running:
            return
        self._running = True
        self.rt.after_event(self._run())

    async def _run(self) -> None:
        try:
            while True:
                if not self.watched():
                    return
                started = time.monotonic()
                try:
                    await self.tick()
                except Exception:
                    log.exception("analytics realtime tick failed")
                await asyncio.sleep(max(0.5, self.interval - (time.monotonic() - started)))
        finally:
            self._running = False

    async def tick(self) -> int:
        """Send each watched room its snapshot if it changed; how many were sent."""
        rooms = self.watched()
        for gone in set(self.sent) - set(rooms):
            del self.sent[gone]
        sent = 0
        for room in rooms:
            scope = scope_of(room.removeprefix(f"{ROOM_KIND}:"))
            async with self.rt.db.read() as session:
                snapshot = await analytics_service.snapshot(session, scope)
            figures = _figures(snapshot)
            if self.sent.get(room) == figures:
                continue
            self.sent[room] = figures
            await self.rt.sio.emit(REALTIME, payload(snapshot), room=room, ignore_queue=True)
            sent += 1
        self.emits += sent
        return sent


_broadcasters: weakref.WeakKeyDictionary[Realtime, RealtimeBroadcaster] = (
    weakref.WeakKeyDictionary()
)


def broadcaster_of(rt: Realtime) -> RealtimeBroadcaster:
    found = _broadcasters.get(rt)
    if found is None:
        found = _broadcasters[rt] = RealtimeBroadcaster(rt)
    return found


def install(rt: Realtime) -> None:
    """Register the analytics room on `rt`."""
    broadcaster = broadcaster_of(rt)

    async def authorize(session: AsyncSession, actor: Actor | None, ident: str) -> None:
        await analytics_service.authorize(session, actor, scope_of(ident))

    async def welcome(session: AsyncSession, actor: Actor | None, ident: str) -> dict[str, Any]:
        snapshot = await analytics_service.snapshot(session, scope_of(ident))
        broadcaster.ensure_running()
        return {"realtime": payload(snapshot)}

    register_room(ROOM_KIND, authorize, welcome=welcome)
