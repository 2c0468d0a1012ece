"""ASGI middleware: request size limits and the request's actor.

Both are plain ASGI (not BaseHTTPMiddleware) so streaming bodies and
WebSockets pass through untouched.
"""

from __future__ import annotations

import json
import time
import uuid
from typing import Any

import structlog
from prometheus_client import Counter, Histogram
from starlette.datastructures import Headers, MutableHeaders
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from cosmostream.account.schemas import Actor
from cosmostream.account.service import account_service
from cosmostream.config import Settings
from cosmostream.db import Database
from cosmostream.errors import AppError, PayloadTooLarge, render_json
from cosmostream.web import security
from cosmostream.web.deps import client_info

# `/_stripe/`: the fake Stripe of billing's test mode, which the server's own Stripe
# SDK calls with `Authorization: Bearer sk_…` (not a CosmoStream token).
SKIP_AUTH_PREFIXES = (
    "/static/",
    "/media/",
    "/healthz",
    "/readyz",
    "/socket.io",
    "/metrics",
    "/_stripe/",
)

REQUESTS = Counter(
    "cosmostream_http_requests_total", "HTTP requests answered", ["method", "status"]
)
LATENCY = Histogram(
    "cosmostream_http_request_seconds",
    "Time to the response headers",
    ["method"],
    buckets=(0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
)
SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"strict-origin-when-cross-origin"),
    (b"x-frame-options", b"DENY"),
]


class RequestContextMiddleware:
    """Bind a request id for the logs; add it and the security headers to every response."""

    def __init__(self, app: ASGIApp, csp: str | None = None) -> None:
        self.app = app
        self.headers = [(k.decode(), v.decode()) for k, v in SECURITY_HEADERS]
        if csp:
            self.headers.append(("content-security-policy", csp))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = Headers(scope=scope).get("x-request-id", "")
        request_id = incoming[:64] if incoming.isprintable() and incoming else uuid.uuid4().hex
        structlog.contextvars.bind_contextvars(request_id=request_id)
        started = time.perf_counter()
        method = scope["method"]

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                elapsed = time.perf_counter() - started
                headers = MutableHeaders(scope=message)
                headers["x-request-id"] = request_id
                headers["server-timing"] = f"app;dur={elapsed * 1000:.1f}"
                for key, value in self.headers:
                    if key not in headers:
                        headers.append(key, value)
                REQUESTS.labels(method, str(message["status"])).inc()
                LATENCY.labels(method).observe(elapsed)
            await send(message)

        try:
            await self.app(scope, receive, send_with_headers)
        finally:
            structlog.contextvars.clear_contextvars()


class HeadMiddleware:
    """Answer HEAD like GET, without the body, wherever no route answers HEAD itself.

    FastAPI routes answer only the methods they name (Starlette's plain routes
    add HEAD to GET by themselves), so link checkers and uptime probes got 405.
    A HEAD the routes refuse with 405 runs again as a GET and its body is
    dropped; routes with their own HEAD handler (tus, media) keep it.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return
        refused = False

        async def send_unless_refused(message: Message) -> None:
            nonlocal refused
            if message["type"] == "http.response.start" and message["status"] == 405:
                refused = True
            if not refused:
                await send(message)

        await self.app(scope, receive, send_unless_refused)
        if not refused:
            return

        async def send_headers_only(message: Message) -> None:
            if message["type"] == "http.response.body":
                message = {**message, "body": b""}
            await send(message)

        await self.app({**scope, "method": "GET"}, receive, send_headers_only)


class BodyLimitMiddleware:
    """Refuse bodies over the limit: at once by Content-Length, or while streaming."""

    def __init__(self, app: ASGIApp, limits: dict[str, int], default: int) -> None:
        self.app = app
        self.limits = limits
        self.default = default

    def limit_for(self, path: str) -> int | None:
        for prefix, limit in self.limits.items():
            if path.startswith(prefix):
                return limit if limit > 0 else None
        return self.default

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit_for(scope["path"])
        if limit is None:
            await self.app(scope, receive, send)
            return
        length = Headers(scope=scope).get("content-length")
        if length is not None and length.isdigit() and int(length) > limit:
            error = PayloadTooLarge()
            response = Response(
                json.dumps(render_json(error)), status_code=413, media_type="application/json"
            )
            await response(scope, receive, send)
            return
        seen = 0
        started = False

        async def limited_receive() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise PayloadTooLarge()
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except PayloadTooLarge as error:
            # A streamed body (no Content-Length) went over the limit while a
            # handler was reading it: answer 413 unless a response has begun.
            if started:
                raise
            response = Response(
                json.dumps(render_json(error)), status_code=413, media_type="application/json"
            )
            await response(scope, receive, send)


class ActorMiddleware:
    """Resolve who is asking, once per request, into `request.state.actor`.

    `Authorization: Bearer` wins and must be valid (401 otherwise). Browsers use
    the access cookie; when it has expired the refresh cookie is rotated
    transparently and new cookies go out with the response.
    """

    def __init__(self, app: ASGIApp, settings: Settings, db: Database) -> None:
        self.app = app
        self.settings = settings
        self.db = db

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        scope.setdefault("state", {})
        state: dict[str, Any] = scope["state"]
        state["actor"] = None
        state["auth_via_cookie"] = False
        if scope["path"].startswith(SKIP_AUTH_PREFIXES):
            await self.app(scope, receive, send)
            return

        request = Request(scope)
        cookie_response = Response()
        touched_cookies = False
        authorization = request.headers.get("authorization", "")
        if authorization:
            scheme, _, token = authorization.partition(" ")
            try:
                if scheme.lower() != "bearer" or not token.strip():
                    raise AppError("Use a Bearer token.", code="invalid_token", status=401)
                async with self.db.read() as session:
                    state["actor"] = await account_service.authenticate(session, token.strip())
            except AppError as exc:
                response = Response(
                    json.dumps(render_json(exc)),
                    status_code=401,
                    media_type="application/json",
                    headers={"WWW-Authenticate": 'Bearer error="invalid_token"'},
                )
                await response(scope, receive, send)
                return
        else:
            actor: Actor | None = None
            access = request.cookies.get(security.ACCESS_COOKIE)
            refresh = request.cookies.get(security.REFRESH_COOKIE)
            if access:
                try:
                    async with self.db.read() as session:
                        actor = await account_service.authenticate(session, access)
                except AppError:
                    actor = None
            if actor is None and refresh:
                try:
                    result = await account_service.refresh(self.db, refresh, client_info(request))
                    actor = Actor(user=result.user, session_id=result.session_id)
                    security.set_auth_cookies(cookie_response, self.settings, result)
                except AppError:
                    security.clear_auth_cookies(cookie_response, self.settings)
                touched_cookies = True
            elif actor is None and access:
                security.clear_auth_cookies(cookie_response, self.settings)
                touched_cookies = True
            state["actor"] = actor
            state["auth_via_cookie"] = actor is not None

        async def send_with_cookies(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                if touched_cookies:
                    for key, value in cookie_response.raw_headers:
                        if key == b"set-cookie":
                            headers.append("set-cookie", value.decode("latin-1"))
                csrf = state.get("csrf_token")
                if csrf and csrf != request.cookies.get(security.CSRF_COOKIE):
                    extra = Response()
                    extra.set_cookie(
                        security.CSRF_COOKIE,
                        csrf,
                        max_age=30 * 24 * 3600,
                        secure=self.settings.secure_cookies,
                        samesite="lax",
                        path="/",
                    )
                    for key, value in extra.raw_headers:
                        if key == b"set-cookie":
                            headers.append("set-cookie", value.decode("latin-1"))
            await send(message)

        await self.app(scope, receive, send_with_cookies)
