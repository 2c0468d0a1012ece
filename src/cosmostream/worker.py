"""The task queue: one Huey instance, configured at start-up, and the task wrapper.

Storage is SQLite (`<data_dir>/tasks.db`) by default and Redis when `REDIS_URL`
is set. Tasks are async functions; the wrapper runs each one on its worker
thread's own event loop, inside one unit of work, so a task commits once at
the end and its side effects (e-mails, realtime events, more tasks) leave only
after that commit. Tasks take ids, reload state and are safe to retry.

Each decorator also registers its task by name with `effects`, which is how
services enqueue one (`effects.enqueue("video.process", id)`) without importing
the module that defines it. The registry lives in `effects` because `db`
imports `effects`: the other way round would be an import cycle.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import threading
import time
from collections.abc import Awaitable, Callable
from typing import Any, Concatenate, ParamSpec, TypeVar

from huey import Huey, MemoryHuey
from huey.consumer import Consumer
from huey.storage import RedisStorage, SqliteStorage

from cosmostream import effects
from cosmostream.config import Settings, get_settings, use_settings
from cosmostream.db import Database, WriteSession

log = logging.getLogger(__name__)

P = ParamSpec("P")
R = TypeVar("R")

# Storage is replaced by `configure()`; until then nothing can be enqueued
# by accident into a throw-away queue that no consumer reads.
huey: Huey = MemoryHuey("cosmostream", results=False, utc=True)


def configure(settings: Settings) -> Huey:
    """Point the queue at its storage (SQLite file or Redis)."""
    use_settings(settings)
    if settings.redis_url:
        huey.storage = RedisStorage(name="cosmostream", url=settings.redis_url)
    else:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        huey.storage = SqliteStorage(
            name="cosmostream", filename=str((settings.data_dir / "tasks.db").resolve())
        )
    huey.results = False
    return huey


class _ThreadRuntime(threading.local):
    loop: asyncio.AbstractEventLoop | None = None
    db: Database | None = None


_runtime = _ThreadRuntime()


def _thread_loop() -> tuple[asyncio.AbstractEventLoop, Database]:
    """Each worker thread keeps one event loop and one engine for its lifetime."""
    if _runtime.loop is None or _runtime.loop.is_closed():
        _runtime.loop = asyncio.new_event_loop()
        _runtime.db = Database.from_settings(get_settings())
    assert _runtime.db is not None
    return _runtime.loop, _runtime.db


def task(
    name: str, *, retries: int = 0, retry_delay: int = 10, **options: Any
) -> Callable[
    [Callable[Concatenate[WriteSession, P], Awaitable[R]]],
    Any,
]:
    """Register an async function as a Huey task that runs in one unit of work.

    The function gets a write session as its first argument; the wrapper
    commits at the end and then releases the buffered side effects.
    """

    def decorate(fn: Callable[Concatenate[WriteSession, P], Awaitable[R]]) -> Any:
        @functools.wraps(fn)
        def run(*args: P.args, **kwargs: P.kwargs) -> R:
            loop, db = _thread_loop()

            async def unit() -> R:
                async with db.unit_of_work() as session:
                    return await fn(session, *args, **kwargs)

            return loop.run_until_complete(unit())

        registered = huey.task(name=name, retries=retries, retry_delay=retry_delay, **options)
        return _register(name, registered(run))

    return decorate


def _register(name: str, task: Any) -> Any:
    effects.register_task(name, task)
    return task


def job(
    name: str, *, retries: int = 0, retry_delay: int = 10, **options: Any
) -> Callable[[Callable[Concatenate[Database, P], Awaitable[R]]], Any]:
    """Register a long task that commits in steps of its own (e.g. to report progress).

    The function gets the thread's `Database` and opens its own units of work.
    """

    def decorate(fn: Callable[Concatenate[Database, P], Awaitable[R]]) -> Any:
        @functools.wraps(fn)
        def run(*args: P.args, **kwargs: P.kwargs) -> R:
            loop, db = _thread_loop()
            return loop.run_until_complete(fn(db, *args, **kwargs))

        registered = huey.task(name=name, retries=retries, retry_delay=retry_delay, **options)
        return _register(name, registered(run))

    return decorate


def periodic_task(
    name: str, schedule: Any
) -> Callable[[Callable[[WriteSession], Awaitable[R]]], Any]:
    """Register an async function to run on a schedule (a `huey.crontab`), in one unit of work."""

    def decorate(fn: Callable[[WriteSession], Awaitable[R]]) -> Any:
        @functools.wraps(fn)
        def run() -> R | None:
            # Every consumer process runs a scheduler, so a tick may be enqueued
            # once per process: the first run of the minute claims it.
            minute = int(time.time() // 60)
            if not huey.put_if_empty(f"periodic:{name}:{minute}", b"1"):
                return None
            huey.get(f"periodic:{name}:{minute - 1}")  # reading removes the old claim
            loop, db = _thread_loop()

            async def unit() -> R:
                async with db.unit_of_work() as session:
                    return await fn(session)

            return loop.run_until_complete(unit())

        return _register(name, huey.periodic_task(schedule, name=name)(run))

    return decorate


class EmbeddedConsumer:
    """Huey's consumer run as threads inside another process (the all-in-one role).

    Huey's own `Consumer.run()` owns the main thread and its signals; here the
    web server does, so we start and stop the worker threads ourselves.
    """

    def __init__(self, workers: int, *, periodic: bool = True) -> None:
        self.consumer = Consumer(huey, workers=workers, worker_type="thread", periodic=periodic)

    def start(self) -> None:
        self.consumer.scheduler.start()
        for _, thread in self.consumer.worker_threads:
            thread.start()
        log.info(
            "embedded task consumer started with %d workers", len(self.consumer.worker_threads)
        )

    def stop(self, timeout: float = 10.0) -> None:
        self.consumer.stop_flag.set()
        for _, thread in self.consumer.worker_threads:
            thread.join(timeout)
        self.consumer.scheduler.join(timeout)


def registered_tasks() -> tuple[list[str], list[str]]:
    """The names of the tasks this process knows, and of the periodic ones among them."""
    registry = huey._registry  # Huey keeps no public listing of its tasks
    tasks = sorted(cls.__name__ for cls in registry._registry.values())
    periodic = sorted(cls.__name__ for cls in registry._periodic_tasks)
    return tasks, periodic
