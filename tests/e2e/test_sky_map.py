"""End to end in Chromium: the sky map draws, Mars can be clicked, and moving
the time moves Mars. The view starts from a shared URL (time, place, direction
and field of view), as someone following a link would."""

from __future__ import annotations

import io
import re
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import httpx
import pytest

if TYPE_CHECKING:
    from tests.e2e.conftest import BrowserProblems, LiveServer

pytestmark = pytest.mark.e2e

# Greenwich, early on 5 December 2026: Mars is high in the south-east (alt ≈ 41°, az ≈ 129°).
VIEW = "/sky-map?lat=51.4769&lon=-0.0005&t=2026-12-05T03:00:00Z&az=130&alt=35&fov=60"


def _ready(tab: Any) -> None:
    tab.wait_for_function("() => window.__sky && window.__sky.ready === true")
    # Two frames after the bodies arrived, so everything is drawn.
    tab.evaluate("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")


def _lit_pixels(png: bytes) -> tuple[int, int]:
    """(pixels clearly brighter than the background, all pixels) of a screenshot."""
    from PIL import Image

    image = Image.open(io.BytesIO(png)).convert("L")
    histogram = image.histogram()
    return sum(histogram[40:]), image.width * image.height


def test_sky_map_renders_and_mars_is_clickable(
    page: tuple[Any, BrowserProblems], artifacts_dir: Path
) -> None:
    tab, problems = page
    tab.goto(VIEW, wait_until="load")
    _ready(tab)
    canvas = tab.locator("[data-sky-canvas]")
    png = canvas.screenshot()
    (artifacts_dir / "sky-map.png").write_bytes(png)
    lit, total = _lit_pixels(png)
    assert lit > 300, f"the sky looks blank: {lit} lit pixels of {total}"
    assert lit < total * 0.9

    # The URL keeps the shared view.
    state = tab.evaluate("() => window.__sky.state()")
    assert state["time"].startswith("2026-12-05T03:00")
    assert (state["lat"], state["lon"], state["fov"]) == (51.4769, -0.0005, 60)

    mars = tab.evaluate("() => window.__sky.screenPosition('Mars')")
    assert mars is not None, "Mars should be in view"
    assert mars["alt"] > 30
    tab.mouse.click(mars["x"], mars["y"])
    panel = tab.locator("[data-sky-panel]")
    panel.wait_for(state="visible")
    assert panel.locator("[data-sky-panel-title]").inner_text() == "Mars"
    magnitude = panel.locator("[data-fact='magnitude']").inner_text()
    assert magnitude.replace("\u2212", "-").lstrip("-").replace(".", "").isdigit()
    before = panel.locator("[data-fact='altaz']").inner_text()

    # Two hours later (local time input), Mars has moved on the sky and on screen.
    tab.evaluate(
        """() => { const i = document.querySelector('[data-sky-time]');
                   const d = new Date('2026-12-05T05:00:00Z');
                   const p = n => String(n).padStart(2, '0');
                   i.value = `${d.getFullYear()}-${p(d.getMonth()+1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`;
                   i.dispatchEvent(new Event('change', {bubbles: true})); }"""
    )
    tab.wait_for_function(
        "(before) => document.querySelector(\"[data-fact='altaz']\").textContent !== before",
        arg=before,
    )
    after_state = tab.evaluate("() => window.__sky.state()")
    assert after_state["time"].startswith("2026-12-05T05:00")
    moved = tab.evaluate("() => window.__sky.screenPosition('Mars')")
    assert moved is None or abs(moved["x"] - mars["x"]) + abs(moved["y"] - mars["y"]) > 20
    tab.wait_for_function("() => location.search.includes('t=2026-12-05T05')")
    assert problems.errors == []


def test_sky_map_search_flies_to_a_star(
    page: tuple[Any, BrowserProblems], artifacts_dir: Path
) -> None:
    tab, problems = page
    tab.goto(VIEW.replace("alt=35&fov=60", "alt=15&fov=110"), wait_until="load")
    _ready(tab)
    tab.check("[data-sky-toggle='altaz']")
    tab.evaluate("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")
    (artifacts_dir / "sky-map-wide.png").write_bytes(tab.locator("[data-sky-stage]").screenshot())
    tab.wait_for_function(
        "() => document.querySelector('#sky-search-names option[value=\"Sirius\"]')"
    )
    tab.fill("[data-sky-search]", "Sirius")
    tab.press("[data-sky-search]", "Enter")
    tab.locator("[data-sky-panel]").wait_for(state="visible")
    assert tab.locator("[data-sky-panel-title]").inner_text() == "Sirius"
    tab.wait_for_function("() => Math.abs(window.__sky.state().fov - 110) < 1e-9")
    assert problems.errors == []


def test_sky_map_without_javascript_lists_the_bodies(live_server: LiveServer) -> None:
    html = httpx.get(live_server.url(VIEW), trust_env=False, timeout=10).text
    assert '<tr data-body="Mars">' in html and "Waning" in html


def test_sky_map_live_now_and_night_mode(page: tuple[Any, BrowserProblems]) -> None:
    tab, problems = page
    tab.goto("/sky-map", wait_until="load")
    _ready(tab)
    state = tab.evaluate("() => window.__sky.state()")
    assert state["live"] and state["playing"]
    assert (state["lat"], state["lon"]) == (51.4769, -0.0005)  # Greenwich by default
    # A typed place is kept for the next visit.
    tab.fill("[data-sky-lat]", "48.8566")
    tab.fill("[data-sky-lon]", "2.3522")
    tab.click("[data-sky-apply-place]")
    tab.wait_for_function("() => location.search.includes('lat=48.8566')")
    tab.goto("/sky-map", wait_until="load")  # no place in the URL: from localStorage
    _ready(tab)
    assert tab.evaluate("() => window.__sky.state().lat") == 48.8566
    if tab.locator("[data-sky][data-iss='true']").count():
        # The ISS (mission package) and its path for the next 100 minutes.
        tab.wait_for_function("() => (window.__sky.iss() || {}).points > 0")
    tab.check("[data-sky-toggle='night']")
    assert tab.locator("[data-sky].is-night").count() == 1
    assert problems.errors == []


def _new_tab(browser: Any, live_server: LiveServer, **options: Any) -> tuple[Any, Any]:
    context = browser.new_context(base_url=live_server.base_url, color_scheme="dark", **options)
    context.set_default_timeout(15_000)
    return context, context.new_page()


def test_sky_map_fits_a_phone(browser: Any, live_server: LiveServer, artifacts_dir: Path) -> None:
    context, tab = _new_tab(
        browser, live_server, viewport={"width": 390, "height": 844}, is_mobile=True
    )
    try:
        tab.goto(VIEW, wait_until="load")
        _ready(tab)
        tab.screenshot(path=str(artifacts_dir / "sky-map-phone.png"), full_page=True)
        widths = tab.evaluate(
            """() => ({page: document.documentElement.scrollWidth,
                       canvas: document.querySelector('[data-sky-canvas]').getBoundingClientRect().width,
                       wider: [...document.querySelectorAll('body *')]
                         .filter(e => e.getBoundingClientRect().right > 390.5 && !e.closest('.table-scroll > *'))
                         .slice(0, 5).map(e => e.tagName + '.' + e.className)})"""
        )
        assert widths["page"] <= 390, widths
        assert widths["canvas"] <= 390, widths
    finally:
        context.close()


def _table_row(html: str, body: str) -> list[str]:
    """The text of a body's row in the planets table (server- or browser-rendered HTML)."""
    row = re.search(rf'<tr data-body="{body}"[^>]*>(.*?)</tr>', html, re.S)
    assert row, f"no {body} row"
    cells = re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row.group(1), re.S)
    return [re.sub(r"<[^>]+>", "", c).strip() for c in cells]


def test_sky_map_time_travel_updates_the_table_and_shows_24_hour_times(
    browser: Any, live_server: LiveServer
) -> None:
    # A 12-hour locale in New York: times must still read "Fri 4 Dec, 22:07".
    zone = ZoneInfo("America/New_York")
    context, tab = _new_tab(browser, live_server, locale="en-US", timezone_id="America/New_York")
    try:
        tab.goto(VIEW, wait_until="load")
        _ready(tab)
        table = tab.locator("[data-sky-fallback] table")
        before = _table_row(table.inner_html(), "Mars")

        # Two hours later: the table shows the positions for 05:00, as the
        # server computes them for that time.
        tab.evaluate(
            """() => { const i = document.querySelector('[data-sky-time]');
                       const d = new Date('2026-12-05T05:00:00Z');
                       const p = n => String(n).padStart(2, '0');
                       i.value = `${d.getFullYear()}-${p(d.getMonth()+1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`;
                       i.dispatchEvent(new Event('change', {bubbles: true})); }"""
        )
        later_url = VIEW.replace("T03:00:00Z", "T05:00:00Z")
        expected = _table_row(
            httpx.get(live_server.url(later_url), trust_env=False, timeout=10).text, "Mars"
        )
        assert expected[3] != before[3]  # Mars's altitude changed in two hours
        tab.wait_for_function(
            """(alt) => { const r = document.querySelector('[data-sky-fallback] tr[data-body="Mars"]');
                          return r && r.children[3].textContent.trim() === alt; }""",
            arg=expected[3],
        )
        after = _table_row(table.inner_html(), "Mars")
        # Body, RA, Dec, altitude, azimuth, magnitude, constellation, distance.
        for column in (0, 1, 2, 3, 4, 5, 6, 10):
            assert after[column] == expected[column], (column, after, expected)

        # Rise, transit and set, in the table and in the panel: the reader's
        # zone on a 24-hour clock, with the date as it is not today.
        sky = httpx.post(
            live_server.url("/graphql"),
            json={
                "query": '{ sky(lat: 51.4769, lon: -0.0005, at: "2026-12-05T05:00:00Z") '
                "{ bodies { name rise transit set } } }"
            },
            trust_env=False,
            timeout=10,
        ).json()["data"]["sky"]["bodies"]
        mars = next(b for b in sky if b["name"] == "Mars")

        def local(iso: str) -> str:
            at = datetime.fromisoformat(iso.replace("Z", "+00:00")).astimezone(zone)
            clock = at.strftime("%H:%M")
            if at.date() == datetime.now(zone).date():
                return clock
            return f"{at.strftime('%a')} {at.day} {at.strftime('%b')}, {clock}"

        assert after[7:10] == [local(mars[k]) for k in ("rise", "transit", "set")], after
        head = [th.strip() for th in table.locator("thead th").all_inner_texts()]
        assert head[7:10] == ["Rise", "Transit", "Set"], head  # no longer UTC
        tab.evaluate("() => window.__sky.select('Mars')")
        panel = tab.locator("[data-sky-panel]")
        panel.wait_for(state="visible")
        assert panel.locator("[data-fact='rise']").inner_text() == local(mars["rise"])
    finally:
        context.close()
