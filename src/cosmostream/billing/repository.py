"""SQL of billing: customers, subscriptions, organizations, events and paid invoices."""

from __future__ import annotations

import uuid
from hashlib import sha256
from typing import Any

from sqlalchemy import func, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from cosmostream.kit import sql
from cosmostream.kit.time import utcnow
from cosmostream.models import (
    BillingCustomer,
    BillingInvoice,
    Organization,
    OrganizationMember,
    OrganizationRole,
    StripeEvent,
    Subscription,
    SubscriptionStatus,
    User,
)

LIVE = (
    SubscriptionStatus.ACTIVE,
    SubscriptionStatus.TRIALING,
    SubscriptionStatus.PAST_DUE,
    SubscriptionStatus.UNPAID,
    SubscriptionStatus.INCOMPLETE,
    SubscriptionStatus.PAUSED,
)


class BillingRepository:
    # -- customers ----------------------------------------------------------------

    async def customer_of_user(self, session: AsyncSession, user_id: uuid.UUID) -> str | None:
        # uq_billing_customers_user_id: one index lookup.
        found: str | None = await session.scalar(
            select(BillingCustomer.stripe_customer_id).where(BillingCustomer.user_id == user_id)
        )
        return found

    async def add_customer(
        self, session: AsyncSession, stripe_customer_id: str, user_id: uuid.UUID
    ) -> None:
        # The unique keys on both columns decide between two requests at once.
        await sql.insert_ignore(
            session, BillingCustomer, stripe_customer_id=stripe_customer_id, user_id=user_id
        )

    async def user_of_customer(
        self, session: AsyncSession, stripe_customer_id: str
    ) -> uuid.UUID | None:
        # uq_billing_customers_stripe_customer_id.
        found: uuid.UUID | None = await session.scalar(
            select(BillingCustomer.user_id).where(
                BillingCustomer.stripe_customer_id == stripe_customer_id
            )
        )
        return found

    async def user(self, session: AsyncSession, user_id: uuid.UUID) -> User | None:
        return await session.get(User, user_id)

    # -- subscriptions ------------------------------------------------------------

    async def lock_subscription(self, session: AsyncSession, stripe_id: str) -> None:
        """Serialize every write of one Stripe subscription until this transaction ends.

        Taken BEFORE the subscription is fetched from Stripe, so whoever fetches
        last writes last. PostgreSQL: a transaction-level advisory lock on a
        64-bit hash of the id (the row may not exist yet, so FOR UPDATE cannot
        do). SQLite: the first statement of a write transaction takes the
        database's write lock (BEGIN IMMEDIATE), which serializes all writers.
        """
        if session.get_bind().dialect.name == "postgresql":
            digest = sha256(f"billing.subscription:{stripe_id}".encode()).digest()
            key = int.from_bytes(digest[:8], "big", signed=True)
            await session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})
        else:
            await session.execute(text("SELECT 1"))

    async def subscription(self, session: AsyncSession, stripe_id: str) -> Subscription | None:
        # uq_subscriptions_stripe_subscription_id. Read afresh: under the lock the
        # row may have been written by the transaction that held it before.
        return await session.scalar(
            select(Subscription)
            .where(Subscription.stripe_subscription_id == stripe_id)
            .execution_options(populate_existing=True)
        )

    async def add_subscription(self, session: AsyncSession, **values: Any) -> Subscription | None:
        """Insert unless another transaction did first (then None: re-read it)."""
        new = await sql.insert_ignore(session, Subscription, **values)
        if not new:
            return None
        return await self.subscription(session, values["stripe_subscription_id"])

    async def own_subscriptions(
        self, session: AsyncSession, user_id: uuid.UUID
    ) -> list[Subscription]:
        """A user's personal subscriptions (not their organizations'), newest first.

        Plan: ix_subscriptions_user_id; a user has a handful at most."""
        return list(
            await session.scalars(
                select(Subscription)
                .where(Subscription.user_id == user_id, Subscription.organization_id.is_(None))
                .order_by(Subscription.created_at.desc())
            )
        )

    async def organization_subscription(
        self, session: AsyncSession, organization_id: uuid.UUID
    ) -> Subscription | None:
        # ix_subscriptions_organization_id.
        return await session.scalar(
            select(Subscription)
            .where(Subscription.organization_id == organization_id)
            .order_by(Subscription.created_at.desc())
            .limit(1)
        )

    # -- organizations ------------------------------------------------------------

    async def organization(self, session: AsyncSession, slug: str) -> Organization | None:
        # uq_organizations_slug.
        return await session.scalar(select(Organization).where(Organization.slug == slug))

    async def organization_by_id(
        self, session: AsyncSession, organization_id: uuid.UUID
    ) -> Organization | None:
        return await session.get(Organization, organization_id)

    async def add_organization(self, session: AsyncSession, name: str, slug: str) -> Organization:
        slug = await sql.free_slug(session, Organization.slug, slug)
        organization = Organization(name=name, slug=slug)
        session.add(organization)
        await session.flush()
        return organization

    async def add_member(
        self,
        session: AsyncSession,
        organization_id: uuid.UUID,
        user_id: uuid.UUID,
        role: OrganizationRole,
        joined_via: str,
    ) -> None:
        await sql.insert_ignore(
            session,
            OrganizationMember,
            organization_id=organization_id,
            user_id=user_id,
            role=role,
            joined_via=joined_via,
            created_at=utcnow(),
        )

    async def member_role(
        self, session: AsyncSession, organization_id: uuid.UUID, user_id: uuid.UUID
    ) -> OrganizationRole | None:
        # The primary key (organization_id, user_id).
        found: OrganizationRole | None = await session.scalar(
            select(OrganizationMember.role).where(
                OrganizationMember.organization_id == organization_id,
                OrganizationMember.user_id == user_id,
            )
        )
        return found

    async def member_count(self, session: AsyncSession, organization_id: uuid.UUID) -> int:
        """Members holding a seat (a range of pk_organization_members)."""
        return int(
            await session.scalar(
                select(func.count())
                .select_from(OrganizationMember)
                .where(OrganizationMember.organization_id == organization_id)
            )
            or 0
        )

    async def administered(self, session: AsyncSession, user_id: uuid.UUID) -> list[Organization]:
        """The organizations a user administers (ix_organization_members_user)."""
        return list(
            await session.scalars(
                select(Organization)
                .join(OrganizationMember, OrganizationMember.organization_id == Organization.id)
                .where(
                    OrganizationMember.user_id == user_id,
                    OrganizationMember.role == OrganizationRole.ADMIN,
                )
                .order_by(Organization.name)
            )
        )

    # -- events -------------------------------------------------------------------

    async def record_event(self, session: AsyncSession, event_id: str, event_type: str) -> bool:
        """Store a webhook event by its id; False when it was seen before.

        The primary key decides between two deliveries of one event at once."""
        return await sql.insert_ignore(
            session, StripeEvent, id=event_id, type=event_type, received_at=utcnow()
        )

    async def mark_processed(self, session: AsyncSession, event_id: str) -> None:
        await session.execute(
            update(StripeEvent).where(StripeEvent.id == event_id).values(processed_at=utcnow())
        )

    async def event(self, session: AsyncSession, event_id: str) -> StripeEvent | None:
        return await session.get(StripeEvent, event_id)

    # -- invoices -----------------------------------------------------------------

    async def record_invoice(self, session: AsyncSession, **values: Any) -> bool:
        """A paid invoice, once (uq_billing_invoices_stripe_invoice_id)."""
        return await sql.insert_ignore(session, BillingInvoice, **values)

    async def paid_invoices(
        self, session: AsyncSession, stripe_subscription_id: str
    ) -> list[BillingInvoice]:
        # ix_billing_invoices_stripe_subscription_id.
        return list(
            await session.scalars(
                select(BillingInvoice)
                .where(BillingInvoice.stripe_subscription_id == stripe_subscription_id)
                .order_by(BillingInvoice.paid_at)
            )
        )


billing_repository = BillingRepository()
