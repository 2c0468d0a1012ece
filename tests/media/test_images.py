"""Poster, thumbnail candidates and the storyboard with its WebVTT track."""

from __future__ import annotations

import itertools
import os
import re
import time
from dataclasses import replace
from pathlib import Path

import pytest
from PIL import Image

from cosmostream.media import _process, images
from cosmostream.media.errors import TranscodeFailed, TranscodeTimeout
from cosmostream.media.probe import probe
from tests.media.helpers import FFMPEG, ffmpeg, processes_with, video_src

CUE = re.compile(
    r"(\d\d):(\d\d):(\d\d)\.(\d{3}) --> (\d\d):(\d\d):(\d\d)\.(\d{3})\n"
    r"(\S+)#xywh=(\d+),(\d+),(\d+),(\d+)"
)


def seconds(h: str, m: str, s: str, ms: str) -> float:
    return int(h) * 3600 + int(m) * 60 + int(s) + int(ms) / 1000


@pytest.mark.parametrize(
    ("clip", "player", "card"),
    [
        ("hd", (1280, 720), (640, 360)),
        ("landscape", (640, 360), (640, 360)),
        ("portrait", (360, 640), (202, 360)),
        ("odd_size", (322, 181), (322, 181)),
    ],
)
def test_poster_sizes(
    request: pytest.FixtureRequest,
    tmp_path: Path,
    clip: str,
    player: tuple[int, int],
    card: tuple[int, int],
) -> None:
    source = request.getfixturevalue(clip)
    posters = images.make_poster(FFMPEG, source, probe(source), tmp_path)
    assert set(posters) == {"player_webp", "player_jpeg", "card_webp", "card_jpeg"}
    expected = {"player_webp": ("WEBP", player), "player_jpeg": ("JPEG", player),
                "card_webp": ("WEBP", card), "card_jpeg": ("JPEG", card)}  # fmt: skip
    for name, path in posters.items():
        assert path.parent == tmp_path
        with Image.open(path) as image:
            assert (image.format, image.size) == expected[name], name


def test_player_poster_of_a_large_source_is_at_most_1280(hd: Path, tmp_path: Path) -> None:
    info = replace(probe(hd), width=3840, height=2160)
    assert images._fit(info, images.PLAYER_BOX) == (1280, 720)
    assert images._fit(replace(info, width=2160, height=3840), images.PLAYER_BOX) == (720, 1280)


def test_thumbnail_candidates(landscape: Path, tmp_path: Path) -> None:
    paths = images.make_thumbnail_candidates(FFMPEG, landscape, probe(landscape), tmp_path)
    assert len(paths) == 3
    contents = set()
    for path in paths:
        with Image.open(path) as image:
            assert (image.format, image.size) == ("WEBP", (640, 360))
        contents.add(path.read_bytes())
    assert len(contents) == 3  # three different moments


def test_candidates_near_the_end_of_a_short_clip(tmp_path: Path, no_audio: Path) -> None:
    info = probe(no_audio)
    paths = images.make_thumbnail_candidates(
        FFMPEG, no_audio, info, tmp_path, positions=(0.0, 0.99, 1.0)
    )
    assert all(p.stat().st_size > 0 for p in paths)


def parse_vtt(vtt: Path) -> list[tuple[float, float, str, int, int, int, int]]:
    text = vtt.read_text()
    assert text.startswith("WEBVTT\n\n")
    cues = []
    for match in CUE.finditer(text):
        g = match.groups()
        cues.append(
            (seconds(*g[0:4]), seconds(*g[4:8]), g[8], int(g[9]), int(g[10]), int(g[11]),
             int(g[12]))
        )  # fmt: skip
    assert len(cues) == text.count("-->")
    return cues


def check_storyboard(
    vtt: Path, duration: float
) -> list[tuple[float, float, str, int, int, int, int]]:
    cues = parse_vtt(vtt)
    assert cues[0][0] == 0.0
    assert cues[-1][1] == pytest.approx(duration, abs=0.001)
    for (_, end, *_), (start, *_) in itertools.pairwise(cues):
        assert start == pytest.approx(end, abs=0.001)  # contiguous, no gaps
    sizes: dict[str, tuple[int, int]] = {}
    for start, end, sheet, x, y, w, h in cues:
        assert end > start
        if sheet not in sizes:
            with Image.open(vtt.parent / sheet) as image:
                assert image.format == "JPEG"
                sizes[sheet] = image.size
        sheet_w, sheet_h = sizes[sheet]
        assert x >= 0 and x + w <= sheet_w and y >= 0 and y + h <= sheet_h
    return cues


def test_storyboard(landscape: Path, tmp_path: Path) -> None:
    info = probe(landscape)
    sheet, vtt = images.make_storyboard(FFMPEG, landscape, info, tmp_path)
    assert sheet == tmp_path / "storyboard.jpg" and vtt == tmp_path / "storyboard.vtt"
    cues = check_storyboard(vtt, info.duration)
    assert [c[:2] for c in cues] == [(0.0, 1.0), (1.0, 2.0), (2.0, 3.0)]
    assert [c[3:] for c in cues] == [(0, 0, 160, 90), (160, 0, 160, 90), (320, 0, 160, 90)]
    with Image.open(sheet) as image:
        assert image.size == (480, 90)
        # Each tile is a real frame, not the tile filter's black padding.
        for x in (0, 160, 320):
            high = image.crop((x, 0, x + 160, 90)).convert("L").getextrema()[1]
            assert not isinstance(high, tuple) and high > 64


def test_storyboard_of_a_portrait_video(portrait: Path, tmp_path: Path) -> None:
    info = probe(portrait)
    _, vtt = images.make_storyboard(FFMPEG, portrait, info, tmp_path, tile_width=90)
    cues = check_storyboard(vtt, info.duration)
    assert {c[5:] for c in cues} == {(90, 160)}


def test_storyboard_over_several_sheets(landscape: Path, tmp_path: Path) -> None:
    info = probe(landscape)
    (tmp_path / "storyboard.jpg").write_bytes(b"stale")  # from an earlier run
    sheet, vtt = images.make_storyboard(
        FFMPEG, landscape, info, tmp_path, interval=0.025, tile_width=64
    )
    cues = check_storyboard(vtt, info.duration)
    assert len(cues) == 120
    assert sheet.name == "storyboard_1.jpg"
    assert sorted(p.name for p in tmp_path.glob("storyboard*.jpg")) == [
        "storyboard_1.jpg", "storyboard_2.jpg",
    ]  # fmt: skip
    assert {c[2] for c in cues[:100]} == {"storyboard_1.jpg"}
    assert {c[2] for c in cues[100:]} == {"storyboard_2.jpg"}
    with Image.open(sheet) as image:
        assert image.size == (640, 360)  # 10 x 10 tiles of 64x36


def test_storyboard_from_keyframes_only(landscape: Path, tmp_path: Path) -> None:
    # Long intervals decode only keyframes; the track still covers the video.
    info = replace(probe(landscape), duration=3.0)
    sheet, vtt = images.make_storyboard(FFMPEG, landscape, info, tmp_path, interval=6.0)
    cues = check_storyboard(vtt, info.duration)
    assert [c[:2] for c in cues] == [(0.0, 3.0)]
    with Image.open(sheet) as image:
        assert image.size == (160, 90)


def test_storyboard_and_poster_of_an_interlaced_source(interlaced: Path, tmp_path: Path) -> None:
    info = probe(interlaced)
    _, vtt = images.make_storyboard(FFMPEG, interlaced, info, tmp_path)
    check_storyboard(vtt, info.duration)
    assert images.make_poster(FFMPEG, interlaced, info, tmp_path)["card_webp"].is_file()


@pytest.mark.parametrize(
    ("name", "args", "skips"),
    [
        ("bframes.mp4", ["-c:v", "libx264", "-preset", "superfast", "-bf", "3"], True),
        ("hevc.mp4", ["-c:v", "libx265", "-preset", "ultrafast", "-x265-params", "log-level=error"], False),
    ],
)  # fmt: skip
def test_stills_from_sources_with_b_frames(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str, args: list[str], skips: bool
) -> None:
    source = tmp_path / name
    ffmpeg(*video_src("320x180", 2), *args, str(source))
    commands = record_commands(monkeypatch)
    info = probe(source)
    images.make_poster(FFMPEG, source, info, tmp_path)
    images.make_thumbnail_candidates(FFMPEG, source, info, tmp_path)
    check_storyboard(images.make_storyboard(FFMPEG, source, info, tmp_path)[1], info.duration)
    assert len(commands) == 3  # no retries
    assert all(("bidir" in cmd) is skips for cmd in commands)


def test_stills_retry_without_skipping_when_nothing_came_out(
    landscape: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Keyframes only: the poster window (0.3-0.9 s) of this clip has none.
    monkeypatch.setattr(images, "_skip_b_frames", lambda _: ["-skip_frame", "nokey"])
    commands = record_commands(monkeypatch)
    posters = images.make_poster(FFMPEG, landscape, probe(landscape), tmp_path)
    assert all(p.stat().st_size > 0 for p in posters.values())
    assert len(commands) == 2
    assert "nokey" in commands[0] and "nokey" not in commands[1]


def record_commands(monkeypatch: pytest.MonkeyPatch) -> list[list[str]]:
    commands: list[list[str]] = []
    real = _process.run_ffmpeg

    def spy(cmd: list[str], *, timeout: float) -> None:
        commands.append(cmd)
        real(cmd, timeout=timeout)

    monkeypatch.setattr(_process, "run_ffmpeg", spy)
    return commands


def test_storyboard_interval() -> None:
    assert images.storyboard_interval(3) == 1.0
    assert images.storyboard_interval(300) == 1.0
    assert images.storyboard_interval(3600) == 12.0


def test_image_commands_fail_loudly(landscape: Path, tmp_path: Path) -> None:
    info = probe(landscape)
    with pytest.raises(TranscodeFailed):
        images.make_poster(FFMPEG, tmp_path / "gone.mp4", info, tmp_path)
    fifo = tmp_path / "stuck.mp4"  # ffmpeg blocks opening it: never any data
    os.mkfifo(fifo)
    started = time.monotonic()
    with pytest.raises(TranscodeTimeout):
        images.make_storyboard(FFMPEG, fifo, info, tmp_path, timeout=1.0)
    assert time.monotonic() - started < 4
    assert processes_with(str(fifo)) == []
