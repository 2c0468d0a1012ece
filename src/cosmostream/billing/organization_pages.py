"""Organization pages: `/org` (your organizations, joining by e-mail domain), `/org/<slug>`
(admins manage seats, members, invitations, the domain and classes; members see their
seat and may leave), invitations, and the platform admins' domain claims.

Every action is a form post with a CSRF token. Refusals on the organization's own page
come back as a notice (`web.forms.act`); accepting an invitation or joining answers a
refusal with its status (409 `seats_full`) on an error page, as nothing was taken. An
organization the visitor may not see is a 404 page.
"""

from __future__ import annotations

from urllib.parse import quote, urlencode

from fastapi import APIRouter, Request
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.datastructures import FormData
from starlette.responses import Response

from cosmostream.account.schemas import Actor
from cosmostream.billing.organizations import (
    DomainClaimNotFound,
    InvitationInvalid,
    MemberNotFound,
    organization_service,
)
from cosmostream.errors import NotFound, PermissionDenied, ValidationFailed
from cosmostream.kit.ids import require_uuid
from cosmostream.models import OrganizationRole
from cosmostream.web import security
from cosmostream.web.deps import database
from cosmostream.web.forms import act, read_form, redirect, text
from cosmostream.web.templating import flash, render

router = APIRouter()

MEMBERS_PER_PAGE = 50


def _login(path: str) -> Response:
    return redirect("/login?" + urlencode({"next": path}))


# -- reading ---------------------------------------------------------------------


@router.get("/org")
async def organizations_page(request: Request) -> Response:
    actor = security.current_actor(request)
    if actor is None:
        return _login("/org")
    async with database(request).read() as session:
        mine = await organization_service.mine(session, actor)
        joinable = await organization_service.joinable(session, actor)
    return render(request, "billing/org/list.html", {"mine": mine, "joinable": joinable})


@router.get("/org/invitations/{token}")
async def invitation_page(request: Request, token: str) -> Response:
    actor = security.current_actor(request)
    if actor is None:
        return _login(f"/org/invitations/{quote(token, safe='')}")
    async with database(request).read() as session:
        invitation, org = await organization_service.invitation(session, token)
    return render(
        request,
        "billing/org/invitation.html",
        {
            "invitation": invitation,
            "org": org,
            "token": token,
            "matches": actor.user.email.lower() == invitation.email,
        },
    )


@router.get("/admin/org-domains")
async def domain_claims_page(request: Request) -> Response:
    actor = security.current_actor(request)
    if actor is None:
        return _login("/admin/org-domains")
    if not actor.is_admin:
        raise NotFound()
    async with database(request).read() as session:
        claims = await organization_service.pending_claims(session, actor)
    return render(request, "billing/org/domains.html", {"claims": claims})


@router.get("/org/{slug}")
async def organization_page(request: Request, slug: str) -> Response:
    actor = security.current_actor(request)
    if actor is None:
        return _login(f"/org/{quote(slug, safe='')}")
    after = request.query_params.get("after")
    async with database(request).read() as session:
        view = await organization_service.view(session, actor, slug)
        page = (
            await organization_service.members(
                session, actor, slug, first=MEMBERS_PER_PAGE, after=after
            )
            if view.can_manage
            else None
        )
    template = "billing/org/manage.html" if view.can_manage else "billing/org/member.html"
    return render(
        request,
        template,
        {"view": view, "org": view.organization, "page": page, "roles": list(OrganizationRole)},
    )


@router.get("/org/{slug}/members/{user_id}/remove")
async def remove_confirm_page(request: Request, slug: str, user_id: str) -> Response:
    actor = security.current_actor(request)
    if actor is None:
        return _login(f"/org/{quote(slug, safe='')}")
    uid = require_uuid(user_id, MemberNotFound)
    async with database(request).read() as session:
        view = await organization_service.view(session, actor, slug)
        if not view.can_manage:
            raise PermissionDenied("Only the organization's admins can do that.")
        person = await organization_service.member_of(session, actor, slug, uid)
    return render(request, "billing/org/remove.html", {"org": view.organization, "person": person})


# -- forms -------------------------------------------------------------------------


def _back(slug: str, anchor: str = "") -> str:
    return f"/org/{quote(slug, safe='')}{anchor}"


@router.post("/org/invitations/accept")
async def accept_submit(request: Request) -> Response:
    form = await read_form(request)
    token = text(form, "token")
    actor = security.current_actor(request)
    if actor is None:
        return _login(f"/org/invitations/{quote(token, safe='')}")
    # A refusal (seats full, wrong account, used link) is its own page with its status.
    async with database(request).unit_of_work() as session:
        org = await organization_service.accept(session, actor, token)
    response = redirect(_back(org.slug))
    flash(response, f"You hold a seat in {org.name}.", "success")
    return response


@router.post("/org/{slug}/join")
async def join_submit(request: Request, slug: str) -> Response:
    await read_form(request)
    actor = security.current_actor(request)
    if actor is None:
        return _login("/org")
    async with database(request).unit_of_work() as session:
        org = await organization_service.join(session, actor, slug)
    response = redirect(_back(org.slug))
    flash(response, f"You hold a seat in {org.name}.", "success")
    return response


@router.post("/org/{slug}/leave")
async def leave_submit(request: Request, slug: str) -> Response:
    return await act(
        request,
        lambda s, a, f: organization_service.leave(s, a, slug),
        back=_back(slug),
        then=lambda _: "/org",
        success="You gave up your seat.",
    )


@router.post("/org/{slug}/invite")
async def invite_submit(request: Request, slug: str) -> Response:
    async def invite(session: AsyncSession, actor: Actor, form: FormData) -> object:
        role = _role(text(form, "role", "member"))
        return await organization_service.invite(session, actor, slug, text(form, "email"), role)

    return await act(
        request, invite, back=_back(slug, "#invitations"), success="The invitation is on its way."
    )


@router.post("/org/{slug}/invitations/{invitation_id}/revoke")
async def revoke_submit(request: Request, slug: str, invitation_id: str) -> Response:
    iid = require_uuid(invitation_id, InvitationInvalid)
    return await act(
        request,
        lambda s, a, f: organization_service.revoke_invitation(s, a, slug, iid),
        back=_back(slug, "#invitations"),
        success="The invitation is withdrawn.",
    )


@router.post("/org/{slug}/members/{user_id}/remove")
async def remove_submit(request: Request, slug: str, user_id: str) -> Response:
    uid = require_uuid(user_id, MemberNotFound)
    return await act(
        request,
        lambda s, a, f: organization_service.remove_member(s, a, slug, uid),
        back=_back(slug, "#members"),
        success="The member no longer holds a seat.",
    )


@router.post("/org/{slug}/members/{user_id}/role")
async def role_submit(request: Request, slug: str, user_id: str) -> Response:
    uid = require_uuid(user_id, MemberNotFound)
    return await act(
        request,
        lambda s, a, f: organization_service.set_role(s, a, slug, uid, _role(text(f, "role"))),
        back=_back(slug, "#members"),
        success="The role is changed.",
    )


@router.post("/org/{slug}/domain")
async def domain_submit(request: Request, slug: str) -> Response:
    return await act(
        request,
        lambda s, a, f: organization_service.claim_domain(s, a, slug, text(f, "domain")),
        back=_back(slug, "#domain"),
        success="Claim sent: a platform admin will approve the domain.",
    )


@router.post("/org/{slug}/issuer")
async def issuer_submit(request: Request, slug: str) -> Response:
    return await act(
        request,
        lambda s, a, f: organization_service.set_issuer(s, a, slug, text(f, "issuer")),
        back=_back(slug, "#provider"),
        success="The identity provider is saved.",
    )


@router.post("/org/{slug}/classes")
async def class_submit(request: Request, slug: str) -> Response:
    async def create(session: AsyncSession, actor: Actor, form: FormData) -> object:
        picked = [
            require_uuid(v, MemberNotFound)
            for v in form.getlist("member")
            if isinstance(v, str) and v
        ]
        return await organization_service.create_class(
            session,
            actor,
            slug,
            text(form, "name"),
            add_all=text(form, "who") == "all",
            member_ids=picked,
        )

    return await act(
        request,
        create,
        back=_back(slug, "#classes"),
        then=lambda klass: f"/classes/{klass.id}",
        success="The class is open with its members in it.",
    )


@router.post("/admin/org-domains/{claim_id}")
async def decide_submit(request: Request, claim_id: str) -> Response:
    cid = require_uuid(claim_id, DomainClaimNotFound)

    async def decide(session: AsyncSession, actor: Actor, form: FormData) -> object:
        decision = text(form, "decision")
        if decision not in ("approve", "reject"):
            raise ValidationFailed("Approve or reject the claim.")
        return await organization_service.decide_claim(session, actor, cid, decision == "approve")

    return await act(request, decide, back="/admin/org-domains", success="Decided.")


def _role(value: str) -> OrganizationRole:
    try:
        return OrganizationRole(value)
    except ValueError:
        raise ValidationFailed("Choose admin or member.", field="role") from None
