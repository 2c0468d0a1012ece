"""End to end, in a real Chromium against the real server with demo data: the
home page's launch countdowns tick, a launch's detail page, and /news filtered
through its plain GET form."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from tests.e2e.conftest import BrowserProblems

pytestmark = pytest.mark.e2e


def test_countdowns_tick_and_lead_to_the_launch(page: tuple[Any, BrowserProblems]) -> None:
    from playwright.sync_api import expect

    tab, problems = page
    response = tab.goto("/", wait_until="load")
    assert response is not None and response.status == 200
    first = tab.locator(".launch-upcoming [data-countdown]").first
    expect(first).to_have_text(re.compile(r"^T\u2212\d\d:\d\d:\d\d$"))
    before = first.text_content()
    tab.wait_for_function(
        "(before) => document.querySelector('.launch-list [data-countdown]').textContent !== before",
        arg=before,
    )
    tab.get_by_role("link", name="Falcon 9 Block 5 | Starlink Group 12-7").click()
    expect(tab.get_by_role("heading", level=1)).to_have_text(
        "Falcon 9 Block 5 | Starlink Group 12-7"
    )
    expect(tab.locator(".launch-facts")).to_contain_text("Cape Canaveral SFS, FL, USA")
    expect(tab.get_by_role("link", name="Sign in to follow this launch")).to_be_visible()
    assert problems.errors == []


def test_news_filters_without_javascript_state(page: tuple[Any, BrowserProblems]) -> None:
    from playwright.sync_api import expect

    tab, problems = page
    response = tab.goto("/news", wait_until="load")
    assert response is not None and response.status == 200
    items = tab.locator(".news-item")
    expect(items.first).to_be_visible()
    assert items.count() == 12
    tab.get_by_label("Source").select_option("esa")
    tab.get_by_role("button", name="Filter").click()
    tab.wait_for_url("**/news?source=esa**")
    expect(items).to_have_count(3)
    assert problems.errors == []
