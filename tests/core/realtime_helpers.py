"""Helpers for the realtime tests: a real server on a port and a small Socket.IO client.

`serve()` runs the real ASGI app (Socket.IO wrapped around FastAPI) with uvicorn
as a task in the test's event loop, so services called by the test and the
server share one loop, exactly like requests in production.

`SocketClient` speaks Engine.IO v4 / Socket.IO v5 over a WebSocket, which is
what `socket.io-client` does with `transports: ["websocket"]`. It is written on
`websockets` (already installed through `uvicorn[standard]`) because
python-socketio's AsyncClient needs aiohttp, which the project does not depend
on. Only what the tests need is implemented: connect with an `auth` payload or
a cookie, events with acknowledgements, server events, pings, disconnects.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import socketio
import uvicorn
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake

from cosmostream.config import Settings
from cosmostream.db import Database
from cosmostream.main import create_asgi
from cosmostream.models import User
from cosmostream.realtime import Realtime
from tests.conftest import REDIS_URL, free_port
from tests.factories import login, make_user

DEFAULT_TIMEOUT = 5.0


class Refused(Exception):
    """The server answered the Socket.IO connect with CONNECT_ERROR (or never opened)."""

    def __init__(self, data: Any) -> None:
        super().__init__(f"connection refused: {data!r}")
        self.data = data

    def mentions(self, code: str) -> bool:
        return code in json.dumps(self.data)


class Disconnected(Exception):
    """The socket was closed before the awaited packet arrived."""


class SocketClient:
    def __init__(self, ws: ClientConnection) -> None:
        self.ws = ws
        self.sid: str | None = None
        self.events: list[tuple[str, Any]] = []
        self.closed = asyncio.Event()
        self.close_reason: str | None = None
        self._acks: dict[int, asyncio.Future[list[Any]]] = {}
        self._next_ack = 0
        self._connected: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._changed = asyncio.Event()
        self._reader: asyncio.Task[None] | None = None
        self._sending: set[asyncio.Future[None]] = set()

    # -- connecting ----------------------------------------------------------

    @classmethod
    async def connect(
        cls,
        base_url: str,
        *,
        token: str | None = None,
        auth: Any = None,
        cookie: str | None = None,
        origin: str | None = None,
        timeout: float = DEFAULT_TIMEOUT,
    ) -> SocketClient:
        url = base_url.replace("http://", "ws://").rstrip("/")
        headers = {"Cookie": cookie} if cookie else None
        try:
            ws = await connect(
                f"{url}/socket.io/?EIO=4&transport=websocket",
                additional_headers=headers,
                origin=origin,  # type: ignore[arg-type]
                open_timeout=timeout,
                max_size=2**20,
            )
        except InvalidHandshake as exc:
            raise Refused({"handshake": str(exc)}) from None
        client = cls(ws)
        try:
            opening = await asyncio.wait_for(ws.recv(), timeout)
            if not isinstance(opening, str) or not opening.startswith("0"):
                raise Refused({"engineio": opening})
            client._reader = asyncio.create_task(client._read())
            if auth is None and token is not None:
                auth = {"token": token}
            await ws.send("40" + (json.dumps(auth) if auth is not None else ""))
            try:
                client.sid = (await asyncio.wait_for(asyncio.shield(client._connected), timeout))[
                    "sid"
                ]
            except Disconnected:
                raise Refused({"closed": client.close_reason}) from None
        except BaseException:
            await client.close()
            raise
        return client

    # -- sending ---------------------------------------------------------------

    def emit_nowait(
        self, event: str, data: Any = None, *, with_data: bool = True
    ) -> asyncio.Future[list[Any]]:
        """Send an event asking for an ack; return the future of the ack's arguments."""
        ack_id = self._next_ack
        self._next_ack += 1
        future: asyncio.Future[list[Any]] = asyncio.get_running_loop().create_future()
        if self.closed.is_set():
            future.set_exception(Disconnected(self.close_reason))
            return future
        self._acks[ack_id] = future
        args = [event, data] if with_data else [event]
        # Sent from tasks (in order) so a burst can be queued without awaiting each one.
        task = asyncio.ensure_future(
            self._send(f"42{ack_id}" + json.dumps(args, separators=(",", ":")))
        )
        self._sending.add(task)
        task.add_done_callback(self._sending.discard)
        return future

    async def call(
        self,
        event: str,
        data: Any = None,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        with_data: bool = True,
    ) -> Any:
        """Emit and wait for the acknowledgement (its first argument)."""
        args = await asyncio.wait_for(self.emit_nowait(event, data, with_data=with_data), timeout)
        return args[0] if args else None

    async def join(self, room: str, **kwargs: Any) -> Any:
        return await self.call("join", {"room": room}, **kwargs)

    async def _send(self, text: str) -> None:
        try:
            await self.ws.send(text)
        except ConnectionClosed:
            self._mark_closed("transport closed")

    # -- receiving -------------------------------------------------------------

    def received(self, event: str) -> list[Any]:
        return [data for name, data in self.events if name == event]

    async def wait_event(
        self, event: str, *, count: int = 1, timeout: float = DEFAULT_TIMEOUT
    ) -> list[Any]:
        """Wait until `count` events of that name have arrived; return them all."""
        await self._wait_for(
            lambda: len(self.received(event)) >= count, timeout, f"{count} x {event!r}"
        )
        return self.received(event)

    async def wait_closed(self, timeout: float = DEFAULT_TIMEOUT) -> None:
        try:
            await asyncio.wait_for(self.closed.wait(), timeout)
        except TimeoutError:
            raise AssertionError(f"socket {self.sid} still connected after {timeout}s") from None

    async def _wait_for(self, predicate: Callable[[], bool], timeout: float, what: str) -> None:
        deadline = time.monotonic() + timeout
        while not predicate():
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(f"timed out waiting for {what}; got {self.events!r}")
            self._changed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), remaining)

    async def _read(self) -> None:
        try:
            async for message in self.ws:
                if isinstance(message, bytes):
                    continue
                await self._on_engineio(message)
                if self.closed.is_set():
                    break
        except ConnectionClosed:
            pass
        finally:
            self._mark_closed(self.close_reason or "transport closed")

    async def _on_engineio(self, message: str) -> None:
        kind, body = message[:1], message[1:]
        if kind == "2":  # ping
            await self._send("3" + body)
        elif kind == "1":  # close
            self._mark_closed("engine.io close")
        elif kind == "4":
            self._on_socketio(body)

    def _on_socketio(self, packet: str) -> None:
        kind, rest = packet[:1], packet[1:]
        if rest.startswith("/"):  # namespace other than "/"; not used by the tests
            _, _, rest = rest.partition(",")
        digits = ""
        while rest[:1].isdigit():
            digits, rest = digits + rest[0], rest[1:]
        data = json.loads(rest) if rest else None
        if kind == "0":
            if not self._connected.done():
                self._connected.set_result(data)
        elif kind == "4":
            if not self._connected.done():
                self._connected.set_exception(Refused(data))
        elif kind == "1":
            self._mark_closed("server disconnect")
        elif kind == "2" and isinstance(data, list) and data:
            self.events.append((data[0], data[1] if len(data) == 2 else data[1:]))
        elif kind == "3" and digits:
            future = self._acks.pop(int(digits), None)
            if future is not None and not future.done():
                future.set_result(data if isinstance(data, list) else [data])
        self._changed.set()

    def _mark_closed(self, reason: str) -> None:
        if self.closed.is_set():
            return
        self.close_reason = reason
        self.closed.set()
        self._changed.set()
        for future in self._acks.values():
            if not future.done():
                future.set_exception(Disconnected(reason))
        self._acks.clear()
        if not self._connected.done():
            self._connected.set_exception(Disconnected(reason))

    async def close(self) -> None:
        self._mark_closed(self.close_reason or "client close")
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self.ws.close(), 2)
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(BaseException):
                await self._reader
        # Futures nobody awaited must not log "exception was never retrieved".
        if self._connected.done() and not self._connected.cancelled():
            self._connected.exception()


class Sockets:
    """Opens clients against servers and closes every one of them at the end."""

    def __init__(self) -> None:
        self.clients: list[SocketClient] = []

    async def open(self, served: Served | str, **kwargs: Any) -> SocketClient:
        url = served if isinstance(served, str) else served.url
        client = await SocketClient.connect(url, **kwargs)
        self.clients.append(client)
        return client

    async def refused(self, served: Served | str, **kwargs: Any) -> Refused:
        try:
            client = await self.open(served, **kwargs)
        except Refused as exc:
            return exc
        raise AssertionError(f"connection was accepted (sid {client.sid})")

    async def close_all(self) -> None:
        for client in self.clients:
            await client.close()

    @contextlib.asynccontextmanager
    async def closing(self) -> AsyncIterator[None]:
        """Close the clients before the servers around this block stop."""
        try:
            yield
        finally:
            await self.close_all()


async def signed_in(db: Database, **kwargs: Any) -> tuple[User, str]:
    user = await make_user(db, **kwargs)
    result = await login(db, user)
    return user, result.access_token


# -- servers ---------------------------------------------------------------------


class _Server(uvicorn.Server):
    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        # The test runner owns the signals (Ctrl-C must still stop pytest).
        yield


@dataclass
class Served:
    url: str
    port: int
    asgi: Any
    server: uvicorn.Server

    @property
    def app(self) -> Any:
        return self.asgi.other_asgi_app

    @property
    def db(self) -> Database:
        database: Database = self.app.state.db
        return database

    @property
    def realtime(self) -> Realtime:
        rt: Realtime = self.app.state.realtime
        return rt


@contextlib.asynccontextmanager
async def serve(settings: Settings, *, timeout: float = 15.0) -> AsyncIterator[Served]:
    """Run `create_asgi(settings)` with uvicorn on a free port inside this loop."""
    asgi = create_asgi(settings, embedded_worker=False)
    port = free_port()
    config = uvicorn.Config(
        asgi,
        host="127.0.0.1",
        port=port,
        log_level="warning",
        lifespan="on",
        ws="websockets-sansio",
        timeout_graceful_shutdown=2,
    )
    server = _Server(config)
    task = asyncio.create_task(server.serve())
    deadline = time.monotonic() + timeout
    while not server.started:
        if task.done():
            task.result()
            raise RuntimeError("uvicorn stopped before it started")
        if time.monotonic() > deadline:
            raise RuntimeError(f"uvicorn did not start within {timeout}s")
        await asyncio.sleep(0.02)
    served = Served(url=f"http://127.0.0.1:{port}", port=port, asgi=asgi, server=server)
    try:
        yield served
    finally:
        await _quiesce(served.db)
        server.should_exit = True
        try:
            await asyncio.wait_for(task, 10)
        except TimeoutError:
            server.force_exit = True
            task.cancel()
            with contextlib.suppress(BaseException):
                await task


async def _quiesce(db: Database, timeout: float = 10.0) -> None:
    """Let event handlers still at work (say, after a flood) finish their transactions.

    Stopping the loop under a handler that waits on SQLite's write lock would
    leave its connection stuck for the whole busy timeout.
    """
    pools = {id(e): e.pool for e in (db.write_engine, db.read_engine)}.values()

    def busy() -> int:
        return sum(int(getattr(pool, "checkedout", lambda: 0)()) for pool in pools)

    deadline = time.monotonic() + timeout
    idle = 0
    while idle < 3 and time.monotonic() < deadline:
        idle = idle + 1 if busy() == 0 else 0
        await asyncio.sleep(0.02)


@contextlib.contextmanager
def web_processes(settings: Settings, count: int, tmp: Path) -> Iterator[list[str]]:
    assert REDIS_URL
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("COSMOSTREAM_", "DATABASE_URL", "REDIS_URL", "JWT_SECRET"))
    }
    env.update(
        COSMOSTREAM_ENV="test",
        COSMOSTREAM_DATA_DIR=str(settings.data_dir),
        COSMOSTREAM_BASE_URL=settings.base_url,
        COSMOSTREAM_LOG_LEVEL="WARNING",
        DATABASE_URL=settings.resolved_database_url,
        REDIS_URL=REDIS_URL,
        JWT_SECRET=settings.secret_key,
    )
    script = Path(sys.executable).with_name("cosmostream")
    command = (
        [str(script)]
        if script.exists()
        else [sys.executable, "-c", "from cosmostream.cli import app; app()"]
    )
    procs: list[tuple[subprocess.Popen[bytes], str, Path]] = []
    try:
        for n in range(count):
            port = free_port()
            log = tmp / f"web{n}.log"
            with log.open("wb") as out:
                proc = subprocess.Popen(
                    [*command, "web", "--host", "127.0.0.1", "--port", str(port)],
                    cwd=tmp,
                    env=env,
                    stdout=out,
                    stderr=subprocess.STDOUT,
                )
            procs.append((proc, f"http://127.0.0.1:{port}", log))
        deadline = time.monotonic() + 30
        for proc, url, log in procs:
            while True:
                if proc.poll() is not None:
                    raise AssertionError(f"web process exited:\n{log.read_text()}")
                with contextlib.suppress(httpx.HTTPError):
                    if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                        break
                if time.monotonic() > deadline:
                    raise AssertionError(f"web process not ready:\n{log.read_text()}")
                time.sleep(0.1)
        yield [url for _, url, _ in procs]
    finally:
        for proc, _, _ in procs:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc, _, _ in procs:
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


@contextlib.asynccontextmanager
async def redis_writer() -> AsyncIterator[socketio.AsyncRedisManager]:
    """What a stand-alone worker uses: a write-only manager on the shared channel."""
    assert REDIS_URL
    manager = socketio.AsyncRedisManager(REDIS_URL, write_only=True)
    try:
        yield manager
    finally:
        redis = getattr(manager, "redis", None)
        if redis is not None:
            with contextlib.suppress(Exception):
                await redis.aclose()


async def until_subscribed(
    manager: socketio.AsyncRedisManager, client: SocketClient, room: str, *, timeout: float = 10
) -> None:
    """A server subscribes to Redis when its first client connects: wait for that.

    Probes are sent through Redis until one reaches `client`; every later
    assertion then measures delivery, not subscription start-up.
    """
    deadline = time.monotonic() + timeout
    probe = 0
    while not client.received("test.probe"):
        if time.monotonic() > deadline:
            raise AssertionError(f"no probe reached {client.sid} through Redis in {timeout}s")
        probe += 1
        await manager.emit("test.probe", {"probe": probe}, room=room)
        with contextlib.suppress(AssertionError):
            await client.wait_event("test.probe", timeout=0.2)
