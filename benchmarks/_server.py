"""Start a real `cosmostream` server in a temporary data directory for a benchmark."""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

BIN = Path(sys.executable).parent


@dataclass
class Server:
    url: str
    env: dict[str, str]
    started_in: float


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def running_server(role: str = "run", extra_env: dict[str, str] | None = None) -> Iterator[Server]:
    with tempfile.TemporaryDirectory(prefix="cs-bench-") as tmp:
        port = free_port()
        env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
        env.update(
            COSMOSTREAM_ENV="test",
            COSMOSTREAM_DATA_DIR=tmp,
            JWT_SECRET=secrets.token_urlsafe(48),
            COSMOSTREAM_BASE_URL=f"http://127.0.0.1:{port}",
            COSMOSTREAM_LOG_LEVEL="WARNING",
        )
        env.update(extra_env or {})
        cli = str(BIN / "cosmostream")
        subprocess.run([cli, "migrate"], env=env, check=True, capture_output=True)
        # Without the demo videos: their transcoding would run during the measurements.
        subprocess.run([cli, "demo", "--videos", "0"], env=env, check=True, capture_output=True)
        started = time.perf_counter()
        proc = subprocess.Popen(
            [cli, role, "--host", "127.0.0.1", "--port", str(port)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    if httpx.get(url + "/healthz", timeout=1).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise RuntimeError("server did not start")
                time.sleep(0.02)
            yield Server(url=url, env=env, started_in=time.perf_counter() - started)
        finally:
            proc.terminate()
            proc.wait(timeout=15)


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    k = (len(ordered) - 1) * p
    lo = int(k)
    hi = min(lo + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)
