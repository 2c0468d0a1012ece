"""Plans, subscriptions and organizations: what entitlements are computed from.

Stripe owns the truth about a subscription; these rows are our copy of it,
written only from objects fetched from Stripe (never from a webhook body
alone), so events arriving late or out of order cannot move a subscription
backwards. Entitlements are never stored: `billing.entitlements` derives them
from these rows on every request.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import Enum, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from cosmostream.kit.time import utcnow
from cosmostream.models.base import Base, IdMixin, TimestampMixin


def _enum(kind: type[StrEnum]) -> Enum:
    return Enum(kind, native_enum=False, length=24, values_callable=lambda e: [m.value for m in e])


class SubscriptionStatus(StrEnum):
    """Stripe's subscription statuses, as Stripe spells them."""

    INCOMPLETE = "incomplete"
    INCOMPLETE_EXPIRED = "incomplete_expired"
    TRIALING = "trialing"
    ACTIVE = "active"
    PAST_DUE = "past_due"
    CANCELED = "canceled"
    UNPAID = "unpaid"
    PAUSED = "paused"


class Organization(IdMixin, TimestampMixin, Base):
    """An institution that buys seats: its members hold the Institutional plan."""

    __tablename__ = "organizations"

    slug: Mapped[str] = mapped_column(String(60), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    # Users whose verified e-mail is at this domain may take a seat themselves.
    email_domain: Mapped[str | None] = mapped_column(String(253), unique=True)
    # Sign-ins through this OpenID issuer (or a Google Workspace `hd` equal to
    # `email_domain`) place the user in a seat.
    oidc_issuer: Mapped[str | None] = mapped_column(String(500))


class OrganizationRole(StrEnum):
    ADMIN = "admin"
    MEMBER = "member"


class OrganizationMember(Base):
    __tablename__ = "organization_members"

    organization_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    role: Mapped[OrganizationRole] = mapped_column(
        _enum(OrganizationRole), default=OrganizationRole.MEMBER
    )
    # How the seat was taken: invitation, email_domain, identity_provider, admin.
    joined_via: Mapped[str] = mapped_column(String(24), default="invitation")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (Index("ix_organization_members_user", "user_id"),)


class BillingCustomer(IdMixin, TimestampMixin, Base):
    """A Stripe customer: one per paying user or organization."""

    __tablename__ = "billing_customers"

    stripe_customer_id: Mapped[str] = mapped_column(String(255), unique=True)
    user_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), unique=True
    )
    organization_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("organizations.id", ondelete="SET NULL"), unique=True
    )


class Subscription(IdMixin, TimestampMixin, Base):
    """Our copy of one Stripe subscription, for a user or an organization."""

    __tablename__ = "subscriptions"

    stripe_subscription_id: Mapped[str] = mapped_column(String(255), unique=True)
    stripe_customer_id: Mapped[str] = mapped_column(String(255), index=True)
    user_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    organization_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("organizations.id", ondelete="SET NULL"), index=True
    )
    plan: Mapped[str] = mapped_column(String(32))  # a key of `billing.plans.PLANS`
    interval: Mapped[str] = mapped_column(String(8), default="month")  # month | year
    status: Mapped[SubscriptionStatus] = mapped_column(_enum(SubscriptionStatus))
    quantity: Mapped[int] = mapped_column(default=1)  # seats, for Institutional
    current_period_end: Mapped[datetime | None]
    cancel_at_period_end: Mapped[bool] = mapped_column(default=False)
    ended_at: Mapped[datetime | None]
    trial_end: Mapped[datetime | None]
    # When the latest invoice failed to pay; premium access stops after the
    # grace period (`billing_grace_days`) unless a later invoice is paid.
    payment_failed_at: Mapped[datetime | None]


class StripeEvent(Base):
    """Every webhook event received, by Stripe's id: a duplicate is a no-op."""

    __tablename__ = "stripe_events"

    id: Mapped[str] = mapped_column(String(255), primary_key=True)
    type: Mapped[str] = mapped_column(String(80))
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    processed_at: Mapped[datetime | None]


class BillingInvoice(IdMixin, Base):
    """A paid Stripe invoice: what was earned, from whom, for which plan and period.

    The creator-revenue split reads Premium revenue from here.
    """

    __tablename__ = "billing_invoices"

    stripe_invoice_id: Mapped[str] = mapped_column(String(255), unique=True)
    stripe_subscription_id: Mapped[str] = mapped_column(String(255), index=True)
    user_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    organization_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("organizations.id", ondelete="SET NULL"), index=True
    )
    plan: Mapped[str] = mapped_column(String(32))
    amount_paid: Mapped[int]  # in the currency's smallest unit (cents)
    currency: Mapped[str] = mapped_column(String(3))
    period_start: Mapped[datetime]
    period_end: Mapped[datetime]
    paid_at: Mapped[datetime] = mapped_column(index=True)
