"""End to end, in two Chromium contexts: a watch party kept in sync.

A creator publishes a clip through the real pipeline, opens it, starts a
party and copies the invite link; the demo viewer, in a second browser
context, opens the link and joins. The host plays, pauses and seeks with the
player; each time the guest's video follows and ends within 0.5 s of the
host's position. Both chat, and each sees the other's message.
"""

from __future__ import annotations

import re
import subprocess
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from tests.e2e.test_discovery_flow import CREATOR, VIEWER, _publish_clip

if TYPE_CHECKING:
    from collections.abc import Callable

    from tests.e2e.conftest import BrowserProblems, LiveServer

pytestmark = pytest.mark.e2e

TOLERANCE_S = 0.5


def _make_clip(path: Path, seconds: int = 12) -> Path:
    """A small test pattern with a tone, long enough to seek around in."""
    import imageio_ffmpeg

    # fmt: off
    cmd = [
        imageio_ffmpeg.get_ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-y",
        "-f", "lavfi", "-i", f"testsrc2=size=320x240:rate=25:duration={seconds}",
        "-f", "lavfi", "-i", f"sine=frequency=330:sample_rate=48000:duration={seconds}",
        "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p",
        "-c:a", "aac", "-b:a", "64k", "-shortest", "-movflags", "+faststart", str(path),
    ]
    # fmt: on
    done = subprocess.run(cmd, capture_output=True, timeout=60)
    assert done.returncode == 0, done.stderr.decode(errors="replace")
    return path


def _log_in(tab: Any, email: str, password: str) -> None:
    tab.goto("/login", wait_until="load")
    tab.get_by_label("E-mail").fill(email)
    tab.get_by_label("Password").fill(password)
    with tab.expect_navigation(url=re.compile(r"/$")):
        tab.locator("main").get_by_role("button", name="Log in").click()


def _video(tab: Any) -> dict[str, Any]:
    state: dict[str, Any] = tab.evaluate(
        """() => { const v = document.querySelector('[data-party-video]');
                   return {t: v.currentTime, paused: v.paused, ready: v.readyState}; }"""
    )
    return state


def _until(tab: Any, check: Any, what: str | Callable[[], str], timeout_s: float = 15) -> None:
    """Poll `check` until it holds; `what` (or what it returns, at the timeout) says what failed."""
    deadline = time.monotonic() + timeout_s
    while not check():
        assert time.monotonic() < deadline, f"timed out: {what() if callable(what) else what}"
        tab.wait_for_timeout(100)


def test_host_plays_pauses_and_seeks_and_the_guest_follows(
    two_contexts: list[tuple[Any, BrowserProblems]],
    live_server: LiveServer,
    tmp_path: Path,
    artifacts_dir: Path,
) -> None:
    from playwright.sync_api import expect

    (host, host_problems), (guest, guest_problems) = two_contexts
    video_id = _publish_clip(live_server, _make_clip(tmp_path / "party.mp4"), "Party clip")

    _log_in(host, *CREATOR)
    host.goto(f"/video/{video_id}", wait_until="load")
    with host.expect_navigation(url=re.compile(r"/watch-party/")):
        host.get_by_role("button", name="Watch together").click()
    invite = host.locator("[data-invite-link]").input_value()
    assert "?invite=" in invite
    expect(host.locator("[data-party-status]")).to_contain_text("You are the host")

    _log_in(guest, *VIEWER)
    guest.goto(invite, wait_until="load")
    with guest.expect_navigation(url=re.compile(r"/watch-party/[^?]+$")):
        guest.get_by_role("button", name="Join the party").click()
    expect(guest.locator("[data-party-status]")).to_contain_text("The host controls playback")
    # Each sees the other arrive.
    expect(host.locator("[data-party-members] li:not(.is-away)")).to_have_count(2)
    expect(guest.locator("[data-party-members] li:not(.is-away)")).to_have_count(2)
    for tab in (host, guest):
        _until(tab, lambda tab=tab: _video(tab)["ready"] >= 1, "the video loads")

    def close_together(expect_paused: bool | None = None) -> None:
        def ok() -> bool:
            h, g = _video(host), _video(guest)
            if expect_paused is not None and (h["paused"], g["paused"]) != (
                expect_paused,
                expect_paused,
            ):
                return False
            return abs(h["t"] - g["t"]) <= TOLERANCE_S

        _until(
            guest,
            ok,
            lambda: f"guest within {TOLERANCE_S}s of host: {_video(host)} {_video(guest)}",
        )

    # Play: both play, in step.
    host.evaluate("document.querySelector('[data-party-video]').play()")
    _until(guest, lambda: _video(guest)["t"] > 1.0, "the guest's video plays")
    close_together(expect_paused=False)

    # Pause: the guest stops where the host stopped.
    host.evaluate("document.querySelector('[data-party-video]').pause()")
    close_together(expect_paused=True)
    paused_at = _video(host)["t"]
    assert abs(_video(guest)["t"] - paused_at) <= TOLERANCE_S

    # Seek while paused, then while playing.
    host.evaluate("document.querySelector('[data-party-video]').currentTime = 8")
    _until(guest, lambda: abs(_video(guest)["t"] - 8) <= TOLERANCE_S, "guest follows the seek")
    close_together(expect_paused=True)
    host.evaluate("document.querySelector('[data-party-video]').play()")
    close_together(expect_paused=False)
    host.evaluate("document.querySelector('[data-party-video]').currentTime = 3")
    _until(guest, lambda: _video(guest)["t"] < 6, "guest follows the seek back")
    close_together()

    # Chat both ways.
    guest.locator("[data-chat-input]").fill("Look at that colour bar!")
    guest.locator("[data-chat-input]").press("Enter")
    expect(host.locator("[data-chat-messages]")).to_contain_text("Look at that colour bar!")
    host.locator("[data-chat-input]").fill("<b>Right?</b>")
    host.locator("[data-chat-input]").press("Enter")
    expect(guest.locator("[data-chat-messages] .chat-body").last).to_have_text("<b>Right?</b>")
    host.screenshot(path=str(artifacts_dir / "watch-party-host.png"), full_page=True)
    guest.screenshot(path=str(artifacts_dir / "watch-party-guest.png"), full_page=True)
    assert host_problems.errors == [], host_problems.errors
    assert guest_problems.errors == [], guest_problems.errors
