"""Billing on Stripe in tests (kept apart from the organization tests' fixtures):
the fake Stripe on a loopback port, the real SDK pointed at it, and helpers to
deliver its signed webhook events to the app and wait for their processing."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from cosmostream.billing.demo import serve
from cosmostream.billing.service import HANDLED_EVENTS, billing_service
from cosmostream.billing.stripe_fake import FakeStripe
from cosmostream.config import Settings
from cosmostream.db import Database
from cosmostream.models import Role, StripeEvent, User
from tests.factories import login, make_user

WEBHOOK_SECRET = "whsec_test_billing_suite"


@pytest.fixture
def fake(settings: Settings) -> Iterator[FakeStripe]:
    stripe_fake = FakeStripe(
        webhook_secret=WEBHOOK_SECRET, public_base="http://stripe.test", hold=True
    )
    with serve(stripe_fake) as base:
        stripe_fake.public_base = base
        settings.billing_mode = "test"
        settings.stripe_api_base = base
        settings.stripe_webhook_secret = WEBHOOK_SECRET
        billing_service.forget_prices()
        yield stripe_fake
    billing_service.forget_prices()


@pytest.fixture
async def people(db: Database) -> dict[str, User]:
    return {
        "viewer": await make_user(db),
        "other": await make_user(db),
        "creator": await make_user(db, role=Role.CREATOR),
        "admin": await make_user(db, role=Role.ADMIN),
    }


@pytest.fixture
async def tokens(db: Database, people: dict[str, User]) -> dict[str, str | None]:
    found: dict[str, str | None] = {"anonymous": None}
    for name, user in people.items():
        found[name] = (await login(db, user)).access_token
    return found


async def post_event(client: httpx.AsyncClient, body: bytes, signature: str) -> httpx.Response:
    return await client.post(
        "/webhooks/stripe",
        content=body,
        headers={"Stripe-Signature": signature, "Content-Type": "application/json"},
    )


async def wait_processed(db: Database, event_ids: list[str], timeout: float = 15.0) -> None:
    """Poll until the task worker processed every event (or fail at the deadline)."""
    deadline = time.monotonic() + timeout
    while True:
        async with db.read() as session:
            done = 0
            for event_id in event_ids:
                event = await session.get(StripeEvent, event_id)
                if event is not None and event.processed_at is not None:
                    done += 1
        if done == len(event_ids):
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"{len(event_ids) - done} events not processed in time")
        await asyncio.sleep(0.05)


async def deliver(
    client: httpx.AsyncClient,
    db: Database,
    fake: FakeStripe,
    deliveries: list[tuple[bytes, str]] | None = None,
) -> list[str]:
    """POST events (the fake's outbox by default), freshly signed, then wait for the
    worker to process them; the event types delivered."""
    if deliveries is None:
        deliveries = fake.take_outbox()
    ids = []
    for body, _ in deliveries:
        response = await post_event(client, body, fake.resign(body))
        assert response.status_code == 200, response.text
        event = json.loads(body)
        if event["type"] in HANDLED_EVENTS:
            ids.append(event["id"])
    await wait_processed(db, ids)
    return fake.event_types(deliveries)


def event_id(body: bytes) -> str:
    found: Any = json.loads(body)["id"]
    return str(found)
