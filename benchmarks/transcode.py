"""CPU and wall time of the whole media pipeline against raw ffmpeg doing the same ladder.

A 1080p30 clip with audio (testsrc2 + sine, H.264 + AAC) is generated first
and not counted. Then, on the same file and in the same run:

- (a)  the floor: ONE raw ffmpeg producing the same ladder — `build_command`'s
       own argv minus our extras (progress reporting, input pinning and
       whitelists, the `-t` cap, metadata stripping, `temp_file`);
- (a') a hand-written one-pass ladder a person would type: decode once,
       `split`, `scale`, one x264 per rung with the same rate control and GOP,
       AAC per rung, HLS fMP4 — no fps/format/aresample filters of ours;
- (b)  PeerTube's way: one ffmpeg per rung, each decoding the source itself,
       with the same settings (build_command for a one-rung ladder, stripped
       as in (a)), run one after another as a job queue would;
- (P)  our pipeline as `video/tasks.py` runs it: probe (PyAV, in process),
       plan_ladder, build_command, run_transcode (in a thread, with the task's
       once-a-second first-segment poll and early master playlist),
       finalize_playlists + write_master_playlist, poster, thumbnail
       candidates, storyboard, probe_output. No database or queue.

CPU is user+sys of the children (getrusage(RUSAGE_CHILDREN) deltas; every
ffmpeg is reaped before a phase ends) plus this process's own (RUSAGE_SELF:
the in-process probe, reader threads, polling). The preset is the one
production uses (Settings().transcode_preset).

Targets: P ≤ 1.10 x (a) and P ≤ 0.90 x (b), in CPU seconds.

Every variant runs BENCH_REPEATS times (default 2, order rotated) and the run
with the least CPU counts: on a shared 2-core machine other load inflates
both CPU (cache, SMT) and wall time. BENCH_SECONDS (default 60) sets the clip
length for quick checks.
"""

from __future__ import annotations

import os
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

from cosmostream.config import Settings
from cosmostream.media import images
from cosmostream.media import transcode as tc
from cosmostream.media.ladder import Rung, plan_ladder
from cosmostream.media.probe import ProbeLimits, ProbeResult, probe


def ffmpeg_exe() -> str:
    """The ffmpeg the app uses (same rule as video/tasks.py: FFMPEG_PATH or the wheel's)."""
    import imageio_ffmpeg

    return os.environ.get("FFMPEG_PATH") or imageio_ffmpeg.get_ffmpeg_exe()


def generate_clip(
    path: Path,
    seconds: float,
    *,
    size: str = "1920x1080",
    rate: int = 30,
    preset: str = "veryfast",
    source: str = "testsrc2",
) -> float:
    """Write a synthetic H.264 + AAC MP4; returns the seconds it took."""
    started = time.perf_counter()
    subprocess.run(
        [
            ffmpeg_exe(), "-nostdin", "-hide_banner", "-loglevel", "error", "-y",
            "-f", "lavfi", "-i", f"{source}=size={size}:rate={rate}",
            "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000",
            "-t", f"{seconds}",
            "-c:v", "libx264", "-preset", preset, "-pix_fmt", "yuv420p",
            "-c:a", "aac", "-b:a", "128k", "-ac", "2",
            "-movflags", "+faststart",
            str(path),
        ],
        check=True,
    )  # fmt: skip
    return time.perf_counter() - started


@dataclass
class Cost:
    wall: float = 0.0
    children: float = 0.0
    own: float = 0.0

    @property
    def cpu(self) -> float:
        return self.children + self.own


@contextmanager
def measure() -> Iterator[Cost]:
    """Wall time and CPU (children + this process) of the block."""
    cost = Cost()
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    me = resource.getrusage(resource.RUSAGE_SELF)
    started = time.perf_counter()
    try:
        yield cost
    finally:
        cost.wall = time.perf_counter() - started
        kids2 = resource.getrusage(resource.RUSAGE_CHILDREN)
        me2 = resource.getrusage(resource.RUSAGE_SELF)
        cost.children = (kids2.ru_utime - kids.ru_utime) + (kids2.ru_stime - kids.ru_stime)
        cost.own = (me2.ru_utime - me.ru_utime) + (me2.ru_stime - me.ru_stime)


# Options of build_command that are ours rather than the encode's (value follows each).
_OURS_WITH_VALUE = {"-map_metadata", "-map_chapters"}


def strip_extras(cmd: list[str], source: Path) -> list[str]:
    """build_command's argv as a bare ffmpeg run: same graph, encoders and muxer.

    Drops progress reporting, the input pinning/whitelists/probe limits and the
    `-t` safety cap (everything before `-i`), metadata stripping and
    `temp_file`. What remains is exactly the encode.
    """
    at = cmd.index("-i")
    out = [cmd[0], "-nostdin", "-hide_banner", "-loglevel", "error", "-nostats"]
    out += ["-i", str(source)]
    rest = cmd[at + 2 :]
    i = 0
    while i < len(rest):
        arg = rest[i]
        if arg in _OURS_WITH_VALUE:
            i += 2
            continue
        if arg == "-hls_flags":
            flags = [f for f in rest[i + 1].split("+") if f != "temp_file"]
            out += [arg, "+".join(flags)]
            i += 2
            continue
        out.append(arg)
        i += 1
    return out


def handwritten_command(
    ffmpeg: str, source: Path, info: ProbeResult, rungs: list[Rung], out_dir: Path, preset: str
) -> list[str]:
    """The one-pass ladder as a person would write it from the ffmpeg docs."""
    n = len(rungs)
    fps = Fraction(rungs[0].fps).limit_denominator(1001)
    gop = max(1, round(fps * 2))
    graph = f"[0:v]split={n}" + "".join(f"[s{i}]" for i in range(n))
    for i, rung in enumerate(rungs):
        graph += f";[s{i}]scale={rung.width}:{rung.height}[v{i}]"
    cmd = [ffmpeg, "-nostdin", "-hide_banner", "-loglevel", "error", "-nostats", "-i", str(source)]
    cmd += ["-filter_complex", graph]
    for i in range(n):
        cmd += ["-map", f"[v{i}]"] + (["-map", "0:a:0"] if info.has_audio else [])
    cmd += [
        "-c:v", "libx264", "-profile:v", "high", "-preset", preset,
        "-g", str(gop), "-keyint_min", str(gop), "-sc_threshold", "0",
    ]  # fmt: skip
    for i, rung in enumerate(rungs):
        cmd += [f"-crf:v:{i}", str(rung.crf), f"-maxrate:v:{i}", str(rung.max_bitrate)]
        cmd += [f"-bufsize:v:{i}", str(rung.bufsize)]
    if info.has_audio:
        cmd += ["-c:a", "aac", "-ac", "2", "-ar", "48000"]
        cmd += [arg for i, r in enumerate(rungs) for arg in (f"-b:a:{i}", str(r.audio_bitrate))]
    stream_map = " ".join(f"v:{i},a:{i}" if info.has_audio else f"v:{i}" for i in range(n))
    cmd += [
        "-f", "hls", "-hls_time", "4", "-hls_list_size", "0", "-hls_playlist_type", "vod",
        "-hls_segment_type", "fmp4", "-hls_flags", "independent_segments",
        "-hls_segment_filename", str(out_dir / "v%v" / "seg_%05d.m4s"),
        "-var_stream_map", stream_map, str(out_dir / "v%v" / "index.m3u8"),
    ]  # fmt: skip
    return cmd


def run(cmd: list[str]) -> None:
    subprocess.run(cmd, check=True, stdin=subprocess.DEVNULL)


@dataclass
class Pipeline:
    total: Cost = field(default_factory=Cost)
    phases: dict[str, Cost] = field(default_factory=dict)
    rungs: list[Rung] = field(default_factory=list)
    playable_after: float | None = None


def run_pipeline(ffmpeg: str, source: Path, work: Path, preset: str) -> Pipeline:
    """What video/tasks.py does for one video, minus the database and the queue."""
    settings = Settings()
    result = Pipeline()
    phases = result.phases

    @contextmanager
    def phase(name: str) -> Iterator[Cost]:
        with measure() as cost:
            yield cost
        phases[name] = cost

    with measure() as total:
        with phase("probe + plan_ladder"):
            info = probe(source, ProbeLimits(max_bytes=settings.max_upload_bytes))
            rungs = plan_ladder(info)
        result.rungs = rungs
        out_dir = work / "hls"
        shutil.rmtree(out_dir, ignore_errors=True)
        out_dir.mkdir(parents=True)
        with phase("transcode (one ffmpeg) + poll"):
            cmd = tc.build_command(ffmpeg, source, info, rungs, out_dir, preset=preset)
            timeout = max(
                settings.transcode_min_timeout_seconds,
                info.duration * settings.transcode_timeout_factor,
            )
            errors: list[BaseException] = []

            def encode() -> None:
                try:
                    tc.run_transcode(
                        cmd,
                        duration=info.duration,
                        on_progress=lambda _fraction: None,
                        timeout=timeout,
                        stall_timeout=settings.transcode_stall_seconds,
                    )
                except BaseException as exc:  # re-raised below
                    errors.append(exc)

            runner = threading.Thread(target=encode)
            started = time.perf_counter()
            runner.start()
            playable = False
            while runner.is_alive():
                runner.join(timeout=1.0 if not playable else 5.0)
                if not playable and tc.first_segments_ready(out_dir, len(rungs)):
                    tc.write_master_playlist(out_dir, rungs, info)
                    playable = True
                    result.playable_after = time.perf_counter() - started
            if errors:
                raise errors[0]
        with phase("finalize + master playlist"):
            tc.finalize_playlists(out_dir)
            tc.write_master_playlist(out_dir, rungs, info)
        image_dir = work / "images"
        image_dir.mkdir(parents=True, exist_ok=True)
        with phase("poster"):
            images.make_poster(ffmpeg, source, info, image_dir)
        with phase("thumbnail candidates"):
            images.make_thumbnail_candidates(ffmpeg, source, info, image_dir)
        with phase("storyboard"):
            images.make_storyboard(ffmpeg, source, info, image_dir)
        with phase("probe_output"):
            tc.probe_output(out_dir)
    result.total = total
    return result


def segments(out_dir: Path) -> int:
    return len(list(out_dir.rglob("seg_*.m4s")))


def main() -> None:
    ffmpeg = ffmpeg_exe()
    preset = Settings().transcode_preset
    repeats = max(1, int(os.environ.get("BENCH_REPEATS", "2")))
    runs: dict[str, list[Cost]] = {}
    per_rung: dict[str, list[Cost]] = {}
    pipelines: list[Pipeline] = []
    counts: dict[str, int] = {}
    with tempfile.TemporaryDirectory(prefix="cs-bench-transcode-") as tmp_name:
        tmp = Path(tmp_name)
        source = tmp / "source.mp4"
        generated = generate_clip(source, float(os.environ.get("BENCH_SECONDS", "60")))
        info = probe(source)
        rungs = plan_ladder(info)
        print(
            f"source: {info.duration:.1f} s {info.width}x{info.height} {info.fps:g} fps "
            f"{info.video_codec}+{info.audio_codec}, {source.stat().st_size / 1e6:.1f} MB "
            f"(generated in {generated:.1f} s, not counted)"
        )
        print(
            f"preset {preset}; rungs "
            + ", ".join(
                f"{r.name} {r.width}x{r.height} crf {r.crf} ≤{r.max_bitrate // 1000}k"
                for r in rungs
            )
        )

        def floor() -> None:
            out = tmp / "a"
            out.mkdir()
            cmd = tc.build_command(ffmpeg, source, info, rungs, out, preset=preset)
            with measure() as cost:
                run(strip_extras(cmd, source))
            runs.setdefault("a", []).append(cost)
            counts["a"] = segments(out)
            shutil.rmtree(out)

        def handwritten() -> None:
            out = tmp / "a2"
            out.mkdir()
            with measure() as cost:
                run(handwritten_command(ffmpeg, source, info, rungs, out, preset))
            runs.setdefault("a2", []).append(cost)
            counts["a2"] = segments(out)
            shutil.rmtree(out)

        def peertube() -> None:
            out = tmp / "b"
            with measure() as cost:
                for rung in rungs:
                    rung_dir = out / rung.name
                    rung_dir.mkdir(parents=True)
                    cmd = tc.build_command(ffmpeg, source, info, [rung], rung_dir, preset=preset)
                    with measure() as one:
                        run(strip_extras(cmd, source))
                    per_rung.setdefault(rung.name, []).append(one)
            runs.setdefault("b", []).append(cost)
            counts["b"] = segments(out)
            shutil.rmtree(out)

        def ours() -> None:
            out = tmp / "p"
            pipeline = run_pipeline(ffmpeg, source, out, preset)
            pipelines.append(pipeline)
            runs.setdefault("P", []).append(pipeline.total)
            counts["P"] = segments(out / "hls")
            shutil.rmtree(out)

        order = [floor, handwritten, peertube, ours]
        for repeat in range(repeats):
            # Rotate the order so that no variant always runs first or last.
            shift = repeat % len(order)
            for step in order[shift:] + order[:shift]:
                step()

    def best(costs: list[Cost]) -> Cost:
        return min(costs, key=lambda c: c.cpu)

    a, a2, b, p = (best(runs[k]) for k in ("a", "a2", "b", "P"))
    pipeline = min(pipelines, key=lambda x: x.total.cpu)
    print(
        f"best of {repeats} by CPU (every run's CPU in brackets); CPU = user+sys of the "
        "ffmpeg children + this process"
    )
    rows: list[tuple[str, Cost, list[Cost], str]] = [
        ("(a)  floor: build_command argv, bare", a, runs["a"], f"{counts['a']} segments"),
        ("(a') hand-written one-pass ladder", a2, runs["a2"], f"{counts['a2']} segments"),
        ("(b)  one ffmpeg per rung (PeerTube)", b, runs["b"], f"{counts['b']} segments"),
    ]
    rows += [(f"       {name}", best(costs), costs, "") for name, costs in per_rung.items()]
    rows.append(("(P)  our pipeline, total", p, runs["P"], f"{counts['P']} segments"))
    rows += [(f"       {name}", cost, [], "") for name, cost in pipeline.phases.items()]
    print(f"{'run':38} {'CPU s':>7} {'wall s':>7} {'CPU/(a)':>8}  all runs' CPU s")
    for name, cost, every, note in rows:
        spread = "/".join(f"{c.cpu:.1f}" for c in every)
        print(
            f"{name:38} {cost.cpu:7.1f} {cost.wall:7.1f} {cost.cpu / a.cpu:8.3f}  "
            f"{('[' + spread + ']') if every else '':16} {note}"
        )
    if pipeline.playable_after is not None:
        print(
            f"(P) playable (master + first segment of every rung) after "
            f"{pipeline.playable_after:.1f} s of encoding"
        )
    images_cpu = sum(
        c.cpu
        for n, c in pipeline.phases.items()
        if n in ("poster", "thumbnail candidates", "storyboard")
    )
    print(f"images: {images_cpu:.1f} CPU s = {images_cpu / a.cpu:.1%} of (a)")
    ratio_a, ratio_b = p.cpu / a.cpu, p.cpu / b.cpu
    print(
        f"P / (a)  CPU {ratio_a:.3f}  wall {p.wall / a.wall:.3f}   target ≤ 1.10: "
        f"{'met' if ratio_a <= 1.10 else 'NOT met'}"
    )
    print(f"P / (a') CPU {p.cpu / a2.cpu:.3f}  wall {p.wall / a2.wall:.3f}")
    print(
        f"P / (b)  CPU {ratio_b:.3f}  wall {p.wall / b.wall:.3f}   target ≤ 0.90: "
        f"{'met' if ratio_b <= 0.90 else 'NOT met'}"
    )


if __name__ == "__main__":
    sys.exit(main())
