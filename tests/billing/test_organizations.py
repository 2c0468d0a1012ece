"""Organizations through GraphQL and the service: who sees and manages what, seats,
invitations, roles, domain claims, identity providers and classes."""

from __future__ import annotations

import re
from datetime import timedelta
from email.message import Message

import httpx
import pytest
from sqlalchemy import select

from cosmostream.billing import entitlements
from cosmostream.billing.organizations import InvitationInvalid, organization_service
from cosmostream.billing.plans import CLASS_SEATS, VIDEO_PREMIUM
from cosmostream.db import Database
from cosmostream.models import (
    ClassMember,
    LearningClass,
    Organization,
    OrganizationInvitation,
    OrganizationRole,
    SubscriptionStatus,
    User,
)
from tests.billing.conftest import (
    CALLERS,
    call,
    code,
    make_org,
    seat_holders,
    verified_user,
)
from tests.conftest import MailSink
from tests.factories import actor, login, make_user, shift_time

ORG = """query($s: String!) { organization(slug: $s) {
  slug name myRole canManage status seatsUsed seatsTotal emailDomain oidcIssuer
  invitations { email role } members(first: 10) { nodes { email role joinedVia user { id } } }
} }"""
MINE = "{ myOrganizations { slug myRole seatsUsed seatsTotal } }"
MEMBERS = """query($s: String!, $f: Int!, $a: String) { organization(slug: $s) {
  members(first: $f, after: $a) { edges { cursor node { user { id } } }
  pageInfo { hasNextPage endCursor } } } }"""
INVITE = """mutation($s: String!, $e: String!, $r: OrgRole! = MEMBER) {
  inviteToOrganization(slug: $s, email: $e, role: $r) { id email role expiresAt } }"""
REVOKE = "mutation($s: String!, $id: ID!) { revokeOrganizationInvitation(slug: $s, id: $id) }"
ACCEPT = "mutation($t: String!) { acceptInvitation(token: $t) { slug myRole seatsUsed } }"
JOIN = "mutation($s: String!) { joinOrganization(slug: $s) { slug myRole seatsUsed } }"
JOINABLE = "{ joinableOrganizations }"
LEAVE = "mutation($s: String!) { leaveOrganization(slug: $s) }"
REMOVE = "mutation($s: String!, $u: ID!) { removeOrganizationMember(slug: $s, userId: $u) }"
ROLE = """mutation($s: String!, $u: ID!, $r: OrgRole!) {
  setOrganizationMemberRole(slug: $s, userId: $u, role: $r) }"""
CLAIM = """mutation($s: String!, $d: String!) {
  claimOrganizationEmailDomain(slug: $s, domain: $d) { id domain status } }"""
CLAIMS = "{ pendingDomainClaims { id domain organizationSlug } }"
DECIDE = "mutation($id: ID!, $a: Boolean!) { decideDomainClaim(id: $id, approve: $a) { status } }"
ISSUER = """mutation($s: String!, $i: String) {
  setOrganizationIssuer(slug: $s, issuer: $i) { oidcIssuer } }"""
CLASS = """mutation($s: String!, $n: String!, $all: Boolean! = false, $m: [ID!]) {
  createOrganizationClass(slug: $s, name: $n, addAll: $all, memberIds: $m) }"""


def invitation_token(message: Message) -> str:
    body = message.get_payload()[0].get_payload(decode=True).decode()  # type: ignore[index,union-attr]
    match = re.search(r"http://testserver/org/invitations/([\w-]+)", body)
    assert match, body
    return match.group(1)


async def _held(db: Database, user: User) -> frozenset[str]:
    async with db.read() as session:
        return await entitlements.held(session, user.id)


# -- who sees what ---------------------------------------------------------------------


async def test_who_sees_an_organization(
    client: httpx.AsyncClient,
    org: Organization,
    people: dict[str, User],
    tokens: dict[str, str | None],
) -> None:
    seen = {}
    for who in CALLERS:
        body = await call(client, tokens[who], ORG, s=org.slug)
        assert code(body) is None, (who, body)
        seen[who] = body["data"]["organization"]
    for who in ("anonymous", "viewer", "other"):
        assert seen[who] is None, who
    member = seen["member"]
    assert member["myRole"] == "MEMBER" and not member["canManage"]
    assert member["members"] is None and member["invitations"] is None
    assert member["oidcIssuer"] is None
    for who in ("org_admin", "admin"):
        view = seen[who]
        assert view["canManage"], who
        assert (view["seatsUsed"], view["seatsTotal"], view["status"]) == (2, 3, "active")
        emails = {m["email"]: (m["role"], m["joinedVia"]) for m in view["members"]["nodes"]}
        assert emails == {
            people["org_admin"].email: ("ADMIN", "admin"),
            people["member"].email: ("MEMBER", "admin"),
        }
    assert seen["org_admin"]["myRole"] == "ADMIN"
    assert seen["admin"]["myRole"] is None  # a platform admin holds no seat
    assert (await call(client, None, ORG, s="missing"))["data"]["organization"] is None
    mine = await call(client, tokens["member"], MINE)
    assert mine["data"]["myOrganizations"] == [
        {"slug": org.slug, "myRole": "MEMBER", "seatsUsed": 2, "seatsTotal": 3}
    ]
    assert code(await call(client, None, MINE)) == "not_authenticated"
    assert (await call(client, tokens["viewer"], MINE))["data"]["myOrganizations"] == []


async def test_members_are_paged_in_joined_order(
    client: httpx.AsyncClient, db: Database, people: dict[str, User], tokens: dict[str, str | None]
) -> None:
    others = [await make_user(db) for _ in range(4)]
    org = await make_org(db, seats=10, admins=(people["org_admin"],))
    for user in others:  # one by one: each joins later than the one before
        async with db.unit_of_work() as session:
            from cosmostream.models import OrganizationMember

            session.add(OrganizationMember(organization_id=org.id, user_id=user.id))
    seen: list[str] = []
    after = None
    pages = 0
    while True:
        body = await call(client, tokens["org_admin"], MEMBERS, s=org.slug, f=2, a=after)
        assert code(body) is None, body
        members = body["data"]["organization"]["members"]
        seen += [e["node"]["user"]["id"] for e in members["edges"]]
        pages += 1
        if not members["pageInfo"]["hasNextPage"]:
            break
        after = members["pageInfo"]["endCursor"]
    assert pages == 3
    assert seen == [str(people["org_admin"].id)] + [str(u.id) for u in others]
    bad = await call(client, tokens["org_admin"], MEMBERS, s=org.slug, f=2, a="nope")
    assert code(bad) == "bad_cursor"
    assert code(await call(client, tokens["org_admin"], MEMBERS, s=org.slug, f=0)) == (
        "validation_failed"
    )


# -- invitations -------------------------------------------------------------------------


async def test_who_may_invite_and_revoke(
    client: httpx.AsyncClient,
    org: Organization,
    tokens: dict[str, str | None],
    db: Database,
) -> None:
    expected = {
        "anonymous": "not_authenticated",
        "viewer": "organization_not_found",
        "other": "organization_not_found",
        "member": "forbidden",
        "org_admin": None,
        "admin": None,
    }
    for who, error in expected.items():
        body = await call(client, tokens[who], INVITE, s=org.slug, e=f"{who}-x@uni.example.org")
        assert code(body) == error, (who, body)
    assert code(await call(client, tokens["org_admin"], INVITE, s=org.slug, e="nope")) == (
        "validation_failed"
    )
    listed = await call(client, tokens["org_admin"], ORG, s=org.slug)
    invitations = listed["data"]["organization"]["invitations"]
    assert {i["email"] for i in invitations} == {
        "org_admin-x@uni.example.org",
        "admin-x@uni.example.org",
    }
    async with db.read() as session:
        one = await session.scalar(
            select(OrganizationInvitation).where(
                OrganizationInvitation.email == "admin-x@uni.example.org"
            )
        )
    assert one is not None and len(one.token_hash) == 64  # only the hash is kept
    for who, error in expected.items():
        if error is None:
            continue
        body = await call(client, tokens[who], REVOKE, s=org.slug, id=str(one.id))
        assert code(body) == error, who
    assert code(await call(client, tokens["org_admin"], REVOKE, s=org.slug, id=str(one.id))) is None
    listed = await call(client, tokens["org_admin"], ORG, s=org.slug)
    assert [i["email"] for i in listed["data"]["organization"]["invitations"]] == [
        "org_admin-x@uni.example.org"
    ]


async def test_an_invitation_is_accepted_once_by_its_addressee(
    client: httpx.AsyncClient,
    org: Organization,
    db: Database,
    mail: MailSink,
    task_worker: object,
    people: dict[str, User],
    tokens: dict[str, str | None],
) -> None:
    invitee = await make_user(db, email="nalu@uni.example.org")
    body = await call(client, tokens["org_admin"], INVITE, s=org.slug, e=" Nalu@Uni.Example.org ")
    assert code(body) is None and body["data"]["inviteToOrganization"]["email"] == invitee.email
    token = invitation_token(mail.wait_for(invitee.email)[0])
    invitee_token = (await login(db, invitee)).access_token
    assert VIDEO_PREMIUM not in await _held(db, invitee)
    # Anyone else is refused, and nothing is used up.
    assert code(await call(client, None, ACCEPT, t=token)) == "not_authenticated"
    assert code(await call(client, tokens["viewer"], ACCEPT, t=token)) == "invitation_wrong_user"
    assert code(await call(client, invitee_token, ACCEPT, t=token + "x")) == "invitation_invalid"
    accepted = await call(client, invitee_token, ACCEPT, t=token)
    assert code(accepted) is None, accepted
    assert accepted["data"]["acceptInvitation"] == {
        "slug": org.slug,
        "myRole": "MEMBER",
        "seatsUsed": 3,
    }
    assert (await seat_holders(db, org))[invitee.id].joined_via == "invitation"
    assert {VIDEO_PREMIUM, CLASS_SEATS} <= await _held(db, invitee)
    # Single use: the same link again, even by its addressee, is spent.
    assert code(await call(client, invitee_token, ACCEPT, t=token)) == "invitation_invalid"
    # Already a member: no second invitation.
    assert code(await call(client, tokens["org_admin"], INVITE, s=org.slug, e=invitee.email)) == (
        "already_member"
    )


async def test_an_invitation_expires_after_fourteen_days_and_a_new_one_replaces_it(
    client: httpx.AsyncClient,
    org: Organization,
    db: Database,
    mail: MailSink,
    task_worker: object,
    tokens: dict[str, str | None],
) -> None:
    invitee = await make_user(db, email="late@uni.example.org")
    await call(client, tokens["org_admin"], INVITE, s=org.slug, e=invitee.email)
    first = invitation_token(mail.wait_for(invitee.email)[0])
    await call(client, tokens["org_admin"], INVITE, s=org.slug, e=invitee.email)
    second = invitation_token(mail.wait_for(invitee.email, count=2)[1])
    invitee_token = (await login(db, invitee)).access_token
    # The earlier link stopped working when the new one was sent.
    assert code(await call(client, invitee_token, ACCEPT, t=first)) == "invitation_invalid"
    with shift_time(timedelta(days=14, minutes=1)):
        with pytest.raises(InvitationInvalid):
            async with db.unit_of_work() as session:
                await organization_service.accept(session, actor(invitee), second)
    with shift_time(timedelta(days=13, hours=23)):  # a day earlier it still worked
        async with db.unit_of_work() as session:
            await organization_service.accept(session, actor(invitee), second)
    assert invitee.id in await seat_holders(db, org)


async def test_seats_full_refuses_invites_accepts_and_joins_writing_nothing(
    client: httpx.AsyncClient,
    db: Database,
    people: dict[str, User],
    mail: MailSink,
    task_worker: object,
) -> None:
    org = await make_org(db, seats=2, admins=(people["org_admin"],), domain="full.example.edu")
    admin_token = (await login(db, people["org_admin"])).access_token
    invitee = await make_user(db, email="first@full.example.edu")
    assert code(await call(client, admin_token, INVITE, s=org.slug, e=invitee.email)) is None
    token = invitation_token(mail.wait_for(invitee.email)[0])
    # Someone takes the last seat by the domain before the invitation is accepted.
    joiner = await verified_user(db, "second@full.example.edu")
    joined = await call(client, (await login(db, joiner)).access_token, JOIN, s=org.slug)
    assert code(joined) is None and joined["data"]["joinOrganization"]["seatsUsed"] == 2
    invitee_token = (await login(db, invitee)).access_token
    assert code(await call(client, invitee_token, ACCEPT, t=token)) == "seats_full"
    async with db.read() as session:
        still = await session.scalar(
            select(OrganizationInvitation).where(OrganizationInvitation.email == invitee.email)
        )
    assert still is not None and still.accepted_at is None  # nothing written
    assert set(await seat_holders(db, org)) == {people["org_admin"].id, joiner.id}
    late = await verified_user(db, "third@full.example.edu")
    late_token = (await login(db, late)).access_token
    assert code(await call(client, late_token, JOIN, s=org.slug)) == "seats_full"
    assert code(await call(client, admin_token, INVITE, s=org.slug, e="x@full.example.edu")) == (
        "seats_full"
    )
    # A seat given up is free again; then the invitation is accepted.
    assert (
        code(await call(client, (await login(db, joiner)).access_token, LEAVE, s=org.slug)) is None
    )
    assert code(await call(client, invitee_token, ACCEPT, t=token)) is None


async def test_a_lapsed_subscription_has_no_seats(
    client: httpx.AsyncClient, db: Database, people: dict[str, User]
) -> None:
    org = await make_org(
        db,
        seats=5,
        admins=(people["org_admin"],),
        status=SubscriptionStatus.CANCELED,
        domain="gone.example.edu",
    )
    user = await verified_user(db, "x@gone.example.edu")
    body = await call(client, (await login(db, user)).access_token, JOIN, s=org.slug)
    assert code(body) == "subscription_inactive"
    assert CLASS_SEATS not in await _held(db, people["org_admin"])


# -- joining by domain ----------------------------------------------------------------------


async def test_joining_by_domain_needs_a_verified_address_at_the_approved_domain(
    client: httpx.AsyncClient, db: Database, people: dict[str, User], tokens: dict[str, str | None]
) -> None:
    org = await make_org(db, seats=5, admins=(people["org_admin"],))
    unverified = await verified_user(db, "u@campus.example.edu", verified=False)
    verified = await verified_user(db, "v@campus.example.edu")
    elsewhere = await verified_user(db, "w@elsewhere.example.edu")
    t_unverified = (await login(db, unverified)).access_token
    t_verified = (await login(db, verified)).access_token
    t_elsewhere = (await login(db, elsewhere)).access_token
    # No approved domain yet: the organization looks missing.
    assert code(await call(client, t_verified, JOIN, s=org.slug)) == "organization_not_found"
    claim = await call(client, tokens["org_admin"], CLAIM, s=org.slug, d="Campus.Example.EDU.")
    assert code(claim) is None
    assert claim["data"]["claimOrganizationEmailDomain"]["domain"] == "campus.example.edu"
    assert code(await call(client, t_verified, JOIN, s=org.slug)) == "organization_not_found"
    claim_id = claim["data"]["claimOrganizationEmailDomain"]["id"]
    decided = await call(client, tokens["admin"], DECIDE, id=claim_id, a=True)
    assert decided["data"]["decideDomainClaim"]["status"] == "approved"
    assert (await call(client, t_verified, JOINABLE))["data"]["joinableOrganizations"] == [org.slug]
    assert (await call(client, t_unverified, JOINABLE))["data"]["joinableOrganizations"] == []
    assert code(await call(client, t_unverified, JOIN, s=org.slug)) == "email_not_verified"
    assert code(await call(client, t_elsewhere, JOIN, s=org.slug)) == "organization_not_found"
    assert code(await call(client, None, JOIN, s=org.slug)) == "not_authenticated"
    for _ in range(2):  # again is a no-op
        body = await call(client, t_verified, JOIN, s=org.slug)
        assert code(body) is None
        assert body["data"]["joinOrganization"]["seatsUsed"] == 2
    assert (await seat_holders(db, org))[verified.id].joined_via == "email_domain"
    assert (await call(client, t_verified, JOINABLE))["data"]["joinableOrganizations"] == []


async def test_domain_claims_are_decided_by_platform_admins_only(
    client: httpx.AsyncClient,
    org: Organization,
    db: Database,
    people: dict[str, User],
    tokens: dict[str, str | None],
) -> None:
    expected = {
        "anonymous": "not_authenticated",
        "viewer": "organization_not_found",
        "other": "organization_not_found",
        "member": "forbidden",
        "org_admin": None,
        "admin": None,
    }
    for who, error in expected.items():
        assert code(await call(client, tokens[who], CLAIM, s=org.slug, d="uni.example.edu")) == (
            error
        ), who
    for bad in ("gmail.com", "localhost", "-x.example.edu", "a..b", "x" * 300 + ".edu", "1.2.3.4"):
        body = await call(client, tokens["org_admin"], CLAIM, s=org.slug, d=bad)
        assert code(body) == "validation_failed", bad
    listed = await call(client, tokens["admin"], CLAIMS)
    [claim] = listed["data"]["pendingDomainClaims"]  # the later claim replaced the earlier
    assert claim["organizationSlug"] == org.slug
    for who in ("viewer", "member", "org_admin", "other"):
        assert code(await call(client, tokens[who], CLAIMS)) == "forbidden", who
        body = await call(client, tokens[who], DECIDE, id=claim["id"], a=True)
        assert code(body) == "domain_claim_not_found", who
    assert code(await call(client, None, DECIDE, id=claim["id"], a=True)) == "not_authenticated"
    assert code(await call(client, tokens["admin"], DECIDE, id=claim["id"], a=True)) is None
    assert code(await call(client, tokens["admin"], DECIDE, id=claim["id"], a=False)) == "conflict"
    view = await call(client, tokens["org_admin"], ORG, s=org.slug)
    assert view["data"]["organization"]["emailDomain"] == "uni.example.edu"
    # Another organization cannot claim it now.
    other_org = await make_org(db, admins=(people["viewer"],))
    viewer_claim = await call(
        client, tokens["viewer"], CLAIM, s=other_org.slug, d="uni.example.edu"
    )
    assert code(viewer_claim) == "domain_taken"


# -- roles, leaving, removal -------------------------------------------------------------------


async def test_roles_and_removal_never_leave_an_organization_without_an_admin(
    client: httpx.AsyncClient,
    org: Organization,
    db: Database,
    people: dict[str, User],
    tokens: dict[str, str | None],
) -> None:
    admin_id, member_id = str(people["org_admin"].id), str(people["member"].id)
    expected = {
        "anonymous": "not_authenticated",
        "viewer": "organization_not_found",
        "other": "organization_not_found",
        "member": "forbidden",
    }
    for who, error in expected.items():
        assert code(await call(client, tokens[who], ROLE, s=org.slug, u=member_id, r="ADMIN")) == (
            error
        ), who
        assert code(await call(client, tokens[who], REMOVE, s=org.slug, u=admin_id)) == error, who
    for query, args in ((ROLE, {"r": "MEMBER"}), (REMOVE, {})):
        for who in ("org_admin", "admin"):
            body = await call(client, tokens[who], query, s=org.slug, u=admin_id, **args)
            assert code(body) == "last_admin", (who, query)
    assert code(await call(client, tokens["org_admin"], LEAVE, s=org.slug)) == "last_admin"
    stranger = str(people["viewer"].id)
    assert code(await call(client, tokens["org_admin"], REMOVE, s=org.slug, u=stranger)) == (
        "member_not_found"
    )
    made = await call(client, tokens["org_admin"], ROLE, s=org.slug, u=member_id, r="ADMIN")
    assert made["data"]["setOrganizationMemberRole"] == "ADMIN"
    # Two admins: now one may step down, and the other may not.
    assert code(await call(client, tokens["org_admin"], LEAVE, s=org.slug)) is None
    assert code(await call(client, tokens["member"], LEAVE, s=org.slug)) == "last_admin"
    assert code(await call(client, tokens["org_admin"], LEAVE, s=org.slug)) == (
        "organization_not_found"
    )
    holders = await seat_holders(db, org)
    assert set(holders) == {people["member"].id}
    assert holders[people["member"].id].role is OrganizationRole.ADMIN


async def test_removal_takes_entitlements_away_on_the_next_request(
    client: httpx.AsyncClient,
    org: Organization,
    db: Database,
    people: dict[str, User],
    tokens: dict[str, str | None],
) -> None:
    member = people["member"]
    assert {VIDEO_PREMIUM, CLASS_SEATS} <= await _held(db, member)
    seen = await call(client, tokens["member"], ORG, s=org.slug)
    assert seen["data"]["organization"]["myRole"] == "MEMBER"
    body = await call(client, tokens["org_admin"], REMOVE, s=org.slug, u=str(member.id))
    assert code(body) is None
    assert await _held(db, member) == frozenset()
    # The same token, on its next request, finds no organization.
    assert (await call(client, tokens["member"], ORG, s=org.slug))["data"]["organization"] is None
    again = await call(client, tokens["org_admin"], REMOVE, s=org.slug, u=str(member.id))
    assert code(again) == "member_not_found"


# -- identity providers ------------------------------------------------------------------------


async def test_only_platform_admins_set_an_issuer(
    client: httpx.AsyncClient,
    org: Organization,
    db: Database,
    people: dict[str, User],
    tokens: dict[str, str | None],
) -> None:
    issuer = "https://login.uni.example.edu/realms/students"
    expected = {
        "anonymous": "not_authenticated",
        "viewer": "organization_not_found",
        "other": "organization_not_found",
        "member": "forbidden",
        "org_admin": "forbidden",
        "admin": None,
    }
    for who, error in expected.items():
        assert code(await call(client, tokens[who], ISSUER, s=org.slug, i=issuer)) == error, who
    for bad in (
        "https://accounts.google.com",
        "http://login.uni.example.edu",
        "ftp://x.example.edu",
        "https://x.example.edu/?q=1",
        "not a url",
    ):
        body = await call(client, tokens["admin"], ISSUER, s=org.slug, i=bad)
        assert code(body) == "validation_failed", bad
    other_org = await make_org(db)
    taken = await call(client, tokens["admin"], ISSUER, s=other_org.slug, i=issuer)
    assert code(taken) == "conflict"
    view = await call(client, tokens["org_admin"], ORG, s=org.slug)
    assert view["data"]["organization"]["oidcIssuer"] == issuer
    cleared = await call(client, tokens["admin"], ISSUER, s=org.slug, i=None)
    assert cleared["data"]["setOrganizationIssuer"]["oidcIssuer"] is None


# -- classes ----------------------------------------------------------------------------------------


async def test_an_org_admin_opens_a_class_with_its_members(
    client: httpx.AsyncClient,
    org: Organization,
    db: Database,
    people: dict[str, User],
    tokens: dict[str, str | None],
) -> None:
    expected = {
        "anonymous": "not_authenticated",
        "viewer": "organization_not_found",
        "other": "organization_not_found",
        "member": "forbidden",
        "admin": "forbidden",  # a platform admin holds no seat, so teaches none of its classes
    }
    for who, error in expected.items():
        assert code(await call(client, tokens[who], CLASS, s=org.slug, n="Stars", all=True)) == (
            error
        ), who
    second = await make_user(db)
    async with db.unit_of_work() as session:
        from cosmostream.models import OrganizationMember

        session.add(OrganizationMember(organization_id=org.id, user_id=second.id))
    body = await call(client, tokens["org_admin"], CLASS, s=org.slug, n=" Stars  101 ", all=True)
    assert code(body) is None, body
    everyone = body["data"]["createOrganizationClass"]
    picked = await call(
        client, tokens["org_admin"], CLASS, s=org.slug, n="Picked", m=[str(second.id)]
    )
    assert code(picked) is None
    stranger = await call(
        client, tokens["org_admin"], CLASS, s=org.slug, n="Bad", m=[str(people["viewer"].id)]
    )
    assert code(stranger) == "validation_failed"
    assert code(await call(client, tokens["org_admin"], CLASS, s=org.slug, n="", all=True)) == (
        "validation_failed"
    )
    async with db.read() as session:
        classes = {str(k.id): k for k in await session.scalars(select(LearningClass))}
        members = {}
        for class_id in (everyone, picked["data"]["createOrganizationClass"]):
            rows = await session.scalars(
                select(ClassMember.user_id).where(ClassMember.class_id == classes[class_id].id)
            )
            members[class_id] = set(rows)
    assert len(classes) == 2
    assert classes[everyone].name == "Stars 101"
    assert classes[everyone].teacher_id == people["org_admin"].id
    # Everyone but the teacher is in the class; the picked class has only the pick.
    assert members[everyone] == {people["member"].id, second.id}
    assert members[picked["data"]["createOrganizationClass"]] == {second.id}
    # The teacher sees the class as theirs; the organization's page lists it.
    klass = await call(
        client,
        tokens["member"],
        "query($id: ID!) { learningClass(id: $id) { isMember canTeach } }",
        id=everyone,
    )
    assert klass["data"]["learningClass"] == {"isMember": True, "canTeach": False}


async def test_classes_need_a_plan_that_grants_class_seats(
    client: httpx.AsyncClient, db: Database, people: dict[str, User]
) -> None:
    org = await make_org(db, plan="premium", admins=(people["org_admin"],))
    token = (await login(db, people["org_admin"])).access_token
    assert code(await call(client, token, CLASS, s=org.slug, n="Stars", all=True)) == "forbidden"
