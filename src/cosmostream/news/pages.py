"""The /news page: filters by source and topic (a GET form), and a "More" link."""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import APIRouter, Request
from starlette.responses import Response

from cosmostream.news.schemas import TOPICS
from cosmostream.news.service import news_service
from cosmostream.web.deps import database
from cosmostream.web.templating import render

router = APIRouter()

PAGE_SIZE = 20


@router.get("/news")
async def news_page(request: Request) -> Response:
    params = request.query_params
    source = params.get("source") or None
    topic = params.get("topic") or None
    if topic not in TOPICS:
        topic = None
    after = params.get("after") or None
    db = database(request)
    async with db.read() as session:
        sources = await news_service.sources(session)
        if source and source not in {s.key for s in sources}:
            source = None
        page = await news_service.latest(session, source, topic, PAGE_SIZE, after)
    more = None
    if page.has_next and page.end_cursor:
        query = {k: v for k, v in (("source", source), ("topic", topic)) if v}
        more = "/news?" + urlencode({**query, "after": page.end_cursor})
    return render(
        request,
        "news/list.html",
        {
            "page": page,
            "sources": sources,
            "topics": TOPICS,
            "source": source,
            "topic": topic,
            "after": after,
            "more": more,
        },
    )
