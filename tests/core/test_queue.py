"""The task queue on its two storages: SQLite by default, Redis when configured."""

from __future__ import annotations

import uuid

import pytest

from cosmostream import mail as outgoing
from cosmostream import worker
from cosmostream.config import Settings
from cosmostream.db import Database
from tests.conftest import REDIS_URL, MailSink


async def test_sqlite_queue_is_the_default(settings: Settings, app: object) -> None:
    assert type(worker.huey.storage).__name__ == "SqliteStorage"
    assert (settings.data_dir / "tasks.db").exists()


async def test_queued_task_survives_until_a_worker_runs_it(
    db: Database, mail: MailSink, settings: Settings
) -> None:
    """A task enqueued while no worker runs is delivered once one starts (e.g. after a restart)."""
    async with db.unit_of_work():
        outgoing.queue(outgoing.Mail(to="later@example.com", subject="Later", text="queued"))
    assert worker.huey.pending_count() == 1
    # No scheduler: periodic ticks enqueued at start would race the count below.
    consumer = worker.EmbeddedConsumer(workers=1, periodic=False)
    consumer.start()
    try:
        mail.wait_for("later@example.com")
    finally:
        consumer.stop()
    assert worker.huey.pending_count() == 0


@pytest.mark.skipif(not REDIS_URL, reason="COSMOSTREAM_TEST_REDIS_URL is not set")
async def test_redis_queue_delivers(db: Database, mail: MailSink, settings: Settings) -> None:
    redis_settings = settings.model_copy(update={"redis_url": REDIS_URL})
    huey = worker.configure(redis_settings)
    huey.storage.name = f"cosmostream-test-{uuid.uuid4().hex[:8]}"
    try:
        assert type(huey.storage).__name__ == "RedisStorage"
        async with db.unit_of_work():
            outgoing.queue(outgoing.Mail(to="redis@example.com", subject="Via Redis", text="hi"))
        assert huey.pending_count() == 1
        consumer = worker.EmbeddedConsumer(workers=1)
        consumer.start()
        try:
            [message] = mail.wait_for("redis@example.com")
        finally:
            consumer.stop()
        assert message["Subject"] == "Via Redis"
    finally:
        huey.storage.flush_all()
        worker.configure(settings)


@pytest.mark.skipif(not REDIS_URL, reason="COSMOSTREAM_TEST_REDIS_URL is not set")
async def test_readyz_checks_redis(settings: Settings) -> None:
    import httpx

    from cosmostream.main import create_app

    for url, expected in ((REDIS_URL, 200), ("redis://127.0.0.1:1/0", 503)):
        app = create_app(settings.model_copy(update={"redis_url": url}), embedded_worker=False)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            response = await client.get("/readyz")
        assert response.status_code == expected, response.text
        assert "redis" in response.json()["checks"]
    worker.configure(settings)


async def test_periodic_tick_runs_once_across_consumers(settings: Settings, app: object) -> None:
    """Two processes' schedulers may enqueue the same tick; only one run does the work."""
    import asyncio

    from cosmostream.account.tasks import purge_stale_task

    first = await asyncio.to_thread(purge_stale_task.call_local)
    second = await asyncio.to_thread(purge_stale_task.call_local)
    assert first is not None and "sessions" in first
    assert second is None
