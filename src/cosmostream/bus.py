"""Where realtime events go after commit, from any process or thread.

The effects buffer hands every event here once its transaction has committed.
In a web process the bus is attached to the Socket.IO server (`realtime.py`);
in a stand-alone worker or a command with Redis, it writes to the Socket.IO
Redis channel; otherwise events are dropped, since no one could receive them.
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from typing import Any

import socketio

log = logging.getLogger(__name__)

# Internal: disconnect every socket in a room (`user:<id>`, `session:<id>`), on every process.
KICK_EVENT = "cs:kick"
# Internal: take a user's sockets out of one room (`data["room"]`), on every process.
LEAVE_EVENT = "cs:leave"


class Bus:
    """Where domains' realtime events go after commit.

    In a web process it is the Socket.IO server (reached from worker threads on
    the server's loop); in a stand-alone worker with Redis, a write-only Redis
    manager; otherwise events are dropped (no one could receive them).
    """

    def __init__(self) -> None:
        self.server: socketio.AsyncServer | None = None
        self.loop: asyncio.AbstractEventLoop | None = None
        self.external_url: str | None = None
        self._external: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Any] = (
            weakref.WeakKeyDictionary()
        )

    def attach(self, server: socketio.AsyncServer, loop: asyncio.AbstractEventLoop) -> None:
        self.server, self.loop = server, loop

    def attach_external(self, redis_url: str) -> None:
        self.external_url = redis_url

    def detach(self, server: socketio.AsyncServer | None = None) -> None:
        if server is None or server is self.server:
            self.server = self.loop = None
            self.external_url = None
            self._external.clear()

    def _external_manager(self) -> Any:
        # A Redis connection belongs to one event loop; worker threads each have their own.
        loop = asyncio.get_running_loop()
        manager = self._external.get(loop)
        if manager is None:
            manager = self._external[loop] = socketio.AsyncRedisManager(
                self.external_url, write_only=True
            )
        return manager

    async def emit(self, event: str, data: Any, *, room: str) -> None:
        if self.server is not None and self.loop is not None:
            coro = self.server.emit(event, data, room=room)
            try:
                running = asyncio.get_running_loop()
            except RuntimeError:
                running = None
            if running is self.loop:
                await coro
            else:
                await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(coro, self.loop))
        elif self.external_url is not None:
            await self._external_manager().emit(event, data, room=room)
        else:
            log.debug("no realtime server: dropped %s to %s", event, room)

    async def kick_user(self, user_id: str) -> None:
        await self.emit(KICK_EVENT, None, room=f"user:{user_id}")

    async def kick_session(self, session_id: str) -> None:
        await self.emit(KICK_EVENT, None, room=f"session:{session_id}")

    async def remove_from_room(self, user_id: str, room: str) -> None:
        """Take every socket of a user out of `room`, on whichever process holds it."""
        await self.emit(LEAVE_EVENT, {"room": room}, room=f"user:{user_id}")


bus = Bus()
