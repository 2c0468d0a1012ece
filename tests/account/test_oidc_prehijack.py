"""Review finding 6: pre-account hijacking and e-mail linking, at the service.

A provider sign-in with an *unverified* address nobody has registered yet used to
create a local account owning that address, bound to the attacker's (iss, sub):
the real owner later "recovered" it through "Forgot your password?" (which
verifies the address), and the attacker's identity still opened it. Now no
account is made for an unverified provider address, and an existing account is
opened by e-mail only through Google (an organization's provider links from
/settings). The full browser flow of both rules, against a real provider on
loopback, is in test_oidc.py.
"""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa

from cosmostream.account.identities import identity_service
from cosmostream.account.oidc import Provider
from cosmostream.account.schemas import ClientInfo
from cosmostream.db import Database
from cosmostream.errors import AppError
from cosmostream.kit.time import utcnow
from cosmostream.models import User, UserIdentity
from tests.factories import make_user

GOOGLE = Provider("google", "Google", "https://accounts.google.com", "cid", "secret")
ORG = Provider("acme", "Acme Observatory", "https://sso.acme.example/realms/staff", "cid", "s")
CLIENT = ClientInfo(ip="203.0.113.5")


def claims(provider: Provider, sub: str, email: str, verified: object) -> dict[str, Any]:
    return {"iss": provider.issuer, "sub": sub, "email": email, "email_verified": verified}


async def rows(db: Database) -> tuple[int, int]:
    async with db.read() as session:
        users = await session.scalar(sa.select(sa.func.count()).select_from(User))
        identities = await session.scalar(sa.select(sa.func.count()).select_from(UserIdentity))
    return int(users or 0), int(identities or 0)


@pytest.mark.parametrize("provider", [GOOGLE, ORG], ids=["google", "org"])
async def test_unverified_provider_address_does_not_pre_hijack(
    db: Database, provider: Provider
) -> None:
    mallory = claims(provider, "mallory-sub", "victim@university.example", False)
    with pytest.raises(AppError) as refused:
        await identity_service.sign_in(db, provider, dict(mallory), CLIENT)
    assert refused.value.status == 403
    assert refused.value.code == "identity_email_unverified"
    assert await rows(db) == (0, 0)
    # The victim signs up with a password and verifies the address; the
    # attacker's identity does not open that account either.
    victim = await make_user(db, email="victim@university.example")
    with pytest.raises(AppError) as again:
        await identity_service.sign_in(db, provider, dict(mallory), CLIENT)
    assert again.value.code == "identity_email_unverified"
    assert await rows(db) == (1, 0)
    async with db.read() as session:
        fresh = await session.get(User, victim.id)
    assert fresh is not None and fresh.last_login_at is None


@pytest.mark.parametrize("provider", [GOOGLE, ORG], ids=["google", "org"])
async def test_a_verified_provider_address_makes_a_verified_account(
    db: Database, provider: Provider
) -> None:
    outcome = await identity_service.sign_in(
        db, provider, claims(provider, "new-sub", "New@Example.org", True), CLIENT
    )
    assert outcome.new_account and outcome.auth is not None
    assert outcome.user.email == "new@example.org"
    assert outcome.user.email_verified_at is not None
    assert await rows(db) == (1, 1)


async def test_only_google_links_an_existing_account_by_email(db: Database) -> None:
    owner = await make_user(db, email="owner@example.org")
    asserted = claims(ORG, "org-sub", "owner@example.org", True)
    with pytest.raises(AppError) as refused:
        await identity_service.sign_in(db, ORG, asserted, CLIENT)
    assert (refused.value.status, refused.value.code) == (409, "identity_email_taken")
    assert await rows(db) == (1, 0)

    google = await identity_service.sign_in(
        db, GOOGLE, claims(GOOGLE, "g-sub", "owner@example.org", True), CLIENT
    )
    assert google.user.id == owner.id and not google.new_account
    assert await rows(db) == (1, 1)

    # Signed in (linking from /settings), the owner links the organization's identity.
    linked = await identity_service.sign_in(db, ORG, asserted, CLIENT, link_user_id=owner.id)
    assert linked.user.id == owner.id and linked.auth is None
    again = await identity_service.sign_in(db, ORG, asserted, CLIENT)
    assert again.user.id == owner.id and again.auth is not None
    assert await rows(db) == (1, 2)


async def test_google_does_not_link_an_account_whose_address_is_unverified(
    db: Database,
) -> None:
    owner = await make_user(db, email="early@example.org")
    async with db.unit_of_work() as session:
        user = await session.get(User, owner.id)
        assert user is not None
        user.email_verified_at = None
    with pytest.raises(AppError) as refused:
        await identity_service.sign_in(
            db, GOOGLE, claims(GOOGLE, "g-early", "early@example.org", True), CLIENT
        )
    assert refused.value.code == "identity_email_taken"
    async with db.unit_of_work() as session:
        user = await session.get(User, owner.id)
        assert user is not None
        user.email_verified_at = utcnow()
    linked = await identity_service.sign_in(
        db, GOOGLE, claims(GOOGLE, "g-early", "early@example.org", True), CLIENT
    )
    assert linked.user.id == owner.id
