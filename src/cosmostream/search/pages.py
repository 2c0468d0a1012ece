"""The search results page (`/search?q=…`), which also works without JavaScript."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from cosmostream.search.schemas import COUNT_CAP, MAX_QUERY_CHARS
from cosmostream.search.service import search_service
from cosmostream.web import security
from cosmostream.web.deps import database
from cosmostream.web.templating import render

router = APIRouter()

PAGE_SIZE = 24


@router.get("/search")
async def search_page(request: Request, q: str = "", after: str | None = None) -> Response:
    query = q[:MAX_QUERY_CHARS]
    db = database(request)
    async with db.read() as session:
        page = await search_service.search(
            session,
            security.current_actor(request),
            query,
            PAGE_SIZE,
            after or None,  # an empty `?after=` is no cursor, as on every page
            with_total=True,
        )
    return render(
        request,
        "search/results.html",
        {
            "search_query": query,
            "page": page,
            "count_cap": COUNT_CAP,
            "searched": not page.query.empty,
        },
    )
