"""Seats taken by themselves: through an identity provider (the sign-in signal), and
concurrently — the seats are never exceeded, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio

import httpx
from sqlalchemy import select

from cosmostream.account.oidc import GOOGLE_ISSUER
from cosmostream.account.signals import ProviderSignIn, signed_in_with_provider
from cosmostream.billing import entitlements
from cosmostream.billing.organizations import (
    SeatsFull,
    organization_service,
)
from cosmostream.billing.plans import CLASS_SEATS
from cosmostream.db import Database
from cosmostream.models import (
    Organization,
    OrganizationInvitation,
    OrganizationSeatRefusal,
    User,
)
from tests.billing.conftest import make_org, seat_holders, verified_user
from tests.billing.test_organizations import invitation_token
from tests.conftest import MailSink
from tests.factories import actor, make_user, sign_in

ISSUER = "https://login.uni.example.edu/realms/students"


async def _sign_in(db: Database, user: User, issuer: str, **claims: object) -> None:
    async with db.unit_of_work() as session:
        await signed_in_with_provider.send(
            session,
            ProviderSignIn(user_id=user.id, issuer=issuer, subject=f"sub-{user.id}", claims=claims),
        )


async def test_a_sign_in_through_the_organizations_issuer_takes_a_seat(
    db: Database, people: dict[str, User]
) -> None:
    org = await make_org(db, seats=5, admins=(people["org_admin"],), issuer=ISSUER)
    student = await make_user(db)
    await _sign_in(db, student, ISSUER, email=student.email, email_verified=True)
    holders = await seat_holders(db, org)
    assert holders[student.id].joined_via == "identity_provider"
    async with db.read() as session:
        assert CLASS_SEATS in await entitlements.held(session, student.id)
    await _sign_in(db, student, ISSUER)  # again: nothing more
    assert len(await seat_holders(db, org)) == 2
    # Another issuer places nobody.
    stranger = await make_user(db)
    await _sign_in(db, stranger, "https://login.other.example.edu")
    assert stranger.id not in await seat_holders(db, org)


async def test_google_hd_places_users_only_when_google_issued_it(
    db: Database, people: dict[str, User]
) -> None:
    org = await make_org(db, seats=5, admins=(people["org_admin"],), domain="uni.example.edu")
    trusted, forged, plain = await make_user(db), await make_user(db), await make_user(db)
    await _sign_in(db, trusted, GOOGLE_ISSUER, hd="Uni.Example.edu", email_verified=True)
    # Any other issuer may say `hd`: it means nothing from them.
    await _sign_in(db, forged, "https://evil.example.net", hd="uni.example.edu")
    # A Google account outside Workspace has no `hd`.
    await _sign_in(db, plain, GOOGLE_ISSUER, email="x@gmail.com")
    # Google's ID tokens may spell their issuer without the scheme.
    bare = await make_user(db)
    await _sign_in(db, bare, GOOGLE_ISSUER.removeprefix("https://"), hd="uni.example.edu")
    holders = await seat_holders(db, org)
    assert trusted.id in holders and holders[trusted.id].joined_via == "identity_provider"
    assert bare.id in holders
    assert forged.id not in holders and plain.id not in holders


async def test_seats_full_at_sign_in_leaves_the_user_seatless_and_tells_the_admins(
    client: httpx.AsyncClient, db: Database, people: dict[str, User]
) -> None:
    org = await make_org(db, seats=1, admins=(people["org_admin"],), issuer=ISSUER)
    student = await make_user(db, name="Seatless Student")
    await _sign_in(db, student, ISSUER)
    assert student.id not in await seat_holders(db, org)
    async with db.read() as session:
        refused = list(await session.scalars(select(OrganizationSeatRefusal)))
        assert CLASS_SEATS not in await entitlements.held(session, student.id)
    assert [(r.user_id, r.via) for r in refused] == [(student.id, "identity_provider")]
    await sign_in(client, people["org_admin"])
    page = await client.get(f"/org/{org.slug}")
    assert page.status_code == 200
    assert "data-seats-full" in page.text and "Seatless Student" in page.text
    # Taking a seat later clears the notice.
    async with db.unit_of_work() as session:
        subscription = (await organization_service._seats(session, org))[0]
        assert subscription is not None
        subscription.quantity = 2
    await _sign_in(db, student, ISSUER)
    async with db.read() as session:
        assert list(await session.scalars(select(OrganizationSeatRefusal))) == []
    page = await client.get(f"/org/{org.slug}")
    assert "Seatless Student" in page.text and "Could not take a seat" not in page.text


async def _join_all(db: Database, org: Organization, users: list[User]) -> list[object]:
    async def join(user: User) -> object:
        try:
            async with db.unit_of_work() as session:
                return await organization_service.join(session, actor(user), org.slug)
        except SeatsFull as exc:
            return exc

    return list(await asyncio.gather(*(join(u) for u in users)))


async def test_concurrent_joins_never_exceed_the_seats(
    db: Database, people: dict[str, User]
) -> None:
    org = await make_org(db, seats=4, admins=(people["org_admin"],), domain="rush.example.edu")
    users = [await verified_user(db, f"s{n}@rush.example.edu") for n in range(10)]
    results = await _join_all(db, org, users)
    refused = [r for r in results if isinstance(r, SeatsFull)]
    assert len(refused) == 7  # three free seats besides the admin's
    assert len(await seat_holders(db, org)) == 4


async def test_concurrent_accepts_and_joins_never_exceed_the_seats(
    db: Database, people: dict[str, User], mail: MailSink, task_worker: object
) -> None:
    org = await make_org(db, seats=3, admins=(people["org_admin"],), domain="mix.example.edu")
    invited = [await make_user(db, email=f"i{n}@elsewhere.example.org") for n in range(3)]
    for user in invited:
        async with db.unit_of_work() as session:
            await organization_service.invite(
                session, actor(people["org_admin"]), org.slug, user.email
            )
    tokens = [invitation_token(mail.wait_for(user.email)[0]) for user in invited]
    joiners = [await verified_user(db, f"j{n}@mix.example.edu") for n in range(3)]

    async def accept(user: User, token: str) -> object:
        try:
            async with db.unit_of_work() as session:
                return await organization_service.accept(session, actor(user), token)
        except SeatsFull as exc:
            return exc

    async def join(user: User) -> object:
        try:
            async with db.unit_of_work() as session:
                return await organization_service.join(session, actor(user), org.slug)
        except SeatsFull as exc:
            return exc

    results = await asyncio.gather(
        *(accept(u, t) for u, t in zip(invited, tokens, strict=True)),
        *(join(u) for u in joiners),
    )
    assert sum(1 for r in results if isinstance(r, SeatsFull)) == 4  # two seats were free
    assert len(await seat_holders(db, org)) == 3
    async with db.read() as session:
        accepted = await session.scalars(
            select(OrganizationInvitation).where(OrganizationInvitation.accepted_at.is_not(None))
        )
        seated = set(await seat_holders(db, org))
        # An invitation is marked used exactly when its seat was taken.
        assert {i.accepted_by for i in accepted} == seated & {u.id for u in invited}
