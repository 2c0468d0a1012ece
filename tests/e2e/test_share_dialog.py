"""End to end in Chromium: the watch page's Share dialog.

An anonymous viewer plays a freshly processed clip for two seconds, opens
Share: "Start at 0:02" is ticked and Copy puts a link with `?t=2` on the
clipboard; unticked, the link has no time. Each copy reports `recordShare`,
which counts the first one only (once per viewer and video per hour).
"""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from tests.e2e.test_discovery_flow import _player_time, _publish_clip
from tests.e2e.test_video_flow import _make_clip

if TYPE_CHECKING:
    from tests.e2e.conftest import BrowserProblems, LiveServer

pytestmark = pytest.mark.e2e


def _is_share(response: Any) -> bool:
    return response.url.endswith("/graphql") and "recordShare" in (response.request.post_data or "")


def test_share_dialog_copies_a_link_at_the_current_time(
    page: tuple[Any, BrowserProblems], live_server: LiveServer, tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    tab, _ = page
    video_id = _publish_clip(live_server, _make_clip(tmp_path / "share.mp4"), "Shared pattern")
    tab.context.grant_permissions(["clipboard-read", "clipboard-write"])

    tab.goto(f"/video/{video_id}", wait_until="domcontentloaded")
    player = tab.locator("[data-player]:not(.player-pending)")
    player.get_by_role("button", name="Play", exact=True).click()
    deadline = time.monotonic() + 20
    while _player_time(tab) < 2.2:
        assert time.monotonic() < deadline, f"the video does not play ({_player_time(tab)})"
        tab.wait_for_timeout(100)
    player.locator("[data-player-play]").click()  # pause
    seconds = int(_player_time(tab))

    share = tab.locator("[data-share]")
    share.get_by_text("Share", exact=True).click()
    dialog = tab.get_by_role("dialog", name="Share this video")
    expect(dialog).to_be_visible()
    box = dialog.get_by_role("checkbox", name=re.compile(rf"Start at 0:0{seconds}"))
    expect(box).to_be_checked()

    with tab.expect_response(_is_share) as first:
        dialog.get_by_role("button", name="Copy link").click()
    assert first.value.json()["data"] == {"recordShare": True}
    copied = tab.evaluate("() => navigator.clipboard.readText()")
    assert re.fullmatch(rf"http://127\.0\.0\.1:\d+/video/{video_id}\?t={seconds}", copied), copied
    expect(tab.locator(".toasts")).to_contain_text("Link copied.")

    box.uncheck()
    with tab.expect_response(_is_share) as second:
        dialog.get_by_role("button", name="Copy link").click()
    assert second.value.json()["data"] == {"recordShare": False}  # within the hour
    copied = tab.evaluate("() => navigator.clipboard.readText()")
    assert copied.endswith(f"/video/{video_id}"), copied

    # Escape closes the dialog and gives the focus back to the Share button.
    dialog.get_by_role("button", name="Copy link").focus()
    tab.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(share.locator("summary")).to_be_focused()
