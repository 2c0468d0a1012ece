"""Billing rules: prices, checkout, our copy of subscriptions, changes, organizations.

Stripe owns the truth. Our `Subscription` rows are written only by
`sync_subscription`, from a subscription object just fetched from Stripe, so
a webhook is a signal to look, never data to trust: events that arrive late,
twice or out of order all end in the state Stripe has now. Every sync takes
the subscription's lock (`billing_repository.lock_subscription`) BEFORE it
fetches, so of two workers the one that fetched last also writes last: a
snapshot fetched before a cancellation can never be written after it. Prices come from
Stripe by lookup key; the browser never names an amount.

Authorization lives here: a user manages only their own subscription, an
organization's seats only its admins (anyone else finds no such organization).
"""

from __future__ import annotations

import logging
import re
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

import stripe
from sqlalchemy.ext.asyncio import AsyncSession

from cosmostream.account.schemas import Actor, require_signed_in
from cosmostream.billing import entitlements
from cosmostream.billing.plans import PLANS, Plan
from cosmostream.billing.repository import LIVE, billing_repository
from cosmostream.billing.stripe_api import (
    StripeUnavailable,
    api_base,
    idempotent,
    stripe_client,
)
from cosmostream.config import get_settings
from cosmostream.errors import AppError, Conflict, NotFound, ValidationFailed
from cosmostream.kit.time import aware, utcnow
from cosmostream.models import Organization, OrganizationRole, Subscription, SubscriptionStatus

log = logging.getLogger(__name__)

INTERVALS = ("month", "year")
PAID_PLANS = ("premium", "institutional")
LOOKUP_KEYS = {
    ("premium", "month"): "premium_month",
    ("premium", "year"): "premium_year",
    ("institutional", "month"): "institutional_seat_month",
    ("institutional", "year"): "institutional_seat_year",
}
PLAN_OF_KEY = {key: plan for plan, key in LOOKUP_KEYS.items()}
SLUG = re.compile(r"^[a-z0-9](?:[a-z0-9-]{1,58}[a-z0-9])$")
MAX_SEATS = 10_000
PRICE_TTL = 60.0
HANDLED_EVENTS = (
    "checkout.session.completed",
    "invoice.paid",
    "invoice.payment_failed",
    "customer.subscription.created",
    "customer.subscription.updated",
    "customer.subscription.deleted",
)


class Sessions(Protocol):
    """Where sessions come from: the app's `Database`, or `OneSession` around a
    session a caller already holds (the demo loader)."""

    def read(self) -> AbstractAsyncContextManager[AsyncSession]: ...

    def unit_of_work(self) -> AbstractAsyncContextManager[AsyncSession]: ...


class OneSession:
    """Both kinds of session are the one given (its owner commits)."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncSession]:
        yield self.session

    @asynccontextmanager
    async def unit_of_work(self) -> AsyncIterator[AsyncSession]:
        yield self.session


class NoSubscription(AppError):
    status = 404
    code = "no_subscription"
    message = "You have no paid plan to change."


class PaymentFailed(AppError):
    status = 402
    code = "payment_failed"
    message = "The payment was declined; nothing was changed."


class SeatsBelowMembers(Conflict):
    code = "seats_below_members"
    message = "An organization cannot have fewer seats than members."


class OrganizationNotFound(NotFound):
    code = "organization_not_found"
    message = "There is no such organization."


@dataclass(frozen=True)
class PriceView:
    lookup_key: str
    plan: str
    interval: str
    amount: int  # smallest currency unit
    currency: str
    price_id: str

    @property
    def display(self) -> str:
        return money(self.amount, self.currency)


@dataclass(frozen=True)
class BillingView:
    plan: Plan
    subscription: Subscription | None
    entitlements: frozenset[str]
    grace_ends_at: datetime | None
    organizations: list[Organization]

    @property
    def payment_failed(self) -> bool:
        s = self.subscription
        return s is not None and s.payment_failed_at is not None and s.status in LIVE


@dataclass(frozen=True)
class PreviewLine:
    description: str
    amount: int


@dataclass(frozen=True)
class PreviewView:
    plan: str
    interval: str
    quantity: int
    amount_due: int
    total: int
    currency: str
    lines: list[PreviewLine]

    @property
    def display(self) -> str:
        return money(self.total, self.currency)


@dataclass(frozen=True)
class InvoiceView:
    number: str
    created: datetime
    amount: int
    currency: str
    status: str
    url: str | None

    @property
    def display(self) -> str:
        return money(self.amount, self.currency)


def money(amount: int, currency: str) -> str:
    sign = "-" if amount < 0 else ""
    symbol = {"usd": "$", "eur": "€", "gbp": "£"}.get(currency.lower())
    value = f"{abs(amount) / 100:,.2f}"
    return f"{sign}{symbol}{value}" if symbol else f"{sign}{value} {currency.upper()}"


def _ts(value: Any) -> datetime | None:
    return None if value in (None, 0) else datetime.fromtimestamp(int(value), UTC)


def _plain(obj: Any) -> dict[str, Any]:
    if isinstance(obj, stripe.StripeObject):
        return obj.to_dict()
    return dict(obj)


async def _call(coro: Any) -> Any:
    """Await a Stripe call; network trouble becomes a clear 502, API refusals a 400."""
    try:
        return await coro
    except stripe.InvalidRequestError as exc:
        log.warning("Stripe refused a request: %s", exc.user_message or exc)
        raise AppError(
            exc.user_message or "The payment provider refused the request.", code="stripe_refused"
        ) from exc
    except stripe.StripeError as exc:
        log.warning("Stripe call failed: %s", exc)
        raise StripeUnavailable() from exc


class BillingService:
    def __init__(self) -> None:
        self._prices: tuple[float, str, dict[str, PriceView]] | None = None

    # -- prices -------------------------------------------------------------------

    async def prices(self) -> dict[str, PriceView]:
        """The four prices by lookup key, from Stripe (kept a minute)."""
        cached = self._prices
        where = api_base(get_settings())
        if cached is not None and cached[1] == where and time.monotonic() - cached[0] < PRICE_TTL:
            return cached[2]
        client = stripe_client()
        found = await _call(
            client.v1.prices.list_async(
                params={"lookup_keys": list(PLAN_OF_KEY), "active": True, "limit": 10}
            )
        )
        prices: dict[str, PriceView] = {}
        for price in found.data:
            key = price.lookup_key
            if key not in PLAN_OF_KEY or price.unit_amount is None:
                continue
            plan, interval = PLAN_OF_KEY[key]
            prices[key] = PriceView(
                key, plan, interval, price.unit_amount, price.currency, price.id
            )
        self._prices = (time.monotonic(), where, prices)
        return prices

    def forget_prices(self) -> None:
        self._prices = None

    async def price(self, plan: str, interval: str) -> PriceView:
        if plan not in PAID_PLANS:
            raise ValidationFailed("Choose Premium or Institutional.", field="plan")
        if interval not in INTERVALS:
            raise ValidationFailed("Choose monthly or yearly billing.", field="interval")
        found = (await self.prices()).get(LOOKUP_KEYS[(plan, interval)])
        if found is None:
            raise AppError(
                "That plan has no price on this server yet.", code="no_price", status=409
            )
        return found

    # -- what a user has ------------------------------------------------------------

    async def current(self, session: AsyncSession, user_id: uuid.UUID) -> Subscription | None:
        """The user's own subscription that is not over, else their latest one."""
        own = await billing_repository.own_subscriptions(session, user_id)
        for subscription in own:
            if subscription.status in LIVE:
                return subscription
        return own[0] if own else None

    async def my_billing(self, session: AsyncSession, actor: Actor | None) -> BillingView:
        actor = require_signed_in(actor)
        keys = await entitlements.held(session, actor.id)
        subscription = await self.current(session, actor.id)
        plan = PLANS["free"]
        if subscription is not None and entitlements.grants(
            subscription, utcnow(), entitlements.grace_period()
        ):
            plan = PLANS.get(subscription.plan, plan)
        grace_ends = None
        if subscription is not None and subscription.payment_failed_at is not None:
            grace_ends = aware(subscription.payment_failed_at) + entitlements.grace_period()
        organizations = await billing_repository.administered(session, actor.id)
        return BillingView(plan, subscription, keys, grace_ends, organizations)

    # -- checkout -------------------------------------------------------------------

    async def _create_customer(self, actor: Actor) -> str:
        customer = await _call(
            stripe_client().v1.customers.create_async(
                params={
                    "email": actor.user.email,
                    "name": actor.user.display_name,
                    "metadata": {"user_id": str(actor.id)},
                },
                options=idempotent(f"customer:user:{actor.id}"),
            )
        )
        customer_id: str = customer.id
        return customer_id

    async def _checkout_terms(
        self,
        session: AsyncSession,
        actor: Actor,
        plan: str,
        interval: str,
        organization_name: str | None,
        organization_slug: str | None,
        seats: int | None,
    ) -> tuple[PriceView, int, dict[str, str]]:
        """Check a purchase: (price, quantity, metadata) or a 4xx."""
        price = await self.price(plan, interval)
        metadata = {"user_id": str(actor.id), "plan": plan}
        if plan == "premium":
            current = await self.current(session, actor.id)
            if current is not None and current.status in LIVE:
                raise Conflict(
                    "You already have a plan: change it on the billing page.", code="has_plan"
                )
            return price, 1, metadata
        name = " ".join((organization_name or "").split())
        if not 2 <= len(name) <= 120:
            raise ValidationFailed(
                "Give the organization a name of 2 to 120 characters.", field="name"
            )
        slug = (organization_slug or "").strip().lower()
        if not SLUG.match(slug):
            raise ValidationFailed(
                "The address must be 3 to 60 lowercase letters, digits or dashes.",
                field="slug",
            )
        if await billing_repository.organization(session, slug) is not None:
            raise ValidationFailed("That address is taken.", field="slug")
        if seats is None or not 1 <= seats <= MAX_SEATS:
            raise ValidationFailed(f"Choose 1 to {MAX_SEATS} seats.", field="seats")
        return price, seats, metadata | {"organization_name": name, "organization_slug": slug}

    async def start_checkout(
        self,
        db: Sessions,
        actor: Actor | None,
        plan: str,
        interval: str,
        *,
        organization_name: str | None = None,
        organization_slug: str | None = None,
        seats: int | None = None,
    ) -> str:
        """A Stripe Checkout session for `plan`; its hosted page's URL.

        Reads, Stripe's calls and the one write (a new customer) are separate
        steps, so no transaction stays open while Stripe answers."""
        actor = require_signed_in(actor)
        async with db.read() as session:
            price, quantity, metadata = await self._checkout_terms(
                session, actor, plan, interval, organization_name, organization_slug, seats
            )
            customer = await billing_repository.customer_of_user(session, actor.id)
        if customer is None:
            created = await self._create_customer(actor)
            async with db.unit_of_work() as session:
                await billing_repository.add_customer(session, created, actor.id)
                customer = await billing_repository.customer_of_user(session, actor.id) or created
        base = get_settings().base_url.rstrip("/")
        subscription_data: dict[str, Any] = {"metadata": metadata}
        trial = get_settings().billing_trial_days
        if trial > 0:
            subscription_data["trial_period_days"] = trial
        # The same request within ten minutes (a double click) replays the same session.
        window = int(time.time() // 600)
        slug_part = metadata.get("organization_slug", "")
        key = f"checkout:{actor.id}:{price.lookup_key}:{quantity}:{slug_part}:{window}"
        checkout = await _call(
            stripe_client().v1.checkout.sessions.create_async(
                params={  # type: ignore[arg-type]
                    "mode": "subscription",
                    "customer": customer,
                    "client_reference_id": str(actor.id),
                    "line_items": [{"price": price.price_id, "quantity": quantity}],
                    "success_url": f"{base}/settings/billing?checkout={{CHECKOUT_SESSION_ID}}",
                    "cancel_url": f"{base}/pricing",
                    "metadata": metadata,
                    "subscription_data": subscription_data,
                },
                options=idempotent(key),
            )
        )
        url: str = checkout.url or ""
        return url

    async def finish_checkout(
        self, db: Sessions, actor: Actor | None, checkout_id: str
    ) -> Subscription | None:
        """On return from Checkout: sync the session's subscription now rather than
        wait for the webhook (either may come first; both end the same)."""
        actor = require_signed_in(actor)
        if not checkout_id.startswith("cs_") or len(checkout_id) > 255:
            return None
        try:
            checkout = await stripe_client().v1.checkout.sessions.retrieve_async(checkout_id)
        except stripe.StripeError:
            return None
        if checkout.client_reference_id != str(actor.id) or not checkout.subscription:
            return None
        async with db.unit_of_work() as session:
            return await self.sync_subscription_id(session, str(checkout.subscription))

    # -- syncing from Stripe ------------------------------------------------------

    async def sync_subscription_id(
        self, session: AsyncSession, stripe_id: str
    ) -> Subscription | None:
        """Lock the subscription, fetch it from Stripe, write our row from that.

        The lock is held until the caller's transaction ends (commit it soon)."""
        await billing_repository.lock_subscription(session, stripe_id)
        fetched = await _call(
            stripe_client().v1.subscriptions.retrieve_async(
                stripe_id, params={"expand": ["latest_invoice"]}
            )
        )
        return await self.sync_subscription(session, _plain(fetched))

    async def sync_subscription(
        self, session: AsyncSession, data: dict[str, Any]
    ) -> Subscription | None:
        """Upsert our row from a subscription object fetched from Stripe."""
        items = data["items"]["data"]
        if not items:
            return None
        item = items[0]
        price = item["price"]
        key = price.get("lookup_key")
        if key not in PLAN_OF_KEY:
            log.warning("subscription %s has a price we do not sell (%s)", data["id"], key)
            return None
        plan, interval = PLAN_OF_KEY[key]
        metadata = data.get("metadata") or {}
        row = await billing_repository.subscription(session, data["id"])
        if row is None:
            user_id = await billing_repository.user_of_customer(session, data["customer"])
            if user_id is None and metadata.get("user_id"):
                user_id = uuid.UUID(metadata["user_id"])
            row = await billing_repository.add_subscription(
                session,
                stripe_subscription_id=data["id"],
                stripe_customer_id=data["customer"],
                user_id=user_id,
                plan=plan,
                interval=interval,
                status=SubscriptionStatus(data["status"]),
                quantity=int(item.get("quantity") or 1),
            )
            if row is None:  # another worker inserted it first (and made its organization)
                row = await billing_repository.subscription(session, data["id"])
            elif plan == "institutional" and user_id is not None:
                # Only the transaction that inserted the row creates the organization.
                row.organization_id = await self._organization_for(session, metadata, user_id)
            assert row is not None
        row.plan = plan
        row.interval = interval
        row.status = SubscriptionStatus(data["status"])
        row.quantity = int(item.get("quantity") or 1)
        row.current_period_end = _ts(item.get("current_period_end"))
        row.cancel_at_period_end = bool(data.get("cancel_at_period_end"))
        row.ended_at = _ts(data.get("ended_at"))
        row.trial_end = _ts(data.get("trial_end"))
        invoice = data.get("latest_invoice")
        if isinstance(invoice, dict):
            row.payment_failed_at = _payment_failed_at(invoice, row)
            if invoice.get("status") == "paid":
                await self._record_invoice(session, invoice, row)
        await session.flush()
        return row

    async def _organization_for(
        self, session: AsyncSession, metadata: dict[str, Any], user_id: uuid.UUID
    ) -> uuid.UUID | None:
        """Create the organization bought at checkout; the buyer becomes its admin."""
        slug = str(metadata.get("organization_slug") or "")
        name = str(metadata.get("organization_name") or slug)
        if not slug:
            return None
        organization = await billing_repository.add_organization(session, name, slug)
        await billing_repository.add_member(
            session, organization.id, user_id, OrganizationRole.ADMIN, "admin"
        )
        return organization.id

    async def _record_invoice(
        self, session: AsyncSession, invoice: dict[str, Any], row: Subscription
    ) -> None:
        paid_at = _ts((invoice.get("status_transitions") or {}).get("paid_at"))
        lines = (invoice.get("lines") or {}).get("data") or []
        period = lines[0]["period"] if lines else {}
        await billing_repository.record_invoice(
            session,
            stripe_invoice_id=invoice["id"],
            stripe_subscription_id=row.stripe_subscription_id,
            user_id=row.user_id,
            organization_id=row.organization_id,
            plan=row.plan,
            amount_paid=int(invoice.get("amount_paid") or 0),
            currency=str(invoice.get("currency") or "usd"),
            period_start=_ts(period.get("start")) or paid_at or utcnow(),
            period_end=_ts(period.get("end")) or paid_at or utcnow(),
            paid_at=paid_at or utcnow(),
        )

    async def process_event(
        self, session: AsyncSession, event_id: str, event_type: str, object_id: str
    ) -> Subscription | None:
        """Act on one webhook event: fetch what it is about and sync from that.

        The subscription is locked before it is fetched and written (see
        `sync_subscription_id`); a checkout session or an invoice, which only
        say which subscription, are fetched before the lock."""
        client = stripe_client()
        subscription_id: str | None = None
        invoice: dict[str, Any] | None = None
        if event_type == "checkout.session.completed":
            checkout = await _call(client.v1.checkout.sessions.retrieve_async(object_id))
            subscription_id = str(checkout.subscription) if checkout.subscription else None
        elif event_type.startswith("invoice."):
            invoice = _plain(await _call(client.v1.invoices.retrieve_async(object_id)))
            parent = invoice.get("parent") or {}
            details = parent.get("subscription_details") or {}
            subscription_id = details.get("subscription")
        elif event_type.startswith("customer.subscription."):
            subscription_id = object_id
        if subscription_id:
            await billing_repository.lock_subscription(session, subscription_id)
        event = await billing_repository.event(session, event_id)
        if event is not None and event.processed_at is not None:
            return None
        row = None
        if subscription_id:
            row = await self.sync_subscription_id(session, subscription_id)
        if row is not None and invoice is not None and invoice.get("status") == "paid":
            # Every paid invoice is recorded, not only a subscription's latest.
            await self._record_invoice(session, invoice, row)
        await billing_repository.mark_processed(session, event_id)
        return row

    async def reconcile(self, session: AsyncSession, *, page_size: int = 100) -> int:
        """List every subscription on Stripe (every page) and repair rows that drifted;
        the count.

        A listed subscription that differs from our row is fetched again under
        its lock and synced from that: the list may be older than a webhook
        processed meanwhile, and must not overwrite it."""
        client = stripe_client()
        page = await _call(
            client.v1.subscriptions.list_async(
                params={"status": "all", "limit": page_size, "expand": ["data.latest_invoice"]}
            )
        )
        repaired = 0
        async for fetched in page.auto_paging_iter():
            data = _plain(fetched)
            before = await billing_repository.subscription(session, data["id"])
            if before is not None and not _drifted(before, data):
                invoice = data.get("latest_invoice")
                if isinstance(invoice, dict) and invoice.get("status") == "paid":
                    await self._record_invoice(session, invoice, before)  # once, by its id
                continue
            snapshot = _snapshot(before)
            row = await self.sync_subscription_id(session, data["id"])
            if row is not None and _snapshot(row) != snapshot:
                repaired += 1
        return repaired

    # -- changes ------------------------------------------------------------------

    async def _mine(self, session: AsyncSession, actor: Actor | None) -> Subscription:
        actor = require_signed_in(actor)
        current = await self.current(session, actor.id)
        if current is None or current.status not in LIVE:
            raise NoSubscription()
        return current

    async def set_cancel_at_period_end(
        self, db: Sessions, actor: Actor | None, cancel: bool
    ) -> Subscription:
        async with db.read() as session:
            mine = await self._mine(session, actor)
        await _call(
            stripe_client().v1.subscriptions.update_async(
                mine.stripe_subscription_id, params={"cancel_at_period_end": cancel}
            )
        )
        return await self._record(db, mine.stripe_subscription_id)

    async def _record(self, db: Sessions, stripe_id: str) -> Subscription:
        """Sync a subscription just changed on Stripe, in a short transaction: locked,
        then fetched again (Stripe's answer to the change may already be older than
        a webhook another worker is writing)."""
        async with db.unit_of_work() as session:
            row = await self.sync_subscription_id(session, stripe_id)
        assert row is not None
        return row

    async def _item(self, stripe_id: str) -> dict[str, Any]:
        fetched = await _call(stripe_client().v1.subscriptions.retrieve_async(stripe_id))
        item: dict[str, Any] = _plain(fetched)["items"]["data"][0]
        return item

    async def _preview(self, row: Subscription, price: PriceView, quantity: int) -> PreviewView:
        item = await self._item(row.stripe_subscription_id)
        preview = await _call(
            stripe_client().v1.invoices.create_preview_async(
                params={
                    "customer": row.stripe_customer_id,
                    "subscription": row.stripe_subscription_id,
                    "subscription_details": {
                        "items": [
                            {"id": item["id"], "price": price.price_id, "quantity": quantity}
                        ],
                        "proration_behavior": "always_invoice",
                    },
                }
            )
        )
        data = _plain(preview)
        lines = [
            PreviewLine(str(line.get("description") or ""), int(line["amount"]))
            for line in data["lines"]["data"]
        ]
        return PreviewView(
            price.plan,
            price.interval,
            quantity,
            int(data["amount_due"]),
            int(data["total"]),
            str(data["currency"]),
            lines,
        )

    async def preview_plan_change(
        self, session: AsyncSession, actor: Actor | None, plan: str, interval: str
    ) -> PreviewView:
        mine = await self._mine(session, actor)
        if plan != "premium":
            raise ValidationFailed(
                "Institutional plans are bought for an organization on the pricing page.",
                field="plan",
            )
        price = await self.price(plan, interval)
        if (mine.plan, mine.interval) == (plan, interval):
            raise ValidationFailed("That is your plan already.", field="interval")
        return await self._preview(mine, price, 1)

    async def change_plan(
        self, db: Sessions, actor: Actor | None, plan: str, interval: str
    ) -> Subscription:
        async with db.read() as session:
            mine = await self._mine(session, actor)
            await self.preview_plan_change(session, actor, plan, interval)
        price = await self.price(plan, interval)
        return await self._apply(mine, price, 1, db)

    async def _apply(
        self, row: Subscription, price: PriceView, quantity: int, db: Sessions
    ) -> Subscription:
        """Change the subscription's price or quantity on Stripe, invoicing the
        proration at once. More seats are granted only once they are paid for
        (`pending_if_incomplete`): when the card is declined, Stripe keeps the
        old quantity and holds the change as `pending_update`, and this refuses
        with 402 `payment_failed`."""
        item = await self._item(row.stripe_subscription_id)
        params: dict[str, Any] = {
            "items": [{"id": item["id"], "price": price.price_id, "quantity": quantity}],
            "proration_behavior": "always_invoice",
        }
        if quantity > int(item.get("quantity") or 1):
            params["payment_behavior"] = "pending_if_incomplete"
        updated = await _call(
            stripe_client().v1.subscriptions.update_async(row.stripe_subscription_id, params=params)  # type: ignore[arg-type]
        )
        synced = await self._record(db, row.stripe_subscription_id)
        if _plain(updated).get("pending_update"):
            raise PaymentFailed(
                f"The payment for the new seats was declined, so the plan stays at "
                f"{synced.quantity} seats. Update the card on the billing page and try again."
            )
        return synced

    async def portal_url(self, session: AsyncSession, actor: Actor | None) -> str:
        actor = require_signed_in(actor)
        customer = await billing_repository.customer_of_user(session, actor.id)
        if customer is None:
            raise NoSubscription("You have no billing account yet.")
        base = get_settings().base_url.rstrip("/")
        portal = await _call(
            stripe_client().v1.billing_portal.sessions.create_async(
                params={"customer": customer, "return_url": f"{base}/settings/billing"},
                options=idempotent(f"portal:{actor.id}:{uuid.uuid4()}"),
            )
        )
        url: str = portal.url
        return url

    async def invoices(self, session: AsyncSession, actor: Actor | None) -> list[InvoiceView]:
        """The user's invoices, from Stripe (newest first, the last 24)."""
        actor = require_signed_in(actor)
        customer = await billing_repository.customer_of_user(session, actor.id)
        if customer is None:
            return []
        found = await _call(
            stripe_client().v1.invoices.list_async(params={"customer": customer, "limit": 24})
        )
        return [
            InvoiceView(
                invoice.number or invoice.id or "",
                _ts(invoice.created) or utcnow(),
                invoice.total,
                invoice.currency,
                invoice.status or "",
                invoice.hosted_invoice_url,
            )
            for invoice in found.data
            if invoice.status != "draft"
        ]

    # -- organizations' seats -----------------------------------------------------

    async def administered_organization(
        self, session: AsyncSession, actor: Actor | None, slug: str
    ) -> tuple[Organization, Subscription]:
        """An organization the actor administers, with its subscription; anyone
        else (a member, a site admin, a stranger) finds no such organization."""
        actor = require_signed_in(actor)
        organization = await billing_repository.organization(session, slug)
        if organization is None:
            raise OrganizationNotFound()
        role = await billing_repository.member_role(session, organization.id, actor.id)
        if role is not OrganizationRole.ADMIN:
            raise OrganizationNotFound()
        subscription = await billing_repository.organization_subscription(session, organization.id)
        if subscription is None or subscription.status not in LIVE:
            raise NoSubscription("The organization has no active plan.")
        return organization, subscription

    async def preview_seats(
        self, session: AsyncSession, actor: Actor | None, slug: str, seats: int
    ) -> PreviewView:
        organization, subscription = await self.administered_organization(session, actor, slug)
        if not 1 <= seats <= MAX_SEATS:
            raise ValidationFailed(f"Choose 1 to {MAX_SEATS} seats.", field="seats")
        members = await billing_repository.member_count(session, organization.id)
        if seats < members:
            raise SeatsBelowMembers(
                f"{organization.name} has {members} members, each holding a seat: remove "
                f"members first, or choose at least {members} seats."
            )
        if seats == subscription.quantity:
            raise ValidationFailed("That is the current number of seats.", field="seats")
        price = await self.price("institutional", subscription.interval)
        return await self._preview(subscription, price, seats)

    async def change_seats(
        self, db: Sessions, actor: Actor | None, slug: str, seats: int
    ) -> Subscription:
        async with db.read() as session:
            _, subscription = await self.administered_organization(session, actor, slug)
            await self.preview_seats(session, actor, slug, seats)
        price = await self.price("institutional", subscription.interval)
        return await self._apply(subscription, price, seats, db)


def _payment_failed_at(invoice: dict[str, Any], row: Subscription) -> datetime | None:
    """When the latest invoice first failed to pay; None once it (or a later one) is paid."""
    if invoice.get("status") != "open" or not invoice.get("attempted"):
        return None
    if row.payment_failed_at is not None:
        return row.payment_failed_at
    transitions = invoice.get("status_transitions") or {}
    return _ts(transitions.get("finalized_at")) or _ts(invoice.get("created")) or utcnow()


def _drifted(row: Subscription, data: dict[str, Any]) -> bool:
    """Whether syncing `data` (from Stripe's list) would change our row."""
    items = data["items"]["data"]
    key = items[0]["price"].get("lookup_key") if items else None
    if key not in PLAN_OF_KEY:
        return False  # sync_subscription would skip it too
    item = items[0]
    plan, interval = PLAN_OF_KEY[key]
    invoice = data.get("latest_invoice")
    failed = (
        _payment_failed_at(invoice, row) if isinstance(invoice, dict) else row.payment_failed_at
    )
    ours = (
        row.status.value,
        row.plan,
        row.interval,
        row.quantity,
        _aware(row.current_period_end),
        row.cancel_at_period_end,
        _aware(row.ended_at),
        _aware(row.trial_end),
        _aware(row.payment_failed_at),
    )
    theirs = (
        str(data["status"]),
        plan,
        interval,
        int(item.get("quantity") or 1),
        _ts(item.get("current_period_end")),
        bool(data.get("cancel_at_period_end")),
        _ts(data.get("ended_at")),
        _ts(data.get("trial_end")),
        _aware(failed),
    )
    return ours != theirs


def _aware(value: datetime | None) -> datetime | None:
    return None if value is None else aware(value)


def _snapshot(row: Subscription | None) -> tuple[Any, ...] | None:
    if row is None:
        return None
    return (
        row.status,
        row.plan,
        row.interval,
        row.quantity,
        row.current_period_end,
        row.cancel_at_period_end,
        row.ended_at,
        row.payment_failed_at,
    )


billing_service = BillingService()
