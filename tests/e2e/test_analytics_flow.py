"""End to end, in real Chromium contexts against the real server: a creator's analytics.

The demo creator's clip goes through the real pipeline; the demo viewer plays
it long enough for a view to count and `cosmostream analytics-rollup` rolls the
raw rows up, as the periodic task would. Then the creator opens /analytics,
switches the range from 28 to 7 days, hovers the views chart and reads its
tooltip, opens the video's retention curve, downloads a chart's CSV and
compares it with the chart's table, and watches the realtime panel's "watching
now" go up while a second browser context plays the video.

Skipped until the analytics pages exist (the READ helper's
`cosmostream.analytics.pages`); selectors are those of the HTML contract
(docs/analytics.md, "Charts").
"""

from __future__ import annotations

import csv
import io
import json
import re
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from tests.e2e.conftest import COSMOSTREAM, PAGE_TIMEOUT_MS, _server_env
from tests.e2e.test_discovery_flow import CREATOR, VIEWER, _publish_clip
from tests.e2e.test_watch_party_flow import _make_clip

if TYPE_CHECKING:
    from tests.e2e.conftest import BrowserProblems, LiveServer


pytestmark = pytest.mark.e2e

CLIP_SECONDS = 12
# A clip shorter than a minute counts a view at half its duration (counting rule 2).
VIEW_AFTER_S = CLIP_SECONDS / 2 + 1.5
# The broadcaster emits every 5 s when the figures change; "now" is the last minute.
REALTIME_TIMEOUT_MS = 30_000


def _log_in(tab: Any, email: str, password: str) -> None:
    tab.goto("/login", wait_until="load")
    tab.get_by_label("E-mail").fill(email)
    tab.get_by_label("Password").fill(password)
    with tab.expect_navigation(url=re.compile(r"/$")):
        tab.locator("main").get_by_role("button", name="Log in").click()


def _player_time(tab: Any) -> float:
    return float(tab.evaluate("() => (window.__player && window.__player.video.currentTime) || 0"))


def _play(tab: Any, video_id: str, seconds: float, *, pause: bool = True) -> None:
    """Open the watch page, play until `seconds` in, and pause (which reports the step)."""
    tab.goto(f"/video/{video_id}", wait_until="load")
    player = tab.locator("[data-player]:not(.player-pending)")
    player.get_by_role("button", name="Play", exact=True).click()
    deadline = time.monotonic() + seconds + 30
    while _player_time(tab) < seconds:
        assert time.monotonic() < deadline, f"the video does not play ({_player_time(tab)})"
        tab.wait_for_timeout(200)
    if pause:
        with tab.expect_response(
            lambda r: r.url.endswith("/graphql") and '"PAUSE"' in (r.request.post_data or "")
        ) as paused:
            player.locator("[data-player-play]").click()
        assert paused.value.ok


def _roll_up(server: LiveServer) -> None:
    """What the every-minute `analytics.rollup` task does, now (operators' CLI)."""
    port = int(server.base_url.rsplit(":", 1)[1])
    done = subprocess.run(
        [*COSMOSTREAM, "analytics-rollup"],
        env=_server_env(server.data_dir, port),
        cwd=server.data_dir.parent,
        capture_output=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr.decode(errors="replace")


def _figure(tab: Any, caption: str) -> Any:
    return tab.locator(
        "figure.chart", has=tab.locator("figcaption", has_text=re.compile(rf"^\s*{caption}\s*$"))
    )


def _chart_data(figure: Any) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(figure.locator("script.chart-data").text_content() or "{}")
    return data


def _table_rows(figure: Any) -> list[list[str]]:
    rows: list[list[str]] = figure.locator("table.chart-table tbody tr").evaluate_all(
        "(trs) => trs.map((tr) => [...tr.children].map((c) => c.textContent.trim()))"
    )
    return rows


@pytest.fixture(scope="module")
def published(live_server: LiveServer, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    title = f"Analytics pulsar {int(time.time())}"
    clip = _make_clip(tmp_path_factory.mktemp("analytics") / "pulsar.mp4", CLIP_SECONDS)
    return {"id": _publish_clip(live_server, clip, title), "title": title}


@pytest.fixture
def viewer_tab(browser: Any, live_server: LiveServer) -> Iterator[Any]:
    context = browser.new_context(
        base_url=live_server.base_url, viewport={"width": 1280, "height": 800}
    )
    context.set_default_timeout(PAGE_TIMEOUT_MS)
    try:
        yield context.new_page()
    finally:
        context.close()


def test_creator_reads_charts_exports_and_sees_realtime(
    page: tuple[Any, BrowserProblems],
    viewer_tab: Any,
    browser: Any,
    live_server: LiveServer,
    published: dict[str, str],
    artifacts_dir: Path,
) -> None:
    from playwright.sync_api import expect

    video_id, title = published["id"], published["title"]

    # --- the demo viewer watches past the counting point -----------------------
    _log_in(viewer_tab, *VIEWER)
    _play(viewer_tab, video_id, VIEW_AFTER_S)
    _roll_up(live_server)

    # --- the creator's channel analytics, 28 days, then 7 ----------------------
    tab, problems = page
    _log_in(tab, *CREATOR)
    response = tab.goto("/analytics?range=28d", wait_until="load")
    assert response is not None and response.status == 200
    views = _figure(tab, "Views")
    expect(views).to_have_attribute("data-drawn", re.compile(r"line|area"))
    data = _chart_data(views)
    assert data["granularity"] == "day"
    main = next(s for s in data["series"] if not s.get("dashed"))
    assert len(main["points"]) == 28
    expect(views.locator(".chart-series-0 .chart-point")).to_have_count(28)
    # Every chart of the page is drawn, and each keeps its table under "Show data".
    for figure in tab.locator("figure.chart").all():
        expect(figure).to_have_attribute("data-drawn", re.compile(r"\w"))
        expect(figure.locator("details.chart-details > table.chart-table")).to_be_attached()

    with tab.expect_navigation(url=re.compile(r"range=7d")):
        tab.get_by_role("link", name="Last 7 days").click()
    views = _figure(tab, "Views")
    expect(views).to_have_attribute("data-drawn", re.compile(r"line|area"))
    main = next(s for s in _chart_data(views)["series"] if not s.get("dashed"))
    assert len(main["points"]) == 7
    expect(views.locator(".chart-series-0 .chart-point")).to_have_count(7)
    # Today's view is in the last point.
    assert main["points"][-1][1] >= 1

    # --- hover the last point: its date and value -------------------------------
    views.locator(".chart-series-0 .chart-point").last.hover(force=True)
    tooltip = views.locator(".chart-tooltip")
    expect(tooltip).to_be_visible()
    expect(tooltip).to_contain_text(f"Views: {int(main['points'][-1][1]):,}")
    day = main["points"][-1][0][:10]
    expect(tooltip).to_contain_text(time.strftime("%-d %b %Y", time.strptime(day, "%Y-%m-%d")))
    tab.screenshot(path=str(artifacts_dir / "analytics-channel.png"), full_page=True)

    # --- export the chart's CSV: the table's numbers ---------------------------
    with tab.expect_download() as download:
        views.get_by_role("link", name=re.compile("Download CSV")).click()
    text = Path(download.value.path()).read_text(encoding="utf-8")
    exported = list(csv.reader(io.StringIO(text)))
    table = _table_rows(views)
    assert len(exported) == len(table) + 1  # a header, then a row per bucket
    # The same cells: the bucket, the value and the previous period's value.
    assert exported[1:] == table

    # --- the video's retention curve -------------------------------------------
    with tab.expect_navigation(url=re.compile(rf"/analytics/video/{video_id}")):
        tab.locator("main").get_by_role("link", name=title).first.click()
    retention = tab.locator("figure.chart[data-chart=retention]")
    expect(retention).to_have_attribute("data-drawn", "retention")
    expect(retention.locator(".chart-point")).to_have_count(100)
    curve = _chart_data(retention)
    assert curve["duration"] == pytest.approx(CLIP_SECONDS, abs=1)
    assert curve["points"][0] > 0  # the viewer watched the start
    svg = retention.locator("svg.chart-svg")
    svg.focus()
    svg.press("Home")
    expect(retention.locator("[data-chart-readout]")).to_contain_text("At 0:00")
    expect(retention.locator("[data-chart-readout]")).to_contain_text("Still watching:")

    # --- realtime: a second viewer starts watching -------------------------------
    tab.goto("/analytics", wait_until="load")
    panel = tab.locator("[data-realtime]")
    expect(panel).to_have_attribute("data-joined", "ok")
    # The first viewer paused: a paused viewer is not watching, and the next
    # viewer's arrival must show.
    expect(panel.locator("[data-watching-now]")).to_have_text("0")
    before = 0
    other = browser.new_context(base_url=live_server.base_url)
    other.set_default_timeout(PAGE_TIMEOUT_MS)
    try:
        watcher = other.new_page()
        _play(watcher, video_id, 2.0, pause=False)
        tab.wait_for_function(
            "(n) => Number(document.querySelector('[data-watching-now]').dataset.value"
            " ?? document.querySelector('[data-watching-now]').textContent.replace(/\\D/g, '')) > n",
            arg=before,
            timeout=REALTIME_TIMEOUT_MS,
        )
        expect(panel.locator("figure.chart rect.chart-bar")).to_have_count(48)
        tab.screenshot(path=str(artifacts_dir / "analytics-realtime.png"), full_page=True)
    finally:
        other.close()
    assert problems.errors == []
