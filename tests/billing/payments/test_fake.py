"""The fake Stripe itself: its form decoding, its key check, and its objects'
shapes as the real SDK reads them."""

from __future__ import annotations

import httpx
import pytest
import stripe

from cosmostream.billing.demo import serve
from cosmostream.billing.stripe_fake import FakeStripe, decode_form


def test_decode_form_nests_like_stripe() -> None:
    body = (
        "line_items[0][price]=price_1&line_items[0][quantity]=3&metadata[plan]=premium"
        "&expand[0]=latest_invoice&cancel_at_period_end=true"
    )
    assert decode_form(body) == {
        "line_items": [{"price": "price_1", "quantity": "3"}],
        "metadata": {"plan": "premium"},
        "expand": ["latest_invoice"],
        "cancel_at_period_end": "true",
    }


async def test_only_its_own_key_is_accepted() -> None:
    fake = FakeStripe(webhook_secret="whsec_x", api_key="sk_test_right")
    transport = httpx.ASGITransport(app=fake.app)
    async with httpx.AsyncClient(transport=transport, base_url="http://fake") as client:
        wrong = await client.get("/v1/prices", headers={"Authorization": "Bearer sk_test_wrong"})
        assert wrong.status_code == 401
        none = await client.get("/v1/prices")
        assert none.status_code == 401
        right = await client.get("/v1/prices", headers={"Authorization": "Bearer sk_test_right"})
        assert right.status_code == 200
        assert {p["lookup_key"] for p in right.json()["data"]} == {
            "premium_month",
            "premium_year",
            "institutional_seat_month",
            "institutional_seat_year",
        }


async def test_the_sdk_reads_its_objects() -> None:
    fake = FakeStripe(webhook_secret="whsec_x", hold=True)
    with serve(fake) as base:
        client = stripe.StripeClient(
            "sk_test_any", base_addresses={"api": base}, http_client=stripe.HTTPXClient()
        )
        prices = await client.v1.prices.list_async(params={"lookup_keys": ["premium_year"]})
        (price,) = prices.data
        assert isinstance(price, stripe.Price)
        assert (price.unit_amount, price.recurring and price.recurring.interval) == (9000, "year")
        customer = await client.v1.customers.create_async(
            params={"email": "a@example.com"}, options={"idempotency_key": "k1"}
        )
        again = await client.v1.customers.create_async(
            params={"email": "a@example.com"}, options={"idempotency_key": "k1"}
        )
        assert isinstance(customer, stripe.Customer) and again.id == customer.id
        session = await client.v1.checkout.sessions.create_async(
            params={
                "mode": "subscription",
                "customer": customer.id,
                "line_items": [{"price": price.id, "quantity": 1}],
                "success_url": "http://app/ok?cs={CHECKOUT_SESSION_ID}",
                "cancel_url": "http://app/no",
            }
        )
        fake.complete_checkout(session.id)
        sub = await client.v1.subscriptions.retrieve_async(
            str((await client.v1.checkout.sessions.retrieve_async(session.id)).subscription),
            params={"expand": ["latest_invoice"]},
        )
        assert isinstance(sub, stripe.Subscription)
        item = sub["items"].data[0]
        assert item.price.lookup_key == "premium_year" and item.current_period_end > 0
        invoice = sub.latest_invoice
        assert isinstance(invoice, stripe.Invoice)
        assert invoice.status == "paid" and invoice.amount_paid == 9000
        assert invoice.parent and invoice.parent.subscription_details
        assert invoice.parent.subscription_details.subscription == sub.id
        with pytest.raises(stripe.InvalidRequestError) as missing:
            await client.v1.subscriptions.retrieve_async("sub_missing")
        assert missing.value.http_status == 404
        assert missing.value.code == "resource_missing"
        types = fake.event_types(fake.take_outbox())
        assert types == [
            "customer.subscription.created",
            "invoice.paid",
            "invoice.payment_succeeded",
            "checkout.session.completed",
        ]


def test_settings_refuse_unusable_billing() -> None:
    from cosmostream.config import ConfigurationError, Settings

    base = {"jwt_secret": "x" * 40, "env": "test"}
    assert Settings(**base).resolved_billing_mode == "off"
    assert Settings(**base, stripe_secret_key="sk_test_1").resolved_billing_mode == "live"
    with pytest.raises(ConfigurationError):
        Settings(**base, stripe_secret_key="sk_test_1").check()  # no webhook secret
    with pytest.raises(ConfigurationError):
        Settings(**base, billing_mode="maybe").check()
    Settings(**base, stripe_secret_key="sk_test_1", stripe_webhook_secret="whsec_1").check()
    Settings(**base, billing_mode="test").check()
