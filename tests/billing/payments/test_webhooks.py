"""The Stripe webhook: signatures, duplicates, each event's entitlement effect,
every pair of events in both orders, reconciliation after dropped webhooks,
cancellations and failed payments over time."""

from __future__ import annotations

import itertools
import json
import time
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from cosmostream.billing import entitlements
from cosmostream.billing.plans import VIDEO_PREMIUM
from cosmostream.billing.service import HANDLED_EVENTS, billing_service
from cosmostream.billing.stripe_fake import DAY, FakeStripe
from cosmostream.billing.tasks import reconcile
from cosmostream.db import Database
from cosmostream.kit.time import utcnow
from cosmostream.models import StripeEvent, Subscription, User
from tests.billing.payments.conftest import deliver, post_event, wait_processed
from tests.factories import gql, login, make_user, sign_in

pytestmark = pytest.mark.usefixtures("task_worker")


async def held(db: Database, user: User, **kw: Any) -> frozenset[str]:
    async with db.read() as session:
        return await entitlements.held(session, user.id, **kw)


async def row(db: Database, user: User) -> Subscription | None:
    async with db.read() as session:
        return await session.scalar(select(Subscription).where(Subscription.user_id == user.id))


async def subscribe(db: Database, fake: FakeStripe, user: User, interval: str = "month") -> str:
    """Start Checkout through the service (the real SDK) and pay on the fake; the
    subscription id. Events stay in the fake's outbox."""
    from tests.factories import actor

    url = await billing_service.start_checkout(db, actor(user), "premium", interval)
    session_obj = fake.complete_checkout(url.rsplit("/", 1)[1])
    return str(session_obj["subscription"])


def by_type(deliveries: list[tuple[bytes, str]], event_type: str) -> list[tuple[bytes, str]]:
    return [d for d in deliveries if json.loads(d[0])["type"] == event_type]


# -- signatures ---------------------------------------------------------------------


async def test_bad_signatures_are_refused(
    client: httpx.AsyncClient, db: Database, fake: FakeStripe, people: dict[str, User]
) -> None:
    await subscribe(db, fake, people["viewer"])
    body, _ = fake.take_outbox()[0]
    good = fake.resign(body)
    tampered = body.replace(b'"livemode": false', b'"livemode": true')
    assert tampered != body
    reserialized = json.dumps(json.loads(body), separators=(",", ":")).encode()
    stale = fake.resign(body, timestamp=int(time.time()) - 301)
    other_secret = FakeStripe(webhook_secret="whsec_someone_else").resign(body)
    for payload, signature in [
        (tampered, good),
        (reserialized, good),
        (body, stale),
        (body, other_secret),
        (body, ""),
        (body, "t=abc,v1=zz"),
    ]:
        response = await post_event(client, payload, signature)
        assert response.status_code == 400, (payload[:40], signature)
        assert response.json()["code"] == "bad_signature"
    async with db.read() as session:
        assert await session.scalar(select(func.count()).select_from(StripeEvent)) == 0
    assert (await post_event(client, body, good)).status_code == 200


async def test_a_duplicate_is_processed_once(
    client: httpx.AsyncClient, db: Database, fake: FakeStripe, people: dict[str, User]
) -> None:
    sub_id = await subscribe(db, fake, people["viewer"])
    (body, _), *_ = by_type(fake.take_outbox(), "customer.subscription.created")
    first = await post_event(client, body, fake.resign(body))
    assert first.json() == {"received": True, "duplicate": False}
    await wait_processed(db, [json.loads(body)["id"]])
    fetches = [r for r in fake.requests if r[:2] == ("GET", f"subscriptions/{sub_id}")]
    second = await post_event(client, body, fake.resign(body))
    assert second.status_code == 200
    assert second.json() == {"received": True, "duplicate": True}
    # A later delivery that is processed proves the queue moved past the duplicate.
    sub2 = await subscribe(db, fake, people["other"])
    await deliver(client, db, fake)
    assert await row(db, people["other"]) is not None
    refetches = [r for r in fake.requests if r[:2] == ("GET", f"subscriptions/{sub_id}")]
    assert len(refetches) == len(fetches)
    assert sub2 != sub_id
    async with db.read() as session:
        assert (
            await session.scalar(
                select(func.count())
                .select_from(StripeEvent)
                .where(StripeEvent.id == json.loads(body)["id"])
            )
            == 1
        )


async def test_a_retry_of_an_unprocessed_event_is_queued_again(
    client: httpx.AsyncClient, db: Database, fake: FakeStripe, people: dict[str, User]
) -> None:
    """The event was stored but its queuing was lost after the commit (review
    finding 8b): Stripe's retry, a duplicate, must queue it again."""
    viewer = people["viewer"]
    await subscribe(db, fake, viewer)
    (body, _), *_ = by_type(fake.take_outbox(), "customer.subscription.created")
    event = json.loads(body)
    async with db.unit_of_work() as session:  # what is left when enqueue failed
        session.add(StripeEvent(id=event["id"], type=event["type"], received_at=utcnow()))
    assert await held(db, viewer) == frozenset()
    retry = await post_event(client, body, fake.resign(body))
    assert retry.status_code == 200
    assert retry.json() == {"received": True, "duplicate": True}
    await wait_processed(db, [event["id"]])
    assert VIDEO_PREMIUM in await held(db, viewer)


# -- each event type and its effect -------------------------------------------------


@pytest.mark.parametrize(
    "event_type",
    ["checkout.session.completed", "customer.subscription.created", "invoice.paid"],
)
async def test_each_event_of_a_purchase_grants_premium_alone(
    client: httpx.AsyncClient,
    db: Database,
    fake: FakeStripe,
    people: dict[str, User],
    event_type: str,
) -> None:
    viewer = people["viewer"]
    await subscribe(db, fake, viewer)
    assert await held(db, viewer) == frozenset()
    await deliver(client, db, fake, by_type(fake.take_outbox(), event_type))
    assert VIDEO_PREMIUM in await held(db, viewer)


async def test_updated_then_deleted(
    client: httpx.AsyncClient, db: Database, fake: FakeStripe, people: dict[str, User]
) -> None:
    viewer = people["viewer"]
    sub_id = await subscribe(db, fake, viewer)
    await deliver(client, db, fake)
    fake.subscriptions[sub_id]["cancel_at_period_end"] = True
    fake._emit("customer.subscription.updated", fake.subscriptions[sub_id])
    assert await deliver(client, db, fake) == ["customer.subscription.updated"]
    found = await row(db, viewer)
    assert found is not None and found.cancel_at_period_end
    assert VIDEO_PREMIUM in await held(db, viewer)
    fake.delete_subscription(sub_id)
    assert await deliver(client, db, fake) == ["customer.subscription.deleted"]
    found = await row(db, viewer)
    assert found is not None and found.status.value == "canceled"
    assert await held(db, viewer) == frozenset()


async def test_payment_failed_grace_then_no_access(
    client: httpx.AsyncClient, db: Database, fake: FakeStripe, people: dict[str, User]
) -> None:
    viewer = people["viewer"]
    sub_id = await subscribe(db, fake, viewer)
    await deliver(client, db, fake)
    customer = fake.subscriptions[sub_id]["customer"]
    fake.fail_next_invoice(customer)
    fake.advance_clock(31 * DAY)
    types = await deliver(client, db, fake, by_type(fake.take_outbox(), "invoice.payment_failed"))
    assert types == ["invoice.payment_failed"]
    found = await row(db, viewer)
    assert found is not None and found.status.value == "past_due"
    assert found.payment_failed_at is not None
    failed = found.payment_failed_at
    assert VIDEO_PREMIUM in await held(db, viewer, now=failed + timedelta(days=6))
    assert await held(db, viewer, now=failed + timedelta(days=7, seconds=1)) == frozenset()
    # GraphQL tells the subscriber, with the date access stops.
    token = (await login(db, viewer)).access_token
    body = (
        await gql(client, "{ myBilling { status paymentFailed graceEndsAt } }", token=token)
    ).json()
    mine = body["data"]["myBilling"]
    assert (mine["status"], mine["paymentFailed"]) == ("past_due", True)
    assert mine["graceEndsAt"].startswith((failed + timedelta(days=7)).strftime("%Y-%m-%dT"))
    # The banner on the billing page, with the date access stops.
    await sign_in(client, viewer)
    page = await client.get("/settings/billing")
    assert "data-payment-failed" in page.text
    assert (failed + timedelta(days=7)).strftime("%Y-%m-%d") in page.text
    # Paying the invoice (card updated) ends the grace: access stays.
    fake.pay_open_invoice(sub_id)
    assert "invoice.paid" in await deliver(client, db, fake)
    found = await row(db, viewer)
    assert found is not None and found.payment_failed_at is None
    assert found.status.value == "active"
    assert VIDEO_PREMIUM in await held(db, viewer, now=failed + timedelta(days=8))


async def test_a_cancellation_taking_effect_removes_access_on_the_next_request(
    client: httpx.AsyncClient, db: Database, fake: FakeStripe, people: dict[str, User]
) -> None:
    viewer = people["viewer"]
    sub_id = await subscribe(db, fake, viewer)
    await deliver(client, db, fake)
    token = await sign_in(client, viewer)
    assert (
        await client.post("/settings/billing/cancel", data={"csrf_token": token})
    ).status_code == 303
    found = await row(db, viewer)
    assert found is not None and found.current_period_end is not None
    end = found.current_period_end
    assert VIDEO_PREMIUM in await held(db, viewer, now=end - timedelta(seconds=1))
    # The period ended: no access, even before Stripe's `deleted` arrives.
    assert await held(db, viewer, now=end + timedelta(seconds=1)) == frozenset()
    fake.advance_clock(31 * DAY)
    assert fake.subscriptions[sub_id]["status"] == "canceled"
    await deliver(client, db, fake)
    page = await client.get("/settings/billing")
    assert 'data-current-plan="free"' in page.text
    assert await held(db, viewer) == frozenset()


# -- order --------------------------------------------------------------------------


def _state(found: Subscription | None) -> tuple[Any, ...]:
    assert found is not None
    return (
        found.status,
        found.plan,
        found.interval,
        found.cancel_at_period_end,
        found.payment_failed_at is not None,
        found.ended_at is not None,
    )


PAIRS = list(itertools.combinations(HANDLED_EVENTS, 2))


async def test_every_pair_of_events_in_both_orders_ends_the_same(
    client: httpx.AsyncClient, db: Database, fake: FakeStripe
) -> None:
    """For each pair of event types, two subscriptions with the same history get
    the pair delivered in opposite orders (the rest dropped); both end in the state
    Stripe has, which a full resync gives."""
    for first, second in PAIRS:
        ends = []
        for order in ((first, second), (second, first)):
            user = await make_user(db)
            sub_id = await subscribe(db, fake, user)
            # A history where every event type happens: a failed renewal, then the end.
            fake.fail_next_invoice(fake.subscriptions[sub_id]["customer"])
            fake.advance_clock(31 * DAY)
            fake.delete_subscription(sub_id)
            outbox = fake.take_outbox()
            picked = [by_type(outbox, t)[-1] for t in order]
            await deliver(client, db, fake, picked)
            ends.append(_state(await row(db, user)))
            truth = await billing_service_state(db, sub_id)
            assert ends[-1] == truth, (order, ends[-1], truth)
        assert ends[0] == ends[1], (first, second)
        assert ends[0][0].value == "canceled"


async def billing_service_state(db: Database, sub_id: str) -> tuple[Any, ...]:
    async with db.unit_of_work() as session:
        synced = await billing_service.sync_subscription_id(session, sub_id)
        return _state(synced)


# -- reconciliation -----------------------------------------------------------------


async def test_reconciliation_repairs_dropped_webhooks(
    client: httpx.AsyncClient, db: Database, fake: FakeStripe, people: dict[str, User]
) -> None:
    viewer, other = people["viewer"], people["other"]
    kept = await subscribe(db, fake, viewer)
    await deliver(client, db, fake)
    dropped = await subscribe(db, fake, other)
    fake.take_outbox()  # never delivered
    fake.subscriptions[kept]["cancel_at_period_end"] = True  # a change nobody told us of
    fake.take_outbox()
    assert await row(db, other) is None
    assert VIDEO_PREMIUM not in await held(db, other)
    async with db.unit_of_work() as session:
        repaired = await reconcile(session)
    assert repaired == 2
    found = await row(db, other)
    assert found is not None and found.stripe_subscription_id == dropped
    assert found.status.value == "active"
    assert VIDEO_PREMIUM in await held(db, other)
    kept_row = await row(db, viewer)
    assert kept_row is not None and kept_row.cancel_at_period_end
    # Nothing left to repair.
    async with db.unit_of_work() as session:
        assert await reconcile(session) == 0
    # A deletion whose webhook was dropped.
    fake.delete_subscription(dropped)
    fake.take_outbox()
    async with db.unit_of_work() as session:
        assert await reconcile(session) == 1
    assert await held(db, other) == frozenset()


async def test_reconciliation_reads_every_page(db: Database, fake: FakeStripe) -> None:
    users = [await make_user(db) for _ in range(5)]
    for user in users:
        await subscribe(db, fake, user)
    fake.take_outbox()
    async with db.unit_of_work() as session:
        assert await billing_service.reconcile(session, page_size=2) == 5
    pages = [r for r in fake.requests if r[:2] == ("GET", "subscriptions")]
    assert len(pages) == 3
    assert [p[2].get("starting_after") is not None for p in pages] == [False, True, True]
    for user in users:
        assert VIDEO_PREMIUM in await held(db, user)


async def test_every_paid_invoice_is_recorded_for_revenue(
    client: httpx.AsyncClient, db: Database, fake: FakeStripe, people: dict[str, User]
) -> None:
    from cosmostream.models import BillingInvoice

    viewer = people["viewer"]
    sub_id = await subscribe(db, fake, viewer)
    await deliver(client, db, fake)
    fake.advance_clock(31 * DAY)
    fake.advance_clock(31 * DAY)
    paid = by_type(fake.take_outbox(), "invoice.paid")
    assert len(paid) == 2
    await deliver(client, db, fake, paid)
    async with db.read() as session:
        rows = list(
            await session.scalars(
                select(BillingInvoice)
                .where(BillingInvoice.stripe_subscription_id == sub_id)
                .order_by(BillingInvoice.period_start)
            )
        )
    assert [(r.plan, r.amount_paid, r.user_id) for r in rows] == [("premium", 900, viewer.id)] * 3
    assert rows[0].period_end <= rows[1].period_start < rows[2].period_start
