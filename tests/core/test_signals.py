"""Signals: receivers run in the sender's unit of work, in order, once each."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from cosmostream import domains
from cosmostream.db import Database
from cosmostream.engagement.signals import playback_step
from cosmostream.learning.progress import progress_service
from cosmostream.models import Category
from cosmostream.signals import Receiver, Signal


async def test_receivers_run_in_order_inside_the_senders_transaction(db: Database) -> None:
    signal: Signal[str] = Signal("test.happened")
    seen: list[str] = []

    async def first(session: AsyncSession, payload: str) -> None:
        seen.append(f"first:{payload}")
        session.add(Category(slug="written-by-a-receiver", name="Receiver", icon="star"))

    async def failing(session: AsyncSession, payload: str) -> None:
        seen.append(f"failing:{payload}")
        raise RuntimeError("receiver failed")

    Receiver(signal, first).connect()
    Receiver(signal, first).connect()  # connecting twice connects once
    signal.connect(failing)
    with pytest.raises(RuntimeError):
        async with db.unit_of_work() as session:
            await signal.send(session, "x")
    assert seen == ["first:x", "failing:x"]
    async with db.read() as session:  # the receiver's write went with the sender's rollback
        count = await session.scalar(
            select(func.count())
            .select_from(Category)
            .where(Category.slug == "written-by-a-receiver")
        )
    assert count == 0
    signal.disconnect(failing)
    async with db.unit_of_work() as session:
        await signal.send(session, "y")
    assert seen[-1] == "first:y"


def test_the_domains_connect_their_receivers() -> None:
    domains.all_domains()
    assert progress_service.on_playback in playback_step._handlers
