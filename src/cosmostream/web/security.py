"""Cookies, CSRF and the request's actor for pages and APIs.

Browsers carry the same access and refresh tokens as API clients, in HttpOnly
SameSite cookies, plus a signed double-submit CSRF token: every form POST
carries it as a field, and GraphQL over cookies as the `X-CSRF-Token` header.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import HTTPConnection, Request
from starlette.responses import Response

from cosmostream.account.schemas import Actor, AuthResult
from cosmostream.config import Settings
from cosmostream.errors import CsrfFailed, NotAuthenticated
from cosmostream.kit.crypto import constant_time_equal, new_token, sign

ACCESS_COOKIE = "cs_access"
REFRESH_COOKIE = "cs_refresh"
CSRF_COOKIE = "cs_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"


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


def make_csrf_token(settings: Settings) -> str:
    nonce = new_token(16)
    return f"{nonce}.{sign(settings.secret_key, 'csrf:' + nonce)}"


def csrf_token_valid(settings: Settings, token: str | None) -> bool:
    if not token or "." not in token:
        return False
    nonce, _, mac = token.partition(".")
    return constant_time_equal(mac, sign(settings.secret_key, "csrf:" + nonce))


def csrf_token(request: Request) -> str:
    """The token for this browser; a new one is set as a cookie on the way out."""
    cached: str | None = getattr(request.state, "csrf_token", None)
    if cached is not None:
        return cached
    existing = request.cookies.get(CSRF_COOKIE)
    settings: Settings = request.app.state.settings
    token = existing if existing and csrf_token_valid(settings, existing) else None
    token = token or make_csrf_token(settings)
    request.state.csrf_token = token
    return token


def check_csrf(request: Request, submitted: str | None) -> None:
    settings: Settings = request.app.state.settings
    cookie = request.cookies.get(CSRF_COOKIE)
    if not (
        submitted
        and cookie
        and csrf_token_valid(settings, cookie)
        and constant_time_equal(submitted, cookie)
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
