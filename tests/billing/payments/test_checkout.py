"""Checkout, cancel, resume, plan and seat changes and the portal, through the real
SDK against the fake Stripe, with the webhooks that follow delivered."""

from __future__ import annotations

from typing import Any

import httpx

from cosmostream.billing import entitlements
from cosmostream.billing.plans import CLASS_SEATS, VIDEO_PREMIUM
from cosmostream.billing.stripe_fake import FakeStripe
from cosmostream.db import Database
from cosmostream.models import BillingInvoice, Organization, OrganizationMember, Subscription, User
from tests.billing.payments.conftest import deliver
from tests.factories import sign_in


async def _held(db: Database, user: User) -> frozenset[str]:
    async with db.read() as session:
        return await entitlements.held(session, user.id)


async def _subscription(db: Database, user: User) -> Subscription:
    async with db.read() as session:
        from sqlalchemy import select

        found = await session.scalar(select(Subscription).where(Subscription.user_id == user.id))
    assert found is not None
    return found


async def checkout(
    client: httpx.AsyncClient, fake: FakeStripe, user: User, **form: Any
) -> httpx.Response:
    token = await sign_in(client, user)
    data = {"plan": "premium", "interval": "month", "csrf_token": token, **form}
    response = await client.post("/pricing/checkout", data=data)
    assert response.status_code == 303, response.text
    url = response.headers["location"]
    assert url.startswith(fake.public_base + "/checkout/cs_test_")
    return response


async def test_premium_checkout_through_the_hosted_page(
    client: httpx.AsyncClient,
    db: Database,
    fake: FakeStripe,
    people: dict[str, User],
    task_worker: Any,
) -> None:
    viewer = people["viewer"]
    assert await _held(db, viewer) == frozenset()
    response = await checkout(client, fake, viewer)
    # The customer was created with an idempotency key, and so was the session.
    creates = [r for r in fake.requests if r[0] == "POST"]
    assert [r[1] for r in creates] == ["customers", "checkout/sessions"]
    assert all(r[3] for r in creates)
    session = fake.sessions[response.headers["location"].rsplit("/", 1)[1]]
    price = fake.prices[session["_lines"][0]["price"]]
    assert (price["lookup_key"], session["amount_total"]) == ("premium_month", 900)
    # The hosted page, then Pay.
    async with httpx.AsyncClient(base_url=fake.public_base) as browser:
        page = await browser.get(f"/checkout/{session['id']}")
        assert "TEST MODE" in page.text
        paid = await browser.post(f"/checkout/{session['id']}/pay")
    assert paid.status_code == 303
    back = paid.headers["location"]
    assert back == f"http://testserver/settings/billing?checkout={session['id']}"
    types = await deliver(client, db, fake)
    assert set(types) >= {
        "customer.subscription.created",
        "invoice.paid",
        "checkout.session.completed",
    }
    assert VIDEO_PREMIUM in await _held(db, viewer)
    page = await client.get(back.removeprefix("http://testserver"))
    assert page.status_code == 200
    assert 'data-current-plan="premium"' in page.text
    assert "Renews on" in page.text
    assert "data-invoice=" in page.text
    async with db.read() as session_:
        from sqlalchemy import select

        invoices = list(await session_.scalars(select(BillingInvoice)))
    assert [(i.plan, i.amount_paid, i.currency, i.user_id) for i in invoices] == [
        ("premium", 900, "usd", viewer.id)
    ]


async def test_return_from_checkout_syncs_before_any_webhook(
    client: httpx.AsyncClient, db: Database, fake: FakeStripe, people: dict[str, User]
) -> None:
    viewer = people["viewer"]
    response = await checkout(client, fake, viewer, interval="year")
    session_id = response.headers["location"].rsplit("/", 1)[1]
    fake.complete_checkout(session_id)
    fake.take_outbox()  # every webhook lost
    page = await client.get(f"/settings/billing?checkout={session_id}")
    assert 'data-current-plan="premium"' in page.text
    assert "Yearly" in page.text
    sub = await _subscription(db, viewer)
    assert (sub.plan, sub.interval, sub.status.value) == ("premium", "year", "active")
    # Someone else's checkout id does nothing for another user.
    await sign_in(client, people["other"])
    page = await client.get(f"/settings/billing?checkout={session_id}")
    assert 'data-current-plan="free"' in page.text


async def test_cancel_resume_and_change_interval(
    client: httpx.AsyncClient, db: Database, fake: FakeStripe, people: dict[str, User]
) -> None:
    viewer = people["viewer"]
    response = await checkout(client, fake, viewer)
    session_id = response.headers["location"].rsplit("/", 1)[1]
    fake.complete_checkout(session_id)
    await client.get(f"/settings/billing?checkout={session_id}")
    token = client.cookies["cs_csrf"]
    r = await client.post("/settings/billing/cancel", data={"csrf_token": token})
    assert r.status_code == 303
    sub = await _subscription(db, viewer)
    assert sub.cancel_at_period_end
    assert fake.subscriptions[sub.stripe_subscription_id]["cancel_at_period_end"] is True
    page = await client.get("/settings/billing")
    assert "Ends on" in page.text and "Resume my plan" in page.text
    # Still premium until the period ends.
    assert VIDEO_PREMIUM in await _held(db, viewer)
    r = await client.post("/settings/billing/resume", data={"csrf_token": token})
    assert r.status_code == 303
    assert not (await _subscription(db, viewer)).cancel_at_period_end
    # Switching to yearly shows Stripe's proration preview first.
    preview = await client.get("/settings/billing/change?plan=premium&interval=year")
    assert preview.status_code == 200
    assert "Unused time on" in preview.text
    assert 'data-preview-total="' in preview.text
    r = await client.post(
        "/settings/billing/change",
        data={"plan": "premium", "interval": "year", "csrf_token": token},
    )
    assert r.status_code == 303
    sub = await _subscription(db, viewer)
    assert (sub.plan, sub.interval) == ("premium", "year")
    item = fake.subscriptions[sub.stripe_subscription_id]["items"]["data"][0]
    assert item["price"]["lookup_key"] == "premium_year"


async def test_portal_session(
    client: httpx.AsyncClient, db: Database, fake: FakeStripe, people: dict[str, User]
) -> None:
    viewer = people["viewer"]
    response = await checkout(client, fake, viewer)
    token = client.cookies["cs_csrf"]
    r = await client.post("/settings/billing/portal", data={"csrf_token": token})
    assert r.status_code == 303
    url = r.headers["location"]
    assert url.startswith(fake.public_base + "/portal/bps_test_")
    portal = fake.portal_sessions[url.rsplit("/", 1)[1]]
    assert portal["return_url"] == "http://testserver/settings/billing"
    assert (
        portal["customer"]
        == fake.sessions[response.headers["location"].rsplit("/", 1)[1]]["customer"]
    )


async def test_institutional_checkout_creates_the_organization_and_seat_changes(
    client: httpx.AsyncClient, db: Database, fake: FakeStripe, people: dict[str, User]
) -> None:
    buyer = people["creator"]
    response = await checkout(
        client,
        fake,
        buyer,
        plan="institutional",
        interval="month",
        name="Lowell Club",
        slug="lowell-club",
        seats="12",
    )
    session_id = response.headers["location"].rsplit("/", 1)[1]
    assert fake.sessions[session_id]["amount_total"] == 12 * 500
    fake.complete_checkout(session_id)
    page = await client.get(f"/settings/billing?checkout={session_id}")
    assert 'href="/org/lowell-club"' in page.text
    async with db.read() as session:
        from sqlalchemy import select

        org = await session.scalar(select(Organization).where(Organization.slug == "lowell-club"))
        assert org is not None and org.name == "Lowell Club"
        members = list(await session.scalars(select(OrganizationMember)))
    assert [(m.user_id, m.role.value) for m in members] == [(buyer.id, "admin")]
    assert CLASS_SEATS in await _held(db, buyer)
    # Seats: the preview, then the change (subscription item quantity).
    preview = await client.get("/org/lowell-club/seats?seats=20")
    assert preview.status_code == 200 and 'data-preview-total="' in preview.text
    token = client.cookies["cs_csrf"]
    r = await client.post("/org/lowell-club/seats", data={"seats": "20", "csrf_token": token})
    assert r.status_code == 303
    sub_id = fake.sessions[session_id]["subscription"]
    assert fake.subscriptions[sub_id]["items"]["data"][0]["quantity"] == 20
    async with db.read() as session:
        row = await session.scalar(
            select(Subscription).where(Subscription.stripe_subscription_id == sub_id)
        )
    assert row is not None and row.quantity == 20


async def test_a_double_submit_replays_the_same_checkout_session(
    client: httpx.AsyncClient, db: Database, fake: FakeStripe, people: dict[str, User]
) -> None:
    first = await checkout(client, fake, people["viewer"])
    token = client.cookies["cs_csrf"]
    again = await client.post(
        "/pricing/checkout", data={"plan": "premium", "interval": "month", "csrf_token": token}
    )
    assert again.headers["location"] == first.headers["location"]
    assert len(fake.sessions) == 1
    assert len(fake.customers) == 1


async def test_concurrent_syncs_make_one_organization(
    client: httpx.AsyncClient, db: Database, fake: FakeStripe, people: dict[str, User]
) -> None:
    import asyncio

    from sqlalchemy import func, select

    from cosmostream.billing.service import billing_service

    response = await checkout(
        client,
        fake,
        people["creator"],
        plan="institutional",
        name="Yerkes Circle",
        slug="yerkes",
        seats="3",
    )
    session_id = response.headers["location"].rsplit("/", 1)[1]
    sub_id = str(fake.complete_checkout(session_id)["subscription"])

    async def sync() -> None:
        async with db.unit_of_work() as session:
            await billing_service.sync_subscription_id(session, sub_id)

    await asyncio.gather(sync(), sync(), sync())
    async with db.read() as session:
        assert await session.scalar(select(func.count()).select_from(Organization)) == 1
        assert await session.scalar(select(func.count()).select_from(Subscription)) == 1
        assert await session.scalar(select(func.count()).select_from(OrganizationMember)) == 1


async def test_a_trial_when_set(
    client: httpx.AsyncClient,
    db: Database,
    fake: FakeStripe,
    people: dict[str, User],
    settings: Any,
) -> None:
    settings.billing_trial_days = 14
    page = await client.get("/pricing")
    assert "free trial of 14 days" in page.text
    response = await checkout(client, fake, people["viewer"])
    session_id = response.headers["location"].rsplit("/", 1)[1]
    assert fake.sessions[session_id]["_subscription_data"]["trial_period_days"] == "14"
    fake.complete_checkout(session_id)
    await client.get(f"/settings/billing?checkout={session_id}")
    sub = await _subscription(db, people["viewer"])
    assert sub.status.value == "trialing" and sub.trial_end is not None
    assert VIDEO_PREMIUM in await _held(db, people["viewer"])
    invoice = fake.invoices[fake.subscriptions[sub.stripe_subscription_id]["latest_invoice"]]
    assert (invoice["status"], invoice["amount_paid"]) == ("paid", 0)
