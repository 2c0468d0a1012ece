"""Poster, thumbnail candidates and the seek-preview storyboard.

Each function is one ffmpeg run with the same input pinning as the transcode
(`probe.input_args`), a wall-clock limit and argv lists only. Frames are picked
with ffmpeg's `thumbnail` filter, which chooses the frame closest to the
average of a batch: that skips black frames, fades and flashes. Frames are
scaled down *before* the filter because it holds the whole batch in memory.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from fractions import Fraction
from pathlib import Path

from cosmostream.media import _process
from cosmostream.media.errors import TranscodeFailed
from cosmostream.media.probe import ProbeResult, input_args

CARD_BOX = (640, 360)  # portrait videos get a narrow card poster, letterboxed by the UI
PLAYER_BOX = (1280, 1280)  # at most 1280 wide, and a portrait one at most 1280 tall
_BATCH = 30  # frames the thumbnail filter compares (memory: 30 scaled frames)
_POSTER_WINDOW = 10.0  # seconds decoded for the poster
_CANDIDATE_WINDOW = 2.0
_WEBP = ["-c:v", "libwebp", "-quality", "82", "-compression_level", "4"]
_JPEG = ["-c:v", "mjpeg", "-q:v", "3", "-update", "1"]
PER_SHEET = 100


def _fit(probe: ProbeResult, box: tuple[int, int]) -> tuple[int, int]:
    """The largest size inside `box` with the source's aspect, never above the source."""
    scale = min(box[0] / probe.width, box[1] / probe.height, 1.0)
    return max(2, round(probe.width * scale)), max(2, round(probe.height * scale))


def _default_timeout(probe: ProbeResult, full_decode: bool = False) -> float:
    # A full decode runs at many times real time even for 4K HEVC on two cores;
    # allowing real time plus two minutes only stops genuinely stuck runs.
    return 120.0 + (probe.duration if full_decode else 0.0)


def _sample_chain(probe: ProbeResult, seconds: float, size: tuple[int, int]) -> tuple[str, int]:
    """Filters that thin a window to at most `_BATCH` frames and scale them."""
    frames = max(1, min(_BATCH, math.ceil(seconds * max(probe.fps, 1.0))))
    rate = Fraction(frames / max(seconds, 0.001)).limit_denominator(1000)
    chain = (
        f"fps={rate.numerator}/{rate.denominator},scale={size[0]}:{size[1]}:flags=bicubic,setsar=1"
    )
    return chain, frames


def _video_label(probe: ProbeResult, input_index: int = 0) -> str:
    stream = probe.video_stream if probe.video_stream is not None else "v:0"
    return f"[{input_index}:{stream}]"


def _base(ffmpeg: str) -> list[str]:
    return [ffmpeg, "-nostdin", "-hide_banner", "-loglevel", "error", "-y"]


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
    The card fits 640x360 (list and grid cards), the player version is at most
    1280 wide (1280 tall for portrait); neither is larger than the source. The
    JPEGs are a fallback for clients (e-mail, link previews) without WebP.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    start = probe.duration * 0.10
    window = min(probe.duration * 0.20, _POSTER_WINDOW)
    window = max(window, min(1.0, probe.duration - start))
    player, card = _fit(probe, PLAYER_BOX), _fit(probe, CARD_BOX)
    chain, frames = _sample_chain(probe, window, player)
    graph = (
        f"{_video_label(probe)}{chain},thumbnail=n={frames},split=3[p1][p2][c];"
        f"[c]scale={card[0]}:{card[1]}:flags=bicubic,split=2[c1][c2]"
    )
    paths = {
        "player_webp": out_dir / "poster.webp",
        "player_jpeg": out_dir / "poster.jpg",
        "card_webp": out_dir / "poster_card.webp",
        "card_jpeg": out_dir / "poster_card.jpg",
    }
    cmd = [
        *_base(ffmpeg),
        *input_args(probe, source, start=start, length=window),
        "-filter_complex", graph,
        "-map", "[p1]", "-frames:v", "1", *_WEBP, str(paths["player_webp"]),
        "-map", "[p2]", "-frames:v", "1", *_JPEG, str(paths["player_jpeg"]),
        "-map", "[c1]", "-frames:v", "1", *_WEBP, str(paths["card_webp"]),
        "-map", "[c2]", "-frames:v", "1", *_JPEG, str(paths["card_jpeg"]),
    ]  # fmt: skip
    _process.run_ffmpeg(cmd, timeout=timeout or _default_timeout(probe))
    _check_written(cmd, paths.values())
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
    cmd = _base(ffmpeg)
    graph: list[str] = []
    outputs: list[str] = []
    paths: list[Path] = []
    for i, position in enumerate(positions):
        start = probe.duration * position
        window = max(min(_CANDIDATE_WINDOW, probe.duration - start), 0.1)
        start = max(0.0, min(start, probe.duration - window))
        chain, frames = _sample_chain(probe, window, size)
        cmd += input_args(probe, source, start=start, length=window)
        graph.append(f"{_video_label(probe, i)}{chain},thumbnail=n={frames}[t{i}]")
        path = out_dir / f"candidate_{i + 1}.webp"
        outputs += ["-map", f"[t{i}]", "-frames:v", "1", *_WEBP, str(path)]
        paths.append(path)
    cmd += ["-filter_complex", ";".join(graph), *outputs]
    _process.run_ffmpeg(cmd, timeout=timeout or _default_timeout(probe))
    _check_written(cmd, paths)
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
    every 5 s or more) only keyframes are decoded: the full decode would cost
    a noticeable share of the transcode, and a preview within a GOP of its
    time is what players show anyway.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    step = (
        interval if interval is not None and interval > 0 else storyboard_interval(probe.duration)
    )
    tiles = max(1, math.floor(probe.duration / step + 0.5))  # what fps= emits
    tile_w = tile_width
    tile_h = max(2, 2 * round(tile_width * probe.height / probe.width / 2))
    columns = max(1, min(columns, tiles))  # a short video gets a narrow sheet
    rows = math.ceil(min(tiles, PER_SHEET) / columns)
    per_sheet = rows * columns
    sheets = math.ceil(tiles / per_sheet)
    rate = Fraction(1 / step).limit_denominator(1000)

    pattern = out_dir / "storyboard_%d.jpg"
    graph = (
        f"{_video_label(probe)}fps={rate.numerator}/{rate.denominator},"
        f"scale={tile_w}:{tile_h}:flags=bicubic,setsar=1,tile={columns}x{rows}[s]"
    )
    decode = ["-skip_frame", "nokey"] if step >= 5.0 else []
    cmd = [
        *_base(ffmpeg),
        *decode,
        *input_args(probe, source, length=probe.duration),
        "-filter_complex", graph,
        "-map", "[s]", "-c:v", "mjpeg", "-q:v", "5", "-start_number", "1",
        str(pattern),
    ]  # fmt: skip
    for old in out_dir.glob("storyboard*.jpg"):
        old.unlink()  # a re-run must not leave sheets of a previous layout
    _process.run_ffmpeg(cmd, timeout=timeout or _default_timeout(probe, full_decode=True))
    produced = [out_dir / f"storyboard_{n}.jpg" for n in range(1, sheets + 1)]
    _check_written(cmd, produced)
    if sheets == 1:
        produced[0] = produced[0].rename(out_dir / "storyboard.jpg")

    cues = ["WEBVTT", ""]
    for k in range(tiles):
        start = k * step
        end = probe.duration if k == tiles - 1 else (k + 1) * step
        sheet = produced[k // per_sheet].name
        slot = k % per_sheet
        x, y = (slot % columns) * tile_w, (slot // columns) * tile_h
        cues += [
            f"{_timestamp(start)} --> {_timestamp(max(end, start + 0.001))}",
            f"{sheet}#xywh={x},{y},{tile_w},{tile_h}",
            "",
        ]
    vtt = out_dir / "storyboard.vtt"
    vtt.write_text("\n".join(cues), encoding="utf-8")
    return produced[0], vtt


def _timestamp(seconds: float) -> str:
    millis = round(seconds * 1000)
    hours, millis = divmod(millis, 3_600_000)
    minutes, millis = divmod(millis, 60_000)
    secs, millis = divmod(millis, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}.{millis:03d}"


def _check_written(cmd: list[str], paths: Iterable[Path]) -> None:
    missing = [str(p) for p in paths if not p.is_file() or p.stat().st_size == 0]
    if missing:
        # ffmpeg exits 0 when a window held no decodable frame; say so plainly.
        raise TranscodeFailed(detail=f"{Path(cmd[0]).name} produced no image: {missing}")
