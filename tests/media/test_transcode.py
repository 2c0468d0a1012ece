"""The one-pass HLS ladder: command, output, playlists, progress and the watchdog."""

from __future__ import annotations

import io
import itertools
import math
import os
import re
import sys
import threading
import time
from dataclasses import dataclass, replace
from pathlib import Path

import av
import pytest

from cosmostream.media import transcode
from cosmostream.media.errors import TranscodeFailed, TranscodeTimeout
from cosmostream.media.ladder import Rung, plan_ladder
from cosmostream.media.probe import ProbeResult, probe
from cosmostream.media.transcode import (
    build_command,
    finalize_playlists,
    first_segments_ready,
    h264_level,
    probe_output,
    read_media_playlist,
    run_transcode,
    variant_stats,
    write_master_playlist,
)
from tests.media.helpers import (
    FFMPEG,
    X264,
    ffmpeg,
    keyframe_times,
    processes_with,
    read_output,
    segment_starts,
    sine,
    video_src,
)


@dataclass
class Ladder:
    out: Path
    info: ProbeResult
    rungs: list[Rung]
    progress: list[float]
    seconds: float


def encode(source: Path, out: Path, *, timeout: float = 60, **options: object) -> Ladder:
    info = probe(source)
    rungs = plan_ladder(info)
    out.mkdir(parents=True, exist_ok=True)
    cmd = build_command(FFMPEG, source, info, rungs, out, **options)  # type: ignore[arg-type]
    progress: list[float] = []
    started = time.perf_counter()
    run_transcode(cmd, duration=info.duration, on_progress=progress.append, timeout=timeout)
    seconds = time.perf_counter() - started
    finalize_playlists(out)
    write_master_playlist(out, rungs, info)
    return Ladder(out, info, rungs, progress, seconds)


def output_info(vdir: Path) -> tuple[av.container.InputContainer, av.video.stream.VideoStream]:
    container = av.open(io.BytesIO(read_output(vdir)), mode="r")
    return container, container.streams.video[0]


@pytest.fixture(scope="module")
def hd_ladder(hd: Path, tmp_path_factory: pytest.TempPathFactory) -> Ladder:
    return encode(hd, tmp_path_factory.mktemp("hd") / "hls")


# --------------------------------------------------------------------------
# The command


def test_command_shape(landscape: Path, tmp_path: Path) -> None:
    info = probe(landscape)
    cmd = build_command(FFMPEG, landscape, info, plan_ladder(info), tmp_path, preset="faster")
    assert all(isinstance(arg, str) for arg in cmd)
    assert cmd[0] == FFMPEG
    i = cmd.index("-i")
    before = cmd[:i]
    for option, value in [
        ("-protocol_whitelist", "file"),
        ("-f", "mov"),
        ("-format_whitelist", "mov,mp4,m4a,3gp,3g2,mj2,matroska,webm,avi,mpegts"),
        ("-max_pixels", str(8192 * 4320)),
    ]:
        assert before[before.index(option) + 1] == value
    assert "-nostdin" in before and "-codec_whitelist" in before and "-t" in before
    assert cmd[i + 1] == f"file:{landscape.resolve()}"
    graph = cmd[cmd.index("-filter_complex") + 1]
    assert graph.startswith("[0:0]fps=30/1,split=1[s0];")
    assert "[s0]scale=640:360:flags=bicubic,setsar=1,format=yuv420p[v0]" in graph
    assert "[0:1]aresample=48000:async=1," in graph and "asplit=1[a0]" in graph
    pairs = list(itertools.pairwise(cmd))
    for pair in [
        ("-map", "[v0]"), ("-map", "[a0]"), ("-c:v", "libx264"), ("-profile:v", "high"),
        ("-preset", "faster"), ("-g", "60"), ("-keyint_min", "60"), ("-sc_threshold", "0"),
        ("-force_key_frames", "expr:gte(t,n_forced*2)"), ("-crf:v:0", "23"),
        ("-maxrate:v:0", "800000"), ("-bufsize:v:0", "1600000"), ("-c:a", "aac"),
        ("-ac", "2"), ("-ar", "48000"), ("-b:a:0", "96000"), ("-hls_time", "4"),
        ("-hls_segment_type", "fmp4"), ("-hls_playlist_type", "event"),
        ("-hls_flags", "independent_segments+temp_file"), ("-var_stream_map", "v:0,a:0"),
        ("-progress", "pipe:1"), ("-stats_period", "0.5"), ("-map_metadata", "-1"),
    ]:  # fmt: skip
        assert pair in pairs, pair
    assert cmd[-1] == str(tmp_path / "v%v" / "index.m3u8")
    assert "-master_pl_name" not in cmd  # we write the master ourselves


def test_command_for_a_ladder_without_audio(no_audio: Path, tmp_path: Path) -> None:
    info = replace(probe(no_audio), width=1920, height=1080)
    rungs = plan_ladder(info)
    cmd = build_command(FFMPEG, no_audio, info, rungs, tmp_path)
    assert len(rungs) == 4
    assert "-c:a" not in cmd
    graph = cmd[cmd.index("-filter_complex") + 1]
    assert "split=4[s0][s1][s2][s3]" in graph and "asplit" not in graph
    assert cmd[cmd.index("-var_stream_map") + 1] == "v:0 v:1 v:2 v:3"
    assert [cmd[n + 1] for n, arg in enumerate(cmd) if arg == "-map"] == [
        "[v0]", "[v1]", "[v2]", "[v3]",
    ]  # fmt: skip


def test_command_refuses_bad_arguments(landscape: Path, tmp_path: Path) -> None:
    info = probe(landscape)
    with pytest.raises(ValueError, match="rung"):
        build_command(FFMPEG, landscape, info, [], tmp_path)
    with pytest.raises(ValueError, match="%"):
        build_command(FFMPEG, landscape, info, plan_ladder(info), tmp_path / "50%")
    with pytest.raises(ValueError, match="preset"):
        build_command(FFMPEG, landscape, info, plan_ladder(info), tmp_path, preset="-y")
    with pytest.raises(ValueError, match="multiple"):
        build_command(FFMPEG, landscape, info, plan_ladder(info), tmp_path, segment_seconds=3)


# --------------------------------------------------------------------------
# A real three-rung ladder


def test_ladder_master_playlist(hd_ladder: Ladder) -> None:
    assert [r.name for r in hd_ladder.rungs] == ["720p", "480p", "360p"]
    lines = (hd_ladder.out / "master.m3u8").read_text().splitlines()
    assert lines[:3] == ["#EXTM3U", "#EXT-X-VERSION:7", "#EXT-X-INDEPENDENT-SEGMENTS"]
    infs = [line for line in lines if line.startswith("#EXT-X-STREAM-INF:")]
    uris = [lines[n + 1] for n, line in enumerate(lines) if line.startswith("#EXT-X-STREAM-INF:")]
    assert sorted(uris) == ["v0/index.m3u8", "v1/index.m3u8", "v2/index.m3u8"]
    assert uris[0] == "v0/index.m3u8"  # nearest 720p first: Safari starts there
    pattern = re.compile(
        r"#EXT-X-STREAM-INF:BANDWIDTH=(\d+),AVERAGE-BANDWIDTH=(\d+),RESOLUTION=(\d+)x(\d+),"
        r'CODECS="(avc1\.64[0-9a-f]{4}),mp4a\.40\.2",FRAME-RATE=30\.000'
    )
    sizes = {"v0/index.m3u8": (1280, 720), "v1/index.m3u8": (854, 480), "v2/index.m3u8": (640, 360)}
    for inf, uri in zip(infs, uris, strict=True):
        match = pattern.fullmatch(inf)
        assert match, inf
        peak, average = int(match[1]), int(match[2])
        assert 0 < average <= peak
        assert (int(match[3]), int(match[4])) == sizes[uri]
        stats = variant_stats(hd_ladder.out / uri.split("/")[0])
        assert stats is not None and (stats.peak, stats.average) == (peak, average)
    assert 'CODECS="avc1.64001f,' in infs[0]  # x264 picks level 3.1 for 720p30


def test_ladder_variant_playlists_are_vod(hd_ladder: Ladder) -> None:
    for i in range(3):
        text = (hd_ladder.out / f"v{i}" / "index.m3u8").read_text()
        assert "#EXT-X-PLAYLIST-TYPE:VOD" in text
        assert "EVENT" not in text
        assert text.rstrip().endswith("#EXT-X-ENDLIST")
        assert text.count("#EXT-X-ENDLIST") == 1
        playlist = read_media_playlist(hd_ladder.out / f"v{i}" / "index.m3u8")
        assert playlist is not None and playlist.segments
        assert sum(d for d, _ in playlist.segments) == pytest.approx(2.0, abs=0.05)
    assert not list(hd_ladder.out.rglob("*.tmp"))
    assert sorted(p.relative_to(hd_ladder.out).as_posix() for p in hd_ladder.out.rglob("init*")) == [
        "v0/init_0.mp4", "v1/init_1.mp4", "v2/init_2.mp4",
    ]  # fmt: skip


def test_ladder_streams(hd_ladder: Ladder) -> None:
    for i, rung in enumerate(hd_ladder.rungs):
        container, video = output_info(hd_ladder.out / f"v{i}")
        with container:
            assert video.codec_context.name == "h264"
            assert video.codec_context.profile == "High"
            assert (video.codec_context.width, video.codec_context.height) == (
                rung.width,
                rung.height,
            )
            assert video.average_rate == 30
            audio = container.streams.audio[0]
            assert audio.codec_context.name == "aac"
            assert audio.codec_context.channels == 2
            assert audio.codec_context.sample_rate == 48000
            frames = sum(1 for _ in container.decode(video))
            assert frames == 60


def test_ladder_keyframes_are_aligned(hd_ladder: Ladder) -> None:
    times = [keyframe_times(hd_ladder.out / f"v{i}") for i in range(3)]
    assert times[0] == times[1] == times[2]
    # A 2 s clip with a 2 s GOP: one keyframe, at the start (B-frame delay aside).
    assert len(times[0]) == 1 and times[0][0] < 0.1
    for i in range(3):
        assert all(is_key for _, is_key in segment_starts(hd_ladder.out / f"v{i}"))


def test_probe_output(hd_ladder: Ladder) -> None:
    renditions = probe_output(hd_ladder.out)
    assert [(r["width"], r["height"]) for r in renditions] == [(1280, 720), (854, 480), (640, 360)]
    for r in renditions:
        assert r["bandwidth"] >= r["average_bandwidth"] > 0
        assert r["codecs"].startswith("avc1.64") and r["codecs"].endswith(",mp4a.40.2")


def test_ladder_progress_and_speed(hd_ladder: Ladder) -> None:
    assert hd_ladder.progress[-1] == 1.0
    assert hd_ladder.progress == sorted(hd_ladder.progress)
    print(f"\n2 s 1280x720 -> 720/480/360 ladder: {hd_ladder.seconds:.2f} s wall")
    assert hd_ladder.seconds < 20


def test_watch_while_processing_and_aligned_segments(hd: Path, tmp_path: Path) -> None:
    """Read at real time: playlists are EVENT and playable before ffmpeg ends."""
    info = probe(hd)
    rungs = plan_ladder(info)
    out = tmp_path / "hls"
    out.mkdir()
    cmd = build_command(FFMPEG, hd, info, rungs, out, segment_seconds=1, gop_seconds=1)
    cmd.insert(cmd.index("-i"), "-re")  # pace the input so there is a "during"
    progress: list[float] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            run_transcode(cmd, duration=info.duration, on_progress=progress.append, timeout=30)
        except BaseException as exc:
            errors.append(exc)

    worker = threading.Thread(target=run)
    assert not first_segments_ready(out, len(rungs))
    worker.start()
    deadline = time.monotonic() + 20
    while not first_segments_ready(out, len(rungs)):
        assert time.monotonic() < deadline and worker.is_alive()
        time.sleep(0.05)
    write_master_playlist(out, rungs, info)
    during = {i: (out / f"v{i}" / "index.m3u8").read_text() for i in range(len(rungs))}
    master_during = (out / "master.m3u8").read_text()
    still_running = worker.is_alive()
    worker.join(30)
    assert not errors
    assert still_running, "ffmpeg finished before the first segments were seen"
    for text in during.values():
        assert "#EXT-X-PLAYLIST-TYPE:EVENT" in text and "#EXT-X-ENDLIST" not in text
    # Before a rung is complete its BANDWIDTH is at least its ceiling.
    first_bw = int(re.findall(r"BANDWIDTH=(\d+)", master_during)[0])
    assert first_bw >= rungs[0].max_bitrate + rungs[0].audio_bitrate

    finalize_playlists(out)
    finalize_playlists(out)  # idempotent
    write_master_playlist(out, rungs, info)
    starts = [segment_starts(out / f"v{i}") for i in range(len(rungs))]
    assert len(starts[0]) == 2
    assert starts[0] == starts[1] == starts[2]
    assert all(is_key for rung in starts for _, is_key in rung)
    durations = [
        [d for d, _ in read_media_playlist(out / f"v{i}" / "index.m3u8").segments]  # type: ignore[union-attr]
        for i in range(len(rungs))
    ]
    assert durations[0] == durations[1] == durations[2]

    assert len(progress) >= 2
    assert progress == sorted(set(progress))
    assert all(0 <= p <= 1 for p in progress) and progress[-1] == 1.0


# --------------------------------------------------------------------------
# Sources of every shape


@pytest.mark.parametrize(
    ("clip", "size", "audio"),
    [
        ("portrait", (360, 640), True),
        ("rotated", (360, 640), True),
        ("odd_size", (322, 180), True),
        ("no_audio", (640, 360), False),
        ("vfr", (320, 180), False),
        ("interlaced", (320, 180), False),
    ],
)
def test_source_shapes(
    request: pytest.FixtureRequest,
    tmp_path: Path,
    clip: str,
    size: tuple[int, int],
    audio: bool,
) -> None:
    ladder = encode(request.getfixturevalue(clip), tmp_path / "hls")
    assert len(ladder.rungs) == 1
    assert (ladder.out / "v0" / "init_0.mp4").is_file()  # same layout as with many rungs
    master = (ladder.out / "master.m3u8").read_text()
    assert f"RESOLUTION={size[0]}x{size[1]}" in master
    assert ("mp4a.40.2" in master) is audio
    container, video = output_info(ladder.out / "v0")
    with container:
        assert (video.codec_context.width, video.codec_context.height) == size
        assert bool(container.streams.audio) is audio
        first = next(container.decode(video))
        assert first.rotation == 0  # rotation is applied, not passed on to players
        assert not first.interlaced_frame
        container.seek(0)
        pts = [p.pts for p in container.demux(video) if p.pts is not None]
    deltas = {b - a for a, b in zip(sorted(pts), sorted(pts)[1:], strict=False)}
    assert len(deltas) == 1, "output must be constant frame rate"
    if clip == "vfr":
        assert "FRAME-RATE=23.976" in master


@pytest.mark.parametrize(
    ("name", "args"),
    [
        ("clip.ts", [*X264, "-c:a", "mp2"]),
        ("clip.avi", ["-c:v", "mpeg4", "-c:a", "libmp3lame"]),
        ("clip.mkv", [*X264, "-c:a", "libopus"]),
        ("clip.mov", [*X264, "-c:a", "pcm_s16be"]),
        ("hevc.mp4", ["-c:v", "libx265", "-preset", "ultrafast", "-x265-params", "log-level=error", "-c:a", "aac"]),
        ("av1.mkv", ["-c:v", "libsvtav1", "-preset", "12", "-svtav1-params", "svt-log-level=0", "-c:a", "flac"]),
    ],
)  # fmt: skip
def test_every_container_transcodes_with_its_pinned_demuxer(
    tmp_path: Path, name: str, args: list[str]
) -> None:
    source = tmp_path / name
    ffmpeg(*video_src("320x180", 1), *sine(1), *args, "-shortest", str(source))
    ladder = encode(source, tmp_path / "hls")
    renditions = probe_output(ladder.out)
    assert [(r["width"], r["height"]) for r in renditions] == [(320, 180)]


def test_duration_cap(landscape: Path, tmp_path: Path) -> None:
    ladder = encode(landscape, tmp_path / "capped", max_duration=1.0)
    playlist = read_media_playlist(ladder.out / "v0" / "index.m3u8")
    assert playlist is not None
    assert sum(d for d, _ in playlist.segments) <= 1.1


def test_header_understating_the_duration_is_capped(landscape: Path, tmp_path: Path) -> None:
    # As if the header claimed 0.5 s of a 3 s file: the default cap follows the
    # claim (plus a margin), not the content.
    info = replace(probe(landscape), duration=0.5)
    rungs = plan_ladder(info)
    out = tmp_path / "hls"
    out.mkdir()
    run_transcode(
        build_command(FFMPEG, landscape, info, rungs, out),
        duration=info.duration, on_progress=lambda _: None, timeout=60,
    )  # fmt: skip
    playlist = read_media_playlist(out / "v0" / "index.m3u8")
    assert playlist is not None
    assert sum(d for d, _ in playlist.segments) <= transcode.default_max_duration(info) + 0.1
    assert transcode.default_max_duration(info) < 3.0


# --------------------------------------------------------------------------
# Watchdog


def test_stall_kills_the_process_group(tmp_path: Path) -> None:
    fifo = tmp_path / "never-written.ts"
    os.mkfifo(fifo)
    cmd = [FFMPEG, "-nostdin", "-progress", "pipe:1", "-f", "mpegts", "-i", str(fifo),
           "-f", "null", "-"]  # fmt: skip
    started = time.monotonic()
    with pytest.raises(TranscodeFailed) as caught:
        run_transcode(cmd, duration=10, on_progress=lambda _: None, timeout=30, stall_timeout=1.5)
    assert not isinstance(caught.value, TranscodeTimeout)
    assert caught.value.transient
    assert time.monotonic() - started < 6
    assert processes_with(str(fifo)) == []


def test_wall_clock_timeout(tmp_path: Path) -> None:
    marker = "testsrc2=s=96x64:r=10:d=31.5"
    cmd = [FFMPEG, "-nostdin", "-progress", "pipe:1", "-stats_period", "0.2", "-re",
           "-f", "lavfi", "-i", marker, "-f", "null", "-"]  # fmt: skip
    progress: list[float] = []
    started = time.monotonic()
    with pytest.raises(TranscodeTimeout) as caught:
        run_transcode(cmd, duration=31.5, on_progress=progress.append, timeout=1.5)
    assert 1.4 < time.monotonic() - started < 5
    assert caught.value.code == "transcode_timeout"
    assert processes_with(marker) == []


def test_grandchildren_die_with_the_group(tmp_path: Path) -> None:
    pid_file = tmp_path / "grandchild.pid"
    script = (
        "import subprocess, sys, time\n"
        "child = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(120)'])\n"
        f"open({str(pid_file)!r}, 'w').write(str(child.pid))\n"
        "time.sleep(120)\n"
    )
    with pytest.raises(TranscodeFailed):
        run_transcode(
            [sys.executable, "-c", script],
            duration=10, on_progress=lambda _: None, timeout=30, stall_timeout=1.5,
        )  # fmt: skip
    grandchild = int(pid_file.read_text())
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        try:
            state = Path(f"/proc/{grandchild}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except FileNotFoundError:
            break
        if state == "Z":  # killed; waiting for init to reap it
            break
        time.sleep(0.05)
    else:
        pytest.fail("the grandchild outlived the process group kill")


def test_error_exit_keeps_stderr_for_the_logs_only(tmp_path: Path) -> None:
    cmd = [FFMPEG, "-nostdin", "-progress", "pipe:1", "-i", str(tmp_path / "missing.mp4"),
           "-f", "null", "-"]  # fmt: skip
    with pytest.raises(TranscodeFailed) as caught:
        run_transcode(cmd, duration=1, on_progress=lambda _: None, timeout=30)
    error = caught.value
    assert not error.transient
    assert error.status == 500 and error.code == "transcode_failed"
    assert "No such file or directory" in error.detail
    assert "No such file" not in error.message
    assert "No such file" in str(error)  # what log lines print
    assert error.to_dict() == {"code": "transcode_failed", "message": error.message}


def test_a_failing_progress_callback_stops_ffmpeg() -> None:
    marker = "testsrc2=s=96x64:r=10:d=29.5"
    cmd = [FFMPEG, "-nostdin", "-progress", "pipe:1", "-stats_period", "0.2", "-re",
           "-f", "lavfi", "-i", marker, "-f", "null", "-"]  # fmt: skip

    def explode(_: float) -> None:
        raise RuntimeError("database down")

    with pytest.raises(RuntimeError, match="database down"):
        run_transcode(cmd, duration=29.5, on_progress=explode, timeout=30)
    assert processes_with(marker) == []


def test_a_chatty_child_cannot_block_on_a_full_pipe() -> None:
    # Far more than a pipe buffer (64 KiB) on both streams, then a clean exit.
    script = (
        "import sys\n"
        "for n in range(20000):\n"
        "    sys.stderr.write(f'warning {n}: something odd\\n')\n"
        "    print(f'out_time_us={n * 100}\\nprogress=continue')\n"
        "print('progress=end')\n"
    )
    progress: list[float] = []
    run_transcode(
        [sys.executable, "-c", script],
        duration=2.0, on_progress=progress.append, timeout=30, stall_timeout=10,
    )  # fmt: skip
    assert progress[-1] == 1.0 and progress == sorted(progress)


def test_missing_ffmpeg_binary(tmp_path: Path) -> None:
    with pytest.raises(TranscodeFailed):
        run_transcode(
            [str(tmp_path / "no-ffmpeg")], duration=1, on_progress=lambda _: None, timeout=5
        )


# --------------------------------------------------------------------------
# Playlist bookkeeping on hand-made files

EVENT = (
    "#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-TARGETDURATION:4\n#EXT-X-MEDIA-SEQUENCE:0\n"
    '#EXT-X-PLAYLIST-TYPE:EVENT\n#EXT-X-INDEPENDENT-SEGMENTS\n#EXT-X-MAP:URI="init_0.mp4"\n'
    "#EXTINF:4.000000,\nseg_00000.m4s\n#EXTINF:4.000000,\nseg_00001.m4s\n"
    "#EXTINF:0.100000,\nseg_00002.m4s\n"
)


def fake_rung(out: Path, sizes: list[int], text: str = EVENT) -> Path:
    vdir = out / "v0"
    vdir.mkdir(parents=True)
    (vdir / "index.m3u8").write_text(text)
    (vdir / "init_0.mp4").write_bytes(b"\0\0\0\x10avcC\x01\x64\x00\x28" + b"\0" * 8)
    for n, size in enumerate(sizes):
        (vdir / f"seg_{n:05d}.m4s").write_bytes(b"\0" * size)
    return vdir


def test_peak_bandwidth_ignores_a_short_last_segment(tmp_path: Path) -> None:
    vdir = fake_rung(tmp_path, [1_000_000, 2_000_000, 100_000])
    stats = variant_stats(vdir)
    assert stats is not None
    # Windows of 2-6 s: the best is the 2nd segment plus the tail, 2.1 MB over
    # 4.1 s; the 0.1 s tail alone (8 Mb/s) is too short to count.
    assert stats.peak == math.ceil(2_100_000 * 8 / 4.1)
    assert stats.average == pytest.approx(3_100_000 * 8 / 8.1, rel=1e-6)
    assert not stats.ended


def test_first_segments_ready(tmp_path: Path) -> None:
    assert not first_segments_ready(tmp_path, 1)
    fake_rung(tmp_path, [10, 10, 10])
    assert first_segments_ready(tmp_path, 1)
    assert not first_segments_ready(tmp_path, 2)
    (tmp_path / "v0" / "seg_00000.m4s").unlink()
    assert not first_segments_ready(tmp_path, 1)


def test_master_before_and_after_the_end(tmp_path: Path) -> None:
    fake_rung(tmp_path, [1_000_000, 1_000_000, 10_000])
    info = ProbeResult("mov", 8.1, 1920, 1080, 0, 30, False, "h264", "yuv420p",
                       "aac", 2, None, 1)  # fmt: skip
    rung = Rung("1080p", 1080, 1920, 5_000_000, 10_000_000, 21, 128_000, 30.0)
    write_master_playlist(tmp_path, [rung], info)
    master = (tmp_path / "master.m3u8").read_text()
    assert "BANDWIDTH=5128000," in master  # ceiling while still EVENT
    assert 'CODECS="avc1.640028,mp4a.40.2"' in master  # from the avcC box
    assert "FRAME-RATE=30.000" in master and "RESOLUTION=1920x1080" in master
    (tmp_path / "v0" / "seg_00001.m4s.tmp").write_bytes(b"half")
    finalize_playlists(tmp_path)
    write_master_playlist(tmp_path, [rung], info)
    master = (tmp_path / "master.m3u8").read_text()
    assert "BANDWIDTH=2000000,AVERAGE-BANDWIDTH=" in master  # measured once complete
    text = (tmp_path / "v0" / "index.m3u8").read_text()
    assert "#EXT-X-PLAYLIST-TYPE:VOD\n" in text and text.endswith("#EXT-X-ENDLIST\n")
    assert not list(tmp_path.rglob("*.tmp"))
    assert oct((tmp_path / "master.m3u8").stat().st_mode & 0o777) == "0o644"


def test_finalize_adds_a_missing_type_and_refuses_holes(tmp_path: Path) -> None:
    vdir = fake_rung(tmp_path, [10, 10, 10], EVENT.replace("#EXT-X-PLAYLIST-TYPE:EVENT\n", ""))
    finalize_playlists(tmp_path)
    lines = (vdir / "index.m3u8").read_text().splitlines()
    assert lines[1] == "#EXT-X-PLAYLIST-TYPE:VOD" and lines[-1] == "#EXT-X-ENDLIST"
    (vdir / "seg_00001.m4s").unlink()
    with pytest.raises(TranscodeFailed):
        finalize_playlists(tmp_path)
    with pytest.raises(TranscodeFailed):
        finalize_playlists(tmp_path / "nothing")


@pytest.mark.parametrize(
    ("size", "fps", "rate", "level"),
    [
        ((640, 360), 30, 800_000, 30),
        ((854, 480), 30, 1_400_000, 31),
        ((1280, 720), 30, 3_000_000, 31),
        ((1280, 720), 60, 3_000_000, 32),
        ((1920, 1080), 30, 5_000_000, 40),
        ((2560, 1440), 30, 9_000_000, 50),
        ((3840, 2160), 60, 16_000_000, 52),
    ],
)
def test_h264_level_fallback(size: tuple[int, int], fps: float, rate: int, level: int) -> None:
    assert h264_level(*size, fps, rate) == level
