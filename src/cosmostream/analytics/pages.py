"""The creator studio's analytics pages: a channel, one video, one course, the platform.

Everything renders on the server — headline figures, each chart's data table,
the range picker (links and a custom start/end form), the time-zone select and
the sortable top-content table — so the pages work without JavaScript; the
charts' D3 code (frontend/src/pages/analytics.js) reads the `figure.chart`
contract described in docs/analytics.md.
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from functools import cache
from typing import Any
from zoneinfo import available_timezones

from fastapi import APIRouter, Request
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.responses import Response

from cosmostream.account.schemas import Actor
from cosmostream.analytics import periods, views
from cosmostream.analytics.errors import AnalyticsNotFound
from cosmostream.analytics.schemas import Scope, ScopeKind, TopSort
from cosmostream.analytics.service import actor_time_zone, analytics_service
from cosmostream.analytics.views import Params
from cosmostream.kit.ids import require_uuid
from cosmostream.web import security
from cosmostream.web.deps import database
from cosmostream.web.forms import login_redirect
from cosmostream.web.templating import render

router = APIRouter()


@cache
def time_zones() -> list[str]:
    return sorted(z for z in available_timezones() if "/" in z or z == "UTC")


async def _context(
    session: AsyncSession, actor: Actor, scope: Scope, params: Params
) -> dict[str, Any]:
    """Every figure of a studio page, charts built the way the CSV builds them."""
    svc = analytics_service
    args = (params.key, params.start, params.end, params.tz)
    overview = await svc.overview(session, actor, scope, *args)
    breakdowns = await svc.breakdowns(session, actor, scope, *args)
    top = (
        await svc.top_content(session, actor, scope, *args, sort=params.sort)
        if scope.kind is not ScopeKind.VIDEO
        else []
    )
    snapshot = await svc.realtime(session, actor, scope)
    retention = (
        await svc.retention(session, actor, scope.id, *args)
        if scope.kind is ScopeKind.VIDEO and scope.id is not None
        else None
    )
    lines = []
    for h in overview.headlines:
        chart = views.line_chart(overview, h)
        chart.csv = views.csv_url(scope, params, f"overview:{h.metric.value}")
        lines.append(chart)
    bars = []
    for b in breakdowns:
        chart = views.bars_chart(b)
        chart.csv = views.csv_url(scope, params, b.dimension)
        bars.append(chart)
    realtime = views.realtime_chart(snapshot)
    realtime.csv = views.csv_url(scope, params, "realtime")
    retention_chart = None
    if retention is not None:
        retention_chart = views.retention_chart(retention)
        retention_chart.csv = views.csv_url(scope, params, "retention")
    top_header, top_rows = views.top_table(top)
    zone = periods.zone(overview.period.tz)
    return {
        "first_day": overview.period.start.astimezone(zone).date().isoformat(),
        "last_day": (overview.period.end - timedelta(microseconds=1))
        .astimezone(zone)
        .date()
        .isoformat(),
        "overview": overview,
        "headlines": [
            (h, views.METRIC_LABELS[h.metric], views.METRIC_UNITS.get(h.metric, "count"))
            for h in overview.headlines
        ],
        "lines": lines,
        "bars": bars,
        "realtime": realtime,
        "watching_now": snapshot.watching_now,
        "room": views.room(scope),
        "retention": retention,
        "retention_chart": retention_chart,
        "top": top,
        "top_header": top_header,
        "top_rows": top_rows,
        "top_csv": views.csv_url(scope, params, "top"),
        "sorts": list(TopSort),
        "sort_labels": views.TOP_LABELS,
        "params": params,
        "ranges": views.RANGE_LABELS,
        "tz": overview.period.tz,
        "time_zones": time_zones(),
        "scope": scope,
        "cell": views.cell,
    }


async def _studio(request: Request, scope: Scope, heading: str, extra: dict[str, str]) -> Response:
    actor = security.current_actor(request)
    if actor is None:
        return login_redirect(request)
    params = Params.parse(request.query_params)
    params.extra.update(extra)
    if params.tz is None:
        params = Params(
            params.key, params.start, params.end, actor_time_zone(actor), params.sort, extra
        )
    async with database(request).read() as session:
        context = await _context(session, actor, scope, params)
    return render(
        request, "analytics/studio.html", {**context, "heading": heading, "path": request.url.path}
    )


@router.get("/analytics")
async def channel_page(request: Request) -> Response:
    """The signed-in creator's channel; admins may pass `?channel=<user id>`."""
    actor = security.current_actor(request)
    if actor is None:
        return login_redirect(request)
    asked = request.query_params.get("channel")
    owner = require_uuid(asked, AnalyticsNotFound) if asked else actor.id
    extra = {"channel": str(owner)} if asked else {}
    return await _studio(
        request, Scope(kind=ScopeKind.CHANNEL, id=owner), "Channel analytics", extra
    )


@router.get("/analytics/video/{video_id}")
async def video_page(request: Request, video_id: str) -> Response:
    vid: uuid.UUID = require_uuid(video_id, AnalyticsNotFound)
    return await _studio(request, Scope(kind=ScopeKind.VIDEO, id=vid), "Video analytics", {})


@router.get("/analytics/course/{course_id}")
async def course_page(request: Request, course_id: str) -> Response:
    cid: uuid.UUID = require_uuid(course_id, AnalyticsNotFound)
    return await _studio(request, Scope(kind=ScopeKind.COURSE, id=cid), "Course analytics", {})


@router.get("/admin/analytics")
async def platform_page(request: Request) -> Response:
    return await _studio(request, Scope(kind=ScopeKind.PLATFORM), "Platform analytics", {})
