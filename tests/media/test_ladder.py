"""Ladder planning: which rungs, what sizes, what frame rate."""

from __future__ import annotations

from dataclasses import replace

import pytest

from cosmostream.media.ladder import LADDER, output_fps, plan_ladder
from cosmostream.media.probe import ProbeResult

BASE = ProbeResult(
    container="mov", duration=10.0, width=1920, height=1080, rotation=0, fps=30.0,
    vfr=False, video_codec="h264", pix_fmt="yuv420p", audio_codec="aac",
    audio_channels=2, bit_rate=None, size_bytes=1,
)  # fmt: skip


def sizes(width: int, height: int, **changes: object) -> list[tuple[str, int, int]]:
    rungs = plan_ladder(replace(BASE, width=width, height=height, **changes))  # type: ignore[arg-type]
    return [(r.name, r.width, r.height) for r in rungs]


def test_ladder_heights() -> None:
    assert LADDER == [2160, 1440, 1080, 720, 480, 360]


@pytest.mark.parametrize(
    ("size", "expected"),
    [
        ((3840, 2160), [("2160p", 3840, 2160), ("1440p", 2560, 1440), ("1080p", 1920, 1080),
                        ("720p", 1280, 720), ("480p", 854, 480), ("360p", 640, 360)]),
        ((1920, 1080), [("1080p", 1920, 1080), ("720p", 1280, 720), ("480p", 854, 480),
                        ("360p", 640, 360)]),
        ((1280, 720), [("720p", 1280, 720), ("480p", 854, 480), ("360p", 640, 360)]),
        ((640, 360), [("360p", 640, 360)]),
        # Portrait: the short side is the rung height.
        ((1080, 1920), [("1080p", 1080, 1920), ("720p", 720, 1280), ("480p", 480, 854),
                        ("360p", 360, 640)]),
        ((360, 640), [("360p", 360, 640)]),
        # 4:3 is limited by its height like 16:9.
        ((1440, 1080), [("1080p", 1440, 1080), ("720p", 960, 720), ("480p", 640, 480),
                        ("360p", 480, 360)]),
        # Wider than 16:9 keeps its full width as the top rung.
        ((1920, 800), [("1080p", 1920, 800), ("720p", 1280, 534), ("480p", 854, 356),
                       ("360p", 640, 266)]),
        # Slightly short of a rung: that rung at the source's own size.
        ((1800, 1060), [("1080p", 1800, 1060), ("720p", 1222, 720), ("480p", 816, 480),
                        ("360p", 612, 360)]),
        # Smaller than 360p: one rung, own size, rounded to even.
        ((322, 181), [("180p", 322, 180)]),
        ((160, 90), [("90p", 160, 90)]),
        ((181, 322), [("180p", 180, 322)]),
    ],
)  # fmt: skip
def test_rung_sizes(size: tuple[int, int], expected: list[tuple[str, int, int]]) -> None:
    assert sizes(*size) == expected


@pytest.mark.parametrize("width", range(200, 4000, 37))
def test_sizes_are_even_and_never_upscaled(width: int) -> None:
    for height in (width * 9 // 16 + 1, width * 3 // 4 - 1, width * 2 + 1):
        rungs = plan_ladder(replace(BASE, width=width, height=height))
        assert rungs, (width, height)
        for rung in rungs:
            assert rung.width % 2 == 0 and rung.height % 2 == 0
            assert rung.width <= width and rung.height <= height
        shorts = [min(r.width, r.height) for r in rungs]
        assert shorts == sorted(shorts, reverse=True)
        assert len(set(shorts)) == len(shorts)


def test_rate_control_settings_descend() -> None:
    rungs = plan_ladder(replace(BASE, width=3840, height=2160))
    ceilings = [r.max_bitrate for r in rungs]
    assert ceilings == sorted(ceilings, reverse=True)
    assert ceilings[0] == 16_000_000 and ceilings[-1] == 800_000
    for rung in rungs:
        assert rung.bufsize == 2 * rung.max_bitrate
        assert 21 <= rung.crf <= 23
        assert rung.audio_bitrate == (128_000 if rung.height >= 720 else 96_000)


@pytest.mark.parametrize(
    ("fps", "vfr", "expected"),
    [
        (30.0, False, 30.0),
        (30000 / 1001, False, 30000 / 1001),
        (25.0, False, 25.0),
        (60.0, False, 60.0),
        (120.0, False, 60.0),
        (240.0, False, 60.0),
        (20.51, True, 24000 / 1001),
        (29.3, True, 30000 / 1001),
        (58.0, True, 60000 / 1001),
        (90.0, True, 60.0),
    ],
)
def test_frame_rate(fps: float, vfr: bool, expected: float) -> None:
    probe = replace(BASE, fps=fps, vfr=vfr)
    assert float(output_fps(probe)) == pytest.approx(expected)
    assert all(r.fps == pytest.approx(expected) for r in plan_ladder(probe))
