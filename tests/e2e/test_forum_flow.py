"""End to end, in two Chromium contexts: a forum thread's live chat.

Two demo users open the same demo thread. Each sees the other arrive in
"who is here"; a message one sends appears for the other within a second;
typing shows; a reply posted with the plain form appears live on the other's
page; a deleted message disappears for both.
"""

from __future__ import annotations

import re
import time
from typing import TYPE_CHECKING, Any

import pytest

from tests.e2e.test_discovery_flow import CREATOR, VIEWER
from tests.e2e.test_watch_party_flow import _log_in

if TYPE_CHECKING:
    from tests.e2e.conftest import BrowserProblems, LiveServer

pytestmark = pytest.mark.e2e

LIVE_WITHIN_MS = 1_000


def test_two_people_chat_live_in_a_thread(
    two_contexts: list[tuple[Any, BrowserProblems]],
    live_server: LiveServer,
    artifacts_dir: Any,
) -> None:
    from playwright.sync_api import expect

    (vera, vera_problems), (ada, ada_problems) = two_contexts
    _log_in(vera, *CREATOR)
    _log_in(ada, *VIEWER)
    vera.goto("/forums", wait_until="load")
    first = vera.locator("[data-thread-list] .thread-row-title a").first
    with vera.expect_navigation(url=re.compile(r"/forums/[0-9a-f-]+$")):
        first.click()
    thread_url = vera.url
    ada.goto(thread_url, wait_until="load")

    for tab in (vera, ada):
        presence = tab.locator("[data-chat-presence]")
        expect(presence).to_contain_text("Vera Nebula")
        expect(presence).to_contain_text("Ada Stargazer")

    # Typing shows on the other side.
    ada.locator("[data-chat-input]").press_sequentially("Clear skies", delay=30)
    expect(vera.locator("[data-chat-typing]")).to_contain_text("Ada Stargazer")

    # Sent by Ada, on Vera's page within a second.
    ada.locator("[data-chat-input]").fill("Clear skies over La Palma tonight <3")
    started = time.monotonic()
    ada.locator("[data-chat-form] button[type=submit]").click()
    vera_messages = vera.locator("[data-chat-messages]")
    expect(vera_messages).to_contain_text(
        "Clear skies over La Palma tonight <3", timeout=LIVE_WITHIN_MS
    )
    assert time.monotonic() - started < LIVE_WITHIN_MS / 1000 + 0.5

    # And back.
    vera.locator("[data-chat-input]").fill("Saturn rises at 22:10!")
    vera.locator("[data-chat-form] button[type=submit]").click()
    expect(ada.locator("[data-chat-messages]")).to_contain_text(
        "Saturn rises at 22:10!", timeout=LIVE_WITHIN_MS
    )

    # A reply through the plain form appears live on the other page.
    vera.locator("#reply-body").fill("Adding a **finder chart** later.")
    with vera.expect_navigation():
        vera.get_by_role("button", name="Post reply").click()
    expect(ada.locator("[data-posts]")).to_contain_text("finder chart")
    expect(ada.locator("[data-posts] strong", has_text="finder chart")).to_have_count(1)

    # Ada deletes her message: it is gone on both pages.
    mine = ada.locator("[data-chat-messages] [data-message-id]", has_text="La Palma")
    mine.locator("[data-chat-delete] button").click()
    expect(vera_messages).not_to_contain_text("La Palma")
    expect(ada.locator("[data-chat-messages]")).not_to_contain_text("La Palma")

    vera.screenshot(path=str(artifacts_dir / "forum-thread-chat.png"), full_page=True)
    assert vera_problems.errors == [], vera_problems.errors
    assert ada_problems.errors == [], ada_problems.errors
