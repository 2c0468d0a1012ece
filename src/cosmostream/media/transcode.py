"""One ffmpeg process per video: decode once, encode the whole HLS ladder.

Layout written into `out_dir`::

    master.m3u8                 written by us (write_master_playlist)
    v0/index.m3u8               one media playlist per rung, EVENT → VOD
    v0/init_0.mp4               fMP4 init segment (v1/init_1.mp4, ...)
    v0/seg_00000.m4s ...        4 s fMP4 segments

Design choices:

- *Decode once, split*: the source is decoded, frame-rate capped and split
  inside one filter graph; each branch is scaled and encoded by its own x264.
  Decoding (the expensive part for HEVC/AV1 and 4K sources) happens once.
- *Aligned keyframes*: every rung gets the same frames (the fps filter sits
  before the split), a fixed GOP (`-g` = `-keyint_min`), no scene-cut
  keyframes and keyframes forced at every `gop_seconds` of timestamp, so
  segment boundaries fall on the same instants in every rung and a player can
  switch rungs at any boundary.
- *Audio muxed into every rung* (`v:i,a:i` in `-var_stream_map`) rather than
  one shared audio group: each rung is then self-contained, which is the
  simplest and most robust path in hls.js (no separate audio track and buffer
  to keep in sync, no audio track switching on level switches) and in Safari.
  The cost is one small AAC encode per rung, a few percent of the x264 work.
- *Watch while processing*: playlists are EVENT playlists from the first
  segment on; `temp_file` makes ffmpeg write segments and playlists to a
  `.tmp` name and rename them when complete, so a listed segment is always
  whole. We write the master ourselves (ffmpeg's lacks AVERAGE-BANDWIDTH and
  FRAME-RATE, and ffmpeg writing its own `master.m3u8` at the moment every
  rung has its first segment would race with ours, so it is not asked to).
"""

from __future__ import annotations

import math
import os
import queue
import re
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

import av

from cosmostream.media import _process
from cosmostream.media.errors import TranscodeFailed, TranscodeTimeout
from cosmostream.media.ladder import Rung
from cosmostream.media.probe import ProbeLimits, ProbeResult, input_args, source_filters

MASTER = "master.m3u8"
PLAYLIST = "index.m3u8"
AUDIO_CODEC = "mp4a.40.2"  # AAC-LC, what ffmpeg's native encoder produces
_SLACK_SECONDS = 2.0
X264_PRESETS = (
    "ultrafast", "superfast", "veryfast", "faster", "fast", "medium", "slow", "slower",
    "veryslow", "placebo",
)  # fmt: skip
_REPORT_EVERY = 0.5


def variant_dir(out_dir: Path, index: int) -> Path:
    """Directory of rung `index` (the `%v` of ffmpeg's output pattern)."""
    return out_dir / f"v{index}"


def default_max_duration(probe: ProbeResult) -> float:
    """Output cap when the caller gives none: the probed duration plus a margin.

    A header that understates the duration then cannot make us encode hours of
    hidden content; the margin covers containers whose duration is a little
    short of their last frame.
    """
    return min(ProbeLimits().max_duration, probe.duration * 1.05 + _SLACK_SECONDS)


def build_command(
    ffmpeg: str,
    source: Path,
    probe: ProbeResult,
    rungs: list[Rung],
    out_dir: Path,
    *,
    segment_seconds: int = 4,
    gop_seconds: int = 2,
    max_duration: float | None = None,
    preset: str = "veryfast",
) -> list[str]:
    """The argv of the single ffmpeg that encodes every rung into `out_dir`.

    Nothing in it comes from the upload: paths are ours, numbers are
    formatted by us, the container is the pinned demuxer name.
    """
    if not rungs:
        raise ValueError("at least one rung is needed")
    if "%" in str(out_dir):
        raise ValueError("out_dir must not contain '%' (ffmpeg expands it in output patterns)")
    if segment_seconds % gop_seconds:
        raise ValueError("segment_seconds must be a multiple of gop_seconds")
    if preset not in X264_PRESETS:
        raise ValueError(f"unknown x264 preset {preset!r}")
    cap = max_duration if max_duration is not None else default_max_duration(probe)
    n = len(rungs)
    has_audio = probe.has_audio

    graph = _video_graph(probe, rungs)
    if has_audio:
        audio_in = f"0:{probe.audio_stream}" if probe.audio_stream is not None else "0:a:0"
        # Downmix to stereo 48 kHz once, then give each rung its own copy.
        graph.append(
            # async: fill gaps and follow timestamps (live recordings drift).
            f"[{audio_in}]aresample=48000:async=1,"
            "aformat=sample_fmts=fltp:sample_rates=48000:channel_layouts=stereo,"
            f"asplit={n}" + "".join(f"[a{i}]" for i in range(n))
        )

    cmd = [
        ffmpeg, "-nostdin", "-hide_banner", "-loglevel", "warning", "-nostats",
        "-progress", "pipe:1", "-stats_period", "0.5",
        *input_args(probe, source, length=cap),
        "-filter_complex", ";".join(graph),
    ]  # fmt: skip
    stream_map = []
    for i in range(n):
        cmd += ["-map", f"[v{i}]"]
        if has_audio:
            cmd += ["-map", f"[a{i}]"]
        stream_map.append(f"v:{i},a:{i}" if has_audio else f"v:{i}")

    fps = Fraction(rungs[0].fps).limit_denominator(1001)
    gop = max(1, round(fps * gop_seconds))
    cmd += [
        "-c:v", "libx264", "-profile:v", "high", "-preset", preset,
        "-g", str(gop), "-keyint_min", str(gop), "-sc_threshold", "0",
        "-force_key_frames", f"expr:gte(t,n_forced*{gop_seconds})",
    ]  # fmt: skip
    for i, rung in enumerate(rungs):
        cmd += [
            f"-crf:v:{i}", str(rung.crf),
            f"-maxrate:v:{i}", str(rung.max_bitrate),
            f"-bufsize:v:{i}", str(rung.bufsize),
        ]  # fmt: skip
    if has_audio:
        cmd += ["-c:a", "aac", "-ac", "2", "-ar", "48000"]
        for i, rung in enumerate(rungs):
            cmd += [f"-b:a:{i}", str(rung.audio_bitrate)]
    cmd += [
        # Uploads carry camera/phone metadata (GPS position, device); drop it.
        "-map_metadata", "-1", "-map_chapters", "-1",
        "-f", "hls",
        "-hls_time", str(segment_seconds),
        "-hls_list_size", "0",
        "-hls_playlist_type", "event",
        "-hls_segment_type", "fmp4",
        "-hls_flags", "independent_segments+temp_file",
        # ffmpeg names a variant's init segment init_<N>.mp4 when there are
        # several variants but init.mp4 for just one; name it init_0.mp4 then,
        # so the layout is always v<N>/init_<N>.mp4.
        "-hls_fmp4_init_filename", "init.mp4" if n > 1 else "init_0.mp4",
        "-hls_segment_filename", str(out_dir / "v%v" / "seg_%05d.m4s"),
        "-var_stream_map", " ".join(stream_map),
        str(out_dir / "v%v" / PLAYLIST),
    ]  # fmt: skip
    return cmd


def _video_graph(probe: ProbeResult, rungs: list[Rung]) -> list[str]:
    video_in = f"0:{probe.video_stream}" if probe.video_stream is not None else "0:v:0"
    n = len(rungs)
    rates = {Fraction(r.fps).limit_denominator(1001) for r in rungs}
    # The fps filter always runs: it turns VFR into a steady cadence, caps the
    # rate even if the header lied about it, and placed before the split it
    # hands every rung the very same frames (aligned keyframes).
    shared_fps = f"fps={_rational(next(iter(rates)))}," if len(rates) == 1 else ""
    head = f"[{video_in}]{source_filters(probe)}{shared_fps}split={n}"
    graph = [head + "".join(f"[s{i}]" for i in range(n))]
    for i, rung in enumerate(rungs):
        own_fps = "" if shared_fps else f"fps={_rational(Fraction(rung.fps))},"
        # Explicit W:H (not -2): the output size never follows the input, so a
        # mid-stream resolution change cannot change a rung's size.
        graph.append(
            f"[s{i}]{own_fps}scale={rung.width}:{rung.height}:flags=bicubic,"
            f"setsar=1,format=yuv420p[v{i}]"
        )
    return graph


def _rational(value: Fraction) -> str:
    value = value.limit_denominator(1001)
    return f"{value.numerator}/{value.denominator}"


# ----------------------------------------------------------------------------
# Running ffmpeg


def run_transcode(
    cmd: list[str],
    *,
    duration: float,
    on_progress: Callable[[float], None],
    timeout: float,
    stall_timeout: float = 60,
) -> None:
    """Run the encode, reporting progress, under a wall-clock and a stall watchdog.

    `on_progress` receives a fraction in [0, 1] that never decreases, at most
    about twice a second, and 1.0 once ffmpeg succeeded. It is called from this
    thread. The whole process group is SIGKILLed on a timeout
    (`TranscodeTimeout`), when the output time has not advanced for
    `stall_timeout` seconds (`TranscodeFailed`, transient), and when anything
    (including `on_progress`) raises. A non-zero exit raises `TranscodeFailed`
    whose `detail` (logs only) holds ffmpeg's last stderr lines.
    """
    proc = _process.spawn(cmd)
    assert proc.stdout is not None
    assert proc.stderr is not None
    lines: queue.Queue[str | None] = queue.Queue()
    tail = _process.Tail()
    readers = [
        _process.LineReader(proc.stdout, lines.put),
        _process.LineReader(proc.stderr, tail.add),
    ]
    for reader in readers:
        reader.start()
    progress = _ProgressState(duration, on_progress)
    start = time.monotonic()
    last_advance = start
    stdout_open = True
    try:
        while True:
            now = time.monotonic()
            if now - start >= timeout:
                raise TranscodeTimeout(detail=_process.detail(cmd, tail))
            if now - last_advance >= stall_timeout:
                raise TranscodeFailed(
                    "Processing stalled.", transient=True, detail=_process.detail(cmd, tail)
                )
            if not stdout_open:
                if _process.exited(proc):
                    break
                time.sleep(0.05)
                continue
            try:
                line = lines.get(timeout=0.2)
            except queue.Empty:
                continue
            if line is None:
                stdout_open = False
            elif progress.feed(line, now):
                last_advance = now
        code = _process.finish(proc)
    except BaseException:
        _process.kill_group(proc)
        raise
    finally:
        for reader in readers:
            reader.join(timeout=5)
        proc.stdout.close()
        proc.stderr.close()
    if code != 0:
        # Killed by a signal (OOM killer, an operator) may well work next time;
        # an error exit on the same input will fail the same way again.
        raise TranscodeFailed(transient=code < 0, detail=_process.detail(cmd, tail, code))
    progress.done()


class _ProgressState:
    """Parses `-progress` blocks; throttles and orders the callback."""

    def __init__(self, duration: float, callback: Callable[[float], None]) -> None:
        self.duration = max(duration, 0.001)
        self.callback = callback
        self.reported = 0.0
        self.reported_at = -math.inf
        self.marker: tuple[int, int, int] = (-1, -1, -1)
        self.out_time_us = -1
        self.frame = -1
        self.size = -1

    def feed(self, line: str, now: float) -> bool:
        """Take one `key=value` line; True when the encode visibly advanced."""
        key, _, value = line.partition("=")
        if key == "out_time_us":
            self.out_time_us = _int(value, self.out_time_us)
        elif key == "frame":
            self.frame = _int(value, self.frame)
        elif key == "total_size":
            self.size = _int(value, self.size)
        elif key == "progress":
            marker = (self.out_time_us, self.frame, self.size)
            # Any of output time, frames or bytes moving on counts as life;
            # ffmpeg prints a block every period even when nothing moves.
            advanced = any(new > old for new, old in zip(marker, self.marker, strict=True))
            if advanced:
                self.marker = (
                    max(marker[0], self.marker[0]),
                    max(marker[1], self.marker[1]),
                    max(marker[2], self.marker[2]),
                )
                self._report(self.out_time_us / 1e6 / self.duration, now)
            return advanced
        return False

    def _report(self, fraction: float, now: float) -> None:
        fraction = min(max(fraction, 0.0), 1.0)
        if fraction <= self.reported:
            return
        if now - self.reported_at < _REPORT_EVERY and fraction - self.reported < 0.05:
            return
        self.reported, self.reported_at = fraction, now
        self.callback(fraction)

    def done(self) -> None:
        if self.reported < 1.0:
            self.reported = 1.0
            self.callback(1.0)


def _int(text: str, default: int) -> int:
    try:
        return int(text)
    except ValueError:
        return default  # "N/A" before the first packet


# ----------------------------------------------------------------------------
# Playlists


@dataclass(frozen=True)
class MediaPlaylist:
    """What we need from one of ffmpeg's media playlists."""

    init: str | None
    segments: list[tuple[float, str]]
    target_duration: float
    ended: bool


def read_media_playlist(path: Path) -> MediaPlaylist | None:
    """Parse a media playlist; None when it does not exist (yet)."""
    try:
        text = path.read_text("utf-8")
    except (FileNotFoundError, NotADirectoryError):
        return None
    init: str | None = None
    segments: list[tuple[float, str]] = []
    target = 0.0
    pending: float | None = None
    for raw in text.splitlines():
        line = raw.strip()
        if line.startswith("#EXT-X-MAP:"):
            match = re.search(r'URI="([^"]+)"', line)
            init = match.group(1) if match else None
        elif line.startswith("#EXT-X-TARGETDURATION:"):
            target = float(line.split(":", 1)[1] or 0)
        elif line.startswith("#EXTINF:"):
            pending = float(line.split(":", 1)[1].split(",", 1)[0])
        elif line and not line.startswith("#") and pending is not None:
            segments.append((pending, line))
            pending = None
    return MediaPlaylist(init, segments, target, "#EXT-X-ENDLIST" in text)


def first_segments_ready(out_dir: Path, n_rungs: int) -> bool:
    """True once every rung has its init segment and at least one whole segment.

    That is the moment the master playlist can be published and viewers can
    start watching while the rest is still being encoded.
    """
    for i in range(n_rungs):
        vdir = variant_dir(out_dir, i)
        playlist = read_media_playlist(vdir / PLAYLIST)
        if playlist is None or not playlist.segments or playlist.init is None:
            return False
        if not (vdir / playlist.init).is_file() or not (vdir / playlist.segments[0][1]).is_file():
            return False
    return True


@dataclass(frozen=True)
class VariantStats:
    """Measured bit rates of one rung (segment bytes, audio included)."""

    peak: int
    average: int
    segments: int
    ended: bool


def variant_stats(vdir: Path) -> VariantStats | None:
    """Peak and average bit rate from the segments written so far.

    Peak follows the HLS definition: the highest rate of any run of
    consecutive segments lasting 0.5-1.5 x the target duration, so a short
    final segment cannot inflate BANDWIDTH (players would then avoid the rung).
    """
    playlist = read_media_playlist(vdir / PLAYLIST)
    if playlist is None:
        return None
    sized: list[tuple[float, int]] = []
    for duration, uri in playlist.segments:
        try:
            sized.append((duration, (vdir / uri).stat().st_size))
        except FileNotFoundError:
            break
    if not sized:
        return VariantStats(0, 0, 0, playlist.ended)
    total_time = sum(d for d, _ in sized)
    total_bits = 8 * sum(s for _, s in sized)
    average = total_bits / total_time if total_time > 0 else 0.0
    target = playlist.target_duration or max(d for d, _ in sized)
    peak = 0.0
    for start in range(len(sized)):
        seconds, bits = 0.0, 0
        for duration, size in sized[start:]:
            seconds += duration
            bits += 8 * size
            if seconds > 1.5 * target:
                break
            if seconds >= 0.5 * target:
                peak = max(peak, bits / seconds)
    if peak == 0.0:  # shorter than half a target duration in all
        peak = average
    return VariantStats(math.ceil(peak), math.ceil(average), len(sized), playlist.ended)


def codec_string(vdir: Path, rung: Rung) -> str:
    """`avc1.PPCCLL` from the init segment's avcC box, or computed as a fallback."""
    playlist = read_media_playlist(vdir / PLAYLIST)
    if playlist is not None and playlist.init:
        try:
            data = (vdir / playlist.init).read_bytes()
        except FileNotFoundError:
            data = b""
        at = data.find(b"avcC")
        if at >= 0 and len(data) >= at + 8 and data[at + 4] == 1:
            profile, compat, level = data[at + 5], data[at + 6], data[at + 7]
            return f"avc1.{profile:02x}{compat:02x}{level:02x}"
    return f"avc1.6400{h264_level(rung.width, rung.height, rung.fps, rung.max_bitrate):02x}"


# (level_idc, max macroblocks/s, max frame size in macroblocks, max kb/s for Main)
_LEVELS = (
    (10, 1485, 99, 64), (11, 3000, 396, 192), (12, 6000, 396, 384), (13, 11880, 396, 768),
    (20, 11880, 396, 2000), (21, 19800, 792, 4000), (22, 20250, 1620, 4000),
    (30, 40500, 1620, 10000), (31, 108000, 3600, 14000), (32, 216000, 5120, 20000),
    (40, 245760, 8192, 20000), (41, 245760, 8192, 50000), (42, 522240, 8704, 50000),
    (50, 589824, 22080, 135000), (51, 983040, 36864, 240000), (52, 2073600, 36864, 240000),
    (60, 4177920, 139264, 240000), (61, 8355840, 139264, 480000), (62, 16711680, 139264, 800000),
)  # fmt: skip


def h264_level(width: int, height: int, fps: float, max_bitrate: int) -> int:
    """The lowest H.264 level (level_idc) that fits size, rate and bit rate (High)."""
    frame_mbs = math.ceil(width / 16) * math.ceil(height / 16)
    mbs_per_second = frame_mbs * fps
    for level, max_mbps, max_fs, max_kbps in _LEVELS:
        if frame_mbs <= max_fs and mbs_per_second <= max_mbps and max_bitrate <= max_kbps * 1250:
            return level
    return _LEVELS[-1][0]


def write_master_playlist(out_dir: Path, rungs: list[Rung], probe: ProbeResult) -> None:
    """(Re)write `master.m3u8` atomically with full STREAM-INF attributes.

    While a rung is still being encoded its BANDWIDTH is at least the rung's
    ceiling (the encoder may still reach it); once its playlist has ENDLIST the
    measured values are used. Rungs are listed starting with the one nearest
    720p, because Safari starts playback with the first listed variant (hls.js
    orders by bandwidth itself).
    """
    entries: list[tuple[int, str]] = []
    for i, rung in enumerate(rungs):
        vdir = variant_dir(out_dir, i)
        stats = variant_stats(vdir)
        ceiling = rung.max_bitrate + (rung.audio_bitrate if probe.has_audio else 0)
        if stats is not None and stats.ended and stats.segments:
            peak, average = stats.peak, stats.average
        elif stats is not None and stats.segments:
            peak, average = max(stats.peak, ceiling), min(stats.average, ceiling)
        else:
            peak, average = ceiling, ceiling
        average = min(average, peak)
        codecs = codec_string(vdir, rung)
        if probe.has_audio:
            codecs += f",{AUDIO_CODEC}"
        entries.append(
            (
                i,
                f"#EXT-X-STREAM-INF:BANDWIDTH={peak},AVERAGE-BANDWIDTH={average},"
                f'RESOLUTION={rung.width}x{rung.height},CODECS="{codecs}",'
                f"FRAME-RATE={rung.fps:.3f}\n"
                f"v{i}/{PLAYLIST}\n",
            )
        )
    start = min(range(len(rungs)), key=lambda i: abs(min(rungs[i].width, rungs[i].height) - 720))
    entries.sort(key=lambda entry: (entry[0] != start, entry[0]))
    text = "#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-INDEPENDENT-SEGMENTS\n" + "".join(
        body for _, body in entries
    )
    atomic_write(out_dir / MASTER, text)


def finalize_playlists(out_dir: Path) -> None:
    """Turn every media playlist into a VOD playlist (type VOD + ENDLIST).

    Also removes `.tmp` leftovers and checks that every listed segment exists,
    so a finished ladder is complete or the job fails.
    """
    dirs = sorted(p for p in out_dir.glob("v*") if p.is_dir() and p.name[1:].isdigit())
    if not dirs:
        raise TranscodeFailed(detail=f"no variant playlists in {out_dir}")
    for leftover in out_dir.glob(".*.tmp"):
        leftover.unlink(missing_ok=True)  # our own atomic_write after a crash
    for vdir in dirs:
        for leftover in vdir.glob("*.tmp"):
            leftover.unlink(missing_ok=True)
        path = vdir / PLAYLIST
        playlist = read_media_playlist(path)
        if playlist is None or not playlist.segments:
            raise TranscodeFailed(detail=f"{path} is missing or empty")
        missing = [uri for _, uri in playlist.segments if not (vdir / uri).is_file()]
        if playlist.init is None or not (vdir / playlist.init).is_file():
            missing.append(playlist.init or "init segment")
        if missing:
            raise TranscodeFailed(detail=f"{path} lists missing files: {missing[:5]}")
        lines = path.read_text("utf-8").splitlines()
        lines = [line for line in lines if line.strip() and line.strip() != "#EXT-X-ENDLIST"]
        typed = False
        for n, line in enumerate(lines):
            if line.startswith("#EXT-X-PLAYLIST-TYPE:"):
                lines[n] = "#EXT-X-PLAYLIST-TYPE:VOD"
                typed = True
        if not typed:
            lines.insert(1, "#EXT-X-PLAYLIST-TYPE:VOD")
        lines.append("#EXT-X-ENDLIST")
        atomic_write(path, "\n".join(lines) + "\n")


def probe_output(out_dir: Path) -> list[dict[str, Any]]:
    """Per-rung facts for the database, highest first.

    Each item: `height`, `width`, `bandwidth` (peak b/s), `average_bandwidth`,
    `codecs`, `playlist` (relative to `out_dir`). Sizes are read from each
    rung's init segment, so they describe what was really produced.
    """
    renditions: list[dict[str, Any]] = []
    dirs = sorted(p for p in out_dir.glob("v*") if p.is_dir() and p.name[1:].isdigit())
    for vdir in dirs:
        playlist = read_media_playlist(vdir / PLAYLIST)
        stats = variant_stats(vdir)
        if playlist is None or playlist.init is None or stats is None:
            continue
        with av.open(
            str(vdir / playlist.init),
            container_options={"protocol_whitelist": "file", "format_whitelist": "mov"},
        ) as container:
            stream = container.streams.video[0]
            width, height = stream.codec_context.width, stream.codec_context.height
            has_audio = bool(container.streams.audio)
        data = (vdir / playlist.init).read_bytes()
        at = data.find(b"avcC")
        codecs = f"avc1.{data[at + 5]:02x}{data[at + 6]:02x}{data[at + 7]:02x}" if at >= 0 else ""
        if has_audio:
            codecs += f",{AUDIO_CODEC}"
        renditions.append(
            {
                "height": height,
                "width": width,
                "bandwidth": stats.peak,
                "average_bandwidth": stats.average,
                "codecs": codecs,
                "playlist": f"{vdir.name}/{PLAYLIST}",
            }
        )
    renditions.sort(key=lambda r: (-min(r["width"], r["height"]), r["playlist"]))
    return renditions


def atomic_write(path: Path, text: str) -> None:
    """Write `text` to `path` so readers see the old or the new file, never half."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o644)  # mkstemp's 0600 would hide it from a web server user
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


__all__ = [
    "build_command",
    "default_max_duration",
    "finalize_playlists",
    "first_segments_ready",
    "probe_output",
    "run_transcode",
    "write_master_playlist",
]
