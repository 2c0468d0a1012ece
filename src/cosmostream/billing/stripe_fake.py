"""A fake Stripe: the part of Stripe's REST API that the billing domain calls.

It is an ASGI app that the real `stripe` SDK talks to (its API base pointed
here), so tests and the demo's test mode exercise the same code as production
without the network. Objects are shaped like Stripe's responses for the API
version the SDK pins (2026-10-28): `current_period_end` lives on subscription
items, an invoice names its subscription under `parent.subscription_details`,
lists are `{"object": "list", "data": [...], "has_more": ...}` pages with
`starting_after`, `expand[]` expands ids into objects, and errors are
`{"error": {"type", "code", "message", "param"}}`.

Hosted pages stand in for Stripe's: `/checkout/<session id>` (a clearly
labelled TEST MODE page whose Pay button completes the session) and
`/portal/<session id>` (cancel, or "update" the payment method). Events are
signed with the SDK's own `WebhookSignature.generate_signature_header` and
POSTed to the webhook URL — or, with `hold`, kept in `outbox` so a test can
drop, duplicate or reorder them before delivering.

Test controls (`FakeStripe` methods): `fail_next_invoice`, `pay_open_invoice`,
`advance_clock`, `delete_subscription`, `deliver`, plus `complete_checkout`
(what the Pay button does).
"""

from __future__ import annotations

import asyncio
import copy
import hmac
import html
import json
import logging
import re
import secrets
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import httpx
import stripe
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route

log = logging.getLogger(__name__)

API_VERSION = "2026-10-28.endive"
DAY = 86400
INTERVAL_SECONDS = {"month": 30 * DAY, "year": 365 * DAY}

# The catalogue a fresh fake holds: CosmoStream's four prices, in cents (USD).
DEFAULT_PRICES = (
    ("premium_month", "prod_premium", "CosmoStream Premium", 900, "month"),
    ("premium_year", "prod_premium", "CosmoStream Premium", 9000, "year"),
    ("institutional_seat_month", "prod_institutional", "CosmoStream Institutional", 500, "month"),
    ("institutional_seat_year", "prod_institutional", "CosmoStream Institutional", 5000, "year"),
)

Deliver = Callable[[bytes, str], None]


class StripeError(Exception):
    def __init__(
        self, message: str, *, status: int = 400, code: str | None = None, param: str | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.body = {
            "error": {
                "type": "invalid_request_error",
                "message": message,
                "code": code or ("resource_missing" if status == 404 else "parameter_invalid"),
                "param": param,
                "doc_url": "https://stripe.com/docs/error-codes",
                "request_log_url": "https://dashboard.stripe.com/test/logs/req_fake",
            }
        }


def decode_form(body: str) -> dict[str, Any]:
    """Stripe's form encoding (`a[b][0][c]=v`) back into nested dicts and lists."""
    root: dict[str, Any] = {}
    for key, value in parse_qsl(body, keep_blank_values=True):
        parts = re.findall(r"[^\[\]]+|(?<=\[)(?=\])", key)
        node: Any = root
        for i, part in enumerate(parts):
            last = i == len(parts) - 1
            if part == "":  # `a[]=` appends
                part = str(len(node))
            if last:
                node[part] = value
            else:
                node = node.setdefault(part, {})
    decoded: dict[str, Any] = _listify(root)
    return decoded


def _listify(node: Any) -> Any:
    if isinstance(node, dict):
        items = {k: _listify(v) for k, v in node.items()}
        if items and all(k.isdigit() for k in items):
            return [items[k] for k in sorted(items, key=int)]
        return items
    return node


def _id(prefix: str) -> str:
    return f"{prefix}_test_{secrets.token_hex(12)}"


def _page(items: list[dict[str, Any]], params: dict[str, Any], url: str) -> dict[str, Any]:
    limit = min(int(params.get("limit", 10)), 100)
    after = params.get("starting_after")
    if after:
        ids = [item["id"] for item in items]
        if after not in ids:
            raise StripeError(f"No such object: '{after}'", param="starting_after")
        items = items[ids.index(after) + 1 :]
    return {"object": "list", "data": items[:limit], "has_more": len(items) > limit, "url": url}


class FakeStripe:
    """The fake's state and behaviour; `app` is its ASGI application."""

    def __init__(
        self,
        *,
        webhook_secret: str,
        webhook_url: str | None = None,
        public_base: str = "",
        hold: bool = False,
        state_path: Path | None = None,
        api_key: str | None = None,
    ) -> None:
        self.state_path = state_path
        # The one secret key accepted (None: any `sk_…`, as in tests).
        self.api_key = api_key
        self.webhook_secret = webhook_secret
        self.webhook_url = webhook_url
        self.public_base = public_base.rstrip("/")
        self.hold = hold
        self.outbox: list[tuple[bytes, str]] = []
        self.requests: list[tuple[str, str, dict[str, Any], str | None]] = []
        self.clock_offset = 0
        self._lock = threading.RLock()
        self._idempotent: dict[str, tuple[int, dict[str, Any]]] = {}
        self.customers: dict[str, dict[str, Any]] = {}
        self.products: dict[str, dict[str, Any]] = {}
        self.prices: dict[str, dict[str, Any]] = {}
        self.sessions: dict[str, dict[str, Any]] = {}
        self.subscriptions: dict[str, dict[str, Any]] = {}
        self.invoices: dict[str, dict[str, Any]] = {}
        self.portal_sessions: dict[str, dict[str, Any]] = {}
        self._fail_next: set[str] = set()
        self._deliveries: set[asyncio.Task[None]] = set()
        self._invoice_number = 0
        if state_path is not None and state_path.exists():
            self._load(json.loads(state_path.read_text()))
        else:
            for lookup_key, product, name, amount, interval in DEFAULT_PRICES:
                self.add_price(lookup_key, product, name, amount, interval)
        self.app = self._build_app()

    # ------------------------------------------------------------ persistence
    _TABLES = (
        "customers",
        "products",
        "prices",
        "sessions",
        "subscriptions",
        "invoices",
        "portal_sessions",
    )

    def _load(self, state: dict[str, Any]) -> None:
        for table in self._TABLES:
            setattr(self, table, state.get(table, {}))
        self.clock_offset = int(state.get("clock_offset", 0))
        self._invoice_number = int(state.get("invoice_number", 0))

    def save(self) -> None:
        """Keep the fake's objects across restarts (the demo's test mode)."""
        if self.state_path is None:
            return
        with self._lock:
            state = {table: getattr(self, table) for table in self._TABLES}
            state |= {"clock_offset": self.clock_offset, "invoice_number": self._invoice_number}
            tmp = self.state_path.with_suffix(".tmp")
            tmp.write_text(json.dumps(state))
            tmp.replace(self.state_path)

    # ----------------------------------------------------------------- clock
    def now(self) -> int:
        return int(time.time()) + self.clock_offset

    # --------------------------------------------------------------- objects
    def add_price(
        self, lookup_key: str, product_id: str, name: str, amount: int, interval: str
    ) -> dict[str, Any]:
        now = self.now()
        self.products.setdefault(
            product_id,
            {
                "id": product_id,
                "object": "product",
                "active": True,
                "created": now,
                "default_price": None,
                "description": None,
                "images": [],
                "livemode": False,
                "marketing_features": [],
                "metadata": {},
                "name": name,
                "package_dimensions": None,
                "shippable": None,
                "statement_descriptor": None,
                "tax_code": None,
                "type": "service",
                "unit_label": None,
                "updated": now,
                "url": None,
            },
        )
        price: dict[str, Any] = {
            "id": _id("price"),
            "object": "price",
            "active": True,
            "billing_scheme": "per_unit",
            "created": now,
            "currency": "usd",
            "custom_unit_amount": None,
            "livemode": False,
            "lookup_key": lookup_key,
            "metadata": {},
            "nickname": None,
            "product": product_id,
            "recurring": {
                "interval": interval,
                "interval_count": 1,
                "meter": None,
                "trial_period_days": None,
                "usage_type": "licensed",
            },
            "tax_behavior": "unspecified",
            "tiers_mode": None,
            "transform_quantity": None,
            "type": "recurring",
            "unit_amount": amount,
            "unit_amount_decimal": str(amount),
        }
        self.prices[price["id"]] = price
        return price

    def _customer(self, params: dict[str, Any]) -> dict[str, Any]:
        customer: dict[str, Any] = {
            "id": _id("cus"),
            "object": "customer",
            "address": None,
            "balance": 0,
            "created": self.now(),
            "currency": None,
            "default_source": None,
            "delinquent": False,
            "description": params.get("description"),
            "discount": None,
            "email": params.get("email"),
            "invoice_prefix": secrets.token_hex(4).upper(),
            "invoice_settings": {
                "custom_fields": None,
                "default_payment_method": None,
                "footer": None,
                "rendering_options": None,
            },
            "livemode": False,
            "metadata": params.get("metadata") or {},
            "name": params.get("name"),
            "next_invoice_sequence": 1,
            "phone": None,
            "preferred_locales": [],
            "shipping": None,
            "tax_exempt": "none",
            "test_clock": None,
        }
        self.customers[customer["id"]] = customer
        return customer

    def _price(self, price_id: str, param: str) -> dict[str, Any]:
        price = self.prices.get(price_id)
        if price is None:
            raise StripeError(f"No such price: '{price_id}'", param=param, status=400)
        return price

    def _checkout_session(self, params: dict[str, Any]) -> dict[str, Any]:
        if params.get("mode") != "subscription":
            raise StripeError("Only subscription mode is supported here.", param="mode")
        customer = params.get("customer")
        if customer not in self.customers:
            raise StripeError(f"No such customer: '{customer}'", param="customer")
        items = params.get("line_items") or []
        if not items:
            raise StripeError("Missing required param: line_items.", param="line_items")
        lines = []
        total = 0
        for n, item in enumerate(items):
            price = self._price(item.get("price", ""), f"line_items[{n}][price]")
            quantity = int(item.get("quantity", 1))
            if quantity < 1:
                raise StripeError(
                    "Quantity must be at least 1.", param=f"line_items[{n}][quantity]"
                )
            lines.append({"price": price["id"], "quantity": quantity})
            total += price["unit_amount"] * quantity
        for name in ("success_url", "cancel_url"):
            if not params.get(name):
                raise StripeError(f"Missing required param: {name}.", param=name)
        session_id = _id("cs")
        now = self.now()
        sub_data = params.get("subscription_data") or {}
        session = {
            "id": session_id,
            "object": "checkout.session",
            "after_expiration": None,
            "allow_promotion_codes": None,
            "amount_subtotal": total,
            "amount_total": total,
            "billing_address_collection": None,
            "cancel_url": params["cancel_url"],
            "client_reference_id": params.get("client_reference_id"),
            "created": now,
            "currency": "usd",
            "customer": customer,
            "customer_details": None,
            "customer_email": None,
            "expires_at": now + DAY,
            "invoice": None,
            "livemode": False,
            "locale": None,
            "metadata": params.get("metadata") or {},
            "mode": "subscription",
            "payment_intent": None,
            "payment_method_types": ["card"],
            "payment_status": "unpaid",
            "status": "open",
            "submit_type": None,
            "subscription": None,
            "success_url": params["success_url"],
            "total_details": {"amount_discount": 0, "amount_shipping": 0, "amount_tax": 0},
            "ui_mode": "hosted",
            "url": f"{self.public_base}/checkout/{session_id}",
            # Kept for completing the session (Stripe keeps these server side too).
            "_lines": lines,
            "_subscription_data": sub_data,
        }
        self.sessions[session_id] = session
        return session

    def _subscription_item(
        self, sub_id: str, price: dict[str, Any], quantity: int
    ) -> dict[str, Any]:
        return {
            "id": _id("si"),
            "object": "subscription_item",
            "billing_thresholds": None,
            "created": self.now(),
            "current_period_end": 0,
            "current_period_start": 0,
            "discounts": [],
            "metadata": {},
            "price": copy.deepcopy(price),
            "quantity": quantity,
            "subscription": sub_id,
            "tax_rates": [],
        }

    def _new_subscription(
        self,
        customer: str,
        lines: list[dict[str, Any]],
        metadata: dict[str, Any],
        trial_days: int,
    ) -> dict[str, Any]:
        sub_id = _id("sub")
        now = self.now()
        items = [
            self._subscription_item(sub_id, self.prices[line["price"]], line["quantity"])
            for line in lines
        ]
        interval = items[0]["price"]["recurring"]["interval"]
        trial_end = now + trial_days * DAY if trial_days else None
        end = trial_end or now + INTERVAL_SECONDS[interval]
        for item in items:
            item["current_period_start"] = now
            item["current_period_end"] = end
        sub: dict[str, Any] = {
            "id": sub_id,
            "object": "subscription",
            "application": None,
            "application_fee_percent": None,
            "automatic_tax": {"disabled_reason": None, "enabled": False, "liability": None},
            "billing_cycle_anchor": end if trial_end else now,
            "billing_thresholds": None,
            "cancel_at": None,
            "cancel_at_period_end": False,
            "canceled_at": None,
            "cancellation_details": {"comment": None, "feedback": None, "reason": None},
            "collection_method": "charge_automatically",
            "created": now,
            "currency": "usd",
            "customer": customer,
            "days_until_due": None,
            "default_payment_method": _id("pm"),
            "default_source": None,
            "description": None,
            "discounts": [],
            "ended_at": None,
            "invoice_settings": {"account_tax_ids": None, "issuer": {"type": "self"}},
            "items": {
                "object": "list",
                "data": items,
                "has_more": False,
                "total_count": len(items),
                "url": f"/v1/subscription_items?subscription={sub_id}",
            },
            "latest_invoice": None,
            "livemode": False,
            "metadata": metadata,
            "next_pending_invoice_item_invoice": None,
            "on_behalf_of": None,
            "pause_collection": None,
            "payment_settings": {
                "payment_method_options": None,
                "payment_method_types": None,
                "save_default_payment_method": "off",
            },
            "pending_invoice_item_interval": None,
            "pending_setup_intent": None,
            "pending_update": None,
            "schedule": None,
            "start_date": now,
            "status": "trialing" if trial_end else "active",
            "test_clock": None,
            "transfer_data": None,
            "trial_end": trial_end,
            "trial_settings": {"end_behavior": {"missing_payment_method": "create_invoice"}},
            "trial_start": now if trial_end else None,
        }
        self.subscriptions[sub_id] = sub
        return sub

    def _invoice(
        self, sub: dict[str, Any], reason: str, *, preview: bool = False, amount: int | None = None
    ) -> dict[str, Any]:
        now = self.now()
        customer = self.customers[sub["customer"]]
        lines = []
        total = 0
        for item in sub["items"]["data"]:
            line_amount = item["price"]["unit_amount"] * item["quantity"]
            if reason == "subscription_create" and sub["status"] == "trialing":
                line_amount = 0
            total += line_amount
            lines.append(self._line(sub, item, line_amount, proration=False))
        if amount is not None:
            total = amount
        invoice_id = "upcoming_in" if preview else _id("in")
        if not preview:
            self._invoice_number += 1
        number = None if preview else f"{customer['invoice_prefix']}-{self._invoice_number:04d}"
        invoice = {
            "id": invoice_id,
            "object": "invoice",
            "account_country": "US",
            "account_name": "CosmoStream (test)",
            "amount_due": total,
            "amount_overpaid": 0,
            "amount_paid": 0,
            "amount_remaining": total,
            "amount_shipping": 0,
            "attempt_count": 0,
            "attempted": False,
            "auto_advance": not preview,
            "automatic_tax": {
                "disabled_reason": None,
                "enabled": False,
                "liability": None,
                "status": None,
            },
            "billing_reason": reason,
            "collection_method": "charge_automatically",
            "created": now,
            "currency": "usd",
            "customer": sub["customer"],
            "customer_email": customer["email"],
            "customer_name": customer["name"],
            "description": None,
            "discounts": [],
            "due_date": None,
            "ending_balance": None if preview else 0,
            "hosted_invoice_url": None if preview else f"{self.public_base}/invoices/{invoice_id}",
            "invoice_pdf": None if preview else f"{self.public_base}/invoices/{invoice_id}/pdf",
            "lines": {
                "object": "list",
                "data": lines,
                "has_more": False,
                "total_count": len(lines),
                "url": f"/v1/invoices/{invoice_id}/lines",
            },
            "livemode": False,
            "metadata": {},
            "next_payment_attempt": None,
            "number": number,
            "parent": {
                "quote_details": None,
                "subscription_details": {"metadata": sub["metadata"], "subscription": sub["id"]},
                "type": "subscription_details",
            },
            "period_end": now,
            "period_start": now,
            "status": "draft",
            "status_transitions": {
                "finalized_at": None,
                "marked_uncollectible_at": None,
                "paid_at": None,
                "voided_at": None,
            },
            "subtotal": total,
            "total": total,
            "webhooks_delivered_at": None,
        }
        if not preview:
            self.invoices[invoice_id] = invoice
        return invoice

    def _line(
        self, sub: dict[str, Any], item: dict[str, Any], amount: int, *, proration: bool
    ) -> dict[str, Any]:
        price = item["price"]
        product = self.products[price["product"]]
        return {
            "id": _id("il"),
            "object": "line_item",
            "amount": amount,
            "currency": "usd",
            "description": (
                f"{'Remaining time on ' if proration else ''}{item['quantity']} x "
                f"{product['name']} (at ${price['unit_amount'] / 100:.2f} / "
                f"{price['recurring']['interval']})"
            ),
            "discount_amounts": [],
            "discountable": True,
            "discounts": [],
            "livemode": False,
            "metadata": {},
            "parent": {
                "invoice_item_details": None,
                "subscription_item_details": {
                    "invoice_item": None,
                    "proration": proration,
                    "proration_details": {"credited_items": None},
                    "subscription": sub["id"],
                    "subscription_item": item["id"],
                },
                "type": "subscription_item_details",
            },
            "period": {"end": item["current_period_end"], "start": item["current_period_start"]},
            "pretax_credit_amounts": [],
            "pricing": {
                "price_details": {"price": price["id"], "product": product["id"]},
                "type": "price_details",
                "unit_amount_decimal": price["unit_amount_decimal"],
            },
            "quantity": item["quantity"],
            "taxes": [],
        }

    def _finalize_and_attempt(
        self, invoice: dict[str, Any], sub: dict[str, Any], *, pending: bool = False
    ) -> bool:
        """Finalize an invoice and charge it: paid (True), or failed when a failure was
        asked for. A failed invoice of a `pending_if_incomplete` update (`pending`)
        leaves the subscription's status alone: the update itself waits instead."""
        now = self.now()
        invoice["status_transitions"]["finalized_at"] = now
        invoice["status"] = "open"
        sub["latest_invoice"] = invoice["id"]
        if invoice["amount_due"] == 0:
            self._mark_paid(invoice, sub)
            return True
        invoice["attempted"] = True
        invoice["attempt_count"] += 1
        if sub["customer"] in self._fail_next:
            self._fail_next.discard(sub["customer"])
            invoice["next_payment_attempt"] = None if pending else now + 3 * DAY
            if not pending and sub["status"] in ("active", "trialing"):
                sub["status"] = "past_due"
            self._emit("invoice.payment_failed", invoice)
            if not pending:
                self._emit("customer.subscription.updated", sub)
            return False
        self._mark_paid(invoice, sub)
        return True

    def _mark_paid(self, invoice: dict[str, Any], sub: dict[str, Any]) -> None:
        invoice["status"] = "paid"
        invoice["amount_paid"] = invoice["amount_due"]
        invoice["amount_remaining"] = 0
        invoice["next_payment_attempt"] = None
        invoice["status_transitions"]["paid_at"] = self.now()
        became_active = sub["status"] == "past_due"
        if became_active:
            sub["status"] = "active"
        updated = became_active
        if sub.get("pending_update") and sub.get("_pending_invoice") == invoice["id"]:
            # The invoice of a pending update is paid: the update applies now.
            by_id = {item["id"]: item for item in sub["items"]["data"]}
            for new in sub["pending_update"]["subscription_items"]:
                by_id[new["id"]].update(price=new["price"], quantity=new["quantity"])
            sub["pending_update"] = None
            sub["_pending_invoice"] = None
            updated = True
        self._emit("invoice.paid", invoice)
        self._emit("invoice.payment_succeeded", invoice)
        if updated:
            self._emit("customer.subscription.updated", sub)

    # ---------------------------------------------------------------- events
    def _emit(self, event_type: str, obj: dict[str, Any]) -> None:
        event = {
            "id": _id("evt"),
            "object": "event",
            "api_version": API_VERSION,
            "created": self.now(),
            "data": {"object": _public(obj)},
            "livemode": False,
            "pending_webhooks": 1,
            "request": {"id": None, "idempotency_key": None},
            "type": event_type,
        }
        payload = json.dumps(event, indent=2)
        header = stripe.WebhookSignature.generate_signature_header(
            payload, self.webhook_secret, timestamp=int(time.time())
        )
        self.outbox.append((payload.encode(), header))

    def take_outbox(self) -> list[tuple[bytes, str]]:
        with self._lock:
            taken, self.outbox = self.outbox, []
            return taken

    def event_types(self, deliveries: list[tuple[bytes, str]]) -> list[str]:
        return [json.loads(body)["type"] for body, _ in deliveries]

    def resign(self, body: bytes, *, timestamp: int | None = None) -> str:
        """A fresh signature for a delivery (Stripe signs every retry anew)."""
        header: str = stripe.WebhookSignature.generate_signature_header(
            body.decode(), self.webhook_secret, timestamp=timestamp or int(time.time())
        )
        return header

    def flush_soon(self) -> None:
        """Deliver queued events after the current response, as Stripe does:
        webhooks never arrive inside the API call that caused them."""
        if self.hold or not self.webhook_url or not self.outbox:
            return
        task = asyncio.get_running_loop().create_task(self.flush())
        self._deliveries.add(task)
        task.add_done_callback(self._deliveries.discard)

    async def flush(self) -> None:
        """Deliver queued events to the webhook URL (unless holding them)."""
        if self.hold or not self.webhook_url:
            return
        deliveries = self.take_outbox()
        async with httpx.AsyncClient(timeout=10) as client:
            for body, _ in deliveries:
                try:
                    await client.post(
                        self.webhook_url,
                        content=body,
                        headers={
                            "Stripe-Signature": self.resign(body),
                            "Content-Type": "application/json; charset=utf-8",
                            "User-Agent": "Stripe/1.0 (+https://stripe.com/docs/webhooks)",
                        },
                    )
                except httpx.HTTPError:
                    log.warning("fake Stripe could not deliver an event to %s", self.webhook_url)

    # -------------------------------------------------------- test controls
    def complete_checkout(self, session_id: str) -> dict[str, Any]:
        """What the hosted page's Pay button does: subscription, invoice, events."""
        with self._lock:
            session = self.sessions.get(session_id)
            if session is None:
                raise StripeError(f"No such checkout.session: '{session_id}'", status=404)
            if session["status"] != "open":
                return session
            sub_data = session["_subscription_data"]
            sub = self._new_subscription(
                session["customer"],
                session["_lines"],
                dict(sub_data.get("metadata") or {}),
                int(sub_data.get("trial_period_days") or 0),
            )
            self._emit("customer.subscription.created", sub)
            invoice = self._invoice(sub, "subscription_create")
            self._finalize_and_attempt(invoice, sub)
            session.update(
                status="complete",
                payment_status="paid" if invoice["status"] == "paid" else "unpaid",
                subscription=sub["id"],
                invoice=invoice["id"],
                customer_details={
                    "email": self.customers[session["customer"]]["email"],
                    "name": self.customers[session["customer"]]["name"],
                },
            )
            self._emit("checkout.session.completed", session)
            return session

    def fail_next_invoice(self, customer_id: str) -> None:
        """The customer's next charge is declined (card_declined)."""
        self._fail_next.add(customer_id)

    def advance_clock(self, seconds: int) -> None:
        """Move time on; subscriptions whose period ended renew (or end)."""
        with self._lock:
            self.clock_offset += seconds
            now = self.now()
            for sub in list(self.subscriptions.values()):
                while sub["status"] in ("active", "trialing", "past_due"):
                    item = sub["items"]["data"][0]
                    end = item["current_period_end"]
                    if end > now:
                        break
                    if sub["cancel_at_period_end"]:
                        self._end(sub, at=end)
                        break
                    interval = item["price"]["recurring"]["interval"]
                    for it in sub["items"]["data"]:
                        it["current_period_start"] = end
                        it["current_period_end"] = end + INTERVAL_SECONDS[interval]
                    if sub["status"] == "trialing":
                        sub["status"] = "active"
                    self._emit("customer.subscription.updated", sub)
                    invoice = self._invoice(sub, "subscription_cycle")
                    self._finalize_and_attempt(invoice, sub)
                    if sub["status"] == "past_due":
                        break

    def pay_open_invoice(self, subscription_id: str) -> None:
        """The customer fixed their card and the latest open invoice was paid."""
        with self._lock:
            sub = self.subscriptions[subscription_id]
            invoice = self.invoices.get(sub["latest_invoice"] or "")
            if invoice is not None and invoice["status"] == "open":
                invoice["attempt_count"] += 1
                self._mark_paid(invoice, sub)

    def delete_subscription(self, subscription_id: str) -> None:
        """Cancel at once, as a dashboard user or dunning would."""
        with self._lock:
            self._end(self.subscriptions[subscription_id], at=self.now())

    def _end(self, sub: dict[str, Any], *, at: int) -> None:
        sub["status"] = "canceled"
        sub["ended_at"] = at
        sub["canceled_at"] = sub["canceled_at"] or at
        sub["cancellation_details"]["reason"] = (
            "cancellation_requested" if sub["cancel_at_period_end"] else "payment_disputed"
        )
        self._emit("customer.subscription.deleted", sub)

    # ------------------------------------------------------------ HTTP layer
    def _expand(self, obj: dict[str, Any], expand: list[str]) -> dict[str, Any]:
        out = _public(obj)
        for path in expand:
            _expand_path(out, path.split("."), self._lookup)
        return out

    def _lookup(self, value: str) -> dict[str, Any] | None:
        for table in (
            self.customers,
            self.products,
            self.prices,
            self.subscriptions,
            self.invoices,
            self.sessions,
        ):
            if value in table:
                return _public(table[value])
        return None

    def _build_app(self) -> Starlette:
        return Starlette(
            routes=[
                Route("/v1/{path:path}", self._api, methods=["GET", "POST", "DELETE"]),
                Route("/checkout/{session_id}", self._checkout_page, methods=["GET"]),
                Route("/checkout/{session_id}/pay", self._checkout_pay, methods=["POST"]),
                Route("/portal/{session_id}", self._portal_page, methods=["GET"]),
                Route("/portal/{session_id}/{action}", self._portal_action, methods=["POST"]),
                Route("/invoices/{invoice_id}", self._invoice_page, methods=["GET"]),
            ]
        )

    async def _api(self, request: Request) -> Response:
        auth = request.headers.get("authorization", "")
        expected = f"Bearer {self.api_key}" if self.api_key else None
        if not auth.startswith("Bearer sk_") or (
            expected is not None and not hmac.compare_digest(auth, expected)
        ):
            return JSONResponse(
                {"error": {"type": "invalid_request_error", "message": "Invalid API Key provided"}},
                status_code=401,
            )
        body = (await request.body()).decode()
        params = decode_form(body if request.method == "POST" else request.url.query)
        key = request.headers.get("idempotency-key")
        method, path = request.method, request.path_params["path"]
        self.requests.append((method, path, params, key))
        cached_answer = self._idempotent.get(f"{method} {path} {key}") if key else None
        if cached_answer is not None:
            status, cached = cached_answer
            return JSONResponse(cached, status_code=status, headers={"Idempotent-Replayed": "true"})
        try:
            with self._lock:
                result = self._route(method, path, params)
            status = 200
        except StripeError as exc:
            result, status = exc.body, exc.status
        if key and method == "POST":
            self._idempotent[f"{method} {path} {key}"] = (status, result)
        if method != "GET":
            self.save()
        self.flush_soon()
        return JSONResponse(
            result, status_code=status, headers={"Request-Id": f"req_{secrets.token_hex(7)}"}
        )

    def _route(self, method: str, path: str, params: dict[str, Any]) -> dict[str, Any]:
        expand = list(params.pop("expand", []) or [])
        parts = path.strip("/").split("/")
        match (method, parts):
            case ("POST", ["customers"]):
                return self._customer(params)
            case ("GET", ["customers", cid]):
                return self._expand(self._get(self.customers, cid, "customer"), expand)
            case ("GET", ["prices"]):
                keys = params.get("lookup_keys")
                prices = [
                    p
                    for p in self.prices.values()
                    if p["active"] and (not keys or p["lookup_key"] in keys)
                ]
                page = _page(prices, params, "/v1/prices")
                page["data"] = [
                    self._expand(p, [e.removeprefix("data.") for e in expand]) for p in page["data"]
                ]
                return page
            case ("GET", ["products", pid]):
                return self._expand(self._get(self.products, pid, "product"), expand)
            case ("POST", ["checkout", "sessions"]):
                return self._expand(self._checkout_session(params), expand)
            case ("GET", ["checkout", "sessions", sid]):
                return self._expand(self._get(self.sessions, sid, "checkout.session"), expand)
            case ("GET", ["subscriptions"]):
                subs = sorted(self.subscriptions.values(), key=lambda s: -s["created"])
                if params.get("status") != "all":
                    subs = [
                        s for s in subs if s["status"] not in ("canceled", "incomplete_expired")
                    ]
                if params.get("customer"):
                    subs = [s for s in subs if s["customer"] == params["customer"]]
                page = _page(subs, params, "/v1/subscriptions")
                page["data"] = [
                    self._expand(s, [e.removeprefix("data.") for e in expand]) for s in page["data"]
                ]
                return page
            case ("GET", ["subscriptions", sid]):
                return self._expand(self._get(self.subscriptions, sid, "subscription"), expand)
            case ("POST", ["subscriptions", sid]):
                return self._expand(self._modify(sid, params), expand)
            case ("DELETE", ["subscriptions", sid]):
                self._get(self.subscriptions, sid, "subscription")
                self.delete_subscription(sid)
                return self._expand(self.subscriptions[sid], expand)
            case ("GET", ["invoices"]):
                invoices = sorted(self.invoices.values(), key=lambda i: -i["created"])
                for field in ("customer",):
                    if params.get(field):
                        invoices = [i for i in invoices if i[field] == params[field]]
                if params.get("subscription"):
                    invoices = [
                        i
                        for i in invoices
                        if i["parent"]["subscription_details"]["subscription"]
                        == params["subscription"]
                    ]
                if params.get("status"):
                    invoices = [i for i in invoices if i["status"] == params["status"]]
                return _page([_public(i) for i in invoices], params, "/v1/invoices")
            case ("GET", ["invoices", iid]):
                return self._expand(self._get(self.invoices, iid, "invoice"), expand)
            case ("POST", ["invoices", "create_preview"]):
                return self._preview(params)
            case ("POST", ["billing_portal", "sessions"]):
                return self._portal_session(params)
        raise StripeError(f"Unrecognized request URL ({method}: /v1/{path}).", status=404)

    def _get(self, table: dict[str, dict[str, Any]], oid: str, kind: str) -> dict[str, Any]:
        obj = table.get(oid)
        if obj is None:
            raise StripeError(f"No such {kind}: '{oid}'", status=404, param="id")
        return obj

    def _changed_items(
        self, sub: dict[str, Any], items: list[dict[str, Any]], prefix: str
    ) -> list[tuple[dict[str, Any], dict[str, Any], int]]:
        """(item, new price, new quantity) for each `items[n]` of a modify/preview."""
        by_id = {item["id"]: item for item in sub["items"]["data"]}
        changes = []
        for n, change in enumerate(items):
            item = by_id.get(change.get("id", ""))
            if item is None:
                raise StripeError(
                    f"No such subscription item: '{change.get('id')}'", param=f"{prefix}[{n}][id]"
                )
            price = (
                self._price(change["price"], f"{prefix}[{n}][price]")
                if change.get("price")
                else item["price"]
            )
            quantity = int(change.get("quantity", item["quantity"]))
            if quantity < 1:
                raise StripeError("Quantity must be at least 1.", param=f"{prefix}[{n}][quantity]")
            changes.append((item, price, quantity))
        return changes

    def _proration_lines(
        self, sub: dict[str, Any], changes: list[tuple[dict[str, Any], dict[str, Any], int]]
    ) -> tuple[list[dict[str, Any]], int]:
        now = self.now()
        lines, total = [], 0
        for item, price, quantity in changes:
            start, end = item["current_period_start"], item["current_period_end"]
            left = max(0.0, min(1.0, (end - now) / max(1, end - start)))
            old = item["price"]["unit_amount"] * item["quantity"]
            if price["recurring"]["interval"] != item["price"]["recurring"]["interval"]:
                # A new interval starts a new period now: the unused time is credited
                # and the new price is charged in full.
                credit = -round(old * left)
                charge = price["unit_amount"] * quantity
            else:
                credit = -round(old * left)
                charge = round(price["unit_amount"] * quantity * left)
            unused = dict(item, quantity=item["quantity"])
            lines.append(self._line(sub, unused, credit, proration=True))
            lines[-1]["description"] = "Unused time on " + lines[-1]["description"]
            new = dict(item, price=price, quantity=quantity)
            lines.append(self._line(sub, new, charge, proration=True))
            total += credit + charge
        return lines, total

    def _preview(self, params: dict[str, Any]) -> dict[str, Any]:
        sub = self._get(self.subscriptions, params.get("subscription", ""), "subscription")
        if params.get("customer") and params["customer"] != sub["customer"]:
            raise StripeError(
                "The subscription does not belong to that customer.", param="customer"
            )
        details = params.get("subscription_details") or {}
        changes = self._changed_items(
            sub, details.get("items") or [], "subscription_details[items]"
        )
        lines, total = self._proration_lines(sub, changes)
        invoice = self._invoice(sub, "subscription_update", preview=True, amount=max(total, 0))
        invoice["lines"]["data"] = lines
        invoice["lines"]["total_count"] = len(lines)
        invoice["subtotal"] = invoice["total"] = total
        invoice["amount_due"] = invoice["amount_remaining"] = max(total, 0)
        invoice["starting_balance"] = 0
        invoice["ending_balance"] = min(total, 0)
        return invoice

    def _modify(self, sid: str, params: dict[str, Any]) -> dict[str, Any]:
        sub = self._get(self.subscriptions, sid, "subscription")
        if sub["status"] == "canceled":
            raise StripeError(
                "A canceled subscription can only update its cancellation_details and metadata.",
                param="subscription",
            )
        changed = False
        if "cancel_at_period_end" in params:
            flag = params["cancel_at_period_end"] == "true"
            if flag != sub["cancel_at_period_end"]:
                sub["cancel_at_period_end"] = flag
                sub["cancel_at"] = sub["items"]["data"][0]["current_period_end"] if flag else None
                sub["canceled_at"] = self.now() if flag else None
                changed = True
        if params.get("metadata"):
            sub["metadata"].update(params["metadata"])
            changed = True
        pending = params.get("payment_behavior") == "pending_if_incomplete"
        if pending:
            allowed = {"items", "proration_behavior", "payment_behavior", "expand"}
            extra = sorted(set(params) - allowed)
            if extra:
                raise StripeError(
                    f"You cannot pass `{extra[0]}` with `payment_behavior=pending_if_incomplete`.",
                    param=extra[0],
                )
            if params.get("proration_behavior") != "always_invoice" or not params.get("items"):
                raise StripeError(
                    "`payment_behavior=pending_if_incomplete` needs `items` and "
                    "`proration_behavior=always_invoice` here.",
                    param="payment_behavior",
                )
        if params.get("items"):
            changes = self._changed_items(sub, params["items"], "items")
            lines, total = self._proration_lines(sub, changes)
            now = self.now()
            before = copy.deepcopy(sub["items"]["data"])
            for item, price, quantity in changes:
                if price["recurring"]["interval"] != item["price"]["recurring"]["interval"]:
                    item["current_period_start"] = now
                    item["current_period_end"] = (
                        now + INTERVAL_SECONDS[price["recurring"]["interval"]]
                    )
                item["price"] = copy.deepcopy(price)
                item["quantity"] = quantity
            changed = True
            if params.get("proration_behavior", "create_prorations") == "always_invoice":
                invoice = self._invoice(sub, "subscription_update", amount=max(total, 0))
                invoice["lines"]["data"] = lines
                paid = self._finalize_and_attempt(invoice, sub, pending=pending)
                if pending and not paid:
                    # Stripe keeps the subscription as it was and holds the change
                    # until the invoice is paid (or the update expires in 23 hours).
                    wanted = copy.deepcopy(sub["items"]["data"])
                    sub["items"]["data"] = before
                    sub["pending_update"] = {
                        "billing_cycle_anchor": None,
                        "expires_at": now + 23 * 3600,
                        "subscription_items": wanted,
                        "trial_end": None,
                        "trial_from_plan": None,
                    }
                    sub["_pending_invoice"] = invoice["id"]
        if changed:
            self._emit("customer.subscription.updated", sub)
        return sub

    def _portal_session(self, params: dict[str, Any]) -> dict[str, Any]:
        customer = params.get("customer")
        if customer not in self.customers:
            raise StripeError(f"No such customer: '{customer}'", param="customer")
        session_id = _id("bps")
        session = {
            "id": session_id,
            "object": "billing_portal.session",
            "configuration": "bpc_test_default",
            "created": self.now(),
            "customer": customer,
            "flow": None,
            "livemode": False,
            "locale": None,
            "on_behalf_of": None,
            "return_url": params.get("return_url"),
            "url": f"{self.public_base}/portal/{session_id}",
        }
        self.portal_sessions[session_id] = session
        return session

    # ----------------------------------------------------------- hosted pages
    async def _checkout_page(self, request: Request) -> Response:
        session = self.sessions.get(request.path_params["session_id"])
        if session is None:
            return HTMLResponse(
                _hosted("Not found", "<p>This checkout link is not valid.</p>"), 404
            )
        if session["status"] != "open":
            return RedirectResponse(_success_url(session), status_code=303)
        rows = []
        for line in session["_lines"]:
            price = self.prices[line["price"]]
            product = self.products[price["product"]]
            rows.append(
                f"<li>{html.escape(product['name'])} x {line['quantity']}: "
                f"${price['unit_amount'] * line['quantity'] / 100:.2f} / "
                f"{price['recurring']['interval']}</li>"
            )
        trial = int(session["_subscription_data"].get("trial_period_days") or 0)
        body = (
            '<p class="banner">TEST MODE — no payment is taken.</p>'
            f"<ul>{''.join(rows)}</ul>"
            + (f"<p>Free for {trial} days, then billed.</p>" if trial else "")
            + f'<form method="post" action="{html.escape(session["id"])}/pay">'
            '<button type="submit">Pay (test)</button></form>'
            f'<p><a href="{html.escape(session["cancel_url"])}">Back</a></p>'
        )
        return HTMLResponse(_hosted("Checkout", body))

    async def _checkout_pay(self, request: Request) -> Response:
        try:
            session = self.complete_checkout(request.path_params["session_id"])
        except StripeError:
            return HTMLResponse(_hosted("Not found", "<p>This checkout is not valid.</p>"), 404)
        self.save()
        self.flush_soon()
        return RedirectResponse(_success_url(session), status_code=303)

    async def _portal_page(self, request: Request) -> Response:
        portal = self.portal_sessions.get(request.path_params["session_id"])
        if portal is None:
            return HTMLResponse(_hosted("Not found", "<p>This portal link is not valid.</p>"), 404)
        subs = [
            s
            for s in self.subscriptions.values()
            if s["customer"] == portal["customer"] and s["status"] != "canceled"
        ]
        items = "".join(
            f"<li>{html.escape(s['items']['data'][0]['price']['lookup_key'] or '')} — {s['status']}"
            + (" (cancels at period end)" if s["cancel_at_period_end"] else "")
            + f'<form method="post" action="{portal["id"]}/cancel?sub={s["id"]}">'
            '<button type="submit">Cancel plan</button></form></li>'
            for s in subs
        )
        body = (
            '<p class="banner">TEST MODE — no payment is taken.</p>'
            f"<ul>{items}</ul>"
            f'<form method="post" action="{portal["id"]}/payment_method">'
            '<button type="submit">Update payment method (test card 4242)</button></form>'
            f'<p><a href="{html.escape(portal["return_url"] or "/")}">Return</a></p>'
        )
        return HTMLResponse(_hosted("Billing portal", body))

    async def _portal_action(self, request: Request) -> Response:
        portal = self.portal_sessions.get(request.path_params["session_id"])
        if portal is None:
            return HTMLResponse(_hosted("Not found", "<p>Not valid.</p>"), 404)
        action = request.path_params["action"]
        with self._lock:
            if action == "cancel":
                sub = self.subscriptions.get(request.query_params.get("sub", ""))
                if sub is not None and sub["customer"] == portal["customer"]:
                    self._modify(sub["id"], {"cancel_at_period_end": "true"})
            elif action == "payment_method":
                customer = self.customers[portal["customer"]]
                customer["invoice_settings"]["default_payment_method"] = _id("pm")
                self._fail_next.discard(customer["id"])
                for sub in self.subscriptions.values():
                    if sub["customer"] == customer["id"] and sub["status"] == "past_due":
                        self.pay_open_invoice(sub["id"])
        self.save()
        self.flush_soon()
        return RedirectResponse(str(request.url).rsplit("/", 1)[0], status_code=303)

    async def _invoice_page(self, request: Request) -> Response:
        invoice = self.invoices.get(request.path_params["invoice_id"])
        if invoice is None:
            return HTMLResponse(_hosted("Not found", "<p>No such invoice.</p>"), 404)
        body = (
            '<p class="banner">TEST MODE — no payment is taken.</p>'
            f"<p>Invoice {html.escape(invoice['number'] or '')}: "
            f"${invoice['total'] / 100:.2f}, {invoice['status']}</p>"
        )
        return HTMLResponse(_hosted("Invoice", body))


def _success_url(session: dict[str, Any]) -> str:
    return str(session["success_url"]).replace("{CHECKOUT_SESSION_ID}", session["id"])


def _hosted(title: str, body: str) -> str:
    return (
        f"<!doctype html><html lang=en><head><meta charset=utf-8><title>{title} — "
        # No icon: browsers would otherwise ask the host for /favicon.ico.
        'Stripe (test mode)</title><link rel="icon" href="data:,"></head><body>'
        f"<h1>{title}</h1>{body}</body></html>"
    )


def _public(obj: dict[str, Any]) -> dict[str, Any]:
    """A deep copy without the fake's private `_` fields."""
    return {k: copy.deepcopy(v) for k, v in obj.items() if not k.startswith("_")}


def _expand_path(
    node: Any, path: list[str], lookup: Callable[[str], dict[str, Any] | None]
) -> None:
    if not path or node is None:
        return
    head, rest = path[0], path[1:]
    if isinstance(node, dict) and node.get("object") == "list" and head == "data":
        for item in node["data"]:
            _expand_path(item, rest, lookup)
        return
    if not isinstance(node, dict) or head not in node:
        return
    value = node[head]
    if not rest:
        if isinstance(value, str):
            found = lookup(value)
            if found is not None:
                node[head] = found
        return
    if isinstance(value, str):
        found = lookup(value)
        if found is not None:
            node[head] = value = found
    _expand_path(value, rest, lookup)
