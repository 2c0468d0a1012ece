"""The one way the platform talks to Stripe: the official SDK, asynchronously.

`stripe_client()` gives a `StripeClient` on the SDK's HTTPX client, one per
event loop (an HTTPX connection pool belongs to the loop that opened it: the
web server's loop and each worker thread's loop get their own). Its API base
is `COSMOSTREAM_STRIPE_API_BASE` when set, the app's own `/_stripe` fake in
test mode, and Stripe otherwise. Every create carries an idempotency key the
caller derives from what it creates, so a retried request never buys twice.
"""

from __future__ import annotations

import asyncio
import hmac
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from hashlib import sha256
from typing import Any

import stripe

from cosmostream.config import Settings, get_settings
from cosmostream.errors import AppError

FAKE_PATH = "/_stripe"

# Where the SDK talks for the current context, over the settings (the demo
# loader runs the fake on a loopback port while the web server is down).
_base_override: ContextVar[str | None] = ContextVar("stripe_api_base", default=None)

_clients: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, tuple[str, stripe.StripeClient]]
_clients = weakref.WeakKeyDictionary()


class BillingUnavailable(AppError):
    status = 404
    code = "billing_off"
    message = "Plans are not available on this server."


class StripeUnavailable(AppError):
    status = 502
    code = "stripe_unavailable"
    message = "The payment provider could not be reached. Please try again in a moment."


def mode(settings: Settings | None = None) -> str:
    return (settings or get_settings()).resolved_billing_mode


def enabled(settings: Settings | None = None) -> bool:
    return mode(settings) != "off"


def _derived(settings: Settings, purpose: str) -> str:
    """A secret of this installation for the fake Stripe (test mode without keys):
    derived from the app's secret, so the demo command and the server agree and
    nobody else can call the fake's API or forge its webhooks."""
    mac = hmac.new(settings.secret_key.encode(), f"fake-stripe:{purpose}".encode(), sha256)
    return mac.hexdigest()[:32]


def secret_key(settings: Settings) -> str:
    if settings.stripe_secret_key:
        return settings.stripe_secret_key
    return "sk_test_" + _derived(settings, "api")


def webhook_secret(settings: Settings) -> str | None:
    if settings.stripe_webhook_secret:
        return settings.stripe_webhook_secret
    return "whsec_" + _derived(settings, "webhook") if mode(settings) == "test" else None


@contextmanager
def talking_to(base: str) -> Iterator[None]:
    """Point the SDK at `base` for the calls made inside the block."""
    token = _base_override.set(base.rstrip("/"))
    try:
        yield
    finally:
        _base_override.reset(token)


def api_base(settings: Settings) -> str:
    override = _base_override.get()
    if override:
        return override
    if settings.stripe_api_base:
        return settings.stripe_api_base.rstrip("/")
    if mode(settings) == "test":
        return settings.base_url.rstrip("/") + FAKE_PATH
    return stripe.DEFAULT_API_BASE


def stripe_client(settings: Settings | None = None) -> stripe.StripeClient:
    """The Stripe client for the running event loop (billing must be on)."""
    settings = settings or get_settings()
    if not enabled(settings):
        raise BillingUnavailable()
    loop = asyncio.get_running_loop()
    key = f"{secret_key(settings)}|{api_base(settings)}"
    cached = _clients.get(loop)
    if cached is not None and cached[0] == key:
        return cached[1]
    client = stripe.StripeClient(
        secret_key(settings),
        base_addresses={"api": api_base(settings)},
        http_client=stripe.HTTPXClient(timeout=20),
        max_network_retries=2,
    )
    _clients[loop] = (key, client)
    return client


def idempotent(key: str) -> Any:
    """Request options carrying an idempotency key (for every create)."""
    return {"idempotency_key": key}
