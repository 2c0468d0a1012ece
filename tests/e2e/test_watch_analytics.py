"""End to end in Chromium: the player's side of the analytics measure.

START carries where the viewer came from (`src` of the URL, the referrer) and
every event the quality rung playing; an event that cannot reach the server
waits in localStorage and is sent, with the time it happened, when the
browser is back online.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from tests.e2e.test_discovery_flow import _player_time, _publish_clip
from tests.e2e.test_video_flow import _make_clip

if TYPE_CHECKING:
    from tests.e2e.conftest import BrowserProblems, LiveServer

pytestmark = pytest.mark.e2e

QUEUE = "() => JSON.parse(localStorage.getItem('cs_playback_queue') || '[]')"


def _playback(event: str) -> Any:
    def match(response: Any) -> bool:
        body = response.request.post_data or ""
        return response.url.endswith("/graphql") and "recordPlayback" in body and event in body

    return match


def _variables(response: Any) -> dict[str, Any]:
    return dict(json.loads(response.request.post_data)["variables"])


def test_context_rung_and_the_offline_queue(
    page: tuple[Any, BrowserProblems], live_server: LiveServer, tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    tab, _ = page
    video_id = _publish_clip(live_server, _make_clip(tmp_path / "nebula.mp4"), "Nebula queue")
    tab.goto(f"/video/{video_id}?src=notification", referer="https://news.example.org/space")
    player = tab.locator("[data-player]:not(.player-pending)")
    with tab.expect_response(_playback('"START"')) as started:
        player.get_by_role("button", name="Play", exact=True).click()
    assert started.value.ok
    start = _variables(started.value)
    assert start["context"]["src"] == "notification"
    assert start["context"]["referrer"] == "https://news.example.org/space"
    assert isinstance(start["context"]["rung"], int) and start["context"]["rung"] > 0
    assert "at" not in start["context"]  # sent live: the server's clock is the time

    deadline = time.monotonic() + 20
    while _player_time(tab) < 1.0:
        assert time.monotonic() < deadline, "the video does not play"
        tab.wait_for_timeout(100)

    # Offline: the PAUSE cannot be sent and waits in the queue with its time.
    tab.context.set_offline(True)
    player.locator("[data-player-play]").click()
    deadline = time.monotonic() + 10
    while not tab.evaluate(QUEUE):
        assert time.monotonic() < deadline, "the PAUSE was not queued"
        tab.wait_for_timeout(100)
    (queued,) = tab.evaluate(QUEUE)
    assert queued["event"] == "PAUSE" and queued["id"] == video_id
    assert queued["context"]["at"].endswith("Z") and queued["context"]["rung"] > 0

    # Online again: the queue is flushed, `at` included, and emptied.
    with tab.expect_response(_playback('"PAUSE"')) as flushed:
        tab.context.set_offline(False)
    assert flushed.value.ok
    assert _variables(flushed.value)["context"]["at"] == queued["context"]["at"]
    assert flushed.value.json()["data"]["recordPlayback"] is not None
    deadline = time.monotonic() + 10
    while tab.evaluate(QUEUE):
        assert time.monotonic() < deadline, "the queue was not emptied"
        tab.wait_for_timeout(100)
    expect(tab.locator("[data-view-count]")).to_be_visible()
