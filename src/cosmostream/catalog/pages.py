"""Discovery pages: home rows, /browse, /discover, /categories and /category/{slug}.

Everything works without JavaScript: filters are a GET form and pagination
is a real "More videos" link. With `X-Fragment: 1` the paginated pages
answer only the next cards and the next link, which browse.js appends for
infinite scroll.
"""

from __future__ import annotations

from enum import StrEnum
from typing import TypeVar

from fastapi import APIRouter, Request
from starlette.responses import Response

from cosmostream.account.service import account_service
from cosmostream.catalog.schemas import (
    DurationBand,
    UploadDate,
    VideoFilter,
    VideoSort,
)
from cosmostream.catalog.service import catalog_service
from cosmostream.errors import AppError
from cosmostream.kit.ids import require_uuid
from cosmostream.kit.time import utcnow
from cosmostream.launch.service import launch_service
from cosmostream.video.errors import VideoNotFound
from cosmostream.web import security
from cosmostream.web.deps import database
from cosmostream.web.forms import read_form, redirect, safe_next, text
from cosmostream.web.grid import grid_response
from cosmostream.web.templating import flash, render

router = APIRouter()

PAGE_SIZE = 24
HOME_LAUNCHES = 4

SORT_LABELS = {
    VideoSort.NEWEST: "Newest",
    VideoSort.MOST_VIEWED: "Most viewed",
    VideoSort.TRENDING: "Trending",
    VideoSort.LONGEST: "Longest",
}
DURATION_LABELS = {
    DurationBand.SHORT: "Under 4 minutes",
    DurationBand.MEDIUM: "4 to 20 minutes",
    DurationBand.LONG: "Over 20 minutes",
}
UPLOAD_LABELS = {
    UploadDate.TODAY: "Today",
    UploadDate.WEEK: "This week",
    UploadDate.MONTH: "This month",
    UploadDate.YEAR: "This year",
}

E = TypeVar("E", bound=StrEnum)


def _choice(request: Request, name: str, enum: type[E]) -> E | None:
    # A hand-edited URL with an unknown value just drops that filter.
    raw = request.query_params.get(name, "")
    try:
        return enum(raw) if raw else None
    except ValueError:
        return None


@router.get("/")
async def home(request: Request) -> Response:
    actor = security.current_actor(request)
    async with database(request).read() as session:
        rows = await catalog_service.home(session, actor)
        launches = await launch_service.upcoming(session, HOME_LAUNCHES, actor)
        first_visit = await account_service.is_first_visit(session, actor)
    return render(
        request,
        "home.html",
        {
            "rows": rows,
            "upcoming_launches": launches,
            "now": utcnow(),
            "first_visit": first_visit,
        },
    )


@router.get("/browse")
async def browse(request: Request) -> Response:
    sort = _choice(request, "sort", VideoSort) or VideoSort.NEWEST
    criteria = VideoFilter(
        category=request.query_params.get("category") or None,
        duration=_choice(request, "duration", DurationBand),
        uploaded=_choice(request, "uploaded", UploadDate),
    )
    after = request.query_params.get("after") or None
    async with database(request).read() as session:
        categories = await catalog_service.list_categories(session)
        if criteria.category and criteria.category not in {c.slug for c in categories}:
            criteria = VideoFilter(duration=criteria.duration, uploaded=criteria.uploaded)
        page = await catalog_service.list_videos(session, criteria, sort, PAGE_SIZE, after)
    return grid_response(
        request,
        "catalog/browse.html",
        page,
        {
            "categories": categories,
            "criteria": criteria,
            "sort": sort,
            "sorts": SORT_LABELS,
            "durations": DURATION_LABELS,
            "uploads": UPLOAD_LABELS,
            "filtered": bool(criteria.category or criteria.duration or criteria.uploaded),
        },
    )


@router.get("/discover")
async def discover(request: Request) -> Response:
    async with database(request).read() as session:
        found = await catalog_service.discover(session)
    return render(request, "catalog/discover.html", {"discover": found})


@router.get("/categories")
async def categories(request: Request) -> Response:
    async with database(request).read() as session:
        summaries = await catalog_service.categories(session)
    return render(request, "catalog/categories.html", {"summaries": summaries})


@router.get("/category/{slug}")
async def category(request: Request, slug: str) -> Response:
    sort = _choice(request, "sort", VideoSort) or VideoSort.NEWEST
    after = request.query_params.get("after") or None
    async with database(request).read() as session:
        summary = await catalog_service.category(session, slug)
        page = await catalog_service.list_videos(
            session, VideoFilter(category=summary.category.slug), sort, PAGE_SIZE, after
        )
    return grid_response(
        request,
        "catalog/category.html",
        page,
        {"summary": summary, "sort": sort, "sorts": SORT_LABELS},
    )


async def _pick_action(request: Request, video_id: str, pin: bool) -> Response:
    actor = security.require_actor(request)
    form = await read_form(request)
    vid = require_uuid(video_id, VideoNotFound)
    back = safe_next(text(form, "next"), "/discover")
    try:
        async with database(request).unit_of_work() as session:
            if pin:
                await catalog_service.pin(session, actor, vid)
            else:
                await catalog_service.unpin(session, actor, vid)
    except AppError as exc:
        if exc.status in (401, 403):
            raise
        response = redirect(back)
        flash(response, exc.message, "error")
        return response
    response = redirect(back)
    flash(response, "Pinned to staff picks." if pin else "Removed from staff picks.", "success")
    return response


@router.post("/staff-picks/{video_id}/pin")
async def pin_submit(request: Request, video_id: str) -> Response:
    return await _pick_action(request, video_id, pin=True)


@router.post("/staff-picks/{video_id}/unpin")
async def unpin_submit(request: Request, video_id: str) -> Response:
    return await _pick_action(request, video_id, pin=False)
