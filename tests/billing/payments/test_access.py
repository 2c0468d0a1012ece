"""Who may do what: every billing page, form and GraphQL field for the anonymous
caller, a viewer, a creator, a site admin and another user; billing turned off."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from cosmostream.billing.service import billing_service
from cosmostream.billing.stripe_fake import FakeStripe
from cosmostream.config import Settings
from cosmostream.db import Database
from cosmostream.models import User
from tests.factories import actor, gql, sign_in

ROLES = ["anonymous", "viewer", "creator", "admin", "other"]

MY_BILLING = (
    "{ myBilling { plan status cancelAtPeriodEnd entitlements paymentFailed graceEndsAt } }"
)
PLANS = "{ plans { key name entitlements features prices { interval amount currency perSeat } } }"


async def call(
    client: httpx.AsyncClient, token: str | None, query: str, **v: Any
) -> dict[str, Any]:
    body: dict[str, Any] = (await gql(client, query, v, token=token)).json()
    return body


def code(body: dict[str, Any]) -> str | None:
    return body["errors"][0]["extensions"]["code"] if body.get("errors") else None


async def buy(db: Database, fake: FakeStripe, user: User, plan: str = "premium", **kw: Any) -> str:
    url = await billing_service.start_checkout(db, actor(user), plan, "month", **kw)
    checkout = fake.complete_checkout(url.rsplit("/", 1)[1])
    fake.take_outbox()
    async with db.unit_of_work() as session:
        await billing_service.sync_subscription_id(session, checkout["subscription"])
    return str(checkout["subscription"])


async def test_plans_show_stripe_prices_to_everyone(
    client: httpx.AsyncClient, fake: FakeStripe, tokens: dict[str, str | None]
) -> None:
    for role in ROLES[:4]:
        body = await call(client, tokens[role], PLANS)
        plans = {p["key"]: p for p in body["data"]["plans"]}
        assert plans["free"]["prices"] == []
        assert sorted((p["interval"], p["amount"]) for p in plans["premium"]["prices"]) == [
            ("month", 900),
            ("year", 9000),
        ]
        assert all(p["perSeat"] for p in plans["institutional"]["prices"])
        assert "video.premium" in plans["premium"]["entitlements"]
    # The server's amounts are Stripe's: change the fake's price and it shows.
    for price in fake.prices.values():
        if price["lookup_key"] == "premium_month":
            price["unit_amount"] = 1234
    billing_service.forget_prices()
    page = await client.get("/pricing")
    assert "$12.34" in page.text


async def test_my_billing_matrix(
    client: httpx.AsyncClient,
    db: Database,
    fake: FakeStripe,
    people: dict[str, User],
    tokens: dict[str, str | None],
) -> None:
    await buy(db, fake, people["viewer"])
    assert code(await call(client, None, MY_BILLING)) == "not_authenticated"
    seen = {
        role: (await call(client, tokens[role], MY_BILLING))["data"]["myBilling"]
        for role in ROLES[1:]
    }
    assert seen["viewer"]["plan"] == "premium" and seen["viewer"]["status"] == "active"
    assert "video.premium" in seen["viewer"]["entitlements"]
    for role in ("creator", "admin", "other"):
        assert seen[role] == {
            "plan": "free",
            "status": None,
            "cancelAtPeriodEnd": False,
            "entitlements": [],
            "paymentFailed": False,
            "graceEndsAt": None,
        }, role


async def test_mutations_matrix(
    client: httpx.AsyncClient,
    db: Database,
    fake: FakeStripe,
    people: dict[str, User],
    tokens: dict[str, str | None],
) -> None:
    sub_id = await buy(db, fake, people["viewer"])
    mutations = {
        "cancel": "mutation { cancelSubscription { cancelAtPeriodEnd } }",
        "resume": "mutation { resumeSubscription { cancelAtPeriodEnd } }",
        "preview": 'mutation { previewPlanChange(plan: "premium", interval: "year") { total lines { amount } } }',
        "portal": "mutation { openBillingPortal }",
    }
    for name, query in mutations.items():
        assert code(await call(client, None, query)) == "not_authenticated", name
        for role in ("creator", "admin", "other"):
            # No subscription of their own; another user's is never theirs to touch.
            assert code(await call(client, tokens[role], query)) == "no_subscription", (name, role)
    assert fake.subscriptions[sub_id]["cancel_at_period_end"] is False
    body = await call(client, tokens["viewer"], mutations["cancel"])
    assert body["data"]["cancelSubscription"]["cancelAtPeriodEnd"] is True
    assert fake.subscriptions[sub_id]["cancel_at_period_end"] is True
    body = await call(client, tokens["viewer"], mutations["resume"])
    assert body["data"]["resumeSubscription"]["cancelAtPeriodEnd"] is False
    body = await call(client, tokens["viewer"], mutations["preview"])
    preview = body["data"]["previewPlanChange"]
    assert preview["total"] == sum(line["amount"] for line in preview["lines"])
    assert preview["total"] > 0  # a year costs more than the unused month credited
    body = await call(client, tokens["viewer"], mutations["portal"])
    assert body["data"]["openBillingPortal"].startswith(fake.public_base + "/portal/")
    body = await call(
        client,
        tokens["viewer"],
        'mutation { changePlan(plan: "premium", interval: "year") { plan } }',
    )
    assert body["data"]["changePlan"]["plan"] == "premium"
    assert fake.subscriptions[sub_id]["items"]["data"][0]["price"]["lookup_key"] == "premium_year"
    # Bad input is a clear 4xx code, and nothing changes.
    for query, expected in [
        (
            'mutation { changePlan(plan: "premium", interval: "week") { plan } }',
            "validation_failed",
        ),
        ('mutation { changePlan(plan: "gold", interval: "year") { plan } }', "validation_failed"),
        (
            'mutation { changePlan(plan: "premium", interval: "year") { plan } }',
            "validation_failed",
        ),
    ]:
        assert code(await call(client, tokens["viewer"], query)) == expected, query


async def test_start_checkout_matrix(
    client: httpx.AsyncClient,
    db: Database,
    fake: FakeStripe,
    people: dict[str, User],
    tokens: dict[str, str | None],
) -> None:
    query = "mutation($plan: String!, $interval: String!, $seats: Int, $slug: String, $name: String) { startCheckout(plan: $plan, interval: $interval, seats: $seats, organizationSlug: $slug, organizationName: $name) }"
    premium = {"plan": "premium", "interval": "month"}
    assert code(await call(client, None, query, **premium)) == "not_authenticated"
    for role in ("viewer", "creator", "admin", "other"):
        body = await call(client, tokens[role], query, **premium)
        assert body["data"]["startCheckout"].startswith(fake.public_base + "/checkout/cs_test_"), (
            role
        )
    sessions_before = len(fake.sessions)
    bad = [
        ({"plan": "free", "interval": "month"}, "validation_failed"),
        ({"plan": "premium", "interval": "decade"}, "validation_failed"),
        (
            {
                "plan": "institutional",
                "interval": "month",
                "name": "X",
                "slug": "ok-slug",
                "seats": 3,
            },
            "validation_failed",
        ),
        (
            {
                "plan": "institutional",
                "interval": "month",
                "name": "Club",
                "slug": "Bad Slug",
                "seats": 3,
            },
            "validation_failed",
        ),
        (
            {
                "plan": "institutional",
                "interval": "month",
                "name": "Club",
                "slug": "club",
                "seats": 0,
            },
            "validation_failed",
        ),
        (
            {
                "plan": "institutional",
                "interval": "month",
                "name": "Club",
                "slug": "club",
                "seats": 10001,
            },
            "validation_failed",
        ),
    ]
    for variables, expected in bad:
        assert code(await call(client, tokens["viewer"], query, **variables)) == expected, variables
    assert len(fake.sessions) == sessions_before
    # One plan at a time: a subscriber changes plans on the billing page instead.
    await buy(db, fake, people["viewer"])
    assert code(await call(client, tokens["viewer"], query, **premium)) == "has_plan"


async def test_pages_and_forms_matrix(
    client: httpx.AsyncClient, db: Database, fake: FakeStripe, people: dict[str, User]
) -> None:
    await buy(db, fake, people["viewer"])
    await buy(
        db,
        fake,
        people["creator"],
        "institutional",
        organization_name="Palomar Friends",
        organization_slug="palomar",
        seats=5,
    )
    forms = [
        "/settings/billing/cancel",
        "/settings/billing/resume",
        "/settings/billing/portal",
        "/settings/billing/change",
        "/pricing/checkout",
        "/org/palomar/seats",
    ]
    # Anonymous: pages send to log in; forms too.
    token = await sign_in(client, None)
    assert (await client.get("/pricing")).status_code == 200
    for path in (
        "/settings/billing",
        "/org/palomar/seats",
        "/settings/billing/change?plan=premium&interval=year",
    ):
        response = await client.get(path)
        assert response.status_code == 303 and response.headers["location"].startswith("/login")
    for path in forms:
        response = await client.post(path, data={"csrf_token": token})
        assert response.status_code == 303, path
        assert response.headers["location"].startswith("/login"), path
    # Without a CSRF token every form is refused.
    token = await sign_in(client, people["viewer"])
    for path in forms:
        assert (await client.post(path, data={})).status_code == 403, path
    # "other" holds a seat (a plain member): members manage nothing either.
    from cosmostream.billing.repository import billing_repository
    from cosmostream.models import OrganizationRole

    async with db.unit_of_work() as session:
        org = await billing_repository.organization(session, "palomar")
        assert org is not None
        await billing_repository.add_member(
            session, org.id, people["other"].id, OrganizationRole.MEMBER, "invitation"
        )
    # The organization's seats are its admins' alone: anyone else finds nothing.
    for role in ("viewer", "admin", "other"):
        token = await sign_in(client, people[role])
        assert (await client.get("/org/palomar/seats")).status_code == 404, role
        response = await client.post("/org/palomar/seats", data={"seats": "9", "csrf_token": token})
        assert response.status_code == 404, role
    token = await sign_in(client, people["creator"])
    page = await client.get("/org/palomar/seats")
    assert page.status_code == 200 and 'data-seats="5"' in page.text
    page = await client.get("/org/palomar/seats?seats=abc")
    assert "whole number" in page.text
    # A plan change preview is the subscriber's own; without a plan it is a notice.
    for role in ("creator", "admin", "other"):
        await sign_in(client, people[role])
        response = await client.get("/settings/billing/change?plan=premium&interval=year")
        assert response.status_code == 303 and response.headers["location"] == "/settings/billing"
    await sign_in(client, people["viewer"])
    preview = await client.get("/settings/billing/change?plan=premium&interval=year")
    assert preview.status_code == 200 and "data-preview-total" in preview.text
    # Each user sees their own plan on the pages.
    for role, plan in (
        ("viewer", "premium"),
        ("creator", "free"),
        ("admin", "free"),
        ("other", "free"),
    ):
        await sign_in(client, people[role])
        page = await client.get("/settings/billing")
        assert f'data-current-plan="{plan}"' in page.text, role
        pricing = await client.get("/pricing")
        assert 'plan-card plan-current" data-plan="' + plan in pricing.text, role


@pytest.fixture
def billing_off(settings: Settings) -> Settings:
    settings.billing_mode = "off"
    settings.stripe_api_base = None
    return settings


async def test_billing_off(
    client: httpx.AsyncClient,
    billing_off: Settings,
    people: dict[str, User],
    tokens: dict[str, str | None],
) -> None:
    page = await client.get("/pricing")
    assert "data-billing-off" in page.text and "/pricing/checkout" not in page.text
    token = await sign_in(client, people["viewer"])
    page = await client.get("/settings/billing")
    assert "data-billing-off" in page.text
    response = await client.post(
        "/pricing/checkout", data={"plan": "premium", "interval": "month", "csrf_token": token}
    )
    assert response.status_code == 404
    body = await call(
        client, tokens["viewer"], 'mutation { startCheckout(plan: "premium", interval: "month") }'
    )
    assert code(body) == "billing_off"
    client.cookies.clear()
    body = await call(client, None, PLANS)
    assert all(p["prices"] == [] for p in body["data"]["plans"])
    response = await client.post(
        "/webhooks/stripe", content=b"{}", headers={"Stripe-Signature": "t=1,v1=x"}
    )
    assert response.status_code == 404
