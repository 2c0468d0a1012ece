"""Jinja2 page rendering with the globals every page needs."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote

from fastapi.templating import Jinja2Templates
from markupsafe import Markup
from starlette.requests import Request
from starlette.responses import HTMLResponse

from cosmostream.account.service import avatar_url
from cosmostream.config import get_settings
from cosmostream.kit.agents import describe as describe_agent
from cosmostream.kit.crypto import constant_time_equal, sign
from cosmostream.video.urls import poster_url
from cosmostream.web import formatting, security

WEB_DIR = Path(__file__).parent
STATIC_DIR = WEB_DIR / "static"

templates = Jinja2Templates(directory=str(WEB_DIR / "templates"))


@lru_cache(maxsize=64)
def _fingerprint(path: str, mtime: float) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()[:10]


def asset(name: str) -> str:
    """URL of a built asset with a content hash, so it can be cached forever."""
    path = STATIC_DIR / "dist" / name
    try:
        version = _fingerprint(str(path), path.stat().st_mtime)
    except FileNotFoundError:
        version = "missing"
    return f"/static/dist/{name}?v={version}"


def use_navigation(links: Iterable[tuple[str, str]]) -> None:
    """Set the main navigation, (label, href) in order; the app assembles it from
    the domains (the brand links home and the footer to About)."""
    templates.env.globals["nav"] = list(links)


def _csrf_input(request: Request) -> Markup:
    token = security.csrf_token(request)
    return Markup('<input type="hidden" name="csrf_token" value="{}">').format(token)


templates.env.globals.update(asset=asset, avatar_url=avatar_url, nav=[])
templates.env.filters["device"] = describe_agent
templates.env.filters["duration"] = formatting.duration
templates.env.filters["compact"] = formatting.compact
templates.env.filters["ago"] = formatting.ago


def _poster_url(video: Any, size: str = "card") -> str | None:
    return poster_url(video, size)


templates.env.globals["poster_url"] = _poster_url


def render(
    request: Request,
    template: str,
    context: dict[str, Any] | None = None,
    *,
    status: int = 200,
    headers: dict[str, str] | None = None,
) -> HTMLResponse:
    ctx: dict[str, Any] = {
        "actor": security.current_actor(request),
        "csrf_input": _csrf_input(request),
        "csrf_token": security.csrf_token(request),
        "settings": request.app.state.settings,
        "path": request.url.path,
        "flash": read_flash(request),
        # Counted before the handler ran (see notification/pages.py).
        "unread_notifications": getattr(request.state, "unread_notifications", 0),
    }
    ctx.update(context or {})
    response = templates.TemplateResponse(
        request, template, ctx, status_code=status, headers=headers
    )
    if ctx["flash"]:
        response.delete_cookie(FLASH_COOKIE, path="/")
    return response


FLASH_COOKIE = "cs_flash"


def flash(response: Any, message: str, kind: str = "info") -> None:
    """A one-time notice shown on the next page (signed so it cannot be forged)."""
    payload = f"{kind}|{message}"
    mac = sign(get_settings().secret_key, "flash:" + payload)[:16]
    # Percent-encoded: a header is Latin-1, a notice may quote any title (“…”).
    response.set_cookie(
        FLASH_COOKIE, f"{mac}|{quote(payload)}", max_age=60, path="/", samesite="lax", httponly=True
    )


def read_flash(request: Request) -> dict[str, str] | None:
    raw = request.cookies.get(FLASH_COOKIE)
    if not raw or "|" not in raw:
        return None
    mac, payload = raw.split("|", 1)
    payload = unquote(payload)
    if "|" not in payload:
        return None
    kind, message = payload.split("|", 1)
    settings = request.app.state.settings
    if not constant_time_equal(mac, sign(settings.secret_key, f"flash:{kind}|{message}")[:16]):
        return None
    return {"kind": kind, "message": message}
