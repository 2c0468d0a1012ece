"""Helpers shared by page handlers that accept form posts."""

from __future__ import annotations

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse

from cosmostream.web import security


async def read_form(request: Request) -> FormData:
    """Parse a form post and check its CSRF token (403 when it is missing or wrong)."""
    form = await request.form(max_files=2, max_fields=50)
    token = form.get(security.CSRF_FIELD)
    security.check_csrf(request, token if isinstance(token, str) else None)
    return form


def text(form: FormData, name: str, default: str = "") -> str:
    value = form.get(name)
    return value if isinstance(value, str) else default


def safe_next(value: str | None, default: str = "/") -> str:
    """Only same-site relative paths: `/x`, never `//evil` or `https://…`."""
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return default
    return value


def redirect(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)
