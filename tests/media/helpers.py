"""Helpers for the media tests: making clips, watching a canary, finding processes."""

from __future__ import annotations

import errno
import io
import os
import subprocess
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import av
import imageio_ffmpeg

from cosmostream.media.transcode import read_media_playlist

FFMPEG: str = imageio_ffmpeg.get_ffmpeg_exe()


def ffmpeg(*args: str) -> None:
    """Run ffmpeg quietly; fail the test with its stderr if it fails."""
    proc = subprocess.run(
        [FFMPEG, "-nostdin", "-hide_banner", "-loglevel", "error", "-y", *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr


def video_src(size: str, seconds: float, rate: str = "30") -> list[str]:
    return ["-f", "lavfi", "-i", f"testsrc2=s={size}:r={rate}:d={seconds}"]


def sine(seconds: float) -> list[str]:
    return ["-f", "lavfi", "-i", f"sine=f=440:d={seconds}"]


X264 = ["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p"]


class Canary:
    """A named pipe beside the malicious files: opening it for reading is detectable.

    A reader opening a FIFO blocks until a writer appears, and a non-blocking
    writer can open it only while someone has it open for reading, so
    "nobody ever opened it" is checked exactly, without relying on atime.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        os.mkfifo(path)

    def release(self) -> bool:
        """Unblock any reader (it sees EOF); True if there was one."""
        try:
            fd = os.open(self.path, os.O_WRONLY | os.O_NONBLOCK)
        except OSError as exc:
            if exc.errno == errno.ENXIO:
                return False
            raise
        os.close(fd)
        return True


def run_bounded(fn: Callable[[], Any], canary: Canary, seconds: float = 10.0) -> Any:
    """Run `fn` in a thread; returns its result or exception, and whether it read the canary.

    If `fn` blocks on the canary, the canary is released so the thread can end.
    """
    outcome: dict[str, Any] = {}

    def target() -> None:
        try:
            outcome["result"] = fn()
        except BaseException as exc:
            outcome["error"] = exc

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(seconds)
    touched = False
    while thread.is_alive():  # blocked opening the FIFO: that is a read attempt
        touched = canary.release() or touched
        thread.join(0.2)
    touched = canary.release() or touched
    return outcome.get("result"), outcome.get("error"), touched


def processes_with(marker: str) -> list[int]:
    """Live (non-zombie) processes whose command line contains `marker`."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if marker in cmdline and state != "Z":
            found.append(int(entry.name))
    return found


def read_output(vdir: Path) -> bytes:
    """A rung's init segment followed by all its media segments: one fragmented MP4."""
    playlist = read_media_playlist(vdir / "index.m3u8")
    assert playlist is not None and playlist.init is not None
    data = (vdir / playlist.init).read_bytes()
    for _, uri in playlist.segments:
        data += (vdir / uri).read_bytes()
    return data


def segment_starts(vdir: Path) -> list[tuple[float, bool]]:
    """(start time, starts with a keyframe) of each segment of a rung."""
    import io

    playlist = read_media_playlist(vdir / "index.m3u8")
    assert playlist is not None and playlist.init is not None
    init = (vdir / playlist.init).read_bytes()
    starts = []
    for _, uri in playlist.segments:
        with av.open(io.BytesIO(init + (vdir / uri).read_bytes()), mode="r") as container:
            video = container.streams.video[0]
            assert video.time_base is not None
            packet = next(p for p in container.demux(video) if p.pts is not None)
            assert packet.pts is not None
            starts.append((round(float(packet.pts * video.time_base), 3), packet.is_keyframe))
    return starts


def keyframe_times(vdir: Path) -> list[float]:
    """Timestamps of the keyframes of a whole rung."""
    with av.open(io.BytesIO(read_output(vdir)), mode="r") as container:
        video = container.streams.video[0]
        assert video.time_base is not None
        return [
            round(float(p.pts * video.time_base), 3)
            for p in container.demux(video)
            if p.pts is not None and p.is_keyframe
        ]
