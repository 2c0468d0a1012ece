"""End to end in Chromium: the watch page starts quickly on a slow link.

A 720p clip with a busy picture (every rung near its bitrate ceiling) goes
through the real pipeline, so the ladder has 720p, 480p and 360p and the 720p
rung needs more than the link below carries. The browser is throttled with the
DevTools protocol to 3 Mb/s and 40 ms of latency, like a poor mobile link.
The viewer presses Play as soon as the player is there: playback must start on
a rung the link carries, never stall afterwards, and never fetch a rung above
the link's capacity. The figures (first frame, rungs fetched) are printed.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from tests.e2e.test_discovery_flow import _publish_clip

if TYPE_CHECKING:
    from tests.e2e.conftest import BrowserProblems, LiveServer

pytestmark = pytest.mark.e2e

LINK_BITS_PER_S = 3_000_000
LATENCY_MS = 40
CLIP_SECONDS = 16

# Installed before the page's own scripts: the moments of Play and of the first
# rendered frame, and every stall ("waiting" while playing, not seeking).
MEASURE_JS = """
window.__startup = { clicked: null, firstFrame: null, stalls: 0, ended: false };
document.addEventListener('click', (e) => {
  if (window.__startup.clicked === null && e.target.closest('[data-player-bigplay]')) {
    window.__startup.clicked = performance.now();
  }
}, true);
document.addEventListener('DOMContentLoaded', () => {
  const v = document.querySelector('[data-player-video]');
  if (!v) return;
  const onFrame = () => {
    if (window.__startup.firstFrame === null && v.currentTime > 0) {
      window.__startup.firstFrame = performance.now();
    } else if (window.__startup.firstFrame === null) {
      v.requestVideoFrameCallback(onFrame);
    }
  };
  v.addEventListener('play', () => v.requestVideoFrameCallback(onFrame));
  v.addEventListener('timeupdate', () => {
    if (window.__startup.firstFrame === null && v.currentTime > 0) window.__startup.firstFrame = performance.now();
  });
  v.addEventListener('waiting', () => {
    if (window.__startup.firstFrame !== null && !v.seeking && !v.ended) window.__startup.stalls++;
  });
  v.addEventListener('ended', () => { window.__startup.ended = true; });
});
"""


def _make_busy_720p_clip(path: Path) -> Path:
    """16 s of 1280x720 test pattern under heavy moving grain: hard to compress."""
    import imageio_ffmpeg

    # fmt: off
    cmd = [
        imageio_ffmpeg.get_ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-y",
        "-f", "lavfi", "-i", f"testsrc2=size=1280x720:rate=25:duration={CLIP_SECONDS}",
        "-f", "lavfi", "-i", f"sine=frequency=440:sample_rate=48000:duration={CLIP_SECONDS}",
        "-vf", "noise=alls=24:allf=t",
        "-c:v", "libx264", "-preset", "ultrafast", "-crf", "18", "-pix_fmt", "yuv420p",
        "-c:a", "aac", "-b:a", "96k", "-shortest", "-movflags", "+faststart", str(path),
    ]
    # fmt: on
    done = subprocess.run(cmd, capture_output=True, timeout=120)
    assert done.returncode == 0, done.stderr.decode(errors="replace")
    return path


def _master_bandwidths(tab: Any) -> dict[str, int]:
    """Variant directory (v0, v1, …) → its BANDWIDTH in the master playlist."""
    levels: list[dict[str, Any]] = tab.evaluate(
        """() => window.__player.hls.levels.map(l => ({url: l.url[0], bitrate: l.bitrate,
                                                        height: l.height}))"""
    )
    found = {}
    for level in levels:
        match = re.search(r"/(v\d+)/[^/]*$", level["url"].split("?")[0])
        assert match, level
        found[match.group(1)] = int(level["bitrate"])
    return found


def test_a_slow_link_starts_low_climbs_and_never_stalls(
    page: tuple[Any, BrowserProblems],
    live_server: LiveServer,
    tmp_path: Path,
) -> None:
    tab, problems = page
    video_id = _publish_clip(live_server, _make_busy_720p_clip(tmp_path / "busy.mp4"), "Busy 720p")

    segments: list[str] = []  # variant of every media segment requested, in order

    def on_request(request: Any) -> None:
        match = re.search(r"/hls/[^/]+/(v\d+)/seg_\d+\.m4s", request.url)
        if match:
            segments.append(match.group(1))

    tab.on("request", on_request)
    tab.add_init_script(MEASURE_JS)
    cdp = tab.context.new_cdp_session(tab)
    cdp.send("Network.enable")
    cdp.send(
        "Network.emulateNetworkConditions",
        {
            "offline": False,
            "latency": LATENCY_MS,
            "downloadThroughput": LINK_BITS_PER_S / 8,
            "uploadThroughput": LINK_BITS_PER_S / 8,
        },
    )

    tab.goto(f"/video/{video_id}", wait_until="domcontentloaded")
    big_play = tab.locator("[data-player-bigplay]")
    big_play.wait_for(state="visible")
    big_play.click()
    tab.wait_for_function("() => window.__startup.ended", timeout=(CLIP_SECONDS + 30) * 1000)

    figures = tab.evaluate("() => window.__startup")
    bandwidths = _master_bandwidths(tab)
    settled = tab.evaluate(
        "() => { const h = window.__player.hls; return h.levels[h.currentLevel].height; }"
    )
    heights = tab.evaluate(
        """() => Object.fromEntries(window.__player.hls.levels.map(
                 l => [l.url[0].split('?')[0].match(/\\/(v\\d+)\\/[^/]*$/)[1], l.height]))"""
    )
    first_frame_s = (figures["firstFrame"] - figures["clicked"]) / 1000
    print(
        f"\nfirst frame {first_frame_s:.2f} s after Play at {LINK_BITS_PER_S / 1e6:g} Mb/s "
        f"+ {LATENCY_MS} ms; stalls {figures['stalls']}; "
        f"rungs fetched {[f'{heights[v]}p' for v in segments]}; settled at {settled}p; "
        f"ladder {[(f'{heights[v]}p', b) for v, b in sorted(bandwidths.items())]}"
    )

    # The ladder has a rung above what the link carries, or the test proves nothing.
    assert len(bandwidths) >= 3, bandwidths
    assert max(bandwidths.values()) > LINK_BITS_PER_S, bandwidths
    assert segments, "no media segment was fetched"
    too_big = [v for v in segments if bandwidths[v] > LINK_BITS_PER_S]
    assert not too_big, f"fetched rungs the link cannot carry: {segments} ({bandwidths})"
    assert figures["stalls"] == 0, figures
    # It climbed: the last segments come from a rung above the lowest.
    lowest = min(bandwidths, key=lambda v: bandwidths[v])
    assert segments[-1] != lowest, f"never left the lowest rung: {segments} ({bandwidths})"
    assert problems.errors == [], problems.errors
