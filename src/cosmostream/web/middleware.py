"""ASGI middleware: request size limits and the request's actor.

Both are plain ASGI (not BaseHTTPMiddleware) so streaming bodies and
WebSockets pass through untouched.
"""

from __future__ import annotations

import json
from typing import Any

from starlette.datastructures import Headers, MutableHeaders
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from cosmostream.account.schemas import Actor, ClientInfo
from cosmostream.config import Settings
from cosmostream.db import Database
from cosmostream.errors import AppError, PayloadTooLarge, render_json
from cosmostream.web import security

SKIP_AUTH_PREFIXES = ("/static/", "/media/", "/healthz", "/readyz", "/socket.io", "/metrics")


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

        async def limited_receive() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise PayloadTooLarge()
            return message

        await self.app(scope, limited_receive, send)


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

        from cosmostream.account.service import account_service

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
                    client = ClientInfo(
                        ip=security.client_ip(request),
                        user_agent=request.headers.get("user-agent", ""),
                    )
                    result = await account_service.refresh(self.db, refresh, client)
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
