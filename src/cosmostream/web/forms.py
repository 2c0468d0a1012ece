"""Helpers shared by page handlers that accept form posts."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import quote

from sqlalchemy.ext.asyncio import AsyncSession
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from cosmostream.account.schemas import Actor
from cosmostream.errors import AppError
from cosmostream.kit.text import refuse_bad_text
from cosmostream.web import security
from cosmostream.web.templating import flash

FormAction = Callable[[AsyncSession, Actor, FormData], Awaitable[Any]]


async def read_form(request: Request, *, max_fields: int = 50) -> FormData:
    """Parse a form post and check its CSRF token (403 when it is missing or wrong),
    and that no field holds bad text (400 `bad_text`, before anything reads one).
    Forms with a field per part of something large (a quiz) raise `max_fields`."""
    form = await request.form(max_files=2, max_fields=max_fields)
    for name, value in form.multi_items():
        refuse_bad_text(name)
        refuse_bad_text(value if isinstance(value, str) else value.filename or "", field=name)
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


def login_redirect(request: Request) -> RedirectResponse:
    """To the sign-in page, which comes back here — path and query — afterwards."""
    here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return redirect(f"/login?next={quote(here, safe='/')}")


async def act(
    request: Request,
    action: FormAction,
    *,
    back: str,
    success: str | None = None,
    then: Callable[[Any], str] | None = None,
    next_first: bool = False,
) -> Response:
    """Run one form action for the signed-in user in one unit of work, then go back.

    The form is read (and its CSRF token checked) first; the action gets it.
    Signed-out visitors are sent to log in. Unknown or invisible things are a
    404 page; other refusals come back as a notice on the page the form named
    in `next` (else `back`). On success the answer goes to `then(result)` —
    or, with `next_first`, to the form's `next` when it has one.
    """
    form = await read_form(request)
    actor = security.current_actor(request)
    posted_next = safe_next(text(form, "next"), "")
    target = posted_next or back
    if actor is None:
        return redirect(f"/login?next={target}")
    try:
        async with request.app.state.db.unit_of_work() as session:
            result = await action(session, actor, form)
    except AppError as exc:
        if exc.status == 404:
            raise
        response = redirect(target)
        flash(response, exc.message, "error")
        return response
    if then is not None and not (next_first and posted_next):
        target = then(result)
    response = redirect(target)
    if success:
        flash(response, success, "success")
    return response
