"""Organizations in tests: the app built with the organization router, schema and
signal receiver (as `billing/domain.py` will register them), and builders for
organizations, their subscription and seats written as the billing webhooks would."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from cosmostream import domains
from cosmostream.account.signals import signed_in_with_provider
from cosmostream.billing import organization_pages
from cosmostream.billing.organization_gql import OrganizationMutation, OrganizationQuery
from cosmostream.billing.organizations import organization_service
from cosmostream.db import Database
from cosmostream.kit.time import utcnow
from cosmostream.models import (
    Organization,
    OrganizationMember,
    OrganizationRole,
    Role,
    Subscription,
    SubscriptionStatus,
    User,
)
from cosmostream.registry import Domain
from cosmostream.signals import Receiver
from tests.factories import gql, login, make_user

ORGANIZATIONS = Domain(
    "organizations",
    routers=(organization_pages.router,),
    query=OrganizationQuery,
    mutation=OrganizationMutation,
    receivers=(Receiver(signed_in_with_provider, organization_service.on_provider_sign_in),),
)


@pytest.fixture(autouse=True)
def organizations_served(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The registry with the organization parts, unless a domain already serves them
    (once the billing domain registers them, this adds nothing)."""
    every = domains.all_domains()
    if not any(organization_pages.router in d.routers for d in every):
        extended = (*every, ORGANIZATIONS)
        monkeypatch.setattr(domains, "all_domains", lambda: extended)
    signed_in_with_provider.connect(organization_service.on_provider_sign_in)
    yield
    if not any(
        r.handler == organization_service.on_provider_sign_in for d in every for r in d.receivers
    ):
        signed_in_with_provider.disconnect(organization_service.on_provider_sign_in)


async def make_org(
    db: Database,
    *,
    seats: int = 3,
    admins: tuple[User, ...] = (),
    members: tuple[User, ...] = (),
    status: SubscriptionStatus = SubscriptionStatus.ACTIVE,
    plan: str = "institutional",
    domain: str | None = None,
    issuer: str | None = None,
    slug: str | None = None,
) -> Organization:
    """An organization with its subscription (`seats` seats) and these seat holders."""
    tag = uuid.uuid4().hex[:8]
    async with db.unit_of_work() as session:
        org = Organization(
            slug=slug or f"org-{tag}",
            name=f"College {tag}",
            email_domain=domain,
            oidc_issuer=issuer,
        )
        session.add(org)
        await session.flush()
        session.add(
            Subscription(
                stripe_subscription_id=f"sub_{tag}",
                stripe_customer_id=f"cus_{tag}",
                organization_id=org.id,
                plan=plan,
                status=status,
                quantity=seats,
            )
        )
        for role, people in ((OrganizationRole.ADMIN, admins), (OrganizationRole.MEMBER, members)):
            for user in people:
                session.add(
                    OrganizationMember(
                        organization_id=org.id, user_id=user.id, role=role, joined_via="admin"
                    )
                )
    return org


async def verified_user(db: Database, email: str, *, verified: bool = True) -> User:
    """A user whose e-mail address is confirmed (or, with `verified=False`, not yet)."""
    user = await make_user(db, email=email)
    async with db.unit_of_work() as session:
        found = await session.get(User, user.id)
        assert found is not None
        found.email_verified_at = utcnow() if verified else None
    return found


async def seat_holders(db: Database, org: Organization) -> dict[uuid.UUID, OrganizationMember]:
    async with db.read() as session:
        rows = await session.scalars(
            select(OrganizationMember).where(OrganizationMember.organization_id == org.id)
        )
        return {m.user_id: m for m in rows}


@pytest.fixture
async def people(db: Database) -> dict[str, User]:
    """A viewer with no seat, a member, the organization's admin, a platform admin, and
    the admin of another organization."""
    return {
        "viewer": await make_user(db),
        "member": await make_user(db),
        "org_admin": await make_user(db, role=Role.CREATOR),
        "admin": await make_user(db, role=Role.ADMIN),
        "other": await make_user(db, role=Role.CREATOR),
    }


@pytest.fixture
async def org(db: Database, people: dict[str, User]) -> Organization:
    await make_org(db, admins=(people["other"],))
    return await make_org(db, seats=3, admins=(people["org_admin"],), members=(people["member"],))


@pytest.fixture
async def tokens(db: Database, people: dict[str, User]) -> dict[str, str | None]:
    found: dict[str, str | None] = {"anonymous": None}
    for name, user in people.items():
        found[name] = (await login(db, user)).access_token
    return found


CALLERS = ("anonymous", "viewer", "member", "org_admin", "admin", "other")


async def call(
    client: httpx.AsyncClient, token: str | None, query: str, **variables: Any
) -> dict[str, Any]:
    body: dict[str, Any] = (await gql(client, query, variables, token=token)).json()
    return body


def code(body: dict[str, Any]) -> str | None:
    return body["errors"][0]["extensions"]["code"] if body.get("errors") else None
