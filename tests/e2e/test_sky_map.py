"""End to end in Chromium: the sky map draws, Mars can be clicked, and moving
the time moves Mars. The view starts from a shared URL (time, place, direction
and field of view), as someone following a link would."""

from __future__ import annotations

import io
from pathlib import Path
from typing import TYPE_CHECKING, Any

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
