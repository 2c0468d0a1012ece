"""Safe probing of an untrusted upload with PyAV.

Everything an attacker controls is in the file, so the file is opened with the
narrowest libavformat settings that still read real videos:

- `protocol_whitelist=file`: no network, no `concat:`/`subfile:`/`data:` tricks.
- `format_whitelist`: only the container demuxers below. This is what stops an
  HLS playlist or an ffconcat file disguised as `.mp4`/`.avi` from opening other
  files: those are demuxers (`hls`, `concat`), and the protocol whitelist alone
  would happily let them open any local path (CVE-2016-1898, CVE-2017-9993).
- `codec_whitelist`: `avformat_find_stream_info` decodes a few frames of every
  stream to fill in parameters; only our decoders may run there.
- caps on probe size, analysis duration and stream count, then our own checks
  of resolution, duration and file size.

Before libav sees the file at all, a text file (a playlist, a script, a
subtitle) is refused by sniffing its first bytes: real video containers are
binary. That is defence in depth, not the defence: the format whitelist is
tested on its own too.

The container chosen here is *pinned*: every later ffmpeg command receives
`-f <container>` plus the same whitelists (see `input_args`), so ffmpeg cannot
re-detect the file as something else.
"""

from __future__ import annotations

import itertools
import statistics
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av
import av.error
from av.audio.stream import AudioStream
from av.stream import Disposition
from av.video.stream import VideoStream

from cosmostream.media.errors import MediaTooLarge, UnreadableMedia, UnsupportedMedia


@dataclass(frozen=True)
class ProbeLimits:
    """Upper bounds enforced while probing (and, via `-t`, while transcoding)."""

    max_pixels: int = 8192 * 4320
    max_streams: int = 16
    max_duration: float = 6 * 3600.0
    probe_size: int = 50_000_000
    analyze_duration_us: int = 20_000_000
    max_bytes: int = 20 << 30


# Demuxers we accept. libavformat matches each comma-separated part of a
# demuxer's name against this list, so "mov" alone would admit the whole
# "mov,mp4,m4a,3gp,3g2,mj2" demuxer; the aliases are spelled out so the list
# reads as the set of file types creators actually upload. Chosen because they
# are what cameras, phones, screen recorders, browsers (MediaRecorder → WebM)
# and editors export. Deliberately absent: every playlist/indirection demuxer
# (hls, dash, concat, ffconcat, image2 patterns), raw/text demuxers (tty,
# srt, ...), and rarely used legacy containers (flv, asf/wmv, rm, nut, ...),
# each of which is extra parser surface for very few real uploads. The mov
# demuxer's external data references stay off (its `enable_drefs` default).
FORMAT_WHITELIST: tuple[str, ...] = (
    "mov", "mp4", "m4a", "3gp", "3g2", "mj2", "matroska", "webm", "avi", "mpegts",
)  # fmt: skip

# Every accepted name maps to ONE demuxer name that ffmpeg's `-f` understands.
_PINNED_FORMAT: dict[str, str] = {
    "mov": "mov",
    "mp4": "mov",
    "m4a": "mov",
    "3gp": "mov",
    "3g2": "mov",
    "mj2": "mov",
    "matroska": "matroska",
    "webm": "matroska",
    "avi": "avi",
    "mpegts": "mpegts",
}

_EXTENSIONS = {"mov": ".mp4", "matroska": ".mkv", "avi": ".avi", "mpegts": ".ts"}

# Decoder names (as `ffmpeg -decoders` lists them), checked against the
# decoder libav actually selected. `av1` is the native decoder that needs a
# hardware accelerator; software AV1 decoding is `libdav1d`, listed first by
# both the PyAV and the ffmpeg builds, so that is what runs.
VIDEO_DECODERS: tuple[str, ...] = (
    "h264", "hevc", "vp8", "vp9", "av1", "libdav1d", "mpeg4", "mpeg2video",
)  # fmt: skip
# MP2 and AC-3 are what MPEG-TS from camcorders and TV recordings carry;
# big-endian PCM is how MOV files from cameras and editors store raw audio.
AUDIO_DECODERS: tuple[str, ...] = (
    "aac", "aac_fixed", "mp3float", "mp3", "mp2float", "mp2", "opus", "libopus",
    "vorbis", "libvorbis", "flac", "ac3", "ac3_fixed", "eac3", "alac",
    "pcm_s16le", "pcm_s24le", "pcm_s16be", "pcm_s24be",
)  # fmt: skip

_FRIENDLY_CODEC: dict[str, str] = {
    "prores": "ProRes",
    "dnxhd": "DNxHD/DNxHR",
    "ffv1": "FFV1",
    "mjpeg": "Motion JPEG",
    "jpeg2000": "JPEG 2000",
    "rawvideo": "uncompressed video",
    "wmv1": "Windows Media Video",
    "wmv2": "Windows Media Video",
    "wmv3": "Windows Media Video",
    "vc1": "VC-1",
    "theora": "Theora",
    "cfhd": "CineForm",
    "dts": "DTS",
    "dca": "DTS",
    "truehd": "Dolby TrueHD",
    "wmav2": "Windows Media Audio",
    "amrnb": "AMR",
    "amrwb": "AMR-WB",
    "pcm_s32le": "32-bit PCM",
    "pcm_f32le": "32-bit float PCM",
}

_VIDEO_HINT = "Use H.264, HEVC, VP9 or AV1."
_AUDIO_HINT = "Use AAC, MP3, Opus, Vorbis, FLAC, AC-3 or 16/24-bit PCM."
_SNIFF_BYTES = 4096
# How much we read to prove that the video decodes, and to look at timestamps.
_MAX_PACKETS_FOR_FIRST_FRAME = 600
_TIMESTAMP_SAMPLE = 120
# The file's end is read from this far before the end its header announces. A
# whole file's last packets end within a frame or an audio block of it; one
# whose packets stop further short than `_cut_short_margin` is cut short.
_TAIL_SECONDS = 3.0


@dataclass(frozen=True)
class ProbeResult:
    """What we learned about an accepted upload.

    `width`/`height` are the *display* size: rotation metadata (phones) and
    non-square pixels are already applied, so they are what viewers see.
    `container` is the pinned `-f` name. `video_stream`/`audio_stream` are the
    absolute stream indexes ffmpeg must map (the first real video stream, i.e.
    not cover art, and the first audio stream). `interlaced` is set when the
    first frame is interlaced (TV recordings, DVDs, camcorders).
    """

    container: str
    duration: float
    width: int
    height: int
    rotation: int
    fps: float
    vfr: bool
    video_codec: str
    pix_fmt: str
    audio_codec: str | None
    audio_channels: int
    bit_rate: int | None
    size_bytes: int
    video_stream: int | None = None
    audio_stream: int | None = None
    interlaced: bool = False

    @property
    def extension(self) -> str:
        """File extension for the detected type, for naming stored originals."""
        return _EXTENSIONS.get(self.container, ".bin")

    @property
    def has_audio(self) -> bool:
        return self.audio_codec is not None

    @property
    def short_side(self) -> int:
        return min(self.width, self.height)

    @property
    def portrait(self) -> bool:
        return self.height > self.width


def input_args(
    result: ProbeResult,
    source: Path,
    *,
    start: float | None = None,
    length: float | None = None,
) -> list[str]:
    """The ffmpeg input options for `source`: whitelists, pinned `-f`, then `-i`.

    `start` seeks before opening (fast keyframe seek); `length` caps how much of
    the input is read (`-t` as an input option also stops decoding there).
    """
    limits = ProbeLimits()
    args = [
        "-protocol_whitelist", "file",
        "-format_whitelist", ",".join(FORMAT_WHITELIST),
        "-codec_whitelist", ",".join(VIDEO_DECODERS + AUDIO_DECODERS),
        "-probesize", str(limits.probe_size),
        "-analyzeduration", str(limits.analyze_duration_us),
        "-max_pixels", str(limits.max_pixels),
        "-f", result.container,
    ]  # fmt: skip
    if start is not None and start > 0:
        args += ["-ss", f"{start:.3f}"]
    if length is not None:
        args += ["-t", f"{max(length, 0.001):.3f}"]
    return [*args, "-i", file_url(source)]


def source_filters(result: ProbeResult) -> str:
    """Filters every decoded source frame needs first ("" or ending in a comma).

    Interlaced sources are deinterlaced (bwdif, one frame per frame): scaled
    and shown progressively they would comb. `deint=interlaced` leaves frames
    flagged progressive untouched, so mixed content costs nothing extra.
    """
    return "bwdif=mode=send_frame:parity=auto:deint=interlaced," if result.interlaced else ""


def file_url(path: Path) -> str:
    """An explicit `file:` URL, so no part of the path can be read as a protocol."""
    return "file:" + str(path.resolve())


def probe(path: Path, limits: ProbeLimits = ProbeLimits()) -> ProbeResult:
    """Inspect an upload and accept it, or raise a `MediaRejected` with the reason.

    Decodes one video frame, and reads the packets at the end the header
    announces, so that a file which only *looks* right (a truncated MP4, a
    corrupt stream, a file cut short behind an intact header) is refused here
    rather than turned into a ladder of a few frames.
    """
    size = _check_file(path, limits)
    _refuse_text(path)
    container = _open(path, limits)
    try:
        return _inspect(container, size, limits)
    finally:
        container.close()


def _check_file(path: Path, limits: ProbeLimits) -> int:
    try:
        st = path.stat()
    except OSError as exc:
        raise UnreadableMedia() from exc
    if not path.is_file():
        raise UnreadableMedia()
    if st.st_size == 0:
        raise UnreadableMedia("This file is empty.")
    if st.st_size > limits.max_bytes:
        raise MediaTooLarge(
            f"This file is larger than the maximum of {_human_bytes(limits.max_bytes)}."
        )
    return st.st_size


def _refuse_text(path: Path) -> None:
    """Refuse files whose start is plain text: playlists, ffconcat scripts, notes."""
    with path.open("rb") as fh:
        head = fh.read(_SNIFF_BYTES)
    if b"\x00" in head:
        return  # every container we accept has NUL bytes in its first header
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        # A multi-byte character cut by the 4 KiB boundary is still text.
        if exc.start < len(head) - 3:
            return
    raise UnsupportedMedia(
        "This is a text file (for example a playlist), not a video. Upload the video file itself."
    )


def open_options(limits: ProbeLimits) -> dict[str, str]:
    """libavformat options that confine demuxing of an untrusted file."""
    return {
        "protocol_whitelist": "file",
        "format_whitelist": ",".join(FORMAT_WHITELIST),
        "codec_whitelist": ",".join(VIDEO_DECODERS + AUDIO_DECODERS),
        "probesize": str(limits.probe_size),
        "analyzeduration": str(limits.analyze_duration_us),
        "max_streams": str(limits.max_streams),
    }


def _open(path: Path, limits: ProbeLimits) -> av.container.InputContainer:
    try:
        return av.open(
            file_url(path),
            mode="r",
            container_options=open_options(limits),
            # Stream options reach the decoders avformat_find_stream_info runs,
            # so a header claiming 16383x16383 is refused before allocation.
            options={"max_pixels": str(limits.max_pixels)},
        )
    except av.error.ArgumentError as exc:
        # EINVAL at open: libavformat found a demuxer that is not on the format
        # whitelist ("Format not on whitelist"), e.g. hls, concat or image2.
        raise UnsupportedMedia() from exc
    except av.error.MemoryError as exc:
        # libavformat refuses to create more than `max_streams` streams (ENOMEM).
        raise MediaTooLarge(
            f"This file has more than {limits.max_streams} tracks, which is more than we accept."
        ) from exc
    except (av.error.FFmpegError, OSError) as exc:
        raise UnreadableMedia() from exc


def _inspect(container: av.container.InputContainer, size: int, limits: ProbeLimits) -> ProbeResult:
    pinned = _pinned_format(container.format.name)
    if len(container.streams) > limits.max_streams:
        raise MediaTooLarge(
            f"This file has more than {limits.max_streams} tracks, which is more than we accept."
        )
    video = _first_video(container)
    if video is None:
        raise UnsupportedMedia("This file has no video track.")
    video_decoder = _decoder_name(video)
    if video_decoder not in VIDEO_DECODERS:
        raise UnsupportedMedia(
            f"Videos encoded with {_friendly(video)} are not supported. {_VIDEO_HINT}"
        )
    audio = container.streams.audio[0] if container.streams.audio else None
    audio_decoder: str | None = None
    if audio is not None:
        audio_decoder = _decoder_name(audio)
        if audio_decoder not in AUDIO_DECODERS:
            raise UnsupportedMedia(
                f"Audio encoded with {_friendly(audio)} is not supported. {_AUDIO_HINT}"
            )

    ctx = video.codec_context
    _check_pixels(ctx.width, ctx.height, limits)
    duration = _duration(container, video)
    if duration is not None and duration > limits.max_duration:
        raise MediaTooLarge(_too_long(limits))

    frame_info, pts = _decode_first_frame(container, video, limits)
    width, height, pix_fmt, rotation, interlaced = frame_info
    if duration is None or duration <= 0:
        # Live recordings (browser MediaRecorder WebM, some MKVs) carry no
        # duration; measure it from the timestamps instead of trusting nothing.
        duration = _scan_duration(container, video, pts, limits)
    else:
        _check_complete(container, video, audio, duration, pts)
    if duration > limits.max_duration:
        raise MediaTooLarge(_too_long(limits))

    sar = ctx.sample_aspect_ratio
    if sar is not None and sar > 0 and sar != 1:
        # Anamorphic sources: display width is the stored width times the SAR.
        width = max(2, round(width * sar))
    if rotation in (90, 270):
        width, height = height, width

    fps, vfr = _frame_rate(video, pts)
    return ProbeResult(
        container=pinned,
        duration=round(duration, 3),
        width=width,
        height=height,
        rotation=rotation,
        fps=fps,
        vfr=vfr,
        video_codec=video_decoder,
        pix_fmt=pix_fmt,
        audio_codec=audio_decoder,
        audio_channels=audio.codec_context.channels if audio is not None else 0,
        bit_rate=container.bit_rate or None,
        size_bytes=size,
        video_stream=video.index,
        audio_stream=audio.index if audio is not None else None,
        interlaced=interlaced,
    )


def _pinned_format(name: str) -> str:
    for part in name.split(","):
        if part in _PINNED_FORMAT:
            return _PINNED_FORMAT[part]
    # Unreachable while the whitelist holds, but never hand ffmpeg a guess.
    raise UnsupportedMedia()


def _first_video(container: av.container.InputContainer) -> VideoStream | None:
    for stream in container.streams.video:
        # Cover art in MP4/MKV is a one-picture "video" stream; skip it.
        if not stream.disposition & Disposition.attached_pic:
            return stream
    return None


def _decoder_name(stream: VideoStream | AudioStream) -> str:
    try:
        return str(stream.codec_context.codec.name)
    except Exception:  # no decoder for this codec in this build
        return ""


def _friendly(stream: VideoStream | AudioStream) -> str:
    try:
        name = str(stream.codec_context.codec.name)
    except Exception:
        return "this codec"
    return _FRIENDLY_CODEC.get(name, name.upper() if len(name) <= 6 else name)


def _check_pixels(width: int, height: int, limits: ProbeLimits) -> None:
    if width <= 0 or height <= 0:
        return  # unknown until decoded; checked again on the frame
    if width * height > limits.max_pixels:
        raise MediaTooLarge(
            f"This video is {width}x{height} pixels, which is larger than we accept "
            f"({limits.max_pixels:,} pixels)."
        )


def _too_long(limits: ProbeLimits) -> str:
    hours = limits.max_duration / 3600
    span = f"{hours:g} hours" if hours >= 1 else f"{limits.max_duration / 60:g} minutes"
    return f"This video is longer than the maximum of {span}."


def _duration(container: av.container.InputContainer, video: VideoStream) -> float | None:
    if container.duration and container.duration > 0:
        return container.duration / 1_000_000
    if video.duration and video.time_base:
        return float(video.duration * video.time_base)
    return None


FrameInfo = tuple[int, int, str, int, bool]


def _decode_first_frame(
    container: av.container.InputContainer, video: VideoStream, limits: ProbeLimits
) -> tuple[FrameInfo, list[float]]:
    """Decode one frame; also collect the first packet timestamps (seconds)."""
    ctx = video.codec_context
    # The decoder itself refuses frames above the limit, whatever the header said.
    ctx.options = {"max_pixels": str(limits.max_pixels)}
    time_base = video.time_base or Fraction(1, 1000)
    pts: list[float] = []
    info: FrameInfo | None = None
    try:
        for count, packet in enumerate(container.demux(video)):
            if packet.pts is not None:
                pts.append(float(packet.pts * time_base))
            if info is None:
                for frame in ctx.decode(packet):
                    info = _frame_info(frame, limits)
                    break
                if info is None and count >= _MAX_PACKETS_FOR_FIRST_FRAME:
                    break
            if info is not None and len(pts) >= _TIMESTAMP_SAMPLE:
                break
        if info is None:
            for frame in ctx.decode(None):  # flush: short clips may hold frames back
                info = _frame_info(frame, limits)
                break
    except MediaTooLarge:
        raise
    except (av.error.FFmpegError, OSError, ValueError) as exc:
        if info is None:
            raise UnreadableMedia() from exc
    if info is None:
        raise UnreadableMedia()
    return info, pts


def _frame_info(frame: av.VideoFrame, limits: ProbeLimits) -> FrameInfo:
    _check_pixels(frame.width, frame.height, limits)
    # Display matrices can hold any angle; players only honour quarter turns.
    rotation = (round(frame.rotation / 90) * 90) % 360
    return frame.width, frame.height, frame.format.name, rotation, bool(frame.interlaced_frame)


def _scan_duration(
    container: av.container.InputContainer,
    video: VideoStream,
    pts: list[float],
    limits: ProbeLimits,
) -> float:
    """Demux (without decoding) to the end, stopping as soon as it is too long."""
    time_base = video.time_base or Fraction(1, 1000)
    deltas = [b - a for a, b in itertools.pairwise(sorted(pts)) if b > a]
    # The last frame lasts one frame interval too (and live recordings often
    # leave packet durations unset).
    tail = statistics.median(deltas) if deltas else 0.0
    first = min(pts) if pts else 0.0
    last = max(pts) + tail if pts else 0.0
    try:
        for packet in container.demux(video):
            if packet.pts is None:
                continue
            start = float(packet.pts * time_base)
            if packet.duration:
                last = max(last, start + float(packet.duration * time_base))
            else:
                last = max(last, start + tail)
            if last - first > limits.max_duration:
                raise MediaTooLarge(_too_long(limits))
    except (av.error.FFmpegError, OSError):
        pass  # a damaged tail: use what was readable
    return max(last - first, 0.0)


def _check_complete(
    container: av.container.InputContainer,
    video: VideoStream,
    audio: AudioStream | None,
    duration: float,
    pts: list[float],
) -> None:
    """Refuse a file that stops well before the end its header announces.

    A file cut short (an upload or a copy that did not finish) keeps the header
    written at its start: it opens, its first frame decodes and it claims its
    full duration, yet ffmpeg would turn it into a ladder of a few frames. So
    the duration is checked against what the file really holds: seek to just
    before the announced end and read the packets there. A complete file costs
    only its last seconds; in a cut one the seek finds nothing (or reading falls
    back to the start) and the readable end is far short. Audio counts too, so a
    still picture over a long soundtrack is complete.
    """
    streams: list[VideoStream | AudioStream] = [video] if audio is None else [video, audio]
    starts = [
        float(s.start_time * s.time_base)
        for s in streams
        if s.start_time is not None and s.time_base
    ]
    start = min(starts) if starts else min(pts, default=0.0)
    end = max(pts, default=start)
    time_base = video.time_base or Fraction(1, 1000)
    target = start + max(0.0, duration - _TAIL_SECONDS)
    try:
        container.seek(int(target / time_base), stream=video, backward=True)
        for packet in container.demux(*streams):
            if packet.pts is None or packet.time_base is None:
                continue
            length = packet.duration or 0
            end = max(end, float((packet.pts + length) * packet.time_base))
    except (av.error.FFmpegError, OSError):
        pass  # a damaged tail: what was read so far is what the file holds
    readable = end - start
    if duration - readable > _cut_short_margin(duration):
        raise UnreadableMedia(
            f"This file stops after {_clock(readable)} although it says it lasts "
            f"{_clock(duration)}: it looks cut short, for example by a copy or an upload "
            "that did not finish. Upload the complete file."
        )


def _cut_short_margin(duration: float) -> float:
    """How far short of its announced end a file may stop: half a second, up to a
    quarter of a short clip, at most 2 s, or 2 % of a long video."""
    return max(0.5, min(2.0, 0.25 * duration), 0.02 * duration)


def _clock(seconds: float) -> str:
    whole = max(0, int(seconds))
    if seconds < 60:
        return f"{max(seconds, 0.0):.1f} s"
    hours, rest = divmod(whole, 3600)
    return f"{hours}:{rest // 60:02d}:{rest % 60:02d}" if hours else f"{rest // 60}:{rest % 60:02d}"


def _frame_rate(video: VideoStream, pts: list[float]) -> tuple[float, bool]:
    """Average frame rate and whether the timestamps are variable.

    Containers disagree on how they describe VFR (MP4 exposes a mismatch
    between r_frame_rate and avg_frame_rate, Matroska does not), so the
    judgement comes from the spacing of the first packets' timestamps.
    """
    deltas = [b - a for a, b in itertools.pairwise(sorted(pts)) if b > a]
    vfr = False
    if len(deltas) >= 4:
        median = statistics.median(deltas)
        # Millisecond time bases (Matroska) jitter by 1 ms at 30-60 fps; real
        # VFR (phones, screen recorders) varies far more than 25 %.
        vfr = (max(deltas) - min(deltas)) > 0.25 * median + 0.0015
    for rate in (video.average_rate, video.guessed_rate):
        if rate is not None and rate > 0:
            fps = float(rate)
            if 0.5 <= fps <= 1000:
                return fps, vfr
    if deltas:
        return 1 / statistics.median(deltas), vfr
    return 30.0, vfr


def _human_bytes(n: int) -> str:
    if n >= 1 << 30:
        return f"{n / (1 << 30):g} GiB"
    if n >= 1 << 20:
        return f"{n / (1 << 20):g} MiB"
    return f"{n} bytes"


__all__ = [
    "AUDIO_DECODERS",
    "FORMAT_WHITELIST",
    "VIDEO_DECODERS",
    "ProbeLimits",
    "ProbeResult",
    "file_url",
    "input_args",
    "open_options",
    "probe",
    "source_filters",
]
