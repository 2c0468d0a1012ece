"""Poster, thumbnail candidates and the seek-preview storyboard.

Each function is one ffmpeg run with the same input pinning as the transcode
(`probe.input_args`), a wall-clock limit and argv lists only. Frames are picked
with ffmpeg's `thumbnail` filter, which chooses the frame closest to the
average of a batch: that skips black frames, fades and flashes. Frames are
scaled down *before* the filter because it holds the whole batch in memory.

Stills do not need every frame decoded, and decoding is most of their cost.
For H.264/MPEG-2/MPEG-4 sources B-frames are skipped (about half the decode
work for typical camera and encoder output; the frame picked is then a frame
or two away). Not for HEVC: its encoders code most frames as generalised B,
so skipping them could leave only keyframes. If a run with skipping yields no
image, it is repeated decoding everything.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path

from cosmostream.media import _process
from cosmostream.media.errors import TranscodeFailed
from cosmostream.media.probe import ProbeResult, input_args, source_filters

CARD_BOX = (640, 360)  # portrait videos get a narrow card poster, letterboxed by the UI
PLAYER_BOX = (1280, 1280)  # at most 1280 wide, and a portrait one at most 1280 tall
PER_SHEET = 100  # storyboard tiles per sprite sheet
_BATCH = 30  # frames the thumbnail filter compares (memory: 30 scaled frames)
_POSTER_WINDOW = 10.0  # seconds decoded for the poster
_CANDIDATE_WINDOW = 2.0
_WEBP = ["-c:v", "libwebp", "-quality", "82", "-compression_level", "4"]
_JPEG = ["-c:v", "mjpeg", "-q:v", "3", "-update", "1"]
# JPEG is full range. Left to format negotiation the mjpeg encoder is
# sometimes handed limited-range frames and refuses to open; convert explicitly.
_JPEG_RANGE = "format=yuvj420p"
_SKIP_B_FRAMES = ["-skip_frame", "bidir"]
_SKIP_TO_KEYFRAMES = ["-skip_frame", "nokey"]

Command = Callable[[list[str]], list[str]]


def make_poster(
    ffmpeg: str,
    source: Path,
    probe: ProbeResult,
    out_dir: Path,
    *,
    timeout: float | None = None,
) -> dict[str, Path]:
    """A representative frame from 10-30 % into the video, in card and player sizes.

    Returns `{"player_webp", "player_jpeg", "card_webp", "card_jpeg"}` → path.
    The card fits 640x360 (list and grid cards), the player version 1280x1280
    (1280 wide for landscape); neither is larger than the source. The JPEGs
    are a fallback for clients without WebP (e-mail, some link previews).
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    start = probe.duration * 0.10
    window = min(probe.duration * 0.20, _POSTER_WINDOW)
    window = max(window, min(1.0, probe.duration - start))
    player, card = _fit(probe, PLAYER_BOX), _fit(probe, CARD_BOX)
    chain, frames = _sample_chain(probe, window, player)
    graph = (
        f"{_video_label(probe)}{chain},thumbnail=n={frames},split=3[p1][pj][c];"
        f"[pj]{_JPEG_RANGE}[p2];"
        f"[c]scale={card[0]}:{card[1]}:flags=bicubic,split=2[c1][cj];"
        f"[cj]{_JPEG_RANGE}[c2]"
    )
    paths = {
        "player_webp": out_dir / "poster.webp",
        "player_jpeg": out_dir / "poster.jpg",
        "card_webp": out_dir / "poster_card.webp",
        "card_jpeg": out_dir / "poster_card.jpg",
    }

    def command(skip: list[str]) -> list[str]:
        return [
            *_base(ffmpeg),
            *skip,
            *input_args(probe, source, start=start, length=window),
            "-filter_complex", graph,
            "-map", "[p1]", "-frames:v", "1", *_WEBP, str(paths["player_webp"]),
            "-map", "[p2]", "-frames:v", "1", *_JPEG, str(paths["player_jpeg"]),
            "-map", "[c1]", "-frames:v", "1", *_WEBP, str(paths["card_webp"]),
            "-map", "[c2]", "-frames:v", "1", *_JPEG, str(paths["card_jpeg"]),
        ]  # fmt: skip

    _run_stills(command, list(paths.values()), _skip_b_frames(probe), _timeout(probe, timeout))
    return paths


def make_thumbnail_candidates(
    ffmpeg: str,
    source: Path,
    probe: ProbeResult,
    out_dir: Path,
    *,
    positions: tuple[float, ...] = (0.2, 0.5, 0.8),
    timeout: float | None = None,
) -> list[Path]:
    """Thumbnail candidates (WebP, player size) from different parts of the video.

    One ffmpeg with one seeked input per position; each picks the most
    representative frame of a two-second window there.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    size = _fit(probe, PLAYER_BOX)
    windows: list[tuple[float, float]] = []
    graph: list[str] = []
    outputs: list[str] = []
    paths: list[Path] = []
    for i, position in enumerate(positions):
        start = probe.duration * position
        window = max(min(_CANDIDATE_WINDOW, probe.duration - start), 0.1)
        start = max(0.0, min(start, probe.duration - window))
        windows.append((start, window))
        chain, frames = _sample_chain(probe, window, size)
        graph.append(f"{_video_label(probe, i)}{chain},thumbnail=n={frames}[t{i}]")
        path = out_dir / f"candidate_{i + 1}.webp"
        outputs += ["-map", f"[t{i}]", "-frames:v", "1", *_WEBP, str(path)]
        paths.append(path)

    def command(skip: list[str]) -> list[str]:
        cmd = _base(ffmpeg)
        for start, window in windows:
            cmd += [*skip, *input_args(probe, source, start=start, length=window)]
        return [*cmd, "-filter_complex", ";".join(graph), *outputs]

    _run_stills(command, paths, _skip_b_frames(probe), _timeout(probe, timeout))
    return paths


def storyboard_interval(duration: float) -> float:
    """Seconds between preview tiles: every second up to 5 minutes, then 300 tiles."""
    return max(1.0, duration / 300)


def make_storyboard(
    ffmpeg: str,
    source: Path,
    probe: ProbeResult,
    out_dir: Path,
    *,
    interval: float | None = None,
    tile_width: int = 160,
    columns: int = 10,
    timeout: float | None = None,
) -> tuple[Path, Path]:
    """Sprite sheet(s) of preview tiles plus a WebVTT thumbnails track.

    Returns `(first_sheet, vtt)`. Up to `PER_SHEET` tiles go on one sheet,
    `storyboard.jpg`; longer videos get `storyboard_1.jpg`, `_2`, ... (the
    first is returned, the VTT names each). Cues look like
    `00:00:02.000 --> 00:00:04.000` / `storyboard.jpg#xywh=160,0,160,90`,
    the format players' seek-preview plugins read. For long videos (a tile
    every 5 s or more) only keyframes are decoded: a preview within a GOP of
    its time is good enough for seeking, and a full decode of a long video
    would cost a noticeable share of the transcode.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    step = (
        interval if interval is not None and interval > 0 else storyboard_interval(probe.duration)
    )
    # fps= with eof_action=pass emits a frame for every started interval, and
    # always at least one (its default drops a final partial interval).
    tiles = max(1, math.ceil(probe.duration / step - 1e-6))
    tile_w = tile_width
    tile_h = max(2, 2 * round(tile_width * probe.height / probe.width / 2))
    columns = max(1, min(columns, tiles))  # a short video gets a narrow sheet
    rows = math.ceil(min(tiles, PER_SHEET) / columns)
    per_sheet = rows * columns
    sheets = math.ceil(tiles / per_sheet)
    rate = Fraction(1 / step).limit_denominator(1000)
    pattern = out_dir / "storyboard_%d.jpg"
    graph = (
        f"{_video_label(probe)}{source_filters(probe)}"
        f"fps={rate.numerator}/{rate.denominator}:eof_action=pass,"
        f"scale={tile_w}:{tile_h}:flags=bicubic,setsar=1,{_JPEG_RANGE},tile={columns}x{rows}[s]"
    )

    def command(skip: list[str]) -> list[str]:
        return [
            *_base(ffmpeg),
            *skip,
            *input_args(probe, source, length=probe.duration),
            "-filter_complex", graph,
            "-map", "[s]", "-c:v", "mjpeg", "-q:v", "5", "-start_number", "1",
            str(pattern),
        ]  # fmt: skip

    for old in out_dir.glob("storyboard*.jpg"):
        old.unlink()  # a re-run must not leave sheets of an earlier layout behind
    produced = [out_dir / f"storyboard_{n}.jpg" for n in range(1, sheets + 1)]
    skip = _SKIP_TO_KEYFRAMES if step >= 5.0 else _skip_b_frames(probe)
    _run_stills(command, produced, skip, _timeout(probe, timeout, full_decode=True))
    if sheets == 1:
        produced[0] = produced[0].rename(out_dir / "storyboard.jpg")

    cues = ["WEBVTT", ""]
    for k in range(tiles):
        start = k * step
        end = probe.duration if k == tiles - 1 else (k + 1) * step
        slot = k % per_sheet
        x, y = (slot % columns) * tile_w, (slot // columns) * tile_h
        cues += [
            f"{_timestamp(start)} --> {_timestamp(max(end, start + 0.001))}",
            f"{produced[k // per_sheet].name}#xywh={x},{y},{tile_w},{tile_h}",
            "",
        ]
    vtt = out_dir / "storyboard.vtt"
    vtt.write_text("\n".join(cues), encoding="utf-8")
    return produced[0], vtt


def _fit(probe: ProbeResult, box: tuple[int, int]) -> tuple[int, int]:
    """The largest size inside `box` with the source's aspect, never above the source."""
    scale = min(box[0] / probe.width, box[1] / probe.height, 1.0)
    return max(2, round(probe.width * scale)), max(2, round(probe.height * scale))


def _timeout(probe: ProbeResult, given: float | None, full_decode: bool = False) -> float:
    if given is not None:
        return given
    # Decoding runs many times faster than real time even for 4K HEVC on two
    # cores; real time plus two minutes only stops runs that are truly stuck.
    return 120.0 + (probe.duration if full_decode else 0.0)


def _sample_chain(probe: ProbeResult, seconds: float, size: tuple[int, int]) -> tuple[str, int]:
    """Filters that thin a window to at most `_BATCH` frames and scale them."""
    frames = max(1, min(_BATCH, math.ceil(seconds * max(probe.fps, 1.0))))
    rate = Fraction(frames / max(seconds, 0.001)).limit_denominator(1000)
    chain = (
        f"{source_filters(probe)}fps={rate.numerator}/{rate.denominator},"
        f"scale={size[0]}:{size[1]}:flags=bicubic,setsar=1"
    )
    return chain, frames


def _video_label(probe: ProbeResult, input_index: int = 0) -> str:
    stream = probe.video_stream if probe.video_stream is not None else "v:0"
    return f"[{input_index}:{stream}]"


def _base(ffmpeg: str) -> list[str]:
    return [ffmpeg, "-nostdin", "-hide_banner", "-loglevel", "error", "-y"]


def _skip_b_frames(probe: ProbeResult) -> list[str]:
    return _SKIP_B_FRAMES if probe.video_codec in ("h264", "mpeg2video", "mpeg4") else []


def _run_stills(command: Command, outputs: list[Path], skip: list[str], timeout: float) -> None:
    """Run with frame skipping, then once more decoding everything if nothing came out."""
    for path in outputs:
        path.unlink(missing_ok=True)  # files from an earlier run must not count
    missing: list[str] = []
    for attempt in [skip, []] if skip else [[]]:
        cmd = command(attempt)
        _process.run_ffmpeg(cmd, timeout=timeout)
        missing = [str(p) for p in outputs if not p.is_file() or p.stat().st_size == 0]
        if not missing:
            return
    # ffmpeg exits 0 when its window held no decodable frame; say so plainly.
    raise TranscodeFailed(detail=f"ffmpeg produced no image: {missing}")


def _timestamp(seconds: float) -> str:
    millis = round(seconds * 1000)
    hours, millis = divmod(millis, 3_600_000)
    minutes, millis = divmod(millis, 60_000)
    secs, millis = divmod(millis, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}.{millis:03d}"
