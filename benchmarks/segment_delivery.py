"""Segment delivery: the app's own media route against nginx on the same files.

A real `cosmostream web` (Uvicorn, one process) is started in a temporary data
directory; a public, playable video row is written through the app's models,
and a real HLS ladder (24 s of 1080p30 testsrc2 + sine → 1080p/720p/480p/360p,
4 s fMP4 segments) is made by the app's own transcode code straight into its
`media/hls/<video>/`. nginx (Debian's package; one worker, sendfile, no access
log) serves the same directory on another loopback port.

The same client fetches the same list of segment URLs from both, in the same
run: wrk (one thread, CONNECTIONS keep-alive connections, cycling through the
list with a Lua script) when it is installed (`apt-get install wrk`), else a
Python asyncio/httpx client. Two workloads: every segment of every rung
(mean ≈ the ladder's average segment size) and the 360p rung alone (small
segments: per-request overhead dominates). Both servers get one process, so
on this 2-core machine the client has the other core.

If Granian is installed in the venv it is tried too (not a dependency: install it into
the venv by hand for the experiment): the same app under Granian (Starlette's
FileResponse then uses the ASGI pathsend extension, so the bytes are sent by
Rust), and Granian's own static file serving of the media directory (which
would skip the visibility check: shown for reference only).

Every server is measured BENCH_REPEATS times per workload (default 2, the
order rotated between repeats) and the best counts: throughput on this shared
VM drifts by tens of percent from minute to minute.

Target: app ≥ 0.5 x nginx in requests/s. DURATION (seconds per measurement,
default 10) and CONNECTIONS (default 16) can be set in the environment.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).parent))
from _server import free_port, running_server
from transcode import ffmpeg_exe, generate_clip

DURATION = float(os.environ.get("DURATION", "10"))
CONNECTIONS = int(os.environ.get("CONNECTIONS", "16"))
REPEATS = max(1, int(os.environ.get("BENCH_REPEATS", "2")))
CLIP_SECONDS = 24
NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
WRK = shutil.which("wrk")
GRANIAN = Path(sys.executable).parent / "granian"


@dataclass
class Rate:
    requests: int
    bytes: int
    seconds: float
    errors: int

    @property
    def rps(self) -> float:
        return self.requests / self.seconds

    @property
    def mbps(self) -> float:
        return self.bytes / self.seconds / 1e6


# ----------------------------------------------------------------------------
# The video: a DB row through the app's models, a ladder through its transcode


def create_public_video(env: dict[str, str]) -> uuid.UUID:
    """A public, ready, playable video owned by the demo creator."""
    os.environ.update(env)
    from sqlalchemy import select

    from cosmostream.config import Settings, use_settings
    from cosmostream.db import Database
    from cosmostream.models import User, Video, VideoStatus, Visibility

    settings = Settings()
    use_settings(settings)

    async def write() -> uuid.UUID:
        db = Database.from_settings(settings, pooled=False)
        try:
            async with db.unit_of_work() as session:
                owner = await session.scalar(select(User).where(User.email == "vera@example.com"))
                assert owner is not None, "demo data missing"
                video = Video(
                    owner_id=owner.id,
                    title="Segment delivery benchmark",
                    visibility=Visibility.PUBLIC,
                    status=VideoStatus.READY,
                    playable=True,
                    renditions=[],
                    images={},
                )
                session.add(video)
                await session.flush()
                return video.id
        finally:
            await db.dispose()

    return asyncio.run(write())


def make_ladder(out_dir: Path, work: Path) -> None:
    from cosmostream.config import get_settings
    from cosmostream.media import transcode as tc
    from cosmostream.media.ladder import plan_ladder
    from cosmostream.media.probe import probe

    source = work / "source.mp4"
    generate_clip(source, CLIP_SECONDS)
    info = probe(source)
    rungs = plan_ladder(info)
    out_dir.mkdir(parents=True, exist_ok=True)
    cmd = tc.build_command(
        ffmpeg_exe(), source, info, rungs, out_dir, preset=get_settings().transcode_preset
    )
    tc.run_transcode(cmd, duration=info.duration, on_progress=lambda _f: None, timeout=600)
    tc.finalize_playlists(out_dir)
    tc.write_master_playlist(out_dir, rungs, info)
    source.unlink()


# ----------------------------------------------------------------------------
# nginx and Granian


@contextmanager
def running_nginx(media_dir: Path, tmp: Path) -> Iterator[str]:
    port = free_port()
    prefix = tmp / "nginx"
    prefix.mkdir()
    conf = prefix / "nginx.conf"
    conf.write_text(
        f"""
worker_processes 1;
error_log {prefix}/error.log warn;
pid {prefix}/nginx.pid;
events {{ worker_connections 1024; }}
http {{
    types {{
        application/vnd.apple.mpegurl m3u8;
        video/iso.segment m4s;
        video/mp4 mp4;
    }}
    default_type application/octet-stream;
    access_log off;
    sendfile on;
    tcp_nopush on;
    keepalive_requests 100000;
    client_body_temp_path {prefix}/client_body;
    proxy_temp_path {prefix}/proxy;
    fastcgi_temp_path {prefix}/fastcgi;
    uwsgi_temp_path {prefix}/uwsgi;
    scgi_temp_path {prefix}/scgi;
    server {{
        listen 127.0.0.1:{port};
        location /media/hls/ {{
            alias {media_dir}/hls/;
            add_header Cache-Control "public, max-age=31536000, immutable";
            add_header Access-Control-Allow-Origin *;
        }}
    }}
}}
"""
    )
    assert NGINX is not None
    proc = subprocess.Popen(
        [NGINX, "-c", str(conf), "-p", str(prefix), "-g", "daemon off;"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_up(url, proc)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=15)


@contextmanager
def running_granian(env: dict[str, str], tmp: Path, static_dir: Path | None) -> Iterator[str]:
    """The app under Granian (one worker), optionally with Granian's static files at /media."""
    port = free_port()
    shim = tmp / "granian_shim"
    shim.mkdir(exist_ok=True)
    (shim / "cs_granian_app.py").write_text(
        "from cosmostream.main import create_asgi\n\n\n"
        "def app():\n    return create_asgi(embedded_worker=False)\n"
    )
    cmd = [
        str(GRANIAN), "--interface", "asgi", "--host", "127.0.0.1", "--port", str(port),
        "--workers", "1", "--no-ws", "--log-level", "warning", "--factory",
        "--working-dir", str(shim),
    ]  # fmt: skip
    if static_dir is not None:
        cmd += ["--static-path-route", "/media", "--static-path-mount", str(static_dir)]
    proc = subprocess.Popen(
        [*cmd, "cs_granian_app:app"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_up(url, proc)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=15)


def _wait_up(url: str, proc: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while True:
        try:
            httpx.get(url + "/", timeout=1)
            return
        except httpx.HTTPError:
            pass
        if proc.poll() is not None:
            assert proc.stderr is not None
            raise RuntimeError(f"server did not start: {proc.stderr.read().decode()[-2000:]}")
        if time.monotonic() > deadline:
            raise RuntimeError("server did not start in time")
        time.sleep(0.05)


# ----------------------------------------------------------------------------
# Clients


_LUA = """
local paths = {%s}
local n = 0
request = function()
  n = n + 1
  return wrk.format("GET", paths[(n %% #paths) + 1])
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULT %%d %%d %%d %%d\\n", summary.requests, summary.bytes,
    summary.duration, e.connect + e.read + e.write + e.status + e.timeout))
end
"""


def load(base: str, paths: list[str], tmp: Path) -> Rate:
    if WRK:
        script = tmp / "paths.lua"
        script.write_text(_LUA % ", ".join(json.dumps(p) for p in paths))
        out = subprocess.run(
            [WRK, "-t1", f"-c{CONNECTIONS}", f"-d{DURATION:g}s", "-s", str(script), base + "/"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        line = next(x for x in out.splitlines() if x.startswith("RESULT "))
        requests, size, micros, errors = (int(v) for v in line.split()[1:])
        return Rate(requests, size, micros / 1e6, errors)
    return asyncio.run(_python_load(base, paths))


async def _python_load(base: str, paths: list[str]) -> Rate:
    limits = httpx.Limits(max_connections=CONNECTIONS, max_keepalive_connections=CONNECTIONS)
    async with httpx.AsyncClient(base_url=base, limits=limits) as client:
        stop = time.perf_counter() + DURATION
        counts = [0, 0, 0]

        async def worker(offset: int) -> None:
            n = offset
            while time.perf_counter() < stop:
                response = await client.get(paths[n % len(paths)])
                counts[0] += 1
                counts[1] += len(response.content)
                counts[2] += response.status_code != 200
                n += 1

        started = time.perf_counter()
        await asyncio.gather(*(worker(i) for i in range(CONNECTIONS)))
        return Rate(counts[0], counts[1], time.perf_counter() - started, counts[2])


def check(base: str, path: str, expect_type: str) -> None:
    response = httpx.get(base + path)
    assert response.status_code == 200, (base, path, response.status_code)
    if not expect_type:
        return
    assert response.headers["content-type"].startswith(expect_type), response.headers
    assert "immutable" in response.headers.get("cache-control", ""), response.headers


def main() -> None:
    if NGINX is None:
        sys.exit("nginx is not installed (Debian: apt-get install nginx-light)")
    with tempfile.TemporaryDirectory(prefix="cs-bench-segments-") as tmp_name:
        tmp = Path(tmp_name)
        with running_server("web") as server:
            data_dir = Path(server.env["COSMOSTREAM_DATA_DIR"])
            data_dir.chmod(0o711)  # nginx's workers run as another user (www-data, nobody)
            video_id = create_public_video(server.env)
            hls = data_dir / "media" / "hls" / str(video_id)
            make_ladder(hls, tmp)
            files = sorted(hls.glob("v*/seg_*.m4s"))
            every = [f"/media/hls/{video_id}/{f.relative_to(hls).as_posix()}" for f in files]
            smallest = sorted({f.parent for f in files})[-1]  # the last rung is the lowest
            low = [p for p in every if f"/{smallest.name}/" in p]
            sizes = {
                f"/media/hls/{video_id}/{f.relative_to(hls).as_posix()}": f.stat().st_size
                for f in files
            }
            workloads = {
                "all rungs": every,
                f"lowest rung ({smallest.name})": low,
            }
            print(
                f"{len(files)} segments, mean {sum(sizes.values()) / len(sizes) / 1e6:.2f} MB "
                f"(lowest rung mean {sum(sizes[p] for p in low) / len(low) / 1e6:.2f} MB); "
                f"client: {'wrk -t1' if WRK else 'httpx asyncio'} with {CONNECTIONS} connections, "
                f"{DURATION:g} s per measurement"
            )
            results: dict[tuple[str, str], list[Rate]] = {}
            with ExitStack() as stack:
                # `cosmostream web` as shipped (Granian) and the Uvicorn fallback.
                servers: dict[str, str] = {"app (cosmostream web)": server.url}
                shared = {k: server.env[k] for k in ("COSMOSTREAM_DATA_DIR", "JWT_SECRET")}
                servers["app (Uvicorn)"] = stack.enter_context(
                    running_server("web", {**shared, "COSMOSTREAM_SERVER": "uvicorn"})
                ).url
                servers["nginx (sendfile)"] = stack.enter_context(
                    running_nginx(data_dir / "media", tmp)
                )
                if GRANIAN.exists():
                    servers["app (Granian)"] = stack.enter_context(
                        running_granian(server.env, tmp, None)
                    )
                    servers["Granian static (no access check)"] = stack.enter_context(
                        running_granian(server.env, tmp, data_dir / "media")
                    )
                for name, url in servers.items():
                    # Granian's static files: no Content-Type for .m4s, no Cache-Control.
                    check(url, every[0], "" if "static" in name else "video/iso.segment")
                names = list(servers)
                for repeat in range(REPEATS):
                    # Alternate the order; the best of the repeats counts for each.
                    order = names[repeat % len(names) :] + names[: repeat % len(names)]
                    for workload, paths in workloads.items():
                        for name in order:
                            rate = load(servers[name], paths, tmp)
                            results.setdefault((workload, name), []).append(rate)

    best = {key: max(rates, key=lambda r: r.rps) for key, rates in results.items()}
    print(f"best of {REPEATS} measurements (all runs' req/s in brackets)")
    print(
        f"{'workload':18} {'server':33} {'req/s':>7} {'MB/s':>6} {'errors':>6} {'/ nginx':>7}"
        "  all runs"
    )
    for workload in workloads:
        anchor = best[(workload, "nginx (sendfile)")]
        for (w, name), rate in best.items():
            if w != workload:
                continue
            every_run = "/".join(f"{r.rps:.0f}" for r in results[(w, name)])
            errors = sum(r.errors for r in results[(w, name)])
            print(
                f"{workload:18} {name:33} {rate.rps:7.0f} {rate.mbps:6.0f} {errors:6d} "
                f"{rate.rps / anchor.rps:7.2f}  [{every_run}]"
            )
    for workload in workloads:
        nginx = best[(workload, "nginx (sendfile)")].rps
        ratio = best[(workload, "app (cosmostream web)")].rps / nginx
        uvicorn_ratio = best[(workload, "app (Uvicorn)")].rps / nginx
        line = (
            f"{workload}: app (cosmostream web) / nginx = {ratio:.2f}; Uvicorn {uvicorn_ratio:.2f}"
        )
        if (workload, "app (Granian)") in best:
            granian = best[(workload, "app (Granian)")].rps
            line += f"; app (Granian) / nginx = {granian / best[(workload, 'nginx (sendfile)')].rps:.2f}"
        print(line + f"   target ≥ 0.5: {'met' if ratio >= 0.5 else 'NOT met'}")


if __name__ == "__main__":
    main()
