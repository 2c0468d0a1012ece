"""Notification pages and the header bell's unread count.

The bell is on every page for signed-in users, and must show its count
without JavaScript. Templates render synchronously, so the count is read
before the handler runs, by a small middleware, and only for page requests
(GET, not APIs, media or fragments): one indexed COUNT per page view.
"""

from __future__ import annotations

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from cosmostream.db import Database
from cosmostream.kit.ids import parse_uuid
from cosmostream.notification.service import notification_service
from cosmostream.web import security
from cosmostream.web.deps import database
from cosmostream.web.forms import read_form, redirect, safe_next, text
from cosmostream.web.templating import render

router = APIRouter()

PAGE_SIZE = 30
NOT_PAGES = (
    "/static/",
    "/media/",
    "/healthz",
    "/readyz",
    "/metrics",
    "/socket.io",
    "/graphql",
    "/api/",
    "/uploads",
)


class UnreadBadgeMiddleware:
    """Put the signed-in user's unread count in `request.state.unread_notifications`.

    Must sit inside `ActorMiddleware`, which resolves the actor first.
    """

    def __init__(self, app: ASGIApp, db: Database) -> None:
        self.app = app
        self.db = db

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] == "http"
            and scope["method"] == "GET"
            and not scope["path"].startswith(NOT_PAGES)
        ):
            state = scope.setdefault("state", {})
            actor = state.get("actor")
            if actor is not None and not _is_fragment(scope):
                async with self.db.read() as session:
                    state["unread_notifications"] = await notification_service.unread_count(
                        session, actor
                    )
        await self.app(scope, receive, send)


def _is_fragment(scope: Scope) -> bool:
    return any(name == b"x-fragment" for name, _ in scope.get("headers", ()))


@router.get("/notifications")
async def notifications_page(request: Request, after: str | None = None) -> Response:
    actor = security.current_actor(request)
    if actor is None:
        return redirect("/login?next=/notifications")
    async with database(request).read() as session:
        # An empty `?after=` is no cursor, as on every page (the API refuses it).
        page = await notification_service.list_for(
            session, actor, first=PAGE_SIZE, after=after or None
        )
    return render(request, "notification/list.html", {"page": page, "after": after})


@router.post("/notifications/read")
async def mark_read_submit(request: Request) -> Response:
    """Mark one notification (`id`) or, without one, all of them read."""
    actor = security.require_actor(request)
    form = await read_form(request)
    raw = [v for v in form.getlist("id") if isinstance(v, str) and v]
    ids = [i for i in (parse_uuid(v) for v in raw) if i is not None]
    # Malformed ids are as unknown as other people's: nothing to mark (never "all").
    if ids or not raw:
        async with database(request).unit_of_work() as session:
            await notification_service.mark_read(session, actor, ids or None)
    return redirect(safe_next(text(form, "next"), "/notifications"))
