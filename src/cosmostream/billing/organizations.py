"""Organizations on the Institutional plan: seats, members, invitations and joining.

- An organization's seats are the `quantity` of its subscription that grants
  its plan now (`entitlements.grants`); every member, admins included, holds
  one. A seat is taken only with the organization's row locked and the
  members counted under that lock, so concurrent joins never exceed the seats
  (`seats_full`, 409, and nothing written). Invitations reserve no seat: the
  seat is checked when one is accepted.
- Who sees what: an organization's admins (and platform admins) manage it;
  a member sees its name, their seat, and may leave; anyone else finds no
  organization (404). There is always at least one admin (`last_admin`).
- Ways in: an e-mailed invitation (a single-use token, 14 days, stored as its
  hash; accepted by the account with the invited address); a verified e-mail
  at the organization's e-mail domain, once a platform admin approved the
  organization's claim on it (there is no DNS check offline); signing in
  through the organization's OpenID issuer (set by platform admins), or
  through Google with a Workspace `hd` claim equal to the domain — `hd` is
  trusted from the Google issuer only. A provider sign-in while seats are
  full signs the user in without a seat, and the admins see who was refused.
- Classes: an admin of an organization whose plan grants `class.seats` opens
  a learning class taught by them with the organization's members already in
  it — every member ("add all members", except the admin, up to the class
  limit) or the members they pick (anyone else is refused).
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from sqlalchemy.ext.asyncio import AsyncSession

from cosmostream import mail
from cosmostream.account.repository import user_repository
from cosmostream.account.schemas import Actor, normalize_email, require_signed_in
from cosmostream.account.signals import ProviderSignIn
from cosmostream.billing.entitlements import grace_period, grants
from cosmostream.billing.organization_repository import organization_repository as repo
from cosmostream.billing.plans import CLASS_SEATS, PLANS
from cosmostream.config import get_settings
from cosmostream.errors import AppError, Conflict, PermissionDenied, ValidationFailed
from cosmostream.kit.crypto import hash_token, new_token
from cosmostream.kit.pagination import Page, decode_after, encode_cursor, page_size
from cosmostream.kit.time import utcnow
from cosmostream.learning.classes import MAX_MEMBERS, class_service
from cosmostream.models import (
    DomainClaimStatus,
    LearningClass,
    Organization,
    OrganizationClass,
    OrganizationDomainClaim,
    OrganizationInvitation,
    OrganizationMember,
    OrganizationRole,
    OrganizationSeatRefusal,
    Subscription,
    User,
)

INVITATION_TTL = timedelta(days=14)
MEMBERS_SORT = "joined"
MAX_MEMBERS_PAGE = 100
MAX_LISTED = 50  # organizations per person, invitations, claims, refusals, classes
# Mail providers anyone can sign up at: owning one is never an institution's claim.
PUBLIC_MAIL_DOMAINS = frozenset(
    {
        "gmail.com",
        "googlemail.com",
        "outlook.com",
        "hotmail.com",
        "live.com",
        "yahoo.com",
        "icloud.com",
        "me.com",
        "aol.com",
        "proton.me",
        "protonmail.com",
        "gmx.com",
        "gmx.de",
        "mail.com",
        "yandex.com",
        "example.com",
    }
)
_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")


class OrganizationNotFound(AppError):
    status = 404
    code = "organization_not_found"
    message = "This organization does not exist."


class MemberNotFound(AppError):
    status = 404
    code = "member_not_found"
    message = "This person is not a member of the organization."


class InvitationInvalid(AppError):
    status = 404
    code = "invitation_invalid"
    message = "This invitation is not valid: it was used, withdrawn, or it expired."


class InvitationWrongUser(AppError):
    status = 403
    code = "invitation_wrong_user"
    message = "This invitation is for another e-mail address. Sign in with that account."


class DomainClaimNotFound(AppError):
    status = 404
    code = "domain_claim_not_found"
    message = "This domain claim does not exist."


class SeatsFull(AppError):
    status = 409
    code = "seats_full"
    message = "Every seat of this organization is taken. Ask its admins for more seats."


class SubscriptionInactive(AppError):
    status = 409
    code = "subscription_inactive"
    message = "This organization has no active subscription, so it has no seats."


class LastAdmin(AppError):
    status = 409
    code = "last_admin"
    message = "An organization needs at least one admin. Make someone else an admin first."


class AlreadyMember(AppError):
    status = 409
    code = "already_member"
    message = "They already hold a seat in this organization."


class DomainTaken(AppError):
    status = 409
    code = "domain_taken"
    message = "Another organization owns this e-mail domain."


class EmailNotVerified(AppError):
    status = 403
    code = "email_not_verified"
    message = "Confirm your e-mail address first (see your settings)."


def google_issuer() -> str:
    """The issuer whose `hd` claim is trusted (the sign-in settings' Google issuer)."""
    return get_settings().google_issuer


def email_domain(address: str) -> str:
    return address.rsplit("@", 1)[-1].lower()


def clean_domain(value: str) -> str:
    """An e-mail domain as stored: lower case, IDNA (punycode), at least two labels."""
    domain = value.strip().lower().rstrip(".").removeprefix("@")
    try:
        domain = domain.encode("idna").decode("ascii")
    except UnicodeError:
        raise ValidationFailed("Enter a domain such as example.edu.", field="domain") from None
    labels = domain.split(".")
    if (
        len(domain) > 253
        or len(labels) < 2
        or not all(_LABEL.match(label) for label in labels)
        or labels[-1].isdigit()
    ):
        raise ValidationFailed("Enter a domain such as example.edu.", field="domain")
    if domain in PUBLIC_MAIL_DOMAINS:
        raise ValidationFailed(
            "Anyone can have an address at that domain; claim your institution's own.",
            field="domain",
        )
    return domain


def clean_issuer(value: str) -> str:
    """An OpenID issuer: an https URL (http only on loopback), as the provider spells it."""
    issuer = value.strip()
    parts = urlsplit(issuer)
    loopback = parts.hostname in ("127.0.0.1", "localhost", "::1")
    if (
        len(issuer) > 500
        or not parts.hostname
        or parts.query
        or parts.fragment
        or parts.username
        or not (parts.scheme == "https" or (parts.scheme == "http" and loopback))
    ):
        raise ValidationFailed("Enter the provider's issuer URL (https://…).", field="issuer")
    if issuer.rstrip("/") == google_issuer().rstrip("/"):
        raise ValidationFailed(
            "Google's issuer is shared by everyone; claim the Workspace domain instead.",
            field="issuer",
        )
    return issuer


def seats_of(subscriptions: list[Subscription], now: datetime) -> tuple[Subscription | None, int]:
    """(the subscription that counts, the seats it gives): the newest that grants its
    plan now, else the newest (giving no seats)."""
    for subscription in subscriptions:
        if grants(subscription, now, grace_period()):
            return subscription, max(0, subscription.quantity)
    return (subscriptions[0] if subscriptions else None), 0


@dataclass
class OrganizationView:
    """An organization as the actor may see it."""

    organization: Organization
    subscription: Subscription | None
    seats_used: int
    seats_total: int
    role: OrganizationRole | None  # the actor's, None when not a member
    platform_admin: bool
    joined_at: datetime | None = None
    # For the organization's admins and platform admins only:
    invitations: list[OrganizationInvitation] = field(default_factory=list)
    pending_claim: OrganizationDomainClaim | None = None
    refusals: list[tuple[OrganizationSeatRefusal, User]] = field(default_factory=list)
    classes: list[LearningClass] = field(default_factory=list)

    @property
    def can_manage(self) -> bool:
        return self.platform_admin or self.role is OrganizationRole.ADMIN

    @property
    def status(self) -> str:
        return self.subscription.status.value if self.subscription else "none"

    @property
    def plan(self) -> str:
        plan = PLANS.get(self.subscription.plan) if self.subscription else None
        return plan.name if plan else "—"

    @property
    def seats_free(self) -> int:
        return max(0, self.seats_total - self.seats_used)


class OrganizationService:
    # -- reading ---------------------------------------------------------------------

    async def _find(
        self, session: AsyncSession, actor: Actor | None, slug: str, *, lock: bool = False
    ) -> tuple[Organization, OrganizationMember | None]:
        """The organization and the actor's seat; missing for anyone but its members
        and platform admins."""
        org = await repo.by_slug(session, slug[:60], lock=lock) if actor is not None else None
        if org is None or actor is None:
            raise OrganizationNotFound()
        member = await repo.member(session, org.id, actor.id)
        if member is None and not actor.is_admin:
            raise OrganizationNotFound()
        return org, member

    async def _managed(
        self, session: AsyncSession, actor: Actor | None, slug: str, *, lock: bool = False
    ) -> Organization:
        """For the organization's admins and platform admins; a member is refused."""
        actor = require_signed_in(actor)
        org, member = await self._find(session, actor, slug, lock=lock)
        if not actor.is_admin and (member is None or member.role is not OrganizationRole.ADMIN):
            raise PermissionDenied("Only the organization's admins can do that.")
        return org

    async def _seats(
        self, session: AsyncSession, org: Organization
    ) -> tuple[Subscription | None, int, int]:
        subscription, total = seats_of(await repo.subscriptions(session, org.id), utcnow())
        return subscription, await repo.member_count(session, org.id), total

    async def view(self, session: AsyncSession, actor: Actor | None, slug: str) -> OrganizationView:
        org, member = await self._find(session, actor, slug)
        assert actor is not None
        subscription, used, total = await self._seats(session, org)
        view = OrganizationView(
            organization=org,
            subscription=subscription,
            seats_used=used,
            seats_total=total,
            role=member.role if member else None,
            platform_admin=actor.is_admin,
            joined_at=member.created_at if member else None,
        )
        if view.can_manage:
            view.invitations = await repo.pending_invitations(session, org.id, utcnow(), MAX_LISTED)
            claims = await repo.pending_claims(session, org.id, 1)
            view.pending_claim = claims[0][0] if claims else None
            view.refusals = await repo.refusals(session, org.id, MAX_LISTED)
            view.classes = await repo.classes(session, org.id, MAX_LISTED)
        return view

    async def members(
        self,
        session: AsyncSession,
        actor: Actor | None,
        slug: str,
        *,
        first: int = 50,
        after: str | None = None,
    ) -> Page[tuple[OrganizationMember, User]]:
        """The members in joined order, one keyset page (admins and platform admins)."""
        org = await self._managed(session, actor, slug)
        limit = page_size(first, MAX_MEMBERS_PAGE)
        position = decode_after(after, MEMBERS_SORT, datetime)
        rows = await repo.members_page(session, org.id, position, limit + 1)
        items = rows[:limit]
        return Page(
            items=items,
            cursors=[encode_cursor(MEMBERS_SORT, m.created_at, m.user_id) for m, _ in items],
            has_next=len(rows) > limit,
        )

    async def member_of(
        self, session: AsyncSession, actor: Actor | None, slug: str, user_id: uuid.UUID
    ) -> tuple[OrganizationMember, User]:
        """One member and their account (admins and platform admins)."""
        org = await self._managed(session, actor, slug)
        member = await repo.member(session, org.id, user_id)
        user = await user_repository.get(session, user_id) if member is not None else None
        if member is None or user is None:
            raise MemberNotFound()
        return member, user

    async def mine(
        self, session: AsyncSession, actor: Actor | None
    ) -> list[tuple[OrganizationMember, Organization]]:
        actor = require_signed_in(actor)
        return await repo.memberships(session, actor.id, MAX_LISTED)

    async def joinable(self, session: AsyncSession, actor: Actor | None) -> list[Organization]:
        """The organization the actor may join by their verified e-mail's domain, if any."""
        if actor is None or actor.user.email_verified_at is None:
            return []
        org = await repo.by_domain(session, email_domain(actor.user.email))
        if org is None or await repo.member(session, org.id, actor.id) is not None:
            return []
        return [org]

    # -- seats -----------------------------------------------------------------------

    async def _take_seat(
        self,
        session: AsyncSession,
        org: Organization,
        user_id: uuid.UUID,
        via: str,
        role: OrganizationRole = OrganizationRole.MEMBER,
    ) -> OrganizationMember:
        """Seat `user_id` (the organization's row is locked by the caller). Holding a
        seat already is a no-op; refusals write nothing."""
        found = await repo.member(session, org.id, user_id)
        if found is not None:
            return found
        subscription, used, total = await self._seats(session, org)
        if total == 0 and (
            subscription is None or not grants(subscription, utcnow(), grace_period())
        ):
            raise SubscriptionInactive()
        if used >= total:
            raise SeatsFull()
        member = OrganizationMember(
            organization_id=org.id, user_id=user_id, role=role, joined_via=via, created_at=utcnow()
        )
        await repo.add(session, member)
        await repo.clear_refusal(session, org.id, user_id)
        return member

    async def join(self, session: AsyncSession, actor: Actor | None, slug: str) -> Organization:
        """Take a seat with a verified e-mail at the organization's approved domain."""
        actor = require_signed_in(actor)
        org = await repo.by_slug(session, slug[:60], lock=True)
        address = actor.user.email
        if org is None or org.email_domain is None or email_domain(address) != org.email_domain:
            if org is not None and await repo.member(session, org.id, actor.id) is not None:
                return org
            raise OrganizationNotFound()
        if actor.user.email_verified_at is None:
            raise EmailNotVerified()
        await self._take_seat(session, org, actor.id, "email_domain")
        return org

    async def leave(self, session: AsyncSession, actor: Actor | None, slug: str) -> None:
        actor = require_signed_in(actor)
        org = await repo.by_slug(session, slug[:60], lock=True)
        member = await repo.member(session, org.id, actor.id) if org else None
        if org is None or member is None:
            raise OrganizationNotFound()
        await self._drop(session, org, member)

    async def _drop(
        self, session: AsyncSession, org: Organization, member: OrganizationMember
    ) -> None:
        if member.role is OrganizationRole.ADMIN and await repo.admin_count(session, org.id) <= 1:
            raise LastAdmin()
        await repo.remove_member(session, org.id, member.user_id)

    async def remove_member(
        self, session: AsyncSession, actor: Actor | None, slug: str, user_id: uuid.UUID
    ) -> None:
        """Take a member's seat away: their entitlements go on their next request."""
        org = await self._managed(session, actor, slug, lock=True)
        member = await repo.member(session, org.id, user_id)
        if member is None:
            raise MemberNotFound()
        await self._drop(session, org, member)

    async def set_role(
        self,
        session: AsyncSession,
        actor: Actor | None,
        slug: str,
        user_id: uuid.UUID,
        role: OrganizationRole,
    ) -> OrganizationMember:
        org = await self._managed(session, actor, slug, lock=True)
        member = await repo.member(session, org.id, user_id)
        if member is None:
            raise MemberNotFound()
        if (
            member.role is OrganizationRole.ADMIN
            and role is not OrganizationRole.ADMIN
            and await repo.admin_count(session, org.id) <= 1
        ):
            raise LastAdmin()
        member.role = role
        await session.flush()
        return member

    # -- invitations -------------------------------------------------------------------

    async def invite(
        self,
        session: AsyncSession,
        actor: Actor | None,
        slug: str,
        email: str,
        role: OrganizationRole = OrganizationRole.MEMBER,
    ) -> OrganizationInvitation:
        """E-mail a single-use link to take a seat (an earlier open one to the same
        address stops working). Refused when no seat is free now."""
        org = await self._managed(session, actor, slug, lock=True)
        assert actor is not None
        address = normalize_email(email)
        if await repo.users_in(session, org.id, await self._user_ids(session, address)):
            raise AlreadyMember()
        _, used, total = await self._seats(session, org)
        if total == 0:
            raise SubscriptionInactive()
        if used >= total:
            raise SeatsFull()
        now = utcnow()
        await repo.revoke_open_invitations(session, org.id, address, now)
        raw = new_token(32)
        invitation = OrganizationInvitation(
            organization_id=org.id,
            email=address,
            role=role,
            token_hash=hash_token(raw),
            invited_by=actor.id,
            created_at=now,
            expires_at=now + INVITATION_TTL,
        )
        await repo.add(session, invitation)
        settings = get_settings()
        mail.queue(
            mail.render(
                "org_invitation",
                to=address,
                subject=f"Join {org.name} on {settings.site_name}",
                organization=org.name,
                inviter=actor.user.display_name,
                link=f"{settings.base_url}/org/invitations/{raw}",
                site_name=settings.site_name,
                days=INVITATION_TTL.days,
            )
        )
        return invitation

    async def _user_ids(self, session: AsyncSession, address: str) -> list[uuid.UUID]:
        user = await user_repository.get_by_email(session, address)
        return [user.id] if user is not None else []

    async def revoke_invitation(
        self, session: AsyncSession, actor: Actor | None, slug: str, invitation_id: uuid.UUID
    ) -> None:
        org = await self._managed(session, actor, slug)
        invitation = await repo.invitation(session, invitation_id)
        if invitation is None or invitation.organization_id != org.id:
            raise InvitationInvalid()
        if invitation.accepted_at is None and invitation.revoked_at is None:
            invitation.revoked_at = utcnow()
            await session.flush()

    async def invitation(
        self, session: AsyncSession, raw: str
    ) -> tuple[OrganizationInvitation, Organization]:
        """An open invitation by its token (for the page that offers to accept it)."""
        invitation = await repo.invitation_by_hash(session, hash_token(raw or ""))
        if invitation is None or not _open(invitation, utcnow()):
            raise InvitationInvalid()
        org = await repo.by_id(session, invitation.organization_id)
        if org is None:
            raise InvitationInvalid()
        return invitation, org

    async def accept(self, session: AsyncSession, actor: Actor | None, raw: str) -> Organization:
        """Take the invitation's seat, once, as the account with the invited address."""
        actor = require_signed_in(actor)
        invitation = await repo.invitation_by_hash(session, hash_token(raw or ""), lock=True)
        now = utcnow()
        if invitation is None or not _open(invitation, now):
            raise InvitationInvalid()
        if actor.user.email.lower() != invitation.email:
            raise InvitationWrongUser()
        org = await repo.by_id(session, invitation.organization_id, lock=True)
        if org is None:
            raise InvitationInvalid()
        await self._take_seat(session, org, actor.id, "invitation", invitation.role)
        invitation.accepted_at, invitation.accepted_by = now, actor.id
        await session.flush()
        return org

    # -- domains and providers ---------------------------------------------------------

    async def claim_domain(
        self, session: AsyncSession, actor: Actor | None, slug: str, domain: str
    ) -> OrganizationDomainClaim:
        """Ask to own an e-mail domain; a platform admin approves or rejects the claim."""
        org = await self._managed(session, actor, slug, lock=True)
        assert actor is not None
        wanted = clean_domain(domain)
        owner = await repo.by_domain(session, wanted)
        if owner is not None:
            if owner.id == org.id:
                raise Conflict("This organization owns that domain already.")
            raise DomainTaken()
        now = utcnow()
        await repo.withdraw_pending_claims(session, org.id, now)
        claim = OrganizationDomainClaim(
            organization_id=org.id, domain=wanted, requested_by=actor.id, created_at=now
        )
        await repo.add(session, claim)
        return claim

    async def pending_claims(
        self, session: AsyncSession, actor: Actor | None
    ) -> list[tuple[OrganizationDomainClaim, Organization]]:
        actor = require_signed_in(actor)
        if not actor.is_admin:
            raise PermissionDenied("Only platform admins decide domain claims.")
        return await repo.pending_claims(session, None, MAX_LISTED)

    async def decide_claim(
        self, session: AsyncSession, actor: Actor | None, claim_id: uuid.UUID, approve: bool
    ) -> OrganizationDomainClaim:
        """A platform admin approves (the domain becomes the organization's) or rejects."""
        actor = require_signed_in(actor)
        if not actor.is_admin:
            raise DomainClaimNotFound()
        found = await repo.claim(session, claim_id)
        # The organization's row first, then the claim's: the order `claim_domain` locks in.
        org = await repo.by_id(session, found.organization_id, lock=True) if found else None
        claim = await repo.claim(session, claim_id, lock=True) if org else None
        if org is None or claim is None:
            raise DomainClaimNotFound()
        if claim.status is not DomainClaimStatus.PENDING:
            raise Conflict("This claim was decided already.")
        if approve:
            owner = await repo.by_domain(session, claim.domain)
            if owner is not None and owner.id != org.id:
                raise DomainTaken()
            org.email_domain = claim.domain
        claim.status = DomainClaimStatus.APPROVED if approve else DomainClaimStatus.REJECTED
        claim.decided_by, claim.decided_at = actor.id, utcnow()
        await session.flush()
        return claim

    async def set_issuer(
        self, session: AsyncSession, actor: Actor | None, slug: str, issuer: str | None
    ) -> Organization:
        """Trust an OpenID issuer for the organization's seats (platform admins only:
        everyone who signs in through it takes a seat)."""
        actor = require_signed_in(actor)
        org, _ = await self._find(session, actor, slug, lock=True)
        if not actor.is_admin:
            raise PermissionDenied("Only platform admins set an organization's identity provider.")
        value = clean_issuer(issuer) if issuer and issuer.strip() else None
        if value is not None and await repo.issuer_taken(session, value, org.id):
            raise Conflict("Another organization uses this identity provider.", field="issuer")
        org.oidc_issuer = value
        await session.flush()
        return org

    async def on_provider_sign_in(self, session: AsyncSession, event: ProviderSignIn) -> None:
        """`account.signed_in_with_provider`: seat the user in the organization of the
        issuer, or of the Google Workspace domain (`hd`, from Google's issuer only)."""
        org = await repo.by_issuer(session, event.issuer)
        google = google_issuer()
        if org is None and event.issuer in (google, google.removeprefix("https://")):
            hd = event.claims.get("hd")
            if isinstance(hd, str) and hd.strip():
                org = await repo.by_domain(session, hd.strip().lower())
        if org is None:
            return
        locked = await repo.by_id(session, org.id, lock=True)
        if locked is None:  # pragma: no cover
            return
        via = "identity_provider"
        try:
            await self._take_seat(session, locked, event.user_id, via)
        except (SeatsFull, SubscriptionInactive):
            # Signed in all the same, without a seat; the admins see the refusal.
            await repo.record_refusal(session, locked.id, event.user_id, via, utcnow())

    # -- classes -------------------------------------------------------------------------

    async def create_class(
        self,
        session: AsyncSession,
        actor: Actor | None,
        slug: str,
        name: str,
        *,
        add_all: bool = False,
        member_ids: list[uuid.UUID] | None = None,
    ) -> LearningClass:
        """Open a class taught by the admin with the organization's members in it."""
        actor = require_signed_in(actor)
        org, member = await self._find(session, actor, slug)
        if member is None or member.role is not OrganizationRole.ADMIN:
            raise PermissionDenied("Only the organization's admins open its classes.")
        subscription, _, _ = await self._seats(session, org)
        plan = PLANS.get(subscription.plan) if subscription is not None else None
        if (
            subscription is None
            or plan is None
            or CLASS_SEATS not in plan.entitlements
            or not grants(subscription, utcnow(), grace_period())
        ):
            raise PermissionDenied("The organization's plan does not include classes.")
        if add_all:
            learners = await repo.member_ids(session, org.id, MAX_MEMBERS + 2)
        else:
            wanted = list(dict.fromkeys(member_ids or []))
            if len(wanted) > MAX_MEMBERS:
                raise ValidationFailed(
                    f"A class holds at most {MAX_MEMBERS} learners.", field="members"
                )
            if set(wanted) - await repo.users_in(session, org.id, wanted):
                raise ValidationFailed("Pick members of the organization only.", field="members")
            learners = wanted
        klass = await class_service.open_with_members(session, actor.id, name, learners)
        await repo.add(session, OrganizationClass(class_id=klass.id, organization_id=org.id))
        return klass


def _open(invitation: OrganizationInvitation, now: datetime) -> bool:
    return (
        invitation.accepted_at is None
        and invitation.revoked_at is None
        and invitation.expires_at > now
    )


organization_service = OrganizationService()
