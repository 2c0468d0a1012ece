"""End to end, in a real Chromium against the real server: the life of a video.

The demo creator signs in → uploads a clip made on the spot with ffmpeg (tus,
resumable) → follows the processing live on the upload page → watches the video
while it is processed (or once it is ready) → switches the quality by hand →
finds it Ready, with a poster, on the content page.

The clip is 640x480, so the worker makes a two-rung ladder (480p and 360p) and a
manual rendition switch is possible. Screenshots land in test-artifacts/e2e/.
"""

from __future__ import annotations

import contextlib
import re
import secrets
import subprocess
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from tests.e2e.conftest import BrowserProblems, watch_socket_frames

if TYPE_CHECKING:
    from tests.e2e.conftest import LiveServer

pytestmark = pytest.mark.e2e

CREATOR_EMAIL = "vera@example.com"
CREATOR_PASSWORD = "dark-matter-halo"
CATEGORY = "Galaxies"
TIMEOUT_MS = 15_000
# From "Upload" to the "Watch now" link: upload, probe, and the first segment of
# every rung. Generous for a slow machine; a 4 s clip takes a few seconds here.
PLAYABLE_TIMEOUT_MS = 90_000
# From "Watch now" to Ready on the content page (the rest of the transcode, the
# poster and the storyboard).
READY_TIMEOUT_S = 60

# Records what the processing panel of the upload page shows, every time it
# changes, so the test can tell that it was updated live.
WATCH_PROCESSING_JS = """
() => {
  const box = document.querySelector('[data-processing]');
  const snap = () => ({
    hidden: box.hidden,
    heading: box.querySelector('[data-processing-heading]').textContent.trim(),
    progress: box.querySelector('[data-processing-bar]').getAttribute('aria-valuenow'),
    message: box.querySelector('[data-processing-message]').textContent.trim(),
    watch: !box.querySelector('[data-watch-link]').hidden,
    error: box.querySelector('[data-processing-error]').textContent.trim(),
  });
  window.__processingStates = [snap()];
  new MutationObserver(() => {
    const s = snap();
    const last = window.__processingStates[window.__processingStates.length - 1];
    if (JSON.stringify(s) !== JSON.stringify(last)) window.__processingStates.push(s);
  }).observe(box, { subtree: true, childList: true, characterData: true, attributes: true });
}
"""


def _make_clip(path: Path) -> Path:
    """A 4 s, 640x480, 25 fps test pattern with a tone: H.264 + AAC in MP4."""
    import imageio_ffmpeg

    ffmpeg = imageio_ffmpeg.get_ffmpeg_exe()
    # fmt: off
    cmd = [
        ffmpeg, "-hide_banner", "-loglevel", "error", "-y",
        "-f", "lavfi", "-i", "testsrc2=size=640x480:rate=25:duration=4",
        "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000:duration=4",
        "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p",
        "-c:a", "aac", "-b:a", "96k",
        "-shortest", "-movflags", "+faststart",
        str(path),
    ]
    # fmt: on
    done = subprocess.run(cmd, capture_output=True, timeout=60)
    assert done.returncode == 0, f"ffmpeg failed: {done.stderr.decode(errors='replace')}"
    assert path.stat().st_size > 10_000
    return path


def _log_in(page: Any, email: str, password: str) -> None:
    from playwright.sync_api import expect

    page.goto("/login", wait_until="load")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(password)
    with page.expect_navigation(url=re.compile(r"/$")):
        page.locator("main").get_by_role("button", name="Log in").click()
    expect(page.locator(".account-menu .account-name")).to_have_text("Vera Nebula")


def _player_state(page: Any) -> dict[str, Any]:
    state: dict[str, Any] = page.evaluate(
        """() => {
          const p = window.__player;
          if (!p || !p.video) return { ready: false };
          const v = p.video;
          const hls = p.hls;
          return {
            ready: true,
            hls: Boolean(hls),
            currentTime: v.currentTime,
            paused: v.paused,
            ended: v.ended,
            videoHeight: v.videoHeight,
            videoWidth: v.videoWidth,
            currentLevel: hls ? hls.currentLevel : null,
            levels: hls ? hls.levels.map((l) => l.height) : [],
          };
        }"""
    )
    return state


def _wait_for(page: Any, condition: Any, message: Any, timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(message() if callable(message) else message)
        page.wait_for_timeout(100)


def test_upload_process_watch_switch_quality_and_list(
    page: tuple[Any, BrowserProblems],
    live_server: LiveServer,
    tmp_path: Path,
    artifacts_dir: Path,
) -> None:
    from playwright.sync_api import expect

    tab, problems = page
    (artifacts_dir / "failure.png").unlink(missing_ok=True)
    clip = _make_clip(tmp_path / "nebula-test-pattern.mp4")
    title = f"E2E Nebula {secrets.token_hex(4)}"
    # The `video.status` events the page received (for failure reports).
    sockets = watch_socket_frames(
        tab, lambda frame, url: frame[:300] if "video.status" in frame else None
    )
    notes: list[str] = []  # a timeline, printed and shown on failure

    def note(text: str) -> None:
        notes.append(text)
        print(text)

    try:
        _log_in(tab, CREATOR_EMAIL, CREATOR_PASSWORD)
        started = time.monotonic()

        # --- upload ---------------------------------------------------------
        tab.goto("/upload", wait_until="load")
        expect(tab.get_by_role("heading", name="Upload a video", level=1)).to_be_visible()
        form = tab.locator("form[data-upload-form]")
        expect(form).to_be_visible()
        tab.evaluate(WATCH_PROCESSING_JS)

        tab.locator("input#video-file").set_input_files(clip)
        expect(tab.locator("[data-file-chosen]")).to_contain_text("nebula-test-pattern.mp4")
        # The title is proposed from the file name; ours replaces it.
        expect(tab.get_by_label("Title")).to_have_value("nebula-test-pattern")
        tab.get_by_label("Title").fill(title)
        tab.get_by_label("Category").select_option(label=CATEGORY)
        expect(tab.get_by_role("radio", name=re.compile(r"^Public"))).to_be_checked()
        tab.get_by_role("button", name="Upload", exact=True).click()

        progress = tab.locator("[data-upload-progress]")
        expect(progress).to_be_visible()
        expect(form).to_be_hidden()
        expect(progress.locator("[data-upload-bar]")).to_have_attribute("aria-valuenow", "100")
        expect(progress.locator("[data-upload-percent]")).to_have_text("100%")
        expect(progress.locator("[data-upload-state]")).to_have_text("Upload complete.")
        expect(progress.locator("[data-upload-progress-error]")).to_be_hidden()

        # --- processing, followed live --------------------------------------
        processing = tab.locator("[data-processing]")
        expect(processing).to_be_visible()
        heading = processing.locator("[data-processing-heading]")
        expect(heading).to_have_text(re.compile(r"^(Processing…|Your video is ready)$"))
        watch = processing.get_by_role("link", name="Watch now")
        expect(watch).to_be_visible(timeout=PLAYABLE_TIMEOUT_MS)
        expect(processing.locator("[data-processing-error]")).to_be_hidden()
        href = watch.get_attribute("href") or ""
        match = re.fullmatch(r"/video/([^/?#]+)", href)
        assert match, f"unexpected Watch now link {href!r}"
        video_id = match.group(1)

        states: list[dict[str, Any]] = tab.evaluate("() => window.__processingStates")
        shown = [s for s in states if not s["hidden"]]
        assert shown, f"the processing panel never showed: {states}"
        # Updated live: the panel moved on from what the page was served with
        # (a progress figure, a worker message, or "ready").
        assert any(
            s["progress"] not in (None, "0")
            or s["heading"] == "Your video is ready"
            or s["message"] != "Your file is uploaded. We're preparing it for streaming."
            for s in shown
        ), f"the processing status never updated: {states}"
        progresses = [int(s["progress"]) for s in shown if s["progress"] is not None]
        assert progresses == sorted(progresses), f"processing went backwards: {progresses}"
        note(f"Watch now after {time.monotonic() - started:.1f} s; panel states: {shown}")
        tab.screenshot(
            path=str(artifacts_dir / "upload-done.png"), full_page=True, animations="disabled"
        )

        # --- watch ----------------------------------------------------------
        with tab.expect_navigation(url=re.compile(rf"/video/{re.escape(video_id)}$")):
            watch.click()
        expect(tab.get_by_role("heading", name=title, level=1)).to_be_visible()
        player = tab.locator("[data-player]:not(.player-pending)")
        expect(player).to_be_visible()
        _wait_for(
            tab,
            lambda: _player_state(tab).get("hls"),
            lambda: f"hls.js did not start: {_player_state(tab)}",
            10,
        )
        big_play = player.get_by_role("button", name="Play", exact=True)
        expect(big_play).to_be_visible()
        big_play.click()
        _wait_for(
            tab,
            lambda: (s := _player_state(tab))["currentTime"] > 1 and s["videoHeight"] > 0,
            lambda: (
                f"the video does not play: {_player_state(tab)}; "
                f"player message: {_player_message(tab)}"
            ),
            20,
        )
        state = _player_state(tab)
        assert not state["paused"], state
        expect(player).to_have_class(re.compile(r"\bis-playing\b"))
        expect(player.locator("[data-player-error]")).to_be_hidden()
        note(f"playing (still processing: {tab.locator('.player-note').count() == 1}): {state}")
        tab.screenshot(
            path=str(artifacts_dir / "watch-playing.png"), full_page=True, animations="disabled"
        )

        # --- manual quality: 360p --------------------------------------------
        assert sorted(state["levels"]) == [360, 480], f"unexpected ladder: {state['levels']}"
        index_360 = state["levels"].index(360)
        quality = player.locator('[data-menu="quality"]')
        expect(quality).to_be_visible()
        quality.locator("[data-menu-button]").click()
        menu = quality.get_by_role("menu", name="Quality")
        expect(menu).to_be_visible()
        items = menu.get_by_role("menuitemradio")
        expect(items).to_have_count(3)
        expect(items.nth(0)).to_have_text(re.compile(r"^Auto( \((360|480)p\))?$"))
        expect(items.nth(0)).to_have_attribute("aria-checked", "true")
        # By text, not by accessible name: the checked item's name also gets
        # the CSS check mark ("✓ 360p").
        expect(items.filter(has_text=re.compile(r"^480p$"))).to_have_count(1)
        item_360 = items.filter(has_text=re.compile(r"^360p$"))
        expect(item_360).to_have_count(1)
        expect(item_360).to_have_attribute("data-level", str(index_360))
        item_360.click()
        expect(menu).to_be_hidden()

        # The menu item asks hls.js for that very level, by its index.
        assert tab.evaluate("() => window.__player.hls.manualLevel") == index_360
        # hls.currentLevel is the level being *played*: it follows once the
        # switch (a flush and a reload of the buffer) is done.
        _wait_for(
            tab,
            lambda: tab.evaluate("() => window.__player.hls.currentLevel") == index_360,
            lambda: f"hls.js never switched to 360p: {_player_state(tab)}",
            10,
        )
        expect(quality.locator("[data-menu-label]")).to_have_text("360p")
        # A moment of playback in the new rendition (replay if the clip ended).
        deadline = time.monotonic() + 15
        while True:
            state = _player_state(tab)
            if state["videoHeight"] == 360 and not state["paused"] and state["currentTime"] > 0:
                break
            assert time.monotonic() < deadline, f"360p never played: {state}"
            if state["ended"] or state["paused"]:
                note(f"the clip ended before 360p showed; replaying: {state}")
                tab.evaluate(
                    "() => { const v = window.__player.video; v.currentTime = 0; return v.play(); }"
                )
            tab.wait_for_timeout(100)
        note(f"playing 360p: {state}")
        assert state["currentLevel"] == index_360, state
        assert state["videoWidth"] == 480, state  # 4:3 kept: 480x360
        quality.locator("[data-menu-button]").click()
        expect(menu).to_be_visible()
        expect(item_360).to_have_attribute("aria-checked", "true")
        expect(items.nth(0)).to_have_attribute("aria-checked", "false")
        tab.keyboard.press("Escape")
        expect(menu).to_be_hidden()

        # --- the content page: Ready, with a poster -------------------------
        tab.goto("/content", wait_until="load")
        row = tab.locator(".video-row").filter(has=tab.get_by_role("link", name=title, exact=True))
        expect(row).to_have_count(1)
        deadline = time.monotonic() + READY_TIMEOUT_S
        while row.get_attribute("data-status") != "ready":
            assert time.monotonic() < deadline, (
                f"not Ready after {READY_TIMEOUT_S} s: {row.get_attribute('data-status')}"
            )
            tab.wait_for_timeout(1000)
            # content.js reloads the page itself when the socket says Ready,
            # but only for events after it joined the video's room.
            _reload(tab)
        note(f"Ready on /content after {time.monotonic() - started:.1f} s")
        expect(row).to_have_attribute("id", f"video-{video_id}")
        expect(row.locator("[data-status-badge]")).to_have_text("Ready")
        expect(row.locator(".video-meta")).to_contain_text(CATEGORY)
        expect(row.locator(".video-duration")).to_have_text("0:04")
        poster = row.locator(".video-thumb img")
        expect(poster).to_have_count(1)
        expect(poster).to_have_attribute("src", re.compile(r"/media/"))
        poster.scroll_into_view_if_needed()
        tab.wait_for_function(
            "(img) => img.complete && img.naturalWidth > 0",
            arg=poster.element_handle(),
            timeout=TIMEOUT_MS,
        )
        src = poster.get_attribute("src") or ""
        served = tab.request.get(src)
        assert served.ok, f"{src} answered {served.status}"
        assert served.headers.get("content-type", "").startswith("image/")

        assert problems.errors == []
    except Exception as exc:
        with contextlib.suppress(Exception):  # best effort only
            tab.screenshot(path=str(artifacts_dir / "failure.png"), full_page=True)
        raise AssertionError(
            f"{exc}\n\nbrowser at {tab.url}\nbrowser problems: {problems.errors}\n"
            f"timeline: {notes}\nvideo.status events: {sockets}\n"
            f"server log:\n{live_server.log_tail()}"
        ) from exc


def _reload(page: Any) -> None:
    """Reload, tolerating a reload the page started itself at the same moment."""
    from playwright.sync_api import Error as PlaywrightError

    try:
        page.reload(wait_until="load")
    except PlaywrightError as exc:
        if "interrupted by another navigation" not in str(exc) and "ERR_ABORTED" not in str(exc):
            raise
        page.wait_for_load_state("load")


def _player_message(page: Any) -> str:
    text: str = page.evaluate(
        "() => { const e = document.querySelector('[data-player-error]');"
        " return e && !e.hidden ? e.textContent : ''; }"
    )
    return text
