"""Paginated video grids on pages: the "More videos" link and the fragment
answer (`X-Fragment: 1`: only the next cards and link) that browse.js appends
for infinite scroll. Used by /browse, /category/<slug> and channel pages."""

from __future__ import annotations

from typing import Any, Protocol
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import Response

from cosmostream.web.templating import render

FRAGMENT_HEADER = "x-fragment"


class KeysetPage(Protocol):
    @property
    def has_next(self) -> bool: ...

    @property
    def end_cursor(self) -> str | None: ...


def is_fragment(request: Request) -> bool:
    return request.headers.get(FRAGMENT_HEADER) == "1"


def next_url(request: Request, page: KeysetPage) -> str | None:
    """This page's URL with its query kept and `after` set to the page's end."""
    if not page.has_next or page.end_cursor is None:
        return None
    params = [(k, v) for k, v in request.query_params.multi_items() if k != "after" and v]
    params.append(("after", page.end_cursor))
    return f"{request.url.path}?{urlencode(params)}"


def grid_response(
    request: Request, template: str, page: KeysetPage, context: dict[str, Any]
) -> Response:
    """The full page, or with `X-Fragment: 1` only the next cards and link."""
    context = {**context, "page": page, "next_url": next_url(request, page)}
    # Caches must not hand the fragment to a normal navigation or vice versa.
    headers = {"Vary": "X-Fragment"}
    if is_fragment(request):
        return render(request, "catalog/_grid_page.html", context, headers=headers)
    return render(request, template, context, headers=headers)
