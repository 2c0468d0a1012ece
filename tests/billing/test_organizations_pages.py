"""Organization pages: who sees which page, the admin's forms (CSRF, notices), the
invitation flow by e-mail, joining by domain, removal with confirmation, domain claims."""

from __future__ import annotations

import httpx
import pytest

from cosmostream.db import Database
from cosmostream.models import Organization, User
from tests.billing.conftest import make_org, seat_holders, verified_user
from tests.billing.test_organizations import invitation_token
from tests.conftest import MailSink
from tests.factories import make_user, sign_in


async def _as(client: httpx.AsyncClient, user: User | None) -> str:
    return await sign_in(client, user)


async def test_who_sees_the_organization_page(
    client: httpx.AsyncClient, org: Organization, people: dict[str, User]
) -> None:
    await _as(client, None)
    page = await client.get(f"/org/{org.slug}")
    assert page.status_code == 303 and page.headers["location"].startswith("/login?next=")
    for who in ("viewer", "other"):
        await _as(client, people[who])
        assert (await client.get(f"/org/{org.slug}")).status_code == 404, who
    await _as(client, people["member"])
    page = await client.get(f"/org/{org.slug}")
    assert page.status_code == 200
    assert "You hold a seat" in page.text and f'action="/org/{org.slug}/leave"' in page.text
    assert "Send invitation" not in page.text and people["org_admin"].email not in page.text
    for who in ("org_admin", "admin"):
        await _as(client, people[who])
        page = await client.get(f"/org/{org.slug}")
        assert page.status_code == 200, who
        assert "2 of 3</strong> seats used" in page.text
        assert f'href="/org/{org.slug}/seats"' in page.text
        assert people["member"].email in page.text and "Send invitation" in page.text
    # Only the platform admin gets the identity-provider form; only the org admin opens classes.
    assert f'action="/org/{org.slug}/issuer"' in page.text
    assert f'action="/org/{org.slug}/classes"' not in page.text
    await _as(client, people["org_admin"])
    page = await client.get(f"/org/{org.slug}")
    assert f'action="/org/{org.slug}/issuer"' not in page.text
    assert f'action="/org/{org.slug}/classes"' in page.text


async def test_members_page_through_cursors(
    client: httpx.AsyncClient,
    db: Database,
    people: dict[str, User],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from cosmostream.billing import organization_pages

    monkeypatch.setattr(organization_pages, "MEMBERS_PER_PAGE", 2)
    extra = [await make_user(db, name=f"Extra {n}") for n in range(3)]
    org = await make_org(db, seats=10, admins=(people["org_admin"],), members=tuple(extra))
    await _as(client, people["org_admin"])
    page = await client.get(f"/org/{org.slug}")
    assert page.text.count("data-member=") == 2 and 'rel="next"' in page.text
    after = page.text.split("?after=", 1)[1].split("#", 1)[0]
    second = await client.get(f"/org/{org.slug}", params={"after": after})
    assert second.text.count("data-member=") == 2 and 'rel="next"' not in second.text
    assert (await client.get(f"/org/{org.slug}", params={"after": "junk"})).status_code == 422


async def test_the_invitation_flow_by_e_mail(
    client: httpx.AsyncClient,
    org: Organization,
    db: Database,
    people: dict[str, User],
    mail: MailSink,
    task_worker: object,
) -> None:
    csrf = await _as(client, people["org_admin"])
    # Without the CSRF token nothing is sent.
    refused = await client.post(f"/org/{org.slug}/invite", data={"email": "x@uni.example.org"})
    assert refused.status_code == 403
    sent = await client.post(
        f"/org/{org.slug}/invite",
        data={"email": "kai@uni.example.org", "role": "member", "csrf_token": csrf},
    )
    assert sent.status_code == 303 and sent.headers["location"] == f"/org/{org.slug}#invitations"
    page = await client.get(f"/org/{org.slug}")
    assert "kai@uni.example.org" in page.text and "data-invitations" in page.text
    token = invitation_token(mail.wait_for("kai@uni.example.org")[0])
    # Signed out: the link leads to sign in and back.
    await _as(client, None)
    link = await client.get(f"/org/invitations/{token}")
    assert link.status_code == 303 and "next=%2Forg%2Finvitations%2F" in link.headers["location"]
    # The wrong account sees who it is for, and cannot accept.
    csrf = await _as(client, people["viewer"])
    page = await client.get(f"/org/invitations/{token}")
    assert (
        page.status_code == 200 and "Sign in with the account for kai@uni.example.org" in page.text
    )
    wrong = await client.post("/org/invitations/accept", data={"token": token, "csrf_token": csrf})
    assert wrong.status_code == 403
    kai = await make_user(db, email="kai@uni.example.org", name="Kai")
    csrf = await _as(client, kai)
    page = await client.get(f"/org/invitations/{token}")
    assert page.status_code == 200 and 'action="/org/invitations/accept"' in page.text
    accepted = await client.post(
        "/org/invitations/accept", data={"token": token, "csrf_token": csrf}
    )
    assert accepted.status_code == 303 and accepted.headers["location"] == f"/org/{org.slug}"
    assert (await client.get(f"/org/{org.slug}")).status_code == 200
    assert kai.id in await seat_holders(db, org)
    again = await client.post("/org/invitations/accept", data={"token": token, "csrf_token": csrf})
    assert again.status_code == 404
    assert (await client.get(f"/org/invitations/{token}")).status_code == 404
    listing = await client.get("/org")
    assert f'href="/org/{org.slug}"' in listing.text


async def test_accepting_or_joining_when_seats_are_full_is_a_409_page(
    client: httpx.AsyncClient,
    db: Database,
    people: dict[str, User],
    mail: MailSink,
    task_worker: object,
) -> None:
    org = await make_org(db, seats=2, admins=(people["org_admin"],), domain="tight.example.edu")
    csrf = await _as(client, people["org_admin"])
    await client.post(
        f"/org/{org.slug}/invite", data={"email": "a@tight.example.edu", "csrf_token": csrf}
    )
    token = invitation_token(mail.wait_for("a@tight.example.edu")[0])
    joiner = await verified_user(db, "b@tight.example.edu")
    csrf = await _as(client, joiner)
    listing = await client.get("/org")
    assert f'action="/org/{org.slug}/join"' in listing.text
    joined = await client.post(f"/org/{org.slug}/join", data={"csrf_token": csrf})
    assert joined.status_code == 303
    invitee = await make_user(db, email="a@tight.example.edu")
    csrf = await _as(client, invitee)
    full = await client.post("/org/invitations/accept", data={"token": token, "csrf_token": csrf})
    assert full.status_code == 409 and "Every seat" in full.text
    late = await verified_user(db, "c@tight.example.edu")
    csrf = await _as(client, late)
    full = await client.post(f"/org/{org.slug}/join", data={"csrf_token": csrf})
    assert full.status_code == 409
    assert len(await seat_holders(db, org)) == 2


async def test_removing_a_member_is_confirmed_first(
    client: httpx.AsyncClient, org: Organization, db: Database, people: dict[str, User]
) -> None:
    member = people["member"]
    path = f"/org/{org.slug}/members/{member.id}/remove"
    for who, status in (("viewer", 404), ("member", 403)):
        csrf = await _as(client, people[who])
        assert (await client.get(path)).status_code == status, who
        posted = await client.post(path, data={"csrf_token": csrf})
        assert posted.status_code in (303, 404), who
    assert member.id in await seat_holders(db, org)
    csrf = await _as(client, people["org_admin"])
    confirm = await client.get(path)
    assert confirm.status_code == 200 and f'action="{path}"' in confirm.text
    assert member.email in confirm.text
    done = await client.post(path, data={"csrf_token": csrf})
    assert done.status_code == 303
    assert member.id not in await seat_holders(db, org)
    # The last admin cannot be removed: a notice, and the seat stays.
    own = f"/org/{org.slug}/members/{people['org_admin'].id}/remove"
    refused = await client.post(own, data={"csrf_token": csrf})
    assert refused.status_code == 303
    assert people["org_admin"].id in await seat_holders(db, org)
    assert "at least one admin" in (await client.get(refused.headers["location"])).text


async def test_a_member_leaves_and_an_admin_changes_roles(
    client: httpx.AsyncClient, org: Organization, db: Database, people: dict[str, User]
) -> None:
    csrf = await _as(client, people["org_admin"])
    made = await client.post(
        f"/org/{org.slug}/members/{people['member'].id}/role",
        data={"role": "admin", "csrf_token": csrf},
    )
    assert made.status_code == 303
    bad = await client.post(
        f"/org/{org.slug}/members/{people['member'].id}/role",
        data={"role": "owner", "csrf_token": csrf},
    )
    assert bad.status_code == 303  # a notice
    csrf = await _as(client, people["member"])
    left = await client.post(f"/org/{org.slug}/leave", data={"csrf_token": csrf})
    assert left.status_code == 303 and left.headers["location"] == "/org"
    assert set(await seat_holders(db, org)) == {people["org_admin"].id}


async def test_domain_claims_page_for_platform_admins(
    client: httpx.AsyncClient, org: Organization, db: Database, people: dict[str, User]
) -> None:
    csrf = await _as(client, people["org_admin"])
    claimed = await client.post(
        f"/org/{org.slug}/domain", data={"domain": "claimed.example.edu", "csrf_token": csrf}
    )
    assert claimed.status_code == 303
    page = await client.get(f"/org/{org.slug}")
    assert "Waiting for a platform admin to approve <strong>claimed.example.edu" in page.text
    assert (await client.get("/admin/org-domains")).status_code == 404
    await _as(client, None)
    assert (await client.get("/admin/org-domains")).status_code == 303
    csrf = await _as(client, people["admin"])
    page = await client.get("/admin/org-domains")
    assert page.status_code == 200 and "claimed.example.edu" in page.text
    claim_path = page.text.split('action="/admin/org-domains/', 1)[1].split('"', 1)[0]
    decided = await client.post(
        f"/admin/org-domains/{claim_path}", data={"decision": "approve", "csrf_token": csrf}
    )
    assert decided.status_code == 303
    async with db.read() as session:
        found = await session.get(Organization, org.id)
        assert found is not None and found.email_domain == "claimed.example.edu"
    # The organization's admin cannot decide claims.
    csrf = await _as(client, people["org_admin"])
    refused = await client.post(
        f"/admin/org-domains/{claim_path}", data={"decision": "approve", "csrf_token": csrf}
    )
    assert refused.status_code == 404


async def test_an_org_admin_opens_a_class_from_the_page(
    client: httpx.AsyncClient, org: Organization, people: dict[str, User]
) -> None:
    csrf = await _as(client, people["org_admin"])
    made = await client.post(
        f"/org/{org.slug}/classes", data={"name": "Night sky", "who": "all", "csrf_token": csrf}
    )
    assert made.status_code == 303 and made.headers["location"].startswith("/classes/")
    klass = await client.get(made.headers["location"])
    assert klass.status_code == 200 and "Night sky" in klass.text
    assert people["member"].display_name in klass.text
    page = await client.get(f"/org/{org.slug}")
    assert f'href="{made.headers["location"]}"' in page.text


def _notice(response: httpx.Response) -> str:
    """The kind of the notice a form post left ('success', 'error'), or ''."""
    from urllib.parse import unquote

    raw = response.cookies.get("cs_flash") or ""
    return unquote(raw.split("|", 1)[1]).split("|", 1)[0] if "|" in raw else ""


async def test_every_form_by_every_caller(
    client: httpx.AsyncClient, db: Database, people: dict[str, User]
) -> None:
    """Anonymous: sign in first; no seat: 404; a member: refused with a notice (but may
    leave); the organization's admin and platform admins: done (the issuer is for
    platform admins only, classes for the organization's admins only)."""
    forms = {
        "invite": ({"email": "new@uni.example.org"}, "/invite"),
        "domain": ({"domain": "uni.example.edu"}, "/domain"),
        "issuer": ({"issuer": "https://login.uni.example.edu"}, "/issuer"),
        "classes": ({"name": "Night sky", "who": "all"}, "/classes"),
        "role": ({"role": "member"}, "/members/{member}/role"),
        "leave": ({}, "/leave"),
    }
    done = {
        "org_admin": {"invite", "domain", "classes", "role", "leave"},
        "admin": {"invite", "domain", "issuer", "role"},
        "member": {"leave"},
    }
    for who in ("anonymous", "viewer", "other", "member", "org_admin", "admin"):
        # A fresh organization each time: the member is a member, the admin one of two.
        second_admin = await make_user(db)
        org = await make_org(
            db,
            seats=10,
            admins=(people["org_admin"], second_admin),
            members=(people["member"],),
        )
        await make_org(db, admins=(people["other"],))
        csrf = await _as(client, None if who == "anonymous" else people[who])
        for name, (data, path) in forms.items():
            target = path.format(member=people["member"].id)
            response = await client.post(
                f"/org/{org.slug}{target}", data={**data, "csrf_token": csrf}
            )
            if who == "anonymous":
                assert response.status_code == 303, name
                assert response.headers["location"].startswith("/login"), name
            elif who in ("viewer", "other") or (who, name) == ("admin", "leave"):
                # No seat to see the organization by (a platform admin has none to leave).
                assert response.status_code == 404, (who, name)
            else:
                assert response.status_code == 303, (who, name)
                expected = "success" if name in done[who] else "error"
                assert _notice(response) == expected, (who, name)
            if who == "member" and name == "leave":
                break  # no longer a member
