"""What the studio's pages and CSV export share: the query parameters, and each
chart as a table of cells plus the JSON the D3 code draws.

A chart's table and its CSV are built by the same function from the same
figures, so the downloaded numbers are exactly the ones on the page.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from urllib.parse import urlencode

from starlette.datastructures import QueryParams

from cosmostream.analytics import periods
from cosmostream.analytics.errors import AnalyticsNotFound, UnknownChart
from cosmostream.analytics.schemas import (
    Breakdown,
    ContentRow,
    Headline,
    Metric,
    Overview,
    RangeKey,
    RealtimeSnapshot,
    RetentionCurve,
    Scope,
    ScopeKind,
    TopSort,
)
from cosmostream.kit.ids import parse_uuid

METRIC_LABELS = {
    Metric.VIEWS: "Views",
    Metric.UNIQUE_VIEWERS: "Unique viewers",
    Metric.WATCH_HOURS: "Watch time (hours)",
    Metric.AVERAGE_VIEW_DURATION: "Average view duration (seconds)",
    Metric.AVERAGE_PERCENT_VIEWED: "Average percentage viewed",
    Metric.FOLLOWERS_GAINED: "Followers gained",
    Metric.FOLLOWERS_LOST: "Followers lost",
    Metric.LIKES: "Likes",
    Metric.COMMENTS: "Comments",
    Metric.SAVES: "Saves",
    Metric.SHARES: "Shares",
    Metric.REVENUE: "Revenue",
}
METRIC_UNITS = {
    Metric.WATCH_HOURS: "hours",
    Metric.AVERAGE_VIEW_DURATION: "seconds",
    Metric.AVERAGE_PERCENT_VIEWED: "percent",
    Metric.REVENUE: "money",
}
BREAKDOWN_LABELS = {
    "traffic": "Traffic sources",
    "search_terms": "Search terms",
    "referrers": "Other websites",
    "device": "Devices",
    "browser": "Browsers",
    "os": "Operating systems",
    "quality": "Playback quality (share of watch time)",
}
TOP_LABELS = {
    TopSort.VIEWS: "Views",
    TopSort.WATCH_TIME: "Watch time (hours)",
    TopSort.AVERAGE_PERCENT_VIEWED: "Average percentage viewed",
    TopSort.LIKES: "Likes",
}
RANGE_LABELS = {
    RangeKey.DAYS_7: "Last 7 days",
    RangeKey.DAYS_28: "Last 28 days",
    RangeKey.DAYS_90: "Last 90 days",
    RangeKey.DAYS_365: "Last 365 days",
    RangeKey.LIFETIME: "Lifetime",
}


def cell(value: float, unit: str = "count") -> str:
    """A figure as both the page's table and the CSV write it."""
    if unit == "count":
        return str(round(value))
    if unit == "money":
        return f"{value / 100:.2f}"  # smallest unit → major unit
    if unit == "share":
        return f"{100 * value:.1f}"
    return f"{value:.2f}" if unit == "hours" else f"{value:.1f}"


def chart_value(value: float, unit: str) -> float:
    """The number the chart JSON carries: what the table shows, as a number."""
    return float(cell(value, unit))


@dataclass(frozen=True)
class Params:
    """The studio's query parameters, parsed (`BadRange`/`BadTimeZone` on bad input)."""

    key: RangeKey
    start: date | None
    end: date | None
    tz: str | None
    sort: TopSort
    extra: dict[str, str] = field(default_factory=dict)

    @classmethod
    def parse(cls, query: QueryParams) -> Params:
        key = periods.parse_key(query.get("range"))
        start = periods.parse_day(query.get("start"), "start")
        end = periods.parse_day(query.get("end"), "end")
        tz = (query.get("tz") or "").strip() or None
        if tz is not None:
            periods.zone(tz)
        if key is not RangeKey.CUSTOM:
            start = end = None
        try:
            sort = TopSort(query.get("sort") or TopSort.VIEWS.value)
        except ValueError:
            sort = TopSort.VIEWS
        return cls(key, start, end, tz, sort)

    def query(self, **changes: Any) -> str:
        """This page's query string with `changes` (None removes a parameter)."""
        values: dict[str, Any] = {
            "range": self.key.value,
            "start": self.start.isoformat() if self.start else None,
            "end": self.end.isoformat() if self.end else None,
            "tz": self.tz,
            "sort": self.sort.value if self.sort is not TopSort.VIEWS else None,
            **self.extra,
        }
        values.update(changes)
        return urlencode({k: v for k, v in values.items() if v is not None})


def scope_param(scope: Scope) -> str:
    return scope.kind.value if scope.id is None else f"{scope.kind.value}:{scope.id}"


def parse_scope(value: str | None) -> Scope:
    """`channel:<id>`, `video:<id>`, `course:<id>` or `platform`."""
    kind, _, ident = (value or "").partition(":")
    try:
        scope_kind = ScopeKind(kind)
    except ValueError:
        raise AnalyticsNotFound() from None
    if scope_kind is ScopeKind.PLATFORM:
        return Scope(kind=scope_kind)
    parsed = parse_uuid(ident)
    if parsed is None:
        raise AnalyticsNotFound()
    return Scope(kind=scope_kind, id=parsed)


def room(scope: Scope) -> str:
    return f"analytics:{scope.kind.value}:{scope.id or 'all'}"


def csv_url(scope: Scope, params: Params, chart: str) -> str:
    return f"/analytics/export.csv?{params.query(chart=chart, scope=scope_param(scope))}"


# -- charts ------------------------------------------------------------------------


@dataclass
class Chart:
    """One figure: its kind, id, title, JSON data and the table (header + rows of cells)."""

    kind: str
    id: str
    title: str
    data: dict[str, Any]
    header: list[str]
    rows: list[list[str]]
    csv: str = ""


def line_chart(o: Overview, h: Headline) -> Chart:
    unit = METRIC_UNITS.get(h.metric, "count")
    label = METRIC_LABELS[h.metric]
    rows = []
    for i, p in enumerate(h.series):
        before = h.previous_series[i].value if i < len(h.previous_series) else None
        rows.append(
            [p.at.isoformat(), cell(p.value, unit), "" if before is None else cell(before, unit)]
        )
    data = {
        "unit": unit,
        "currency": h.currency,
        "granularity": o.period.granularity.value,
        "tz": o.period.tz,
        "series": [
            {
                "name": label,
                "points": [[p.at.isoformat(), chart_value(p.value, unit)] for p in h.series],
            },
            {
                "name": "Previous period",
                # Drawn under the current period: bucket i of each on the same x.
                "points": [
                    [h.series[i].at.isoformat(), chart_value(p.value, unit)]
                    for i, p in enumerate(h.previous_series[: len(h.series)])
                ],
                "dashed": True,
            },
        ],
    }
    return Chart(
        "area" if h.metric in (Metric.VIEWS, Metric.WATCH_HOURS) else "line",
        f"chart-{h.metric.value.replace('_', '-')}",
        label,
        data,
        ["Period starting", label, "Previous period"],
        rows,
    )


def retention_chart(c: RetentionCurve) -> Chart:
    rows = [
        [
            str(i),
            cell(c.points[i], "share"),
            "" if c.typical is None else cell(c.typical[i], "share"),
        ]
        for i in range(100)
    ]
    data = {
        "duration": c.duration,
        "points": [chart_value(v, "share") for v in c.points],
        "typical": None if c.typical is None else [chart_value(v, "share") for v in c.typical],
        "markers": [m.model_dump() for m in c.markers],
    }
    return Chart(
        "retention",
        "chart-retention",
        "Audience retention",
        data,
        ["Percent of the video", "Viewers still watching (%)", "Typical (%)"],
        rows,
    )


def bars_chart(b: Breakdown) -> Chart:
    quality = b.dimension == "quality"
    unit = "hours" if quality else "count"
    rows = [
        [
            r.key,
            r.label,
            cell(r.watch_seconds / 3600 if quality else r.views, unit),
            cell(r.share, "share"),
        ]
        for r in b.rows
    ]
    data = {
        "unit": unit,
        "rows": [
            {
                "key": r.key,
                "label": r.label,
                "value": chart_value(r.watch_seconds / 3600 if quality else r.views, unit),
                "share": chart_value(r.share, "share") / 100,
            }
            for r in b.rows
        ],
    }
    return Chart(
        "bars",
        f"chart-{b.dimension.replace('_', '-')}",
        BREAKDOWN_LABELS[b.dimension],
        data,
        ["Key", "Name", "Watch time (hours)" if quality else "Views", "Share (%)"],
        rows,
    )


def realtime_chart(s: RealtimeSnapshot) -> Chart:
    rows = [[p.at.isoformat(), cell(p.value)] for p in s.hours]
    data = {
        "unit": "count",
        "rows": [
            {
                "key": p.at.isoformat(),
                "label": p.at.strftime("%H:00"),
                "value": p.value,
                "share": None,
            }
            for p in s.hours
        ],
    }
    return Chart(
        "bars", "chart-realtime", "Views in the last 48 hours", data, ["Hour (UTC)", "Views"], rows
    )


def top_table(rows: list[ContentRow]) -> tuple[list[str], list[list[str]]]:
    header = ["Video", "Title", *TOP_LABELS.values()]
    body = [
        [
            str(r.video_id),
            r.title,
            cell(r.views),
            cell(r.watch_seconds / 3600, "hours"),
            cell(r.average_percent_viewed, "percent"),
            cell(r.likes),
        ]
        for r in rows
    ]
    return header, body


def video_id_of(scope: Scope) -> uuid.UUID:
    if scope.kind is not ScopeKind.VIDEO or scope.id is None:
        raise UnknownChart("Retention is a chart of one video.")
    return scope.id
