"""Organizations beyond their seats: invitations, e-mail domain claims, refused seats and
the classes an organization runs (see `billing.organizations`)."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import Enum, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from cosmostream.kit.time import utcnow
from cosmostream.models.base import Base, IdMixin
from cosmostream.models.billing import OrganizationMember, OrganizationRole


def _enum(kind: type[StrEnum]) -> Enum:
    return Enum(kind, native_enum=False, length=24, values_callable=lambda e: [m.value for m in e])


class OrganizationInvitation(IdMixin, Base):
    """An e-mailed, single-use invitation to take a seat; only the token's hash is kept."""

    __tablename__ = "organization_invitations"

    organization_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE")
    )
    email: Mapped[str] = mapped_column(String(320))
    role: Mapped[OrganizationRole] = mapped_column(
        _enum(OrganizationRole), default=OrganizationRole.MEMBER
    )
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    invited_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    accepted_at: Mapped[datetime | None]
    accepted_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    revoked_at: Mapped[datetime | None]

    __table_args__ = (Index("ix_organization_invitations_org", "organization_id", "created_at"),)


class DomainClaimStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


class OrganizationDomainClaim(IdMixin, Base):
    """An organization's request to own an e-mail domain; a platform admin decides it."""

    __tablename__ = "organization_domain_claims"

    organization_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE"), index=True
    )
    domain: Mapped[str] = mapped_column(String(253))
    status: Mapped[DomainClaimStatus] = mapped_column(
        _enum(DomainClaimStatus), default=DomainClaimStatus.PENDING
    )
    requested_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    decided_at: Mapped[datetime | None]

    __table_args__ = (Index("ix_organization_domain_claims_status", "status", "created_at"),)


class OrganizationSeatRefusal(Base):
    """Someone who could have taken a seat (provider sign-in, domain) while seats were
    full: the organization's admins see them until they hold a seat."""

    __tablename__ = "organization_seat_refusals"

    organization_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    via: Mapped[str] = mapped_column(String(24))
    refused_at: Mapped[datetime] = mapped_column(default=utcnow)


class OrganizationClass(Base):
    """A learning class an organization's admin opened for its members."""

    __tablename__ = "organization_classes"

    class_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("learning_classes.id", ondelete="CASCADE"), primary_key=True
    )
    organization_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE")
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (Index("ix_organization_classes_org", "organization_id", "created_at"),)


# The members table in joined order, for the keyset-paged list on `/org/<slug>`
# (declared here, with the rest of what organizations need beyond their seats).
Index(
    "ix_organization_members_org_joined",
    OrganizationMember.organization_id,
    OrganizationMember.created_at,
    OrganizationMember.user_id,
)
