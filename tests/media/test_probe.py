"""Probing: what we accept, what we refuse and why, and that refusing reads nothing else."""

from __future__ import annotations

import subprocess
from pathlib import Path

import av
import pytest

from cosmostream.media.errors import (
    MediaRejected,
    MediaTooLarge,
    UnreadableMedia,
    UnsupportedMedia,
)
from cosmostream.media.probe import (
    FORMAT_WHITELIST,
    ProbeLimits,
    ProbeResult,
    _open,
    input_args,
    probe,
)
from tests.media.helpers import FFMPEG, X264, Canary, ffmpeg, run_bounded, sine, video_src

# --------------------------------------------------------------------------
# Accepted inputs


def test_landscape_clip(landscape: Path) -> None:
    info = probe(landscape)
    assert info.container == "mov"
    assert (info.width, info.height, info.rotation) == (640, 360, 0)
    assert info.duration == pytest.approx(3.0, abs=0.1)
    assert info.fps == pytest.approx(30.0)
    assert not info.vfr
    assert (info.video_codec, info.pix_fmt) == ("h264", "yuv420p")
    assert (info.audio_codec, info.audio_channels) == ("aac", 1)
    assert info.size_bytes == landscape.stat().st_size
    assert info.bit_rate and info.bit_rate > 0
    assert info.video_stream == 0 and info.audio_stream == 1
    assert info.extension == ".mp4"


def test_rotation_gives_the_display_size(rotated: Path) -> None:
    info = probe(rotated)
    assert info.rotation in (90, 270)
    assert (info.width, info.height) == (360, 640)
    assert info.portrait


def test_portrait_and_odd_sizes(portrait: Path, odd_size: Path) -> None:
    assert (probe(portrait).width, probe(portrait).height) == (360, 640)
    odd = probe(odd_size)
    assert (odd.container, odd.video_codec, odd.audio_codec) == ("matroska", "vp9", "opus")
    assert (odd.width, odd.height) == (322, 181)
    assert odd.extension == ".mkv"


def test_no_audio(no_audio: Path) -> None:
    info = probe(no_audio)
    assert info.audio_codec is None and info.audio_stream is None
    assert info.audio_channels == 0
    assert not info.has_audio


def test_variable_frame_rate_is_detected(vfr: Path) -> None:
    info = probe(vfr)
    assert info.vfr
    assert 15 < info.fps < 31


def test_matroska_millisecond_timestamps_are_not_vfr(tmp_path: Path) -> None:
    path = tmp_path / "ntsc.mkv"
    ffmpeg(*video_src("160x90", 1, rate="30000/1001"), *X264, str(path))
    info = probe(path)
    assert not info.vfr
    assert info.fps == pytest.approx(29.97, abs=0.01)


def test_live_recording_without_a_duration(tmp_path: Path) -> None:
    # Browser MediaRecorder WebM and live MKV carry no duration: it is measured.
    path = tmp_path / "live.mkv"
    ffmpeg(*video_src("160x90", 6), *X264, "-f", "matroska", "-live", "1", str(path))
    with av.open(str(path)) as container:
        assert container.duration is None
    assert probe(path).duration == pytest.approx(6.0, abs=0.05)
    with pytest.raises(MediaTooLarge, match="longer than"):
        probe(path, ProbeLimits(max_duration=5.0))


def test_interlaced_source_is_flagged(interlaced: Path, landscape: Path) -> None:
    assert probe(interlaced).interlaced
    assert not probe(landscape).interlaced


@pytest.mark.parametrize(
    ("name", "args", "container", "codec"),
    [
        ("ts.ts", [*X264, "-c:a", "mp2"], "mpegts", "h264"),
        ("avi.avi", ["-c:v", "mpeg4", "-c:a", "libmp3lame"], "avi", "mpeg4"),
        ("hevc.mkv", ["-c:v", "libx265", "-preset", "ultrafast", "-x265-params", "log-level=error", "-c:a", "flac"], "matroska", "hevc"),
        ("av1.mp4", ["-c:v", "libsvtav1", "-preset", "12", "-svtav1-params", "svt-log-level=0", "-c:a", "aac"], "mov", "libdav1d"),
    ],
)  # fmt: skip
def test_other_accepted_containers_and_codecs(
    tmp_path: Path, name: str, args: list[str], container: str, codec: str
) -> None:
    path = tmp_path / name
    ffmpeg(*video_src("160x96", 0.5), *sine(0.5), *args, "-shortest", str(path))
    info = probe(path)
    assert (info.container, info.video_codec) == (container, codec)
    assert info.container in FORMAT_WHITELIST


def test_cover_art_is_not_taken_for_the_video(tmp_path: Path, landscape: Path) -> None:
    # A PNG cover (not a whitelisted decoder) rides along as an attached picture.
    cover = tmp_path / "cover.png"
    ffmpeg(*video_src("64x64", 0.04), "-frames:v", "1", str(cover))
    path = tmp_path / "with_cover.mp4"
    ffmpeg(
        "-i", str(cover), "-i", str(landscape),
        "-map", "0", "-map", "1", "-c", "copy", "-disposition:v:0", "attached_pic", str(path),
    )  # fmt: skip
    info = probe(path)
    assert (info.video_codec, info.width, info.height) == ("h264", 640, 360)
    with av.open(str(path)) as container:
        assert container.streams[info.video_stream or 0].codec_context.name == "h264"
        assert any(s.codec_context.name == "png" for s in container.streams.video)


# --------------------------------------------------------------------------
# Refusals with a reason


def test_unsupported_video_codec_is_named(prores: Path) -> None:
    with pytest.raises(UnsupportedMedia) as caught:
        probe(prores)
    assert caught.value.status == 415
    assert caught.value.code == "unsupported_media"
    assert caught.value.message == (
        "Videos encoded with ProRes are not supported. Use H.264, HEVC, VP9 or AV1."
    )


def test_unsupported_audio_codec_is_named(tmp_path: Path) -> None:
    path = tmp_path / "float.mkv"
    ffmpeg(*video_src("160x90", 0.5), *sine(0.5), *X264, "-c:a", "pcm_f32le", str(path))
    with pytest.raises(UnsupportedMedia, match="Audio encoded with 32-bit float PCM"):
        probe(path)


def test_audio_only_file(tmp_path: Path) -> None:
    path = tmp_path / "song.m4a"
    ffmpeg(*sine(0.5), "-c:a", "aac", str(path))
    with pytest.raises(UnsupportedMedia, match="no video track"):
        probe(path)


def test_truncated_mp4_is_unreadable(tmp_path: Path, landscape: Path) -> None:
    data = landscape.read_bytes()
    path = tmp_path / "truncated.mp4"
    path.write_bytes(data[: len(data) * 3 // 10])
    with pytest.raises(UnreadableMedia) as caught:
        probe(path)
    assert (caught.value.status, caught.value.code) == (422, "unreadable_media")
    assert caught.value.message == "This file is not a video we can read."


def test_truncated_stream_that_still_opens_is_unreadable(tmp_path: Path, landscape: Path) -> None:
    # moov first ("faststart"), then cut inside the first frames: opens, cannot decode.
    faststart = tmp_path / "fast.mp4"
    ffmpeg("-i", str(landscape), "-c", "copy", "-movflags", "+faststart", str(faststart))
    data = faststart.read_bytes()
    mdat = data.find(b"mdat")
    path = tmp_path / "cut.mp4"
    path.write_bytes(data[: mdat + 200])
    with pytest.raises(UnreadableMedia):
        probe(path)


@pytest.mark.parametrize(
    ("name", "args"),
    [
        ("cut.mkv", [*X264, "-c:a", "aac"]),
        ("cut.webm", ["-c:v", "libvpx-vp9", "-deadline", "realtime", "-cpu-used", "8", "-c:a", "libopus"]),
        ("cut.mp4", [*X264, "-c:a", "aac", "-movflags", "+faststart"]),
    ],
)  # fmt: skip
def test_file_cut_short_is_unreadable(tmp_path: Path, name: str, args: list[str]) -> None:
    # Its header (at the start) announces 7 s and its first frames decode, but
    # the rest is missing: what the file holds decides, not what it claims.
    whole = tmp_path / f"whole{Path(name).suffix}"
    ffmpeg(*video_src("320x180", 7), *sine(7), *args, "-shortest", str(whole))
    data = whole.read_bytes()
    path = tmp_path / name
    path.write_bytes(data[: len(data) * 3 // 10])
    with pytest.raises(UnreadableMedia) as caught:
        probe(path)
    assert (caught.value.status, caught.value.code) == (422, "unreadable_media")
    assert "it says it lasts 7.0 s" in caught.value.message
    assert "cut short" in caught.value.message
    assert probe(whole).duration == pytest.approx(7.0, abs=0.1)


def test_short_clip_cut_short_is_unreadable(tmp_path: Path) -> None:
    # 1.5 s announced, a fraction of it there: short clips get a short margin.
    whole = tmp_path / "whole.mkv"
    ffmpeg(*video_src("320x180", 1.5), *sine(1.5), *X264, "-c:a", "aac", "-shortest", str(whole))
    data = whole.read_bytes()
    path = tmp_path / "cut.mkv"
    path.write_bytes(data[: len(data) // 4])
    with pytest.raises(UnreadableMedia, match="cut short"):
        probe(path)


def test_still_picture_over_a_long_soundtrack_is_complete(tmp_path: Path) -> None:
    # One video frame, seven seconds of sound: the file is whole, its audio reaches the end.
    path = tmp_path / "still.mkv"
    ffmpeg(*video_src("160x90", 0.04), *sine(7), *X264, "-c:a", "aac", str(path))
    assert probe(path).duration == pytest.approx(7.0, abs=0.1)


@pytest.mark.parametrize("content", [b"", b"just some notes\n", b"\x00\x01garbage" * 100])
def test_not_a_video(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "upload.mp4"
    path.write_bytes(content)
    with pytest.raises(MediaRejected):
        probe(path)


def test_text_file_is_unsupported(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("Dear diary, today I uploaded a text file.\n" * 20)
    with pytest.raises(UnsupportedMedia, match="text file"):
        probe(path)


def test_missing_file_is_unreadable(tmp_path: Path) -> None:
    with pytest.raises(UnreadableMedia):
        probe(tmp_path / "nope.mp4")


def test_limits(landscape: Path) -> None:
    with pytest.raises(MediaTooLarge, match="640x360 pixels") as caught:
        probe(landscape, ProbeLimits(max_pixels=640 * 359))
    assert (caught.value.status, caught.value.code) == (413, "media_too_large")
    with pytest.raises(MediaTooLarge, match="longer than the maximum"):
        probe(landscape, ProbeLimits(max_duration=2.0))
    with pytest.raises(MediaTooLarge, match="more than 1 tracks"):
        probe(landscape, ProbeLimits(max_streams=1))
    with pytest.raises(MediaTooLarge, match="larger than the maximum"):
        probe(landscape, ProbeLimits(max_bytes=1000))
    probe(landscape, ProbeLimits(max_pixels=640 * 360, max_duration=3.5, max_streams=2))


def _vp8_claiming(tmp_path: Path, *, patch_container: bool) -> Path:
    """A real VP8 WebM whose frame header (and optionally Matroska header) says 16383x16383."""
    source = tmp_path / "vp8.webm"
    ffmpeg(*video_src("320x256", 0.3), "-c:v", "libvpx", "-deadline", "realtime", str(source))
    data = bytearray(source.read_bytes())
    if patch_container:
        for element in (b"\xb0\x82\x01\x40", b"\xba\x82\x01\x00"):  # PixelWidth/Height
            at = data.find(element)
            assert at > 0
            data[at + 2 : at + 4] = b"\x3f\xff"
    at = data.find(b"\x9d\x01\x2a")  # VP8 keyframe start code, then 14-bit width/height
    assert at > 0
    data[at + 3 : at + 7] = b"\xff\x3f\xff\x3f"
    path = tmp_path / "huge.webm"
    path.write_bytes(data)
    return path


def test_header_claiming_a_huge_size_is_too_large(tmp_path: Path) -> None:
    with pytest.raises(MediaTooLarge, match="16383x16383"):
        probe(_vp8_claiming(tmp_path, patch_container=True))


def test_frame_claiming_a_huge_size_is_refused_by_the_decoder(tmp_path: Path) -> None:
    # The container says 320x256; only the bitstream lies. The decoder's
    # max_pixels refuses to allocate the frame.
    with pytest.raises(MediaRejected):
        probe(_vp8_claiming(tmp_path, patch_container=False))


# --------------------------------------------------------------------------
# Malicious indirection: playlists and concat scripts must never read the canary

HLS = "#EXTM3U\n#EXT-X-TARGETDURATION:10\n#EXTINF:10,\n{target}\n#EXT-X-ENDLIST\n"
FFCONCAT = "ffconcat version 1.0\nfile '{target}'\n"


@pytest.mark.parametrize("name", ["evil.m3u8", "evil.mp4", "evil.avi"])
@pytest.mark.parametrize("target", ["canary.ts", "ABSOLUTE"])
def test_hls_playlist_is_rejected_without_reading_the_canary(
    tmp_path: Path, canary: Canary, name: str, target: str
) -> None:
    path = tmp_path / name
    path.write_text(HLS.format(target=canary.path if target == "ABSOLUTE" else target))
    _, error, touched = run_bounded(lambda: probe(path), canary)
    assert isinstance(error, UnsupportedMedia)
    assert not touched


def test_ffconcat_is_rejected_without_reading_the_canary(tmp_path: Path, canary: Canary) -> None:
    for name in ("list.ffconcat", "list.mp4"):
        path = tmp_path / name
        path.write_text(FFCONCAT.format(target="canary.ts"))
        _, error, touched = run_bounded(lambda path=path: probe(path), canary)  # type: ignore[misc]
        assert isinstance(error, UnsupportedMedia)
        assert not touched


@pytest.mark.parametrize(
    ("name", "text"),
    [("evil.m3u8", HLS.format(target="canary.ts")), ("list.ffconcat", FFCONCAT.format(target="canary.ts"))],
)  # fmt: skip
def test_format_whitelist_alone_refuses_indirection(
    tmp_path: Path, canary: Canary, name: str, text: str
) -> None:
    # Below the text sniffing: libavformat itself must refuse the demuxer.
    path = tmp_path / name
    path.write_text(text)
    _, error, touched = run_bounded(lambda: _open(path, ProbeLimits()), canary)
    assert isinstance(error, UnsupportedMedia)
    assert not touched


@pytest.mark.parametrize(
    ("name", "text"),
    [("evil.m3u8", HLS.format(target="canary.ts")), ("list.ffconcat", FFCONCAT.format(target="canary.ts"))],
)  # fmt: skip
def test_control_protocol_whitelist_alone_does_read_the_canary(
    tmp_path: Path, canary: Canary, name: str, text: str
) -> None:
    # Proves the canary works: with only protocol_whitelist=file (no format
    # whitelist) libavformat follows the playlist into the canary.
    path = tmp_path / name
    path.write_text(text)

    def naive() -> None:
        av.open(str(path), container_options={"protocol_whitelist": "file"}).close()

    _, _, touched = run_bounded(naive, canary, seconds=1.5)
    assert touched


def test_binary_disguised_playlist_is_still_refused(tmp_path: Path, canary: Canary) -> None:
    # NUL bytes defeat the text sniffing; the format whitelist still holds.
    path = tmp_path / "evil.m3u8"
    path.write_bytes(HLS.format(target="canary.ts").encode() + b"#\x00\x01\x02\n")
    _, error, touched = run_bounded(lambda: probe(path), canary)
    assert isinstance(error, UnsupportedMedia)
    assert not touched


def test_ffmpeg_with_pinned_input_does_not_follow_a_playlist(
    tmp_path: Path, canary: Canary
) -> None:
    path = tmp_path / "evil.m3u8"
    path.write_bytes(HLS.format(target="canary.ts").encode() + b"#\x00\n")
    for container in ("mpegts", "mov"):
        # As if the probe had been fooled into accepting it: -f pins the demuxer.
        fake = ProbeResult(container, 10, 640, 360, 0, 30, False, "h264", "yuv420p",
                           None, 0, None, 1)  # fmt: skip
        cmd = [FFMPEG, "-nostdin", "-v", "error", *input_args(fake, path), "-f", "null", "-"]

        def run(cmd: list[str] = cmd) -> int:
            return subprocess.run(cmd, capture_output=True, timeout=20, check=False).returncode

        code, _, touched = run_bounded(run, canary)
        assert code != 0
        assert not touched
