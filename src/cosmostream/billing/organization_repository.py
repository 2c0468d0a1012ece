"""SQL of organizations: seats, members, invitations, domain claims, refused seats, classes.

Every seat taken or given up goes through the organization's row locked
(`by_slug(..., lock=True)`: SELECT … FOR UPDATE on PostgreSQL, the row re-read; SQLite's
write transactions begin IMMEDIATE and are serialized anyway), so the count of
members read under the lock is the count the insert is checked against.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import and_, delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

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


class OrganizationRepository:
    # -- organizations -------------------------------------------------------------

    async def by_slug(
        self, session: AsyncSession, slug: str, *, lock: bool = False
    ) -> Organization | None:
        """uq_organizations_slug."""
        query = select(Organization).where(Organization.slug == slug)
        if lock:
            query = query.with_for_update().execution_options(populate_existing=True)
        return await session.scalar(query)

    async def by_id(
        self, session: AsyncSession, org_id: uuid.UUID, *, lock: bool = False
    ) -> Organization | None:
        query = select(Organization).where(Organization.id == org_id)
        if lock:
            query = query.with_for_update().execution_options(populate_existing=True)
        return await session.scalar(query)

    async def by_domain(self, session: AsyncSession, domain: str) -> Organization | None:
        """uq_organizations_email_domain (only approved domains are stored there)."""
        return await session.scalar(select(Organization).where(Organization.email_domain == domain))

    async def by_issuer(self, session: AsyncSession, issuer: str) -> Organization | None:
        """A scan of organizations (there are few; one per institution), once per
        provider sign-in."""
        return await session.scalar(
            select(Organization)
            .where(Organization.oidc_issuer == issuer)
            .order_by(Organization.created_at)
            .limit(1)
        )

    async def issuer_taken(self, session: AsyncSession, issuer: str, other_than: uuid.UUID) -> bool:
        found = await session.scalar(
            select(Organization.id).where(
                Organization.oidc_issuer == issuer, Organization.id != other_than
            )
        )
        return found is not None

    async def subscriptions(self, session: AsyncSession, org_id: uuid.UUID) -> list[Subscription]:
        """The organization's subscriptions, newest first (ix_subscriptions_organization_id)."""
        return list(
            await session.scalars(
                select(Subscription)
                .where(Subscription.organization_id == org_id)
                .order_by(Subscription.created_at.desc(), Subscription.id)
                .limit(10)
            )
        )

    # -- members -------------------------------------------------------------------

    async def member(
        self, session: AsyncSession, org_id: uuid.UUID, user_id: uuid.UUID
    ) -> OrganizationMember | None:
        """pk_organization_members."""
        return await session.get(OrganizationMember, (org_id, user_id))

    async def member_count(self, session: AsyncSession, org_id: uuid.UUID) -> int:
        """A range of pk_organization_members."""
        return int(
            await session.scalar(
                select(func.count())
                .select_from(OrganizationMember)
                .where(OrganizationMember.organization_id == org_id)
            )
            or 0
        )

    async def admin_count(self, session: AsyncSession, org_id: uuid.UUID) -> int:
        return int(
            await session.scalar(
                select(func.count())
                .select_from(OrganizationMember)
                .where(
                    OrganizationMember.organization_id == org_id,
                    OrganizationMember.role == OrganizationRole.ADMIN,
                )
            )
            or 0
        )

    async def members_page(
        self,
        session: AsyncSession,
        org_id: uuid.UUID,
        after: tuple[datetime, uuid.UUID] | None,
        limit: int,
    ) -> list[tuple[OrganizationMember, User]]:
        """In joined order (ix_organization_members_org_joined, then users by key);
        `limit` rows after the keyset position `after` (joined at, user id)."""
        query = (
            select(OrganizationMember, User)
            .join(User, User.id == OrganizationMember.user_id)
            .where(OrganizationMember.organization_id == org_id)
        )
        if after is not None:
            at, user_id = after
            query = query.where(
                or_(
                    OrganizationMember.created_at > at,
                    and_(OrganizationMember.created_at == at, OrganizationMember.user_id > user_id),
                )
            )
        rows = await session.execute(
            query.order_by(OrganizationMember.created_at, OrganizationMember.user_id).limit(limit)
        )
        return [(row[0], row[1]) for row in rows]

    async def member_ids(
        self, session: AsyncSession, org_id: uuid.UUID, limit: int
    ) -> list[uuid.UUID]:
        return list(
            await session.scalars(
                select(OrganizationMember.user_id)
                .where(OrganizationMember.organization_id == org_id)
                .order_by(OrganizationMember.created_at, OrganizationMember.user_id)
                .limit(limit)
            )
        )

    async def memberships(
        self, session: AsyncSession, user_id: uuid.UUID, limit: int
    ) -> list[tuple[OrganizationMember, Organization]]:
        """The user's seats (ix_organization_members_user), by organization name."""
        rows = await session.execute(
            select(OrganizationMember, Organization)
            .join(Organization, Organization.id == OrganizationMember.organization_id)
            .where(OrganizationMember.user_id == user_id)
            .order_by(Organization.name, Organization.id)
            .limit(limit)
        )
        return [(row[0], row[1]) for row in rows]

    async def add(self, session: AsyncSession, row: object) -> None:
        session.add(row)
        await session.flush()

    async def remove_member(
        self, session: AsyncSession, org_id: uuid.UUID, user_id: uuid.UUID
    ) -> None:
        await session.execute(
            delete(OrganizationMember).where(
                OrganizationMember.organization_id == org_id,
                OrganizationMember.user_id == user_id,
            )
        )

    # -- invitations ---------------------------------------------------------------

    async def invitation_by_hash(
        self, session: AsyncSession, token_hash: str, *, lock: bool = False
    ) -> OrganizationInvitation | None:
        """uq_organization_invitations_token_hash."""
        query = select(OrganizationInvitation).where(
            OrganizationInvitation.token_hash == token_hash
        )
        if lock:
            query = query.with_for_update().execution_options(populate_existing=True)
        return await session.scalar(query)

    async def invitation(
        self, session: AsyncSession, invitation_id: uuid.UUID
    ) -> OrganizationInvitation | None:
        return await session.get(OrganizationInvitation, invitation_id)

    async def pending_invitations(
        self, session: AsyncSession, org_id: uuid.UUID, now: datetime, limit: int
    ) -> list[OrganizationInvitation]:
        """Open invitations, newest first (ix_organization_invitations_org)."""
        return list(
            await session.scalars(
                select(OrganizationInvitation)
                .where(
                    OrganizationInvitation.organization_id == org_id,
                    OrganizationInvitation.accepted_at.is_(None),
                    OrganizationInvitation.revoked_at.is_(None),
                    OrganizationInvitation.expires_at > now,
                )
                .order_by(OrganizationInvitation.created_at.desc(), OrganizationInvitation.id)
                .limit(limit)
            )
        )

    async def revoke_open_invitations(
        self, session: AsyncSession, org_id: uuid.UUID, email: str, now: datetime
    ) -> None:
        """Earlier open invitations of this address stop working when a new one is sent."""
        await session.execute(
            update(OrganizationInvitation)
            .where(
                OrganizationInvitation.organization_id == org_id,
                OrganizationInvitation.email == email,
                OrganizationInvitation.accepted_at.is_(None),
                OrganizationInvitation.revoked_at.is_(None),
            )
            .values(revoked_at=now)
        )

    # -- e-mail domain claims -------------------------------------------------------

    async def claim(
        self, session: AsyncSession, claim_id: uuid.UUID, *, lock: bool = False
    ) -> OrganizationDomainClaim | None:
        query = select(OrganizationDomainClaim).where(OrganizationDomainClaim.id == claim_id)
        if lock:
            query = query.with_for_update().execution_options(populate_existing=True)
        return await session.scalar(query)

    async def pending_claims(
        self, session: AsyncSession, org_id: uuid.UUID | None, limit: int
    ) -> list[tuple[OrganizationDomainClaim, Organization]]:
        """Pending claims, oldest first: one organization's (ix_…_organization_id) or
        every organization's (ix_organization_domain_claims_status)."""
        query = (
            select(OrganizationDomainClaim, Organization)
            .join(Organization, Organization.id == OrganizationDomainClaim.organization_id)
            .where(OrganizationDomainClaim.status == DomainClaimStatus.PENDING)
        )
        if org_id is not None:
            query = query.where(OrganizationDomainClaim.organization_id == org_id)
        rows = await session.execute(
            query.order_by(OrganizationDomainClaim.created_at, OrganizationDomainClaim.id).limit(
                limit
            )
        )
        return [(row[0], row[1]) for row in rows]

    async def withdraw_pending_claims(
        self, session: AsyncSession, org_id: uuid.UUID, now: datetime
    ) -> None:
        await session.execute(
            update(OrganizationDomainClaim)
            .where(
                OrganizationDomainClaim.organization_id == org_id,
                OrganizationDomainClaim.status == DomainClaimStatus.PENDING,
            )
            .values(status=DomainClaimStatus.REJECTED, decided_at=now)
        )

    # -- refused seats ------------------------------------------------------------------

    async def record_refusal(
        self, session: AsyncSession, org_id: uuid.UUID, user_id: uuid.UUID, via: str, now: datetime
    ) -> None:
        """Called with the organization's row locked: a read then a write is safe."""
        found = await session.get(OrganizationSeatRefusal, (org_id, user_id))
        if found is None:
            session.add(
                OrganizationSeatRefusal(
                    organization_id=org_id, user_id=user_id, via=via, refused_at=now
                )
            )
        else:
            found.via, found.refused_at = via, now
        await session.flush()

    async def clear_refusal(
        self, session: AsyncSession, org_id: uuid.UUID, user_id: uuid.UUID
    ) -> None:
        await session.execute(
            delete(OrganizationSeatRefusal).where(
                OrganizationSeatRefusal.organization_id == org_id,
                OrganizationSeatRefusal.user_id == user_id,
            )
        )

    async def refusals(
        self, session: AsyncSession, org_id: uuid.UUID, limit: int
    ) -> list[tuple[OrganizationSeatRefusal, User]]:
        """Newest first (a range of pk_organization_seat_refusals)."""
        rows = await session.execute(
            select(OrganizationSeatRefusal, User)
            .join(User, User.id == OrganizationSeatRefusal.user_id)
            .where(OrganizationSeatRefusal.organization_id == org_id)
            .order_by(OrganizationSeatRefusal.refused_at.desc(), OrganizationSeatRefusal.user_id)
            .limit(limit)
        )
        return [(row[0], row[1]) for row in rows]

    # -- classes -----------------------------------------------------------------------

    async def classes(
        self, session: AsyncSession, org_id: uuid.UUID, limit: int
    ) -> list[LearningClass]:
        """Newest first (ix_organization_classes_org, then classes by key)."""
        return list(
            await session.scalars(
                select(LearningClass)
                .join(OrganizationClass, OrganizationClass.class_id == LearningClass.id)
                .where(OrganizationClass.organization_id == org_id)
                .order_by(OrganizationClass.created_at.desc(), LearningClass.id)
                .limit(limit)
            )
        )

    async def users_in(
        self, session: AsyncSession, org_id: uuid.UUID, user_ids: list[uuid.UUID]
    ) -> set[uuid.UUID]:
        """Which of `user_ids` hold a seat (pk_organization_members)."""
        if not user_ids:
            return set()
        return set(
            await session.scalars(
                select(OrganizationMember.user_id).where(
                    OrganizationMember.organization_id == org_id,
                    OrganizationMember.user_id.in_(user_ids),
                )
            )
        )


organization_repository = OrganizationRepository()
