"""Shared fixtures: a migrated database per backend, the app, clients, mail and workers.

Every database test runs on SQLite and, when COSMOSTREAM_TEST_DATABASE_URL is
set, on PostgreSQL too. Migrations run once per backend per session; each test
then gets a clean copy (SQLite: a copied file; PostgreSQL: truncated tables).

The suite runs on every core with pytest-xdist. A session is one worker
process: it migrates its own PostgreSQL database (named by pid) and uses a
Redis database of its own (see `worker_redis_url`).
"""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
import threading
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import Message
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
import sqlalchemy as sa
from aiosmtpd.controller import Controller
from argon2 import PasswordHasher

from cosmostream import worker
from cosmostream.account import passwords
from cosmostream.config import Environment, Settings, normalize_database_url, use_settings
from cosmostream.db import Database
from cosmostream.graphql import execution as graphql_execution
from cosmostream.main import create_app
from cosmostream.migrate import upgrade
from cosmostream.models import Base


def worker_redis_url(url: str | None) -> str | None:
    """The configured Redis database number plus the xdist worker's index (gw0, gw1, ...).

    Queues, presence keys and flushes of one worker never meet another's. Socket.IO's
    pub/sub channel is the same in every database, but its messages go to rooms and
    sockets named by random ids, so a worker's servers never deliver another's.
    """
    if not url:
        return None
    worker_id = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
    parts = urlsplit(url)
    database = int(parts.path.strip("/") or 0) + int(worker_id.removeprefix("gw"))
    return parts._replace(path=f"/{database}").geturl()


PG_URL = os.environ.get("COSMOSTREAM_TEST_DATABASE_URL")
REDIS_URL = worker_redis_url(os.environ.get("COSMOSTREAM_TEST_REDIS_URL"))
BACKENDS = ["sqlite"] + (["postgresql"] if PG_URL else [])


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def template_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.db"
    upgrade(f"sqlite+aiosqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def pg_database() -> Iterator[str]:
    """A throw-away PostgreSQL database for this session, migrated once."""
    assert PG_URL
    admin_url = normalize_database_url(PG_URL)
    name = f"cs_test_{os.getpid()}_{uuid.uuid4().hex[:6]}"

    async def create() -> None:
        engine = sa.ext.asyncio.create_async_engine(admin_url, isolation_level="AUTOCOMMIT")
        async with engine.connect() as conn:
            await conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
        await engine.dispose()

    async def drop() -> None:
        engine = sa.ext.asyncio.create_async_engine(admin_url, isolation_level="AUTOCOMMIT")
        async with engine.connect() as conn:
            await conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        await engine.dispose()

    asyncio.run(create())
    url = admin_url.rsplit("/", 1)[0] + f"/{name}"
    upgrade(url)
    yield url
    asyncio.run(drop())


# The tables that hold rows, in one query. A test leaves rows in a few tables only,
# and truncating just those is several times cheaper than truncating all of them
# (each TRUNCATE replaces the files of the table and of its indexes).
TABLES_WITH_ROWS = sa.union_all(
    *(
        sa.select(sa.literal(table.name)).where(sa.exists().select_from(table))
        for table in Base.metadata.sorted_tables
    )
)


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        target = tmp_path / "cosmostream.db"
        shutil.copy(request.getfixturevalue("template_sqlite"), target)
        return f"sqlite+aiosqlite:///{target}"
    url: str = request.getfixturevalue("pg_database")

    async def truncate() -> None:
        engine = sa.ext.asyncio.create_async_engine(url)
        async with engine.begin() as conn:
            used = (await conn.execute(TABLES_WITH_ROWS)).scalars().all()
            if used:
                tables = ", ".join(f'"{name}"' for name in used)
                await conn.execute(sa.text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        await engine.dispose()

    asyncio.run(truncate())
    return url


@dataclass
class MailSink:
    """Messages received by the real SMTP server on loopback."""

    messages: list[Message] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(message_from_bytes(envelope.content))
        return "250 OK"

    def wait_for(self, to: str, *, count: int = 1, timeout: float = 15) -> list[Message]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = [m for m in self.messages if m["To"] == to]
            if len(found) >= count:
                return found
            time.sleep(0.05)
        raise AssertionError(f"no mail for {to} within {timeout}s (have {len(self.messages)})")


CHEAP_HASHER = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
CHEAP_DUMMY_HASH = CHEAP_HASHER.hash("cosmostream-timing-equaliser")


@pytest.fixture(autouse=True)
def graphql_in_one_slice(monkeypatch: pytest.MonkeyPatch) -> None:
    """Build every GraphQL answer in one go, as on an idle machine.

    Slicing (graphql/execution.py) lets a DataLoader batch split where a slice
    ends, so on a busy machine a test could count one more query than on an idle
    one. Tests of slicing set `SLICE_SECONDS` themselves.
    """
    monkeypatch.setattr(graphql_execution, "SLICE_SECONDS", 1e9)


@pytest.fixture(autouse=True)
def cheap_password_hashing(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """Cheap argon2 parameters for every test: the defaults cost ~0.3 s a hash or a login.

    The dummy hash that unknown accounts are verified against gets the same cheap
    parameters, so both login paths still cost the same. Tests of hashing itself are
    marked `real_password_hashing` and keep argon2's defaults.
    """
    if request.node.get_closest_marker("real_password_hashing"):
        return
    monkeypatch.setattr(passwords, "hasher", CHEAP_HASHER)
    monkeypatch.setattr(passwords, "_DUMMY_HASH", CHEAP_DUMMY_HASH)


@pytest.fixture
def smtp() -> Iterator[tuple[MailSink, int]]:
    sink = MailSink()
    port = free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    yield sink, port
    controller.stop()


@pytest.fixture
def settings(tmp_path: Path, database_url: str, smtp: tuple[MailSink, int]) -> Iterator[Settings]:
    s = Settings(
        env=Environment.TEST,
        data_dir=tmp_path / "data",
        database_url=database_url,
        jwt_secret="test-secret-" + "x" * 40,
        redis_url=None,
        smtp_host="127.0.0.1",
        smtp_port=smtp[1],
        base_url="http://testserver",
        run_embedded_worker=False,
        log_level="WARNING",
    )
    s.data_dir.mkdir(parents=True)
    use_settings(s)
    yield s
    use_settings(None)


@pytest.fixture
def mail(smtp: tuple[MailSink, int]) -> MailSink:
    return smtp[0]


@pytest.fixture
async def app(settings: Settings) -> AsyncIterator[Any]:
    application = create_app(settings, embedded_worker=False)
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture
async def client(app: Any) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app, client=("203.0.113.7", 50000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        yield c


@pytest.fixture
async def db(app: Any) -> Database:
    database: Database = app.state.db
    return database


@contextmanager
def running_consumer(workers: int = 2) -> Iterator[worker.EmbeddedConsumer]:
    """A real Huey consumer (threads) that polls its queue every 50-200 ms."""
    consumer = worker.EmbeddedConsumer(workers=workers)
    consumer.consumer.default_delay = 0.05
    consumer.consumer.max_delay = 0.2
    for w, _ in consumer.consumer.worker_threads:
        w.delay = w.default_delay = 0.05
        w.max_delay = 0.2
    consumer.start()
    try:
        yield consumer
    finally:
        consumer.stop()


@pytest.fixture
def task_worker(app: Any) -> Iterator[worker.EmbeddedConsumer]:
    """A real consumer reading the app's real queue storage."""
    with running_consumer() as consumer:
        yield consumer


def wait_until(predicate: Any, timeout: float = 10.0, interval: float = 0.05) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(interval)
    raise AssertionError("condition not met in time")


__all__ = ["MailSink", "free_port", "threading", "wait_until"]
