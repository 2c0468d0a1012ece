"""Cookies, CSRF and the request's actor for pages and APIs.

Browsers carry the same access and refresh tokens as API clients, in HttpOnly
SameSite cookies, plus a double-submit CSRF token signed together with the
sign-in session's id: every form POST carries it as a field, and GraphQL over
cookies as the `X-CSRF-Token` header.
"""

from __future__ import annotations

import uuid
from typing import Any

from starlette.requests import HTTPConnection, Request
from starlette.responses import Response

from cosmostream.account.oidc import providers
from cosmostream.account.schemas import Actor, AuthResult
from cosmostream.config import Settings
from cosmostream.errors import CsrfFailed, NotAuthenticated
from cosmostream.kit.crypto import constant_time_equal, new_token, sign
from cosmostream.storage import browser_origins

ACCESS_COOKIE = "cs_access"
REFRESH_COOKIE = "cs_refresh"
CSRF_COOKIE = "cs_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"


def content_security_policy(settings: Settings, *, style_nonce: str | None = None) -> str:
    """The policy of every response: scripts and styles from this origin only (no
    inline code, no `style` attributes, no eval), nothing embeds the site.

    Beyond that, what the pages really load: hls.js fetches playlists and
    segments and plays them through MediaSource (`blob:` media), three.js and
    the players draw from `data:`/`blob:` images, Socket.IO opens a WebSocket
    to this host, and with S3 storage media and upload parts live on the
    bucket's or the CDN's origin. `style_nonce` admits the `<style>` elements a
    page's own bundle creates with that nonce (GraphiQL's dialogs). Forms post
    here only, except that linking a sign-in from /settings posts a form whose
    answer redirects to the OpenID provider, and in live billing mode buying a
    plan or opening the Customer Portal redirects to Stripe's hosted pages:
    `form-action` also governs those redirects.
    """
    external = " ".join(browser_origins(settings))
    scheme, _, rest = settings.base_url.partition("://")
    websocket = f"{'wss' if scheme == 'https' else 'ws'}://{rest.split('/', 1)[0]}"
    remote_images = " https:" if settings.space_remote_images else ""
    form_targets = " ".join(
        sorted({_origin(p.issuer) for p in providers(settings)} | _stripe_pages(settings))
    )
    directives = {
        "default-src": "'self'",
        "script-src": "'self'",
        "style-src": f"'self' 'nonce-{style_nonce}'" if style_nonce else "'self'",
        "img-src": f"'self' data: blob:{remote_images} {external}",
        "media-src": f"'self' blob: {external}",
        "connect-src": f"'self' {websocket} {external}",
        "worker-src": "'self' blob:",
        "font-src": "'self' data:",
        "object-src": "'none'",
        "base-uri": "'none'",
        "form-action": f"'self' {form_targets}",
        "frame-ancestors": "'none'",
    }
    return "; ".join(f"{name} {' '.join(value.split())}" for name, value in directives.items())


STRIPE_PAGES = frozenset({"https://checkout.stripe.com", "https://billing.stripe.com"})


def _stripe_pages(settings: Settings) -> frozenset[str]:
    """Stripe's hosted Checkout and Customer Portal, where POST /pricing/checkout
    and POST /settings/billing/portal redirect with 303 in live mode (browsers
    apply `form-action` to a form's redirects too). In test mode those pages are
    the fake's, on this origin."""
    return STRIPE_PAGES if settings.resolved_billing_mode == "live" else frozenset()


def _origin(url: str) -> str:
    scheme, _, rest = url.partition("://")
    return f"{scheme}://{rest.split('/', 1)[0]}"


def _cookie_args(settings: Settings) -> dict[str, Any]:
    return {"secure": settings.secure_cookies, "samesite": "lax", "path": "/"}


def set_auth_cookies(response: Response, settings: Settings, result: AuthResult) -> None:
    args = _cookie_args(settings)
    response.set_cookie(
        ACCESS_COOKIE,
        result.access_token,
        max_age=settings.access_token_ttl_seconds,
        httponly=True,
        **args,
    )
    response.set_cookie(
        REFRESH_COOKIE,
        result.refresh_token,
        max_age=settings.refresh_token_ttl_seconds,
        httponly=True,
        **args,
    )


def clear_auth_cookies(response: Response, settings: Settings) -> None:
    for name in (ACCESS_COOKIE, REFRESH_COOKIE):
        response.delete_cookie(name, path="/", secure=settings.secure_cookies, httponly=True)


def _csrf_binding(session_id: uuid.UUID | None) -> str:
    return str(session_id) if session_id else "anonymous"


def make_csrf_token(settings: Settings, session_id: uuid.UUID | None = None) -> str:
    """A token bound to one sign-in session (or to being signed out).

    A token is `nonce.HMAC(secret, session id + nonce)`: one minted for another
    browser (the attacker's own, planted as the victim's cookie) names another
    session, so it fails with the victim's cookies even though it is signed.
    """
    nonce = new_token(16)
    return f"{nonce}.{_csrf_mac(settings, session_id, nonce)}"


def _csrf_mac(settings: Settings, session_id: uuid.UUID | None, nonce: str) -> str:
    return sign(settings.secret_key, f"csrf:{_csrf_binding(session_id)}:{nonce}")


def csrf_token_valid(
    settings: Settings, token: str | None, session_id: uuid.UUID | None = None
) -> bool:
    if not token or "." not in token:
        return False
    nonce, _, mac = token.partition(".")
    return constant_time_equal(mac, _csrf_mac(settings, session_id, nonce))


def _session_id(request: Request) -> uuid.UUID | None:
    actor = current_actor(request)
    return actor.session_id if actor else None


def csrf_token(request: Request) -> str:
    """The token for this browser and session; a new one is set as a cookie on the way out."""
    cached: str | None = getattr(request.state, "csrf_token", None)
    if cached is not None:
        return cached
    existing = request.cookies.get(CSRF_COOKIE)
    settings: Settings = request.app.state.settings
    session_id = _session_id(request)
    token = existing if csrf_token_valid(settings, existing, session_id) else None
    token = token or make_csrf_token(settings, session_id)
    request.state.csrf_token = token
    return token


def renew_csrf(request: Request, session_id: uuid.UUID | None) -> None:
    """After signing in or out: a token for the new session, set as the cookie on
    the way out (the old one names the old session and no longer passes)."""
    request.state.csrf_token = make_csrf_token(request.app.state.settings, session_id)


def check_csrf(request: Request, submitted: str | None) -> None:
    """The submitted token must equal the browser's cookie and be bound to the
    session the request's cookies sign in (or to none, signed out)."""
    settings: Settings = request.app.state.settings
    cookie = request.cookies.get(CSRF_COOKIE)
    if not (
        submitted
        and cookie
        and constant_time_equal(submitted, cookie)
        and csrf_token_valid(settings, submitted, _session_id(request))
    ):
        raise CsrfFailed()


def current_actor(request: Request) -> Actor | None:
    actor: Actor | None = getattr(request.state, "actor", None)
    return actor


def require_actor(request: Request) -> Actor:
    actor = current_actor(request)
    if actor is None:
        raise NotAuthenticated()
    return actor


def client_ip(request: HTTPConnection) -> str:
    return request.client.host if request.client else ""
