"""An organization's seats after purchase: never fewer than its members (review
finding 5), and more seats only once they are paid for (finding 8a:
`payment_behavior=pending_if_incomplete`)."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import select

from cosmostream.billing import entitlements
from cosmostream.billing.plans import VIDEO_PREMIUM
from cosmostream.billing.service import billing_service
from cosmostream.billing.stripe_fake import FakeStripe
from cosmostream.db import Database
from cosmostream.errors import AppError
from cosmostream.kit.time import utcnow
from cosmostream.models import (
    Organization,
    OrganizationMember,
    OrganizationRole,
    Subscription,
    User,
)
from tests.billing.payments.test_checkout import checkout
from tests.factories import actor, make_user


async def _club(
    client: httpx.AsyncClient, db: Database, fake: FakeStripe, buyer: User, seats: int, extra: int
) -> tuple[str, list[User]]:
    """Lowell Club bought by `buyer` with `seats` seats, plus `extra` members; its
    Stripe subscription id and the extra members."""
    response = await checkout(
        client, fake, buyer, plan="institutional", interval="month",
        name="Lowell Club", slug="lowell-club", seats=str(seats),
    )  # fmt: skip
    session_id = response.headers["location"].rsplit("/", 1)[1]
    fake.complete_checkout(session_id)
    await client.get(f"/settings/billing?checkout={session_id}")
    members = [await make_user(db) for _ in range(extra)]
    async with db.unit_of_work() as session:
        org = await session.scalar(select(Organization).where(Organization.slug == "lowell-club"))
        assert org is not None
        for u in members:
            session.add(
                OrganizationMember(
                    organization_id=org.id, user_id=u.id, role=OrganizationRole.MEMBER,
                    joined_via="invitation", created_at=utcnow(),
                )
            )  # fmt: skip
    return str(fake.sessions[session_id]["subscription"]), members


def _quantity(fake: FakeStripe, sub_id: str) -> int:
    return int(fake.subscriptions[sub_id]["items"]["data"][0]["quantity"])


async def _row(db: Database, sub_id: str) -> Subscription:
    async with db.read() as session:
        row = await session.scalar(
            select(Subscription).where(Subscription.stripe_subscription_id == sub_id)
        )
    assert row is not None
    return row


async def test_seats_cannot_drop_below_the_members_holding_one(
    client: httpx.AsyncClient, db: Database, fake: FakeStripe, people: dict[str, User]
) -> None:
    buyer = people["creator"]
    sub_id, extra = await _club(client, db, fake, buyer, seats=3, extra=2)
    token = client.cookies["cs_csrf"]
    r = await client.post("/org/lowell-club/seats", data={"seats": "1", "csrf_token": token})
    assert r.status_code == 303
    quantity = _quantity(fake, sub_id)
    entitled = 0
    for u in [buyer, *extra]:
        async with db.read() as session:
            entitled += VIDEO_PREMIUM in await entitlements.held(session, u.id)
    assert entitled <= quantity, f"{entitled} members entitled on {quantity} paid seat(s)"
    assert quantity == 3 and (await _row(db, sub_id)).quantity == 3
    # The preview page says why, and the service refuses with 409 seats_below_members.
    page = await client.get("/org/lowell-club/seats?seats=2")
    assert page.status_code == 200 and "has 3 members" in page.text
    with pytest.raises(AppError) as refused:
        await billing_service.change_seats(db, actor(buyer), "lowell-club", 2)
    assert (refused.value.status, refused.value.code) == (409, "seats_below_members")
    # As many seats as members is allowed.
    changed = await billing_service.change_seats(db, actor(buyer), "lowell-club", 4)
    assert changed.quantity == 4
    changed = await billing_service.change_seats(db, actor(buyer), "lowell-club", 3)
    assert changed.quantity == 3 == _quantity(fake, sub_id)


async def test_more_seats_wait_for_their_payment(
    client: httpx.AsyncClient, db: Database, fake: FakeStripe, people: dict[str, User]
) -> None:
    buyer = people["creator"]
    sub_id, _ = await _club(client, db, fake, buyer, seats=2, extra=0)
    fake.fail_next_invoice(str(fake.subscriptions[sub_id]["customer"]))
    with pytest.raises(AppError) as refused:
        await billing_service.change_seats(db, actor(buyer), "lowell-club", 10)
    assert (refused.value.status, refused.value.code) == (402, "payment_failed")
    assert "stays at 2 seats" in refused.value.message
    update = [r for r in fake.requests if r[:2] == ("POST", f"subscriptions/{sub_id}")][-1]
    assert update[2]["payment_behavior"] == "pending_if_incomplete"
    sub = fake.subscriptions[sub_id]
    assert _quantity(fake, sub_id) == 2 and sub["status"] == "active"
    assert sub["pending_update"]["subscription_items"][0]["quantity"] == 10
    row = await _row(db, sub_id)
    assert row.quantity == 2 and row.status.value == "active"
    # The customer pays the open invoice: Stripe applies the update then.
    fake.pay_open_invoice(sub_id)
    assert _quantity(fake, sub_id) == 10 and sub["pending_update"] is None
    async with db.unit_of_work() as session:
        await billing_service.sync_subscription_id(session, sub_id)
    assert (await _row(db, sub_id)).quantity == 10
    # Fewer seats (a credit) are not held back.
    changed = await billing_service.change_seats(db, actor(buyer), "lowell-club", 5)
    assert changed.quantity == 5
    update = [r for r in fake.requests if r[:2] == ("POST", f"subscriptions/{sub_id}")][-1]
    assert "payment_behavior" not in update[2]
