"""End to end in Chromium: a free viewer watching a premium video gets the preview,
then the paywall.

The creator publishes a 12 s clip through the real pipeline (4 s segments) and
marks it Premium with a 4 s preview. Ada, a demo viewer on the Free plan, plays
it: the player ends after the preview (the server's preview playlist stops
there), no later segment is ever requested, the paywall takes the focus and
links the plans, and the next segment is refused even when asked for directly.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from tests.e2e.test_discovery_flow import CREATOR, VIEWER, _graphql, _publish_clip
from tests.e2e.test_watch_party_flow import _log_in
from tests.video.conftest import make_clip

if TYPE_CHECKING:
    from tests.e2e.conftest import BrowserProblems, LiveServer

pytestmark = pytest.mark.e2e

CLIP_SECONDS = 12
PREVIEW_SECONDS = 4

WATCH_JS = """
window.__preview = { ended: false };
document.addEventListener('DOMContentLoaded', () => {
  const v = document.querySelector('[data-player-video]');
  if (v) v.addEventListener('ended', () => { window.__preview.ended = true; });
});
"""


def test_free_viewer_sees_the_preview_then_the_paywall(
    page: tuple[Any, BrowserProblems], live_server: LiveServer, tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    tab, problems = page
    clip = make_clip(tmp_path / "premium.mp4", seconds=CLIP_SECONDS)
    video_id = _publish_clip(live_server, clip, "Premium pattern")
    email, password = CREATOR
    token = _graphql(
        live_server,
        "mutation($e: String!, $p: String!) { login(email: $e, password: $p) { accessToken } }",
        {"e": email, "p": password},
        None,
    )["login"]["accessToken"]
    marked = _graphql(
        live_server,
        """mutation($id: ID!, $input: UpdateVideoInput!) {
             updateVideo(id: $id, input: $input) { premium previewSeconds } }""",
        {"id": video_id, "input": {"premium": True, "previewSeconds": PREVIEW_SECONDS}},
        token,
    )
    assert marked["updateVideo"] == {"premium": True, "previewSeconds": PREVIEW_SECONDS}

    segments: list[str] = []

    def on_request(request: Any) -> None:
        match = re.search(r"/hls/[^/]+/v\d+/(seg_\d+\.m4s)", request.url)
        if match:
            segments.append(match.group(1))

    _log_in(tab, *VIEWER)
    tab.on("request", on_request)
    tab.add_init_script(WATCH_JS)
    tab.goto(f"/video/{video_id}", wait_until="domcontentloaded")
    expect(tab.locator(".watch-meta .video-premium")).to_have_text("Premium")
    source = tab.locator("[data-player]").get_attribute("data-src") or ""
    assert "/preview.m3u8?" in source, source
    big_play = tab.locator("[data-player-bigplay]")
    big_play.wait_for(state="visible")
    big_play.click()
    tab.wait_for_function("() => window.__preview.ended", timeout=60_000)

    duration = tab.evaluate("() => document.querySelector('[data-player-video]').duration")
    assert duration <= PREVIEW_SECONDS + 0.5, duration  # the preview, not the 12 s clip
    assert segments and set(segments) == {"seg_00000.m4s"}, segments
    paywall = tab.locator("[data-paywall]")
    expect(paywall).to_be_visible()
    expect(paywall).to_have_class(re.compile(r"\bpaywall-reached\b"))
    link = paywall.locator("[data-paywall-link]")
    expect(link).to_have_attribute("href", "/pricing")
    expect(link).to_be_focused()
    assert not problems.errors, problems.errors

    # Past the preview, the media server refuses even a hand-made request.
    query = source.split("?", 1)[1]
    variant = source.split("?", 1)[0].rsplit("/", 1)[0]
    later = tab.request.get(live_server.url(f"{variant}/v0/seg_00001.m4s?{query}"))
    assert later.status == 403
    full = tab.request.get(live_server.url(f"{variant}/master.m3u8?{query}"))
    assert full.status == 403
