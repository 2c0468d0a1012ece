"""CSV export of every studio chart: exactly the numbers of the chart's table.

GET /analytics/export.csv?chart=<chart>&scope=<scope>&range=…&start=…&end=…&tz=…&sort=…
where chart is `overview:<metric>`, `retention`, a breakdown (`traffic`,
`search_terms`, `referrers`, `device`, `browser`, `os`, `quality`), `top` or
`realtime`, and scope `channel:<id>`, `video:<id>`, `course:<id>` or `platform`.
"""

from __future__ import annotations

import csv
import io

from fastapi import APIRouter, Request
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.responses import Response

from cosmostream.account.schemas import Actor
from cosmostream.analytics import views
from cosmostream.analytics.errors import UnknownChart
from cosmostream.analytics.schemas import Metric, Scope
from cosmostream.analytics.service import BREAKDOWNS, actor_time_zone, analytics_service
from cosmostream.analytics.views import Params
from cosmostream.web import security
from cosmostream.web.deps import database

router = APIRouter()

# Spreadsheets run a cell that starts with one of these as a formula (OWASP CSV injection).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe(value: str) -> str:
    if value.startswith(FORMULA_START):
        try:
            float(value)
        except ValueError:
            return "'" + value
    return value


async def chart_table(
    session: AsyncSession, actor: Actor | None, scope: Scope, params: Params, chart: str
) -> tuple[list[str], list[list[str]]]:
    """The header and rows of one chart's table (the page renders the same)."""
    svc = analytics_service
    args = (params.key, params.start, params.end, params.tz)
    kind, _, name = chart.partition(":")
    if kind == "overview":
        try:
            metric = Metric(name)
        except ValueError:
            raise UnknownChart() from None
        overview = await svc.overview(session, actor, scope, *args)
        headline = next((h for h in overview.headlines if h.metric is metric), None)
        if headline is None:
            raise UnknownChart()
        c = views.line_chart(overview, headline)
    elif chart == "retention":
        c = views.retention_chart(
            await svc.retention(session, actor, views.video_id_of(scope), *args)
        )
    elif chart in BREAKDOWNS:
        found = await svc.breakdowns(session, actor, scope, *args)
        c = views.bars_chart(next(b for b in found if b.dimension == chart))
    elif chart == "realtime":
        c = views.realtime_chart(await svc.realtime(session, actor, scope))
    elif chart == "top":
        return views.top_table(
            await svc.top_content(session, actor, scope, *args, sort=params.sort)
        )
    else:
        raise UnknownChart()
    return c.header, c.rows


@router.get("/analytics/export.csv")
async def export_csv(request: Request) -> Response:
    actor = security.current_actor(request)
    params = Params.parse(request.query_params)
    if params.tz is None:
        params = Params(params.key, params.start, params.end, actor_time_zone(actor), params.sort)
    scope = views.parse_scope(request.query_params.get("scope"))
    chart = request.query_params.get("chart") or ""
    async with database(request).read() as session:
        header, rows = await chart_table(session, actor, scope, params, chart)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows([[safe(c) for c in row] for row in rows])
    name = chart.replace(":", "-").replace("_", "-") or "chart"
    return Response(
        out.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="analytics-{name}.csv"',
            "Cache-Control": "private, no-store",
        },
    )
