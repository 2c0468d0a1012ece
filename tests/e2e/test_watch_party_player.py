"""End to end in Chromium: the watch party's player and what its viewers see.

The party uses the watch page's player (quality menu, seek previews); the
host, being the reference, is shown no drift; once the video has ended, the
host seeking back leaves everyone paused there; and the "Unmute" button shows
exactly while the video is muted.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import pytest

from tests.e2e.test_discovery_flow import CREATOR, VIEWER, _publish_clip
from tests.e2e.test_watch_party_flow import _log_in, _make_clip, _until, _video

if TYPE_CHECKING:
    from tests.e2e.conftest import BrowserProblems, LiveServer

pytestmark = pytest.mark.e2e

TOLERANCE_S = 0.5


@pytest.fixture(scope="module")
def clip_id(live_server: LiveServer, tmp_path_factory: pytest.TempPathFactory) -> str:
    clip = _make_clip(tmp_path_factory.mktemp("party-player") / "party.mp4", seconds=12)
    return _publish_clip(live_server, clip, "Party player clip")


def _host_party(host: Any, clip_id: str) -> str:
    """The creator starts a party on the clip; returns the invite link."""
    from playwright.sync_api import expect

    _log_in(host, *CREATOR)
    host.goto(f"/video/{clip_id}", wait_until="load")
    with host.expect_navigation(url=re.compile(r"/watch-party/")):
        host.get_by_role("button", name="Watch together").click()
    _until(host, lambda: _video(host)["ready"] >= 1, "the host's video loads")
    # Joined (the script's own words): from now on the host's controls count.
    expect(host.locator("[data-party-status]")).to_have_text(
        "You are the host: you control playback."
    )
    return str(host.locator("[data-invite-link]").input_value())


def _guest_joins(guest: Any, invite: str) -> None:
    _log_in(guest, *VIEWER)
    guest.goto(invite, wait_until="load")
    with guest.expect_navigation(url=re.compile(r"/watch-party/[^?]+$")):
        guest.get_by_role("button", name="Join the party").click()


def _chat_round_trip(host: Any, guest: Any, text: str) -> None:
    """The host says something and the guest sees it: every earlier state has arrived."""
    from playwright.sync_api import expect

    host.locator("[data-chat-input]").fill(text)
    host.locator("[data-chat-input]").press("Enter")
    expect(guest.locator("[data-chat-messages]")).to_contain_text(text)


def test_the_party_player_has_quality_previews_and_no_drift_for_the_host(
    page: tuple[Any, BrowserProblems], clip_id: str
) -> None:
    from playwright.sync_api import expect

    host, problems = page
    _host_party(host, clip_id)

    # The watch page's player: a quality menu…
    quality = host.locator('[data-menu="quality"]')
    expect(quality).to_be_visible()
    quality.locator("[data-menu-button]").click()
    expect(quality.get_by_role("menuitemradio", name=re.compile(r"^Auto"))).to_be_visible()
    host.keyboard.press("Escape")

    # …and seek previews from the storyboard.
    seek = host.locator("[data-player-seek]")
    thumb = host.locator("[data-seek-thumb]")
    box = seek.bounding_box()
    assert box is not None
    step = [0]

    def previewed() -> bool:
        step[0] += 1
        x = box["x"] + box["width"] * (0.2 + 0.1 * (step[0] % 6))
        host.mouse.move(x, box["y"] + box["height"] / 2)
        return bool(thumb.is_visible())

    _until(host, previewed, "a seek preview thumbnail")
    assert "url(" in thumb.evaluate("el => el.style.backgroundImage")

    # The host plays: the host is the reference, so no "behind by" line.
    host.evaluate("document.querySelector('[data-party-video]').play()")
    _until(host, lambda: _video(host)["t"] > 1.0, "the host's video plays")
    expect(host.locator("[data-party-sync]")).to_have_text("")
    assert problems.errors == [], problems.errors


def test_after_the_end_the_host_seeking_back_leaves_everyone_paused(
    two_contexts: list[tuple[Any, BrowserProblems]], clip_id: str
) -> None:
    (host, host_problems), (guest, guest_problems) = two_contexts
    invite = _host_party(host, clip_id)
    _guest_joins(guest, invite)
    _until(guest, lambda: _video(guest)["ready"] >= 1, "the guest's video loads")

    # Play the last second and a half: both videos end.
    host.evaluate(
        """() => { const v = document.querySelector('[data-party-video]');
                   v.currentTime = v.duration - 1.5; v.play(); }"""
    )
    ended = "document.querySelector('[data-party-video]').ended"
    _until(host, lambda: host.evaluate(ended), "the host's video ends")
    _until(guest, lambda: guest.evaluate(ended), "the guest's video ends")

    # The host seeks back: everyone goes there, and nobody plays.
    host.evaluate("document.querySelector('[data-party-video]').currentTime = 3")

    def both_paused_at_3() -> bool:
        h, g = _video(host), _video(guest)
        near = abs(h["t"] - 3) <= TOLERANCE_S and abs(g["t"] - 3) <= TOLERANCE_S
        return bool(h["paused"] and g["paused"] and near)

    _until(guest, both_paused_at_3, lambda: f"both paused at 3 s: {_video(host)} {_video(guest)}")
    _chat_round_trip(host, guest, "Rewound!")
    assert both_paused_at_3(), (_video(host), _video(guest))
    assert host_problems.errors == [], host_problems.errors
    assert guest_problems.errors == [], guest_problems.errors


def test_unmute_shows_only_while_the_video_is_muted(
    two_contexts: list[tuple[Any, BrowserProblems]], clip_id: str
) -> None:
    from playwright.sync_api import expect

    (host, host_problems), (guest, guest_problems) = two_contexts
    invite = _host_party(host, clip_id)
    host.evaluate("document.querySelector('[data-party-video]').play()")
    _guest_joins(guest, invite)
    _until(guest, lambda: not _video(guest)["paused"], "the guest's video plays")
    muted = "document.querySelector('[data-party-video]').muted"
    unmute = guest.get_by_role("button", name="Unmute", exact=True)
    # This browser lets the party play with sound: nothing to unmute.
    assert guest.evaluate(muted) is False
    expect(unmute).to_be_hidden()
    # Muted (with the player's key), the button offers the sound back…
    guest.locator("[data-player]").press("m")
    expect(unmute).to_be_visible()
    # …and gives it.
    unmute.click()
    expect(unmute).to_be_hidden()
    assert guest.evaluate(muted) is False
    assert host_problems.errors == [], host_problems.errors
    assert guest_problems.errors == [], guest_problems.errors
