"""The buyer of an Institutional plan holds it by their seat, like every member
(review finding 4): `sync_subscription` stores the buyer as the organization
subscription's `user_id`, and `entitlements.held` counts `user_id` only for
personal subscriptions (no organization)."""

from __future__ import annotations

import httpx
from sqlalchemy import select

from cosmostream.billing import entitlements
from cosmostream.billing.plans import VIDEO_PREMIUM
from cosmostream.db import Database
from cosmostream.models import Subscription
from tests.billing.conftest import make_org
from tests.factories import gql, login, make_user

REMOVE = "mutation($s: String!, $u: ID!) { removeOrganizationMember(slug: $s, userId: $u) }"


async def test_removed_buyer_loses_institutional_entitlements(
    client: httpx.AsyncClient, db: Database
) -> None:
    buyer = await make_user(db)
    other_admin = await make_user(db)
    org = await make_org(db, seats=2, admins=(buyer, other_admin))
    async with db.unit_of_work() as session:
        sub = await session.scalar(
            select(Subscription).where(Subscription.organization_id == org.id)
        )
        assert sub is not None
        sub.user_id = buyer.id  # what BillingService.sync_subscription writes for the buyer
    async with db.read() as session:
        assert VIDEO_PREMIUM in await entitlements.held(session, buyer.id)  # by the seat
    token = (await login(db, other_admin)).access_token
    body = (await gql(client, REMOVE, {"s": org.slug, "u": str(buyer.id)}, token=token)).json()
    assert not body.get("errors"), body
    async with db.read() as session:
        keys = await entitlements.held(session, buyer.id)
        assert VIDEO_PREMIUM in await entitlements.held(session, other_admin.id)
    assert keys == frozenset(), f"removed buyer still holds {sorted(keys)}"
