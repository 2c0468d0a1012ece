"""In Chromium against the real server: the header search box's suggestions
(ARIA combobox: type, arrows, Escape, Enter, click) and the results page."""

from __future__ import annotations

import re
import subprocess
import sys
from typing import TYPE_CHECKING, Any

import pytest

from tests.e2e.conftest import REPO_ROOT, BrowserProblems, _server_env

if TYPE_CHECKING:
    from tests.e2e.conftest import LiveServer

pytestmark = pytest.mark.e2e

# Two listed videos of the demo creator, made the way the pipeline leaves them.
SEED = """
import asyncio
from sqlalchemy import select
from cosmostream.config import get_settings
from cosmostream.db import Database
from cosmostream.models import User
from tests.factories import make_video

async def main():
    db = Database.from_settings(get_settings(), pooled=False)
    async with db.read() as session:
        vera = await session.scalar(select(User).where(User.email == "vera@example.com"))
    await make_video(db, vera, title="Jupiter flyby <live>", tags=["gas giants"])
    await make_video(db, vera, title="Moons of Jupiter", description="Io and Europa")
    await db.dispose()

asyncio.run(main())
"""


@pytest.fixture(scope="module")
def seeded(live_server: LiveServer) -> LiveServer:
    port = int(live_server.base_url.rsplit(":", 1)[1])
    env = _server_env(live_server.data_dir, port) | {"PYTHONPATH": str(REPO_ROOT)}
    done = subprocess.run(
        [sys.executable, "-c", SEED],
        env=env,
        cwd=live_server.data_dir.parent,
        capture_output=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr.decode(errors="replace")
    return live_server


def test_suggestions_combobox_and_results(
    seeded: LiveServer, page: tuple[Any, BrowserProblems]
) -> None:
    tab, problems = page
    tab.goto("/about")
    box = tab.locator("#site-search")
    listbox = tab.locator("#site-search-suggestions")
    assert box.get_attribute("role") == "combobox"
    assert box.get_attribute("aria-expanded") == "false"

    box.press_sequentially("jup", delay=30)
    options = listbox.locator('[role="option"]')
    options.first.wait_for()
    assert box.get_attribute("aria-expanded") == "true"
    texts = options.all_inner_texts()
    assert any("Jupiter flyby <live>" in t for t in texts), texts
    assert any("Moons of Jupiter" in t for t in texts), texts

    # Arrow keys move the active option; Escape closes the list.
    box.press("ArrowDown")
    first_id = options.nth(0).get_attribute("id")
    assert box.get_attribute("aria-activedescendant") == first_id
    assert options.nth(0).get_attribute("aria-selected") == "true"
    box.press("ArrowDown")
    assert options.nth(1).get_attribute("aria-selected") == "true"
    box.press("ArrowUp")
    assert box.get_attribute("aria-activedescendant") == first_id
    box.press("Escape")
    assert listbox.is_hidden()
    assert box.get_attribute("aria-expanded") == "false"

    # Enter on a video suggestion opens it.
    box.press("ArrowDown")
    box.press("ArrowDown")
    chosen = options.nth(0).inner_text()
    with tab.expect_navigation():
        box.press("Enter")
    assert re.search(r"/video/[0-9a-f-]{36}$", tab.url)
    assert tab.locator("h1").first.inner_text().strip() in chosen

    # Enter with nothing chosen is the plain form: the results page.
    box = tab.locator("#site-search")
    box.fill("")
    box.press_sequentially("jupiter", delay=20)
    with tab.expect_navigation():
        box.press("Enter")
    assert "/search?q=jupiter" in tab.url
    marks = tab.locator(".video-card-title mark")
    assert marks.count() == 2
    assert tab.locator(".video-card-title", has_text="Jupiter flyby <live>").count() == 1
    assert tab.locator("#site-search").input_value() == "jupiter"

    # Clicking a tag suggestion searches for it.
    box = tab.locator("#site-search")
    box.fill("")
    box.press_sequentially("gas gi", delay=30)
    tag = tab.locator('#site-search-suggestions [data-kind="tag"]')
    tag.wait_for()
    with tab.expect_navigation():
        tag.click()
    assert "/search?q=gas+giants" in tab.url
    assert tab.locator(".video-card").count() == 1
    # The seeded videos have no media files: only their 404s are expected.
    unexpected = [
        e
        for e in problems.errors
        if "/media/" not in e and not e.startswith("console error: Failed to load resource")
    ]
    assert not unexpected, problems.errors
