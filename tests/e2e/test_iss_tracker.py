"""End to end, in a real Chromium against the real server: the missions list and
the ISS tracker, whose map marker follows the live telemetry and whose passes
table fills in for the remembered observer. Screenshots land in test-artifacts/e2e/."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from tests.e2e.conftest import BrowserProblems

pytestmark = pytest.mark.e2e

OBSERVER = {"lat": 51.48, "lon": 0.0}


def test_missions_list(page: tuple[Any, BrowserProblems], artifacts_dir: Path) -> None:
    from playwright.sync_api import expect

    tab, problems = page
    response = tab.goto("/missions", wait_until="load")
    assert response is not None and response.status == 200
    cards = tab.locator(".mission-card")
    expect(cards.filter(has_text="James Webb Space Telescope")).to_have_count(1)
    assert cards.count() >= 7
    tab.screenshot(path=str(artifacts_dir / "missions.png"), full_page=True)
    tab.locator(".mission-card", has_text="Voyager 1").get_by_role("link", name="Voyager 1").click()
    expect(tab.get_by_role("heading", name="Voyager 1", level=1)).to_be_visible()
    live = tab.locator("[data-telemetry] [data-field='distanceSunAu']")
    expect(live).to_contain_text("AU")
    expect(tab.locator("[data-telemetry-live]")).to_be_visible()
    tab.screenshot(path=str(artifacts_dir / "mission-voyager-1.png"), full_page=True)
    assert problems.errors == []


def test_iss_position_updates_live(page: tuple[Any, BrowserProblems], artifacts_dir: Path) -> None:
    from playwright.sync_api import expect

    tab, problems = page
    tab.add_init_script(
        f"localStorage.setItem('cosmostream.observer', {json.dumps(json.dumps(OBSERVER))})"
    )
    response = tab.goto("/missions/iss", wait_until="load")
    assert response is not None and response.status == 200
    marker = tab.locator("[data-iss-marker]")
    # The first reading comes with the room's join ack, the next from the ticker.
    tab.wait_for_function(
        "() => document.querySelector('[data-iss-marker]').dataset.lon !== undefined"
    )
    first = (marker.get_attribute("data-lat"), marker.get_attribute("data-lon"))
    tab.wait_for_function(
        "(lon) => document.querySelector('[data-iss-marker]').dataset.lon !== lon",
        arg=first[1],
        timeout=10_000,
    )
    second = (marker.get_attribute("data-lat"), marker.get_attribute("data-lon"))
    assert first != second
    readout = tab.locator("[data-iss-readout]")
    expect(readout).to_contain_text("km up")
    expect(tab.locator("[data-telemetry] [data-field='altitudeKm']")).to_contain_text("km")
    # The map is drawn: land, the terminator and both halves of the ground track.
    for layer in ("land", "night", "past", "next", "footprint"):
        d = tab.locator(f".iss-{layer} path").first.get_attribute("d") or ""
        assert len(d) > 20, layer
    # The remembered observer's passes, with the countdown to the next good one.
    rows = tab.locator("[data-passes-body] tr")
    expect(rows.first).to_be_visible()
    assert rows.count() > 10
    expect(tab.locator("[data-next-good]")).to_contain_text("pass")
    tab.screenshot(path=str(artifacts_dir / "iss-tracker.png"), full_page=True)
    assert problems.errors == []
