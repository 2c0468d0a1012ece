"""Two writers of one subscription at once (review finding 2): whoever fetched from
Stripe last must write last. Each worker takes the subscription's lock BEFORE it
fetches, so a snapshot fetched before a cancellation is never written after it:
webhook events processed concurrently, and a reconciliation whose list is older
than a webhook processed meanwhile."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from sqlalchemy import select
from stripe import SubscriptionService

from cosmostream.billing import entitlements
from cosmostream.billing.plans import VIDEO_PREMIUM
from cosmostream.billing.repository import billing_repository
from cosmostream.billing.service import billing_service
from cosmostream.billing.stripe_fake import FakeStripe
from cosmostream.db import Database
from cosmostream.models import Subscription, User
from tests.factories import actor


async def _subscribed(db: Database, fake: FakeStripe, user: User) -> str:
    url = await billing_service.start_checkout(db, actor(user), "premium", "month")
    sub_id = str(fake.complete_checkout(url.rsplit("/", 1)[1])["subscription"])
    async with db.unit_of_work() as session:
        await billing_service.sync_subscription_id(session, sub_id)
    return sub_id


async def _state(db: Database, user: User) -> tuple[str | None, frozenset[str]]:
    async with db.read() as session:
        row = await session.scalar(select(Subscription).where(Subscription.user_id == user.id))
        keys = await entitlements.held(session, user.id)
    return (None if row is None else row.status.value), keys


def _on_lock(monkeypatch: pytest.MonkeyPatch, task: dict[str, Any]) -> asyncio.Event:
    """An event set when the task in `task["b"]` asks for a subscription's lock (if
    the code takes one at all: without it, the test waits for that task to end)."""
    asked = asyncio.Event()
    original = getattr(billing_repository, "lock_subscription", None)

    async def lock(session: Any, stripe_id: str) -> None:
        if asyncio.current_task() is task.get("b"):
            asked.set()
        if original is not None:
            await original(session, stripe_id)

    monkeypatch.setattr(billing_repository, "lock_subscription", lock, raising=False)
    return asked


async def test_a_stale_fetch_does_not_reactivate_a_cancelled_subscription(
    db: Database, fake: FakeStripe, people: dict[str, User], monkeypatch: pytest.MonkeyPatch
) -> None:
    viewer = people["viewer"]
    sub_id = await _subscribed(db, fake, viewer)
    tasks: dict[str, Any] = {}
    fetched, go_on = asyncio.Event(), asyncio.Event()
    b_asked_for_lock = _on_lock(monkeypatch, tasks)
    original = SubscriptionService.retrieve_async

    async def stalling_retrieve(self: SubscriptionService, *args: Any, **kw: Any) -> Any:
        found = await original(self, *args, **kw)
        if asyncio.current_task() is tasks.get("a"):  # worker A fetched `active`; it stalls
            assert found.status == "active"
            fetched.set()
            await go_on.wait()
        return found

    monkeypatch.setattr(SubscriptionService, "retrieve_async", stalling_retrieve)

    async def process(event_id: str, event_type: str) -> None:
        async with db.unit_of_work() as session:
            await billing_service.process_event(session, event_id, event_type, sub_id)

    tasks["a"] = asyncio.create_task(process("evt_updated", "customer.subscription.updated"))
    await fetched.wait()
    fake.delete_subscription(sub_id)  # the customer cancels now; worker B gets `deleted`
    tasks["b"] = asyncio.create_task(process("evt_deleted", "customer.subscription.deleted"))
    # B either finished (no lock: the bug) or is waiting for the lock A holds.
    b_done = asyncio.ensure_future(asyncio.shield(tasks["b"]))
    asked = asyncio.ensure_future(b_asked_for_lock.wait())
    await asyncio.wait([b_done, asked], return_when=asyncio.FIRST_COMPLETED)
    asked.cancel()
    go_on.set()
    await asyncio.gather(tasks["a"], tasks["b"])
    assert fake.subscriptions[sub_id]["status"] == "canceled"
    status, keys = await _state(db, viewer)
    assert status == "canceled"
    assert VIDEO_PREMIUM not in keys


async def test_reconciliation_does_not_write_a_list_older_than_a_webhook(
    db: Database, fake: FakeStripe, people: dict[str, User], monkeypatch: pytest.MonkeyPatch
) -> None:
    viewer = people["viewer"]
    sub_id = await _subscribed(db, fake, viewer)
    listed, go_on = asyncio.Event(), asyncio.Event()
    tasks: dict[str, Any] = {}
    original = billing_repository.subscription

    async def stalling_read(session: Any, stripe_id: str) -> Subscription | None:
        if asyncio.current_task() is tasks.get("reconcile") and not listed.is_set():
            listed.set()  # Stripe's list (subscription active) is in hand
            await go_on.wait()
        return await original(session, stripe_id)

    monkeypatch.setattr(billing_repository, "subscription", stalling_read)

    async def reconcile() -> int:
        async with db.unit_of_work() as session:
            return await billing_service.reconcile(session)

    tasks["reconcile"] = asyncio.create_task(reconcile())
    await listed.wait()
    fake.delete_subscription(sub_id)
    async with db.unit_of_work() as session:  # the `deleted` webhook, processed meanwhile
        await billing_service.process_event(
            session, "evt_deleted", "customer.subscription.deleted", sub_id
        )
    assert (await _state(db, viewer))[0] == "canceled"
    go_on.set()
    await tasks["reconcile"]
    status, keys = await _state(db, viewer)
    assert status == "canceled"
    assert VIDEO_PREMIUM not in keys


async def test_reconciliation_repairs_a_drifted_row_from_a_fresh_fetch(
    db: Database, fake: FakeStripe, people: dict[str, User]
) -> None:
    """The other direction: a row that really drifted (a webhook never came) is
    repaired, and rows that match Stripe are neither counted nor fetched again."""
    viewer, other = people["viewer"], people["other"]
    drifted = await _subscribed(db, fake, viewer)
    steady = await _subscribed(db, fake, other)
    fake.delete_subscription(drifted)
    fake.requests.clear()
    async with db.unit_of_work() as session:
        assert await billing_service.reconcile(session) == 1
    assert (await _state(db, viewer))[0] == "canceled"
    assert (await _state(db, other))[0] == "active"
    fetched = [r[1] for r in fake.requests if r[0] == "GET" and r[1].startswith("subscriptions/")]
    assert fetched == [f"subscriptions/{drifted}"]
    assert steady not in " ".join(fetched)
