"""Time to first playable: upload complete → master playlist + first segment of every rung.

Runs the pipeline pieces the way `video/tasks.py` does — link the original
into a job directory, probe (PyAV), plan_ladder, build_command, run_transcode
in a thread — and polls `first_segments_ready` every 50 ms; when it holds the
master playlist is written, and the video is servable. The task itself checks
once a second, so it publishes "playable" up to one second later; that figure
is printed too. The transcode is then stopped (through run_transcode's own
kill path: the progress callback raises) rather than waited for.

Sources: 60 s and 300 s of 1080p30 testsrc2 + sine, H.264 (ultrafast) + AAC,
generated first and not counted. Anchor, measured in the same run: the same
ffmpeg command alone (no probe, no polling), from spawn to the first complete
segment of the first rung.

Target: ≤ 10 s for both lengths, and it must not grow with length (ratio
300 s / 60 s ≈ 1). BENCH_SECONDS="20,60" sets both lengths, BENCH_SECONDS=12
means 12 s and 60 s.
"""

from __future__ import annotations

import math
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from cosmostream.config import Settings
from cosmostream.media import transcode as tc
from cosmostream.media.ladder import plan_ladder
from cosmostream.media.probe import ProbeLimits, probe

sys.path.insert(0, str(Path(__file__).parent))
from transcode import ffmpeg_exe, generate_clip


def lengths() -> list[float]:
    """BENCH_SECONDS: "a,b" for both lengths, or "a" for a and 5a (default 60 and 300)."""
    values = [float(v) for v in os.environ.get("BENCH_SECONDS", "60").split(",") if v]
    return values if len(values) > 1 else [values[0], 5 * values[0]]


POLL = 0.05
TASK_TICK = 1.0  # video/tasks.py checks first_segments_ready once a second
TARGET = 10.0


class _Stop(Exception):
    """Raised from the progress callback: run_transcode then kills ffmpeg's group."""


@dataclass
class Result:
    seconds: float
    probe: float
    spawned: float
    first_segment_v0: float
    ready: float
    servable: float
    task_sees: float
    rungs: int


def first_playable(ffmpeg: str, original: Path, work: Path, preset: str) -> Result:
    settings = Settings()
    job_dir, out_dir = work / "job", work / "hls"
    stop = threading.Event()
    errors: list[BaseException] = []

    def on_progress(_fraction: float) -> None:
        if stop.is_set():
            raise _Stop

    started = time.perf_counter()
    # video/tasks.py: _prepare_job, probe, plan, clean out_dir, build_command, start.
    shutil.rmtree(job_dir, ignore_errors=True)
    job_dir.mkdir(parents=True)
    source = job_dir / "input.mp4"
    os.link(original, source)
    info = probe(source, ProbeLimits(max_bytes=settings.max_upload_bytes))
    rungs = plan_ladder(info)
    probed = time.perf_counter() - started
    shutil.rmtree(out_dir, ignore_errors=True)
    out_dir.mkdir(parents=True)
    cmd = tc.build_command(ffmpeg, source, info, rungs, out_dir, preset=preset)
    timeout = max(
        settings.transcode_min_timeout_seconds, info.duration * settings.transcode_timeout_factor
    )

    def encode() -> None:
        try:
            tc.run_transcode(
                cmd,
                duration=info.duration,
                on_progress=on_progress,
                timeout=timeout,
                stall_timeout=settings.transcode_stall_seconds,
            )
        except _Stop:
            pass
        except BaseException as exc:
            errors.append(exc)

    runner = threading.Thread(target=encode, daemon=True)
    runner.start()
    spawned = time.perf_counter() - started
    first_v0 = math.nan
    while True:
        if errors or (not runner.is_alive() and not tc.first_segments_ready(out_dir, len(rungs))):
            raise RuntimeError(f"transcode ended before it was playable: {errors}")
        now = time.perf_counter() - started
        if math.isnan(first_v0) and _has_segment(out_dir, 0):
            first_v0 = now
        if tc.first_segments_ready(out_dir, len(rungs)):
            ready = now
            tc.write_master_playlist(out_dir, rungs, info)
            servable = time.perf_counter() - started
            break
        time.sleep(POLL)
    stop.set()
    runner.join(timeout=30)
    # The task's loop wakes every TASK_TICK seconds after starting the encode.
    task_sees = spawned + math.ceil((ready - spawned) / TASK_TICK) * TASK_TICK
    task_sees += servable - ready
    return Result(info.duration, probed, spawned, first_v0, ready, servable, task_sees, len(rungs))


def _has_segment(out_dir: Path, index: int) -> bool:
    playlist = tc.read_media_playlist(tc.variant_dir(out_dir, index) / tc.PLAYLIST)
    return bool(playlist and playlist.segments)


def ffmpeg_alone(ffmpeg: str, source: Path, work: Path, preset: str) -> float:
    """Spawn → first complete segment of rung 0, for the same argv with nothing around it."""
    info = probe(source)  # not timed
    rungs = plan_ladder(info)
    out_dir = work / "alone"
    shutil.rmtree(out_dir, ignore_errors=True)
    out_dir.mkdir(parents=True)
    cmd = tc.build_command(ffmpeg, source, info, rungs, out_dir, preset=preset)
    started = time.perf_counter()
    proc = subprocess.Popen(
        cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        while not _has_segment(out_dir, 0):
            if proc.poll() is not None:
                raise RuntimeError("ffmpeg ended before its first segment")
            time.sleep(POLL / 5)
        return time.perf_counter() - started
    finally:
        proc.kill()
        proc.wait()


def main() -> None:
    ffmpeg = ffmpeg_exe()
    preset = Settings().transcode_preset
    results: list[tuple[Result, float]] = []
    with tempfile.TemporaryDirectory(prefix="cs-bench-playable-") as tmp_name:
        tmp = Path(tmp_name)
        for seconds in lengths():
            original = tmp / f"source-{seconds:g}.mp4"
            took = generate_clip(original, seconds, preset="ultrafast")
            print(
                f"generated {seconds:g} s 1080p30 source: "
                f"{original.stat().st_size / 1e6:.0f} MB in {took:.0f} s (not counted)"
            )
            result = first_playable(ffmpeg, original, tmp / f"run-{seconds:g}", preset)
            alone = ffmpeg_alone(ffmpeg, original, tmp / f"run-{seconds:g}", preset)
            results.append((result, alone))
            original.unlink()
            shutil.rmtree(tmp / f"run-{seconds:g}", ignore_errors=True)
    print(f"preset {preset}; times in seconds from the start of processing")
    print(
        f"{'source':>8} {'rungs':>5} {'probe':>6} {'spawn':>6} {'v0 seg':>7} "
        f"{'all rungs':>9} {'servable':>8} {'task 1s':>8} {'anchor':>7} {'ratio':>6}"
    )
    for result, alone in results:
        print(
            f"{result.seconds:7.0f}s {result.rungs:5d} {result.probe:6.2f} {result.spawned:6.2f} "
            f"{result.first_segment_v0:7.2f} {result.ready:9.2f} {result.servable:8.2f} "
            f"{result.task_sees:8.2f} {alone:7.2f} {result.servable / alone:6.2f}"
        )
    print("anchor: the same ffmpeg argv alone, spawn → first complete segment of rung 0")
    print("ratio: servable / anchor")
    if len(results) >= 2:
        short, long = results[0][0], results[-1][0]
        print(
            f"{long.seconds:.0f} s / {short.seconds:.0f} s: servable {long.servable / short.servable:.2f}"
            f", probe {long.probe / short.probe:.2f}"
        )
    worst = max(r.servable for r, _ in results)
    worst_task = max(r.task_sees for r, _ in results)
    print(
        f"target (≤ {TARGET:.0f} s for every length): {'met' if worst <= TARGET else 'NOT met'} "
        f"(worst {worst:.2f} s; {worst_task:.2f} s at the task's 1 s polling)"
    )


if __name__ == "__main__":
    main()
