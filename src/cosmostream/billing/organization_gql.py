"""GraphQL of organizations: seats, members (paged), invitations, joining, domain claims.

An organization the caller may not see is `null` (queries) or
`organization_not_found` (mutations); members, invitations and the domain
claim are for its admins and platform admins only.
"""

from __future__ import annotations

from datetime import datetime
from enum import Enum

import strawberry

from cosmostream.billing.organizations import (
    DomainClaimNotFound,
    MemberNotFound,
    OrganizationNotFound,
    OrganizationView,
    organization_service,
)
from cosmostream.graphql.context import Info
from cosmostream.graphql.hubs import User
from cosmostream.graphql.relay import Connection, connection
from cosmostream.kit.ids import require_uuid
from cosmostream.models import Organization as OrganizationModel
from cosmostream.models import OrganizationDomainClaim as ClaimModel
from cosmostream.models import OrganizationInvitation as InvitationModel
from cosmostream.models import OrganizationMember as MemberModel
from cosmostream.models import OrganizationRole
from cosmostream.models import User as UserModel


@strawberry.enum(description="A member's role in an organization.")
class OrgRole(Enum):
    ADMIN = "admin"
    MEMBER = "member"


@strawberry.type(description="A seat holder, as the organization's admins see them.")
class OrganizationMember:
    member: strawberry.Private[MemberModel]
    person: strawberry.Private[UserModel]

    @strawberry.field
    def user(self) -> User:
        return User(model=self.person)

    @strawberry.field
    def email(self) -> str:
        return self.person.email

    @strawberry.field
    def role(self) -> OrgRole:
        return OrgRole(self.member.role.value)

    @strawberry.field(description="invitation, email_domain, identity_provider or admin.")
    def joined_via(self) -> str:
        return self.member.joined_via

    @strawberry.field
    def joined_at(self) -> datetime:
        return self.member.created_at


OrganizationMemberConnection = Connection[OrganizationMember]


@strawberry.type(description="An open invitation (admins).")
class OrganizationInvitation:
    model: strawberry.Private[InvitationModel]

    @strawberry.field
    def id(self) -> strawberry.ID:
        return strawberry.ID(str(self.model.id))

    @strawberry.field
    def email(self) -> str:
        return self.model.email

    @strawberry.field
    def role(self) -> OrgRole:
        return OrgRole(self.model.role.value)

    @strawberry.field
    def created_at(self) -> datetime:
        return self.model.created_at

    @strawberry.field
    def expires_at(self) -> datetime:
        return self.model.expires_at


@strawberry.type(description="An organization's claim on an e-mail domain.")
class DomainClaim:
    model: strawberry.Private[ClaimModel]
    org: strawberry.Private[OrganizationModel | None] = None

    @strawberry.field
    def id(self) -> strawberry.ID:
        return strawberry.ID(str(self.model.id))

    @strawberry.field
    def domain(self) -> str:
        return self.model.domain

    @strawberry.field(description="pending, approved or rejected.")
    def status(self) -> str:
        return self.model.status.value

    @strawberry.field
    def organization_slug(self) -> str | None:
        return self.org.slug if self.org else None

    @strawberry.field
    def organization_name(self) -> str | None:
        return self.org.name if self.org else None

    @strawberry.field
    def created_at(self) -> datetime:
        return self.model.created_at


@strawberry.type(description="An organization on the Institutional plan.")
class Organization:
    view: strawberry.Private[OrganizationView]

    @strawberry.field
    def slug(self) -> str:
        return self.view.organization.slug

    @strawberry.field
    def name(self) -> str:
        return self.view.organization.name

    @strawberry.field(description="Your role; null for a platform admin without a seat.")
    def my_role(self) -> OrgRole | None:
        return OrgRole(self.view.role.value) if self.view.role else None

    @strawberry.field(description="Whether you may manage it (its admins, platform admins).")
    def can_manage(self) -> bool:
        return self.view.can_manage

    @strawberry.field(description="The subscription's status (Stripe's word), or none.")
    def status(self) -> str:
        return self.view.status

    @strawberry.field
    def seats_used(self) -> int:
        return self.view.seats_used

    @strawberry.field(description="Seats bought (0 without an active subscription).")
    def seats_total(self) -> int:
        return self.view.seats_total

    @strawberry.field(description="The approved e-mail domain whose verified users may join.")
    def email_domain(self) -> str | None:
        return self.view.organization.email_domain

    @strawberry.field(description="The trusted OpenID issuer (admins).")
    def oidc_issuer(self) -> str | None:
        return self.view.organization.oidc_issuer if self.view.can_manage else None

    @strawberry.field(description="A domain claim waiting for a platform admin (admins).")
    def pending_domain_claim(self) -> DomainClaim | None:
        claim = self.view.pending_claim if self.view.can_manage else None
        return DomainClaim(model=claim) if claim else None

    @strawberry.field(description="Open invitations, newest first (admins; 50 at most).")
    def invitations(self) -> list[OrganizationInvitation] | None:
        if not self.view.can_manage:
            return None
        return [OrganizationInvitation(model=i) for i in self.view.invitations]

    @strawberry.field(description="Members in joined order (admins; null for members).")
    async def members(
        self, info: Info, first: int = 50, after: str | None = None
    ) -> OrganizationMemberConnection | None:
        if not self.view.can_manage:
            return None
        async with info.context.db.read() as session:
            page = await organization_service.members(
                session,
                info.context.actor,
                self.view.organization.slug,
                first=first,
                after=after,
            )
        return connection(page, lambda row: OrganizationMember(member=row[0], person=row[1]))


async def _view(info: Info, slug: str) -> Organization:
    async with info.context.db.read() as session:
        view = await organization_service.view(session, info.context.actor, slug)
    return Organization(view=view)


@strawberry.type
class OrganizationQuery:
    @strawberry.field(description="An organization you hold a seat in; null for any other.")
    async def organization(self, info: Info, slug: str) -> Organization | None:
        try:
            return await _view(info, slug)
        except OrganizationNotFound:
            return None

    @strawberry.field(description="The organizations you hold a seat in, by name.")
    async def my_organizations(self, info: Info) -> list[Organization]:
        actor = info.context.require_actor()
        async with info.context.db.read() as session:
            rows = await organization_service.mine(session, actor)
            views = [await organization_service.view(session, actor, o.slug) for _, o in rows]
        return [Organization(view=v) for v in views]

    @strawberry.field(
        description="Organizations you may join by your verified e-mail's domain (slug, name)."
    )
    async def joinable_organizations(self, info: Info) -> list[str]:
        actor = info.context.require_actor()
        async with info.context.db.read() as session:
            found = await organization_service.joinable(session, actor)
        return [org.slug for org in found]

    @strawberry.field(description="Domain claims waiting for a decision (platform admins).")
    async def pending_domain_claims(self, info: Info) -> list[DomainClaim]:
        actor = info.context.require_actor()
        async with info.context.db.read() as session:
            rows = await organization_service.pending_claims(session, actor)
        return [DomainClaim(model=claim, org=org) for claim, org in rows]


@strawberry.type
class OrganizationMutation:
    @strawberry.mutation(description="E-mail an invitation to take a seat (admins).")
    async def invite_to_organization(
        self, info: Info, slug: str, email: str, role: OrgRole = OrgRole.MEMBER
    ) -> OrganizationInvitation:
        actor = info.context.require_actor()
        async with info.context.db.unit_of_work() as session:
            invitation = await organization_service.invite(
                session, actor, slug, email, OrganizationRole(role.value)
            )
        return OrganizationInvitation(model=invitation)

    @strawberry.mutation(description="Withdraw an open invitation (admins).")
    async def revoke_organization_invitation(
        self, info: Info, slug: str, id: strawberry.ID
    ) -> bool:
        actor = info.context.require_actor()
        async with info.context.db.unit_of_work() as session:
            await organization_service.revoke_invitation(
                session, actor, slug, require_uuid(id, OrganizationNotFound)
            )
        return True

    @strawberry.mutation(description="Accept an invitation with its token: take the seat.")
    async def accept_invitation(self, info: Info, token: str) -> Organization:
        actor = info.context.require_actor()
        async with info.context.db.unit_of_work() as session:
            org = await organization_service.accept(session, actor, token)
        return await _view(info, org.slug)

    @strawberry.mutation(description="Take a seat with a verified e-mail at its domain.")
    async def join_organization(self, info: Info, slug: str) -> Organization:
        actor = info.context.require_actor()
        async with info.context.db.unit_of_work() as session:
            org = await organization_service.join(session, actor, slug)
        return await _view(info, org.slug)

    @strawberry.mutation(description="Give up your seat.")
    async def leave_organization(self, info: Info, slug: str) -> bool:
        actor = info.context.require_actor()
        async with info.context.db.unit_of_work() as session:
            await organization_service.leave(session, actor, slug)
        return True

    @strawberry.mutation(description="Take a member's seat away (admins).")
    async def remove_organization_member(
        self, info: Info, slug: str, user_id: strawberry.ID
    ) -> bool:
        actor = info.context.require_actor()
        async with info.context.db.unit_of_work() as session:
            await organization_service.remove_member(
                session, actor, slug, require_uuid(user_id, MemberNotFound)
            )
        return True

    @strawberry.mutation(description="Make a member an admin, or an admin a member (admins).")
    async def set_organization_member_role(
        self, info: Info, slug: str, user_id: strawberry.ID, role: OrgRole
    ) -> OrgRole:
        actor = info.context.require_actor()
        async with info.context.db.unit_of_work() as session:
            member = await organization_service.set_role(
                session,
                actor,
                slug,
                require_uuid(user_id, MemberNotFound),
                OrganizationRole(role.value),
            )
        return OrgRole(member.role.value)

    @strawberry.mutation(description="Claim an e-mail domain; a platform admin decides (admins).")
    async def claim_organization_email_domain(
        self, info: Info, slug: str, domain: str
    ) -> DomainClaim:
        actor = info.context.require_actor()
        async with info.context.db.unit_of_work() as session:
            claim = await organization_service.claim_domain(session, actor, slug, domain)
        return DomainClaim(model=claim)

    @strawberry.mutation(description="Approve or reject a domain claim (platform admins).")
    async def decide_domain_claim(
        self, info: Info, id: strawberry.ID, approve: bool
    ) -> DomainClaim:
        actor = info.context.require_actor()
        async with info.context.db.unit_of_work() as session:
            claim = await organization_service.decide_claim(
                session, actor, require_uuid(id, DomainClaimNotFound), approve
            )
        return DomainClaim(model=claim)

    @strawberry.mutation(
        description="Trust an OpenID issuer for the organization's seats; null clears it "
        "(platform admins)."
    )
    async def set_organization_issuer(
        self, info: Info, slug: str, issuer: str | None = None
    ) -> Organization:
        actor = info.context.require_actor()
        async with info.context.db.unit_of_work() as session:
            await organization_service.set_issuer(session, actor, slug, issuer)
        return await _view(info, slug)

    @strawberry.mutation(
        description="Open a class for the organization's members: all of them (addAll) or "
        "those picked (admins of an organization whose plan grants class.seats). "
        "Returns the class id."
    )
    async def create_organization_class(
        self,
        info: Info,
        slug: str,
        name: str,
        add_all: bool = False,
        member_ids: list[strawberry.ID] | None = None,
    ) -> strawberry.ID:
        actor = info.context.require_actor()
        ids = [require_uuid(m, MemberNotFound) for m in (member_ids or [])]
        async with info.context.db.unit_of_work() as session:
            klass = await organization_service.create_class(
                session, actor, slug, name, add_all=add_all, member_ids=ids
            )
        return strawberry.ID(str(klass.id))
