"""The analytics charts (frontend/src/lib/charts.js, pages/analytics.js) in a real
Chromium, against a harness page built here from the HTML contract of the
analytics pages (figure.chart + chart-data JSON + chart-table), served with the
site's Content-Security-Policy and the built bundle by a loopback server that
is also a real Socket.IO server (python-socketio), so the realtime panel joins
its room and redraws on the events this test emits.

The browser runs in New York while the data is in Paris: every date the charts
show must come from the points' own offsets.
"""

from __future__ import annotations

import asyncio
import html
import json
import re
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import CSP_PROBE, DIST_DIR, PAGE_TIMEOUT_MS, _ensure_assets

pytestmark = pytest.mark.e2e

ROOM = "analytics:channel:5b0e8d1c-55d4-4b1c-9a3e-2f1a4c7d9e10"
VIDEO_ROOM = "analytics:video:9d2c7a61-0b5e-4f3a-8c1d-6e4b2a9f0c37"
PARIS_SUMMER = timezone(timedelta(hours=2))
PARIS_WINTER = timezone(timedelta(hours=1))

# Seven days across the end of summer time in Paris (25 Oct 2026, 03:00 → 02:00).
DAYS = [
    datetime(2026, 10, d, tzinfo=PARIS_SUMMER if d < 25 else PARIS_WINTER) for d in range(22, 29)
]
VIEWS = [980, 1234, 1500, 1120, 870, 2045, 1710]
PREVIOUS = [900, 1000, 1100, 1000, 950, 1300, 1200]
PREVIOUS_DAYS = [d - timedelta(days=7) for d in DAYS]
# Retention as the page writes it: percentages (0..100) of the viewers still watching.
WATCH_HOURS = [12.46, 20.0, 18.25, 9.94, 7.0, 30.5, 22.1]
DURATIONS = [95, 125, 61, 3725, 44, 200, 150]  # seconds
PERCENTS = [45.23, 50.0, 38.9, 61.04, 40.0, 55.5, 48.0]
REVENUE = [1234.56, 0, 50, 0.99, 1000, 25, 0.07]  # dollars, as the table shows them
RETENTION = [round(100 - 0.6 * i, 1) for i in range(100)]
TYPICAL = [round(100 - 0.8 * i, 1) for i in range(100)]
DURATION = 612.0
MARKERS = [
    {"at": 30.6, "kind": "chapter", "label": "Intro"},
    {"at": 306.0, "kind": "quiz", "label": "Check your understanding"},
]
TRAFFIC = [
    {"key": "search", "label": "Search", "value": 1200, "share": 0.4},
    {"key": "home", "label": "Home page rows", "value": 900, "share": 0.3},
    {"key": "external", "label": "Other websites", "value": 600, "share": 0.2},
    {"key": "direct", "label": "Direct or unknown", "value": 300, "share": 0.1},
]
HOUR0 = datetime(2026, 12, 5, 0, tzinfo=UTC)
HOURS = [HOUR0 + timedelta(hours=h) for h in range(48)]
REALTIME = [(h * 7) % 23 for h in range(48)]


def _table(head: tuple[str, str], rows: list[tuple[str, str]]) -> str:
    body = "".join(
        f"<tr><th scope='row'>{html.escape(a)}</th><td>{html.escape(b)}</td></tr>" for a, b in rows
    )
    return (
        f"<table class='chart-table'><thead><tr><th scope='col'>{head[0]}</th>"
        f"<th scope='col'>{head[1]}</th></tr></thead><tbody>{body}</tbody></table>"
    )


def _figure(ident: str, kind: str, title: str, data: dict[str, Any], table: str) -> str:
    # As a Jinja page would write it (`|tojson` escapes <, > and & the same way).
    payload = (
        json.dumps(data).replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    )
    return (
        f"<figure class='chart' data-chart='{kind}' id='chart-{ident}' "
        f"data-csv='/analytics/export.csv?chart={ident}' aria-labelledby='chart-{ident}-title'>"
        f"<figcaption id='chart-{ident}-title'>{title}</figcaption>"
        f"<script type='application/json' class='chart-data'>{payload}</script>{table}</figure>"
    )


def _series(unit: str, values: list[Any], name: str, **extra: Any) -> dict[str, Any]:
    return {
        "unit": unit,
        "currency": extra.pop("currency", None),
        "granularity": "day",
        "tz": "Europe/Paris",
        "series": [
            {
                "name": name,
                "points": [[d.isoformat(), v] for d, v in zip(DAYS, values, strict=True)],
            }
        ],
        **extra,
    }


def harness_html() -> str:
    views = _series("count", VIEWS, "Views")
    views["series"].append(
        {
            "name": "Previous period",
            "dashed": True,
            "points": [[d.isoformat(), v] for d, v in zip(PREVIOUS_DAYS, PREVIOUS, strict=True)],
        }
    )
    # As the pages write it: the previous period on the current buckets' dates.
    hours = _series("hours", WATCH_HOURS, "Watch time")
    hours["series"].append(
        {
            "name": "Previous period",
            "dashed": True,
            "points": [
                [d.isoformat(), round(v * 0.8, 2)] for d, v in zip(DAYS, WATCH_HOURS, strict=True)
            ],
        }
    )
    day_rows = [(d.date().isoformat(), str(v)) for d, v in zip(DAYS, VIEWS, strict=True)]
    figures = [
        _figure("views", "line", "Views", views, _table(("Day", "Views"), day_rows)),
        _figure(
            "watch-hours",
            "area",
            "Watch time (hours)",
            hours,
            _table(
                ("Day", "Hours"),
                [(d.date().isoformat(), str(v)) for d, v in zip(DAYS, WATCH_HOURS, strict=True)],
            ),
        ),
        _figure(
            "duration",
            "line",
            "Average view duration",
            _series("seconds", DURATIONS, "Average view duration"),
            _table(
                ("Day", "Seconds"),
                [(d.date().isoformat(), str(v)) for d, v in zip(DAYS, DURATIONS, strict=True)],
            ),
        ),
        _figure(
            "percent",
            "line",
            "Average percentage viewed",
            _series("percent", PERCENTS, "Average percentage viewed"),
            _table(
                ("Day", "%"),
                [(d.date().isoformat(), str(v)) for d, v in zip(DAYS, PERCENTS, strict=True)],
            ),
        ),
        _figure(
            "revenue",
            "area",
            "Revenue",
            _series("money", REVENUE, "Revenue", currency="usd"),
            _table(
                ("Day", "US$"),
                [(d.date().isoformat(), str(v)) for d, v in zip(DAYS, REVENUE, strict=True)],
            ),
        ),
        _figure(
            "retention",
            "retention",
            "Audience retention",
            {"duration": DURATION, "points": RETENTION, "typical": TYPICAL, "markers": MARKERS},
            _table(("Position", "Watching"), [(f"{i}%", str(v)) for i, v in enumerate(RETENTION)]),
        ),
        _figure(
            "traffic",
            "bars",
            "Traffic sources",
            {"unit": "count", "rows": TRAFFIC},
            _table(("Source", "Views"), [(r["label"], str(r["value"])) for r in TRAFFIC]),
        ),
        # A new channel: nothing to show yet, and nothing breaks.
        _figure(
            "empty",
            "line",
            "Likes",
            {
                "unit": "count",
                "granularity": "day",
                "tz": "UTC",
                "series": [{"name": "Likes", "points": []}],
            },
            _table(("Day", "Likes"), []),
        ),
    ]
    realtime = _figure(
        "realtime",
        "bars",
        "Views in the last 48 hours",
        {
            "unit": "count",
            "granularity": "hour",
            "tz": "UTC",
            "points": [[h.isoformat(), v] for h, v in zip(HOURS, REALTIME, strict=True)],
        },
        _table(
            ("Hour", "Views"),
            [(h.isoformat(), str(v)) for h, v in zip(HOURS, REALTIME, strict=True)],
        ),
    )
    # The same panel written with breakdown-shaped rows (key = the hour).
    video_realtime = _figure(
        "video-realtime",
        "bars",
        "This video, last 48 hours",
        {
            "unit": "count",
            "granularity": "hour",
            "rows": [
                {"key": h.isoformat(), "label": h.strftime("%H:00"), "value": v, "share": None}
                for h, v in zip(HOURS[:3], (1, 0, 1), strict=True)
            ],
        },
        _table(
            ("Hour", "Views"),
            [(h.isoformat(), str(v)) for h, v in zip(HOURS[:3], (1, 0, 1), strict=True)],
        ),
    )
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Analytics charts harness</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/static/dist/app.css">
<script type="module" src="/static/dist/analytics.js"></script></head>
<body><main><h1>Channel analytics</h1>
{"".join(figures)}
<section data-realtime data-room="{ROOM}" aria-labelledby="realtime-title">
<h2 id="realtime-title">Realtime</h2>
<p>Watching now: <output data-watching-now>3</output></p>
{realtime}
</section>
<section data-realtime data-room="{VIDEO_ROOM}" aria-label="This video, now">
<output data-watching-now>0</output>
{video_realtime}
</section></main></body></html>"""


# -- the loopback server: static files + Socket.IO ---------------------------------


@dataclass
class Harness:
    base_url: str
    loop: asyncio.AbstractEventLoop
    sio: Any
    joins: list[str] = field(default_factory=list)

    def emit(self, event: str, data: Any, room: str) -> None:
        asyncio.run_coroutine_threadsafe(self.sio.emit(event, data, room=room), self.loop).result(
            10
        )


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def harness() -> Iterator[Harness]:
    import socketio
    import uvicorn
    from starlette.applications import Starlette
    from starlette.responses import HTMLResponse
    from starlette.routing import Mount, Route
    from starlette.staticfiles import StaticFiles

    _ensure_assets()
    port = _free_port()
    base_url = f"http://127.0.0.1:{port}"
    # The site's policy, as far as these pages need it (web/security.py).
    policy = (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        f"connect-src 'self' ws://127.0.0.1:{port}; object-src 'none'; base-uri 'none'"
    )
    page = harness_html()

    async def index(_: Any) -> HTMLResponse:
        return HTMLResponse(page, headers={"Content-Security-Policy": policy})

    static = Starlette(
        routes=[
            Route("/", index),
            Mount("/static/dist", StaticFiles(directory=DIST_DIR)),
        ]
    )
    sio = socketio.AsyncServer(async_mode="asgi", cors_allowed_origins=[base_url])
    loop = asyncio.new_event_loop()
    state = Harness(base_url, loop, sio)

    @sio.on("join")
    async def join(sid: str, data: Any) -> dict[str, Any]:
        room = str(data.get("room"))
        await sio.enter_room(sid, room)
        state.joins.append(room)
        return {"ok": True, "room": room}

    app = socketio.ASGIApp(sio, other_asgi_app=static)
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    )

    async def run() -> None:
        await server.serve()
        # Engine.IO's ping and service tasks outlive the server: end them with it.
        pending = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)

    thread = threading.Thread(target=loop.run_until_complete, args=(run(),), daemon=True)
    thread.start()
    started = threading.Event()

    def check() -> None:
        if server.started:
            started.set()
        else:
            loop.call_later(0.05, check)

    loop.call_soon_threadsafe(check)
    assert started.wait(15), "the harness server did not start"
    try:
        yield state
    finally:
        server.should_exit = True
        thread.join(10)
        loop.close()


@dataclass
class Tab:
    page: Any
    errors: list[str]


@pytest.fixture
def tab(browser: Any, harness: Harness) -> Iterator[Tab]:
    yield from _open(browser, harness)


def _open(browser: Any, harness: Harness, **options: Any) -> Iterator[Tab]:
    context = browser.new_context(
        base_url=harness.base_url,
        viewport={"width": 1100, "height": 900},
        locale="en-GB",
        timezone_id="America/New_York",
        color_scheme="dark",
        **options,
    )
    context.set_default_timeout(PAGE_TIMEOUT_MS)
    context.add_init_script(CSP_PROBE)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(f"page error: {exc}"))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto("/", wait_until="load")
    page.wait_for_function(
        "() => [...document.querySelectorAll('figure.chart')].every((f) => f.dataset.drawn)"
    )
    try:
        yield Tab(page, errors)
    finally:
        context.close()


def _svg(page: Any, ident: str) -> Any:
    return page.locator(f"#chart-{ident} svg.chart-svg")


def _readout(page: Any, ident: str) -> str:
    return str(page.locator(f"#chart-{ident} [data-chart-readout]").text_content())


def _keys(page: Any, ident: str, *keys: str) -> str:
    svg = _svg(page, ident)
    svg.focus()
    for key in keys:
        svg.press(key)
    return _readout(page, ident)


# -- tests --------------------------------------------------------------------------


def test_every_chart_draws_its_points_and_keeps_its_table(tab: Tab, artifacts_dir: Path) -> None:
    from playwright.sync_api import expect

    page = tab.page
    page.screenshot(path=str(artifacts_dir / "analytics-charts.png"), full_page=True)
    for ident, count in (("views", 7), ("watch-hours", 7), ("duration", 7), ("revenue", 7)):
        points = page.locator(f"#chart-{ident} .chart-series-0 .chart-point")
        expect(points).to_have_count(count)
        assert page.locator(f"#chart-{ident} .chart-series-0.chart-line").get_attribute("d")
    # The previous period is a second, dashed series with as many points.
    expect(page.locator("#chart-views .chart-series-1.chart-line.is-dashed")).to_have_count(1)
    expect(page.locator("#chart-views .chart-series-1 .chart-point")).to_have_count(7)
    expect(page.locator("#chart-views .chart-legend li")).to_have_text(["Views", "Previous period"])
    # Area charts fill under the line; plain lines do not.
    expect(page.locator("#chart-watch-hours path.chart-area")).to_have_count(1)
    expect(page.locator("#chart-duration path.chart-area")).to_have_count(0)
    expect(page.locator("#chart-retention .chart-point")).to_have_count(100)
    expect(page.locator("#chart-traffic rect.chart-bar")).to_have_count(len(TRAFFIC))
    expect(page.locator("#chart-realtime rect.chart-bar")).to_have_count(48)
    # Bars are as long as their values, in order.
    widths = [
        float(w or 0)
        for w in page.locator("#chart-traffic rect.chart-bar").evaluate_all(
            "(rs) => rs.map((r) => r.getAttribute('width'))"
        )
    ]
    assert widths == sorted(widths, reverse=True) and widths[0] == pytest.approx(widths[3] * 4)
    expect(page.locator("#chart-traffic .chart-bar-value").first).to_have_text("1,200 · 40%")

    expect(page.locator("#chart-empty .chart-point")).to_have_count(0)
    assert _keys(page, "empty", "End", "ArrowLeft") == ""
    expect(page.locator("#chart-empty .chart-empty")).to_have_text("No data in this period.")
    expect(page.locator("#chart-views .chart-empty")).to_have_count(0)
    # Counts tick at whole numbers, even when there are only a few.
    ticks = page.locator("#chart-video-realtime .chart-axis-y text").all_text_contents()
    assert ticks and all(t.isdigit() for t in ticks), ticks
    # Each table is still in the page, collapsed under "Show data".
    for figure in page.locator("figure.chart").all():
        details = figure.locator(":scope > details.chart-details")
        expect(details.locator("summary")).to_have_text("Show data")
        expect(details.locator("table.chart-table")).to_be_attached()
        expect(details.locator("table.chart-table")).to_be_hidden()
    expect(page.locator("#chart-views table.chart-table tbody tr")).to_have_count(7)
    page.locator("#chart-views summary").click()
    expect(page.locator("#chart-views table.chart-table")).to_be_visible()
    # Each export is one link away.
    csv_link = page.locator("#chart-views a.chart-csv")
    expect(csv_link).to_have_attribute("href", "/analytics/export.csv?chart=views")
    expect(page.get_by_role("link", name="Download CSV: Traffic sources")).to_have_count(1)
    # The svg is labelled by the caption and reachable with the keyboard.
    svg = _svg(page, "views")
    assert svg.get_attribute("aria-labelledby") == "chart-views-title"
    assert svg.get_attribute("tabindex") == "0"
    assert tab.errors == []


def test_hovering_a_point_shows_its_value_and_date_in_the_datas_zone(tab: Tab) -> None:
    from playwright.sync_api import expect

    page = tab.page
    # 25 Oct 2026 at midnight in Paris is still the 24th in New York (the browser's zone).
    point = page.locator("#chart-views .chart-series-0 .chart-point").nth(3)
    box = point.bounding_box()
    assert box is not None
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    tooltip = page.locator("#chart-views .chart-tooltip")
    expect(tooltip).to_be_visible()
    expect(tooltip).to_contain_text("Sun 25 Oct 2026")
    expect(tooltip).to_contain_text("Views: 1,120")
    expect(tooltip).to_contain_text("Previous period: 1,000 (Sun 18 Oct 2026)")
    crosshair = page.locator("#chart-views .chart-crosshair")
    assert crosshair.get_attribute("display") is None
    assert float(crosshair.locator("line").get_attribute("x1") or -1) == pytest.approx(
        float(point.get_attribute("cx") or -2)
    )
    # The readout for screen readers says the same.
    assert (
        _readout(page, "views")
        == "Sun 25 Oct 2026. Views: 1,120. Previous period: 1,000 (Sun 18 Oct 2026)"
    )
    # Money: in the currency's smallest unit, shown with the currency.
    point = page.locator("#chart-revenue .chart-series-0 .chart-point").first
    point.hover()
    expect(page.locator("#chart-revenue .chart-tooltip")).to_contain_text("Revenue: US$1,234.56")
    page.mouse.move(1, 1)
    expect(page.locator("#chart-revenue .chart-tooltip")).to_be_hidden()
    expect(page.locator("#chart-revenue .chart-crosshair")).to_have_attribute("display", "none")
    assert tab.errors == []


def test_keyboard_moves_the_crosshair_and_the_live_readout(tab: Tab) -> None:
    page = tab.page
    readout = page.locator("#chart-views [data-chart-readout]")
    assert readout.get_attribute("aria-live") == "polite"
    # Focus starts on the latest point; ← / → step, Home / End jump.
    assert _keys(page, "views").startswith("Wed 28 Oct 2026. Views: 1,710")
    assert _keys(page, "views", "ArrowLeft").startswith("Tue 27 Oct 2026. Views: 2,045")
    assert _keys(page, "views", "Home").startswith("Thu 22 Oct 2026. Views: 980")
    assert _keys(page, "views", "ArrowLeft").startswith("Thu 22 Oct 2026")  # stays at the start
    assert _keys(page, "views", "ArrowRight").startswith("Fri 23 Oct 2026. Views: 1,234")
    first_x = page.locator("#chart-views .chart-crosshair line").get_attribute("x1")
    assert _keys(page, "views", "End").startswith("Wed 28 Oct 2026")
    last_x = page.locator("#chart-views .chart-crosshair line").get_attribute("x1")
    assert float(last_x or 0) > float(first_x or 0)
    assert page.locator("#chart-views .chart-tooltip").is_visible()
    # Each unit is formatted its own way.
    assert (
        _keys(page, "watch-hours", "Home")
        == "Thu 22 Oct 2026. Watch time: 12.5 h. Previous period: 10.0 h"
    )
    assert _keys(page, "duration", "Home") == "Thu 22 Oct 2026. Average view duration: 1:35"
    assert _keys(page, "duration", "ArrowRight", "ArrowRight", "ArrowRight").endswith("1:02:05")
    assert _keys(page, "percent", "Home") == "Thu 22 Oct 2026. Average percentage viewed: 45.2%"
    assert _keys(page, "revenue", "Home", "ArrowRight") == "Fri 23 Oct 2026. Revenue: US$0.00"
    assert _keys(page, "traffic", "Home") == "Search. 1,200 (40%)"
    assert _keys(page, "traffic", "ArrowDown", "ArrowDown") == "Other websites. 600 (20%)"
    assert (
        page.locator("#chart-traffic .chart-row.is-current .chart-bar").get_attribute("data-key")
        == "external"
    )
    # Escape hides the tooltip; leaving the chart does too.
    _svg(page, "traffic").press("Escape")
    assert page.locator("#chart-traffic .chart-tooltip").is_hidden()
    assert tab.errors == []


def test_retention_shows_markers_the_typical_curve_and_positions(tab: Tab) -> None:
    from playwright.sync_api import expect

    page = tab.page
    typical = page.locator("#chart-retention path.chart-typical")
    expect(typical).to_have_count(1)
    assert "is-dashed" in (typical.get_attribute("class") or "")
    dash = typical.evaluate("(p) => getComputedStyle(p).strokeDasharray")
    assert dash not in ("", "none")
    markers = page.locator("#chart-retention .chart-marker")
    expect(markers).to_have_count(2)
    expect(markers.locator("text")).to_have_text(["Intro", "Check your understanding"])
    assert "is-quiz" in (markers.nth(1).get_attribute("class") or "")
    # The quiz at half the video sits at the middle of the plot.
    xs = [
        float(re.search(r"translate\(([\d.]+)", t or "").group(1))  # type: ignore[union-attr]
        for t in markers.evaluate_all("(ms) => ms.map((m) => m.getAttribute('transform'))")
    ]
    first, last = page.locator("#chart-retention .chart-point").evaluate_all(
        "(ps) => [ps[0], ps[ps.length - 1]].map((p) => Number(p.getAttribute('cx')))"
    )
    assert xs[1] == pytest.approx(first + (last - first) * 50 / 99, abs=0.5)
    assert xs[0] < xs[1]
    text = _keys(page, "retention", "Home", *["ArrowRight"] * 5)
    assert text == "At 0:31 (5 % of the video). Still watching: 97%. Typical: 96%. Chapter: Intro"
    assert _keys(page, "retention", "End").startswith(
        "At 10:06 (99 % of the video). Still watching: 40.6%"
    )
    legend = page.locator("#chart-retention .chart-legend li")
    expect(legend).to_have_text(["This video", "Typical for the channel"])
    assert tab.errors == []


def test_realtime_panel_redraws_on_the_rooms_events(tab: Tab, harness: Harness) -> None:
    from playwright.sync_api import expect

    page = tab.page
    panel = page.locator(f"[data-realtime][data-room='{ROOM}']")
    expect(panel).to_have_attribute("data-joined", "ok")
    assert ROOM in harness.joins
    expect(page.locator(f"[data-room='{ROOM}'] [data-watching-now]")).to_have_text("3")
    expect(page.locator(f"[data-room='{VIDEO_ROOM}']")).to_have_attribute("data-joined", "ok")
    assert VIDEO_ROOM in harness.joins
    # Every value either output takes, to show that foreign snapshots never land.
    page.evaluate(
        """() => { window.__seen = [];
        for (const o of document.querySelectorAll('[data-watching-now]')) new MutationObserver(
          () => window.__seen.push(o.textContent)).observe(o, {childList: true, characterData: true, subtree: true}); }"""
    )
    hours = [
        {"at": (HOUR0 + timedelta(hours=h + 1)).isoformat(), "value": 1000 + h} for h in range(48)
    ]
    snapshot = {
        "scope": {"kind": "channel", "id": ROOM.rsplit(":", 1)[1]},
        "hours": hours,
        "watching_now": 1234,
        "at": hours[-1]["at"],
    }
    # A snapshot for another channel is not this panel's.
    other = {**snapshot, "scope": {"kind": "channel", "id": "00000000-0000-0000-0000-000000000000"}}
    harness.emit("analytics.realtime", {**other, "watching_now": 99}, ROOM)
    harness.emit("analytics.realtime", snapshot, ROOM)
    expect(page.locator(f"[data-room='{ROOM}'] [data-watching-now]")).to_have_text("1,234")
    # The video's panel shares the socket but not the channel's snapshots.
    video_panel = page.locator(f"[data-room='{VIDEO_ROOM}']")
    expect(video_panel).to_have_attribute("data-joined", "ok")
    expect(video_panel.locator("[data-watching-now]")).to_have_text("0")
    expect(video_panel.locator("rect.chart-bar")).to_have_count(3)
    expect(video_panel.locator("rect.chart-bar").last).to_have_attribute("data-value", "1")
    seen = page.evaluate("() => window.__seen")
    assert "99" not in seen and "1,234" in seen
    bars = page.locator("#chart-realtime rect.chart-bar")
    expect(bars).to_have_count(48)
    expect(bars.last).to_have_attribute("data-value", "1047")
    expect(bars.first).to_have_attribute("data-at", hours[0]["at"])
    # The table under "Show data" tells the new numbers too.
    cells = page.locator("#chart-realtime table.chart-table tbody td")
    expect(cells).to_have_count(48)
    expect(cells.last).to_have_text("1047")
    expect(page.locator("#chart-realtime table.chart-table tbody th").last).to_have_text(
        hours[-1]["at"]
    )
    # And the keyboard reads the new hours (the data is in UTC: 05 Dec 00:00 + 48 h).
    assert _keys(page, "realtime", "End") == "Mon 7 Dec 2026, 00:00. Views: 1,047"
    assert tab.errors == []


def test_charts_follow_the_figures_width(tab: Tab) -> None:
    page = tab.page
    before = float(_svg(page, "views").get_attribute("width") or 0)
    page.set_viewport_size({"width": 600, "height": 900})
    page.wait_for_function(
        "(w) => Number(document.querySelector('#chart-views svg.chart-svg').getAttribute('width')) < w",
        arg=before,
    )
    after = float(_svg(page, "views").get_attribute("width") or 0)
    assert after < before
    # Still fully drawn, within the figure.
    assert page.locator("#chart-views .chart-series-0 .chart-point").count() == 7
    figure_width = page.locator("#chart-views").evaluate("(f) => f.clientWidth")
    assert after <= figure_width
    assert tab.errors == []


def test_reduced_motion_draws_without_animation(browser: Any, harness: Harness) -> None:
    for tab in _open(browser, harness, reduced_motion="reduce"):
        page = tab.page
        assert page.locator("#chart-views").get_attribute("data-motion") == "reduce"
        assert page.evaluate("() => document.getAnimations().length") == 0
        assert tab.errors == []
    for tab in _open(browser, harness, reduced_motion="no-preference"):
        assert tab.page.locator("#chart-views").get_attribute("data-motion") == "full"
