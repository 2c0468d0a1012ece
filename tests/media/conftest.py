"""Clips for the media engine tests, generated once per session with ffmpeg.

Every clip is tiny (a few seconds, at most 1280x720) so the whole suite runs in
well under a minute on two cores. Each fixture makes its clip on first use.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.media.helpers import X264, Canary, ffmpeg, sine, video_src


@pytest.fixture(scope="session")
def clip_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("clips")


@pytest.fixture(scope="session")
def landscape(clip_dir: Path) -> Path:
    """3 s, 640x360, 30 fps, H.264 + AAC mono sine, MP4."""
    path = clip_dir / "landscape.mp4"
    ffmpeg(*video_src("640x360", 3), *sine(3), *X264, "-c:a", "aac", "-shortest", str(path))
    return path


@pytest.fixture(scope="session")
def portrait(clip_dir: Path) -> Path:
    """3 s, 360x640 (natively portrait), H.264 + AAC."""
    path = clip_dir / "portrait.mp4"
    ffmpeg(*video_src("360x640", 3), *sine(3), *X264, "-c:a", "aac", "-shortest", str(path))
    return path


@pytest.fixture(scope="session")
def rotated(clip_dir: Path, landscape: Path) -> Path:
    """The landscape clip with a 90 degree display matrix, as phones record."""
    path = clip_dir / "rotated.mp4"
    ffmpeg("-display_rotation", "90", "-i", str(landscape), "-c", "copy", str(path))
    return path


@pytest.fixture(scope="session")
def odd_size(clip_dir: Path) -> Path:
    """2 s, 322x181 (odd height), VP9 + Opus in WebM."""
    path = clip_dir / "odd.webm"
    # testsrc2 rounds sizes to even; testsrc keeps 322x181.
    ffmpeg(
        "-f", "lavfi", "-i", "testsrc=s=322x181:r=30:d=2", *sine(2), "-pix_fmt", "yuv420p",
        "-c:v", "libvpx-vp9", "-deadline", "realtime", "-cpu-used", "8", "-b:v", "300k",
        "-c:a", "libopus", "-shortest", str(path),
    )  # fmt: skip
    return path


@pytest.fixture(scope="session")
def no_audio(clip_dir: Path) -> Path:
    """2 s, 640x360, video only."""
    path = clip_dir / "silent.mp4"
    ffmpeg(*video_src("640x360", 2), *X264, str(path))
    return path


@pytest.fixture(scope="session")
def vfr(clip_dir: Path) -> Path:
    """~3 s, 320x180 with frame intervals that vary between 1/20 and 1/30 s."""
    path = clip_dir / "vfr.mp4"
    ffmpeg(
        *video_src("320x180", 3),
        "-vf", "setpts='N/(25+5*sin(N/10))/TB'", "-fps_mode", "vfr", *X264, str(path),
    )  # fmt: skip
    return path


@pytest.fixture(scope="session")
def interlaced(clip_dir: Path) -> Path:
    """1 s, 320x180, 25 fps, H.264 coded interlaced (top field first)."""
    path = clip_dir / "interlaced.mp4"
    ffmpeg(*video_src("320x180", 1, rate="25"), *X264, "-x264-params", "tff=1", str(path))
    return path


@pytest.fixture(scope="session")
def hd(clip_dir: Path) -> Path:
    """2 s, 1280x720, 30 fps, H.264 + AAC: three rungs (720/480/360)."""
    path = clip_dir / "hd.mp4"
    ffmpeg(*video_src("1280x720", 2), *sine(2), *X264, "-c:a", "aac", "-shortest", str(path))
    return path


@pytest.fixture(scope="session")
def prores(clip_dir: Path) -> Path:
    """1 s ProRes in MOV: a real video in a codec we do not accept."""
    path = clip_dir / "prores.mov"
    ffmpeg(*video_src("320x180", 1), "-c:v", "prores_ks", "-profile:v", "0", str(path))
    return path


@pytest.fixture
def canary(tmp_path: Path) -> Canary:
    return Canary(tmp_path / "canary.ts")
