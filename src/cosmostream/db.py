"""Engines, sessions and the unit of work.

Two engines share one database: a write engine whose transactions on SQLite
start with BEGIN IMMEDIATE (so concurrent writers queue on the lock instead of
failing on upgrade), and a read engine for queries that never write. One unit
of work per request, GraphQL mutation, task or socket event: it commits at the
boundary and only then lets the buffered side effects out.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.pool import NullPool

from cosmostream import effects
from cosmostream.config import Settings

log = logging.getLogger(__name__)


class ReadSession(AsyncSession):
    """A session for reads only; flushing it is a bug."""

    async def commit(self) -> None:
        raise RuntimeError("read sessions never commit")


class WriteSession(AsyncSession):
    pass


def _sqlite_setup(engine: AsyncEngine, *, immediate: bool) -> None:
    sync_engine = engine.sync_engine

    @event.listens_for(sync_engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the driver, decide when transactions begin.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=15000")
        cur.close()

    if immediate:

        @event.listens_for(sync_engine, "begin")
        def _on_begin(conn: Any) -> None:
            conn.exec_driver_sql("BEGIN IMMEDIATE")

    # Readers run in autocommit: each SELECT sees a consistent WAL snapshot of
    # its own, and no BEGIN/ROLLBACK round trips are paid on the hot path.


def make_engine(url: str, *, immediate: bool = False, pooled: bool = True) -> AsyncEngine:
    kwargs: dict[str, Any] = {}
    if not pooled:
        kwargs["poolclass"] = NullPool
    elif url.startswith("postgresql"):
        kwargs.update(pool_size=10, max_overflow=10, pool_pre_ping=True)
    engine = create_async_engine(url, **kwargs)
    if url.startswith("sqlite"):
        _sqlite_setup(engine, immediate=immediate)
    return engine


class Database:
    def __init__(self, url: str, *, pooled: bool = True) -> None:
        self.url = url
        self.is_sqlite = url.startswith("sqlite")
        self.write_engine = make_engine(url, immediate=True, pooled=pooled)
        self.read_engine = (
            make_engine(url, immediate=False, pooled=pooled)
            if self.is_sqlite
            else self.write_engine
        )
        self._writer = async_sessionmaker(
            self.write_engine, class_=WriteSession, expire_on_commit=False
        )
        self._reader = async_sessionmaker(
            self.read_engine, class_=ReadSession, expire_on_commit=False, autoflush=False
        )

    @classmethod
    def from_settings(cls, settings: Settings, *, pooled: bool = True) -> Database:
        if settings.is_sqlite:
            settings.data_dir.mkdir(parents=True, exist_ok=True)
        return cls(settings.resolved_database_url, pooled=pooled)

    @asynccontextmanager
    async def read(self) -> AsyncIterator[ReadSession]:
        async with self._reader() as session:
            yield session

    @asynccontextmanager
    async def unit_of_work(self) -> AsyncIterator[WriteSession]:
        """One transaction; side effects leave only after it commits."""
        buffer = effects.Effects()
        with effects.activate(buffer):
            try:
                async with self._writer() as session:
                    yield session
                    await session.commit()
            except BaseException:
                await buffer.discard()
                raise
            await buffer.flush()

    @asynccontextmanager
    async def independent(self) -> AsyncIterator[WriteSession]:
        """A short transaction of its own that commits even if the caller's fails.

        For records that must survive a rolled-back request, such as the
        failure counters of the login throttle.
        """
        async with self._writer() as session:
            yield session
            await session.commit()

    async def ping(self) -> None:
        async with self.read_engine.connect() as conn:
            await conn.execute(text("SELECT 1"))

    async def dispose(self) -> None:
        await self.write_engine.dispose()
        if self.read_engine is not self.write_engine:
            await self.read_engine.dispose()
