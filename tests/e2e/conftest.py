"""Fixtures for browser tests: the real server in a subprocess and Debian's Chromium.

The server is started exactly as an operator would start it — `cosmostream
migrate`, `cosmostream demo`, `cosmostream run` — on SQLite in a throw-away data
directory, and the browser talks to it over loopback only. Migrating and loading
the demo are done once per session; each module's server runs on a copy of that
data directory, as fresh as if both commands had been run for it.

Chromium missing is a failure, not a skip: set COSMOSTREAM_SKIP_E2E=1 to opt out
of the browser tests on a machine that cannot run them.
"""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
# `python -m cosmostream` with this interpreter: the server runs the code of the
# checkout the tests come from (a git worktree with PYTHONPATH=src included).
COSMOSTREAM = [sys.executable, "-m", "cosmostream"]
DIST_DIR = REPO_ROOT / "src" / "cosmostream" / "web" / "static" / "dist"
FRONTEND_DIR = REPO_ROOT / "frontend"
ARTIFACTS_DIR = REPO_ROOT / "test-artifacts" / "e2e"
CHROMIUM = os.environ.get("COSMOSTREAM_E2E_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
# Every page entry must be built (`make test` rebuilds them all first).
REQUIRED_ASSETS = (
    "app.css",
    "app.js",
    *sorted(f"{page.stem}.js" for page in (FRONTEND_DIR / "src" / "pages").glob("*.js")),
)
# Variables that would point the server somewhere other than its own sandbox.
FOREIGN_ENV = (
    "DATABASE_URL",
    "REDIS_URL",
    "JWT_SECRET",
    "CORS_ORIGIN",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "S3_BUCKET_NAME",
    "STORAGE_BACKEND",
    "CLOUDFRONT_DOMAIN",
    "STRIPE_SECRET_KEY",
    "GOOGLE_CLIENT_ID",
    "GOOGLE_CLIENT_SECRET",
)
SKIP_E2E = os.environ.get("COSMOSTREAM_SKIP_E2E") == "1"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if not SKIP_E2E:
        return
    skip = pytest.mark.skip(reason="COSMOSTREAM_SKIP_E2E=1")
    for item in items:
        if item.get_closest_marker("e2e"):
            item.add_marker(skip)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class LiveServer:
    base_url: str
    data_dir: Path
    log_path: Path
    process: subprocess.Popen[bytes]

    def url(self, path: str) -> str:
        return self.base_url + path

    def log_tail(self, lines: int = 60) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return "(no server log)"
        return "\n".join(text.splitlines()[-lines:])


def _server_env(data_dir: Path, port: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("COSMOSTREAM_")}
    for name in FOREIGN_ENV:
        env.pop(name, None)
        env.pop(name.lower(), None)
    env.update(
        COSMOSTREAM_ENV="test",
        COSMOSTREAM_DATA_DIR=str(data_dir),
        JWT_SECRET=secrets.token_urlsafe(48),
        COSMOSTREAM_BASE_URL=f"http://127.0.0.1:{port}",
        COSMOSTREAM_LOG_LEVEL="WARNING",
        PYTHONUNBUFFERED="1",
        # Never let the browser's or the server's HTTP clients leave loopback.
        NO_PROXY="*",
    )
    return env


def _ensure_assets() -> None:
    if all((DIST_DIR / name).is_file() for name in REQUIRED_ASSETS):
        return
    node = shutil.which("node")
    if node is None:
        pytest.fail(f"front-end assets are missing from {DIST_DIR} and node is not installed")
    subprocess.run([node, "build.mjs"], cwd=FRONTEND_DIR, check=True, timeout=300)
    missing = [name for name in REQUIRED_ASSETS if not (DIST_DIR / name).is_file()]
    if missing:
        pytest.fail(f"`node build.mjs` did not produce {missing} in {DIST_DIR}")


def _stop(process: subprocess.Popen[bytes]) -> None:
    """Stop the server and anything it spawned (it leads its own process group)."""
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=5)


@pytest.fixture(scope="session")
def demo_data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`cosmostream migrate` and `cosmostream demo`, run once: every module's server
    starts on a copy of this data directory."""
    root = tmp_path_factory.mktemp("e2e-demo")
    data_dir = root / "data"
    env = _server_env(data_dir, _free_port())
    # Run from the sandbox so a developer's .env in the repository is not read.
    # The demo's videos are left out: drawing and transcoding them would only
    # compete with the browser for the CPU; tests make the videos they need.
    for command in (["migrate"], ["demo", "--videos", "0"]):
        done = subprocess.run(
            [*COSMOSTREAM, *command], env=env, cwd=root, capture_output=True, timeout=120
        )
        assert done.returncode == 0, (
            f"cosmostream {' '.join(command)} failed ({done.returncode}):\n"
            f"{done.stdout.decode(errors='replace')}\n{done.stderr.decode(errors='replace')}"
        )
    return data_dir


@contextmanager
def serve(
    tmp_path_factory: pytest.TempPathFactory,
    demo_data_dir: Path,
    *,
    port: int | None = None,
    **extra_env: str,
) -> Iterator[LiveServer]:
    """`cosmostream run` on a copy of the demo data directory, until the block ends
    (on `port` when a test must know its address before it starts)."""
    _ensure_assets()
    root = tmp_path_factory.mktemp("e2e-server")
    data_dir = root / "data"
    shutil.copytree(demo_data_dir, data_dir)
    port = port or _free_port()
    env = {**_server_env(data_dir, port), **extra_env}

    log_path = root / "server.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [*COSMOSTREAM, "run", "--host", "127.0.0.1", "--port", str(port)],
            env=env,
            cwd=root,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    server = LiveServer(f"http://127.0.0.1:{port}", data_dir, log_path, process)
    try:
        deadline = time.monotonic() + 30
        while True:
            if process.poll() is not None:
                pytest.fail(f"the server exited with {process.returncode}:\n{server.log_tail()}")
            try:
                if httpx.get(server.url("/healthz"), timeout=2, trust_env=False).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"/healthz did not answer within 30 s:\n{server.log_tail()}")
            time.sleep(0.2)
        yield server
    finally:
        _stop(process)


@pytest.fixture(scope="module")
def live_server(
    tmp_path_factory: pytest.TempPathFactory, demo_data_dir: Path
) -> Iterator[LiveServer]:
    with serve(tmp_path_factory, demo_data_dir) as server:
        yield server


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    if not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        pytest.fail(
            f"Chromium is not installed at {CHROMIUM} (apt-get install chromium); "
            "set COSMOSTREAM_SKIP_E2E=1 to skip the browser tests"
        )
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:  # pragma: no cover - depends on the environment
        pytest.fail("playwright is not installed in the venv (pip install -e '.[dev]')")
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def artifacts_dir() -> Path:
    ARTIFACTS_DIR.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS_DIR


PAGE_TIMEOUT_MS = 15_000


# Added to every page of every context before its own scripts: each violation of
# the Content-Security-Policy (a blocked script, style, image, worker, connection…)
# is logged where the fixtures below see it.
CSP_PROBE = """
document.addEventListener("securitypolicyviolation", (e) => {
  console.error(`CSP violation: ${e.effectiveDirective} blocked ${e.blockedURI || "inline"}`
    + ` (${e.sourceFile || location.href}:${e.lineNumber})`);
}, true);
"""
CSP_MARK = "CSP violation:"


class BrowserProblems:
    """JavaScript errors, failed same-origin requests and CSP violations seen by a page."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.errors: list[str] = []
        self.csp: list[str] = []

    def attach(self, page: Any) -> None:
        page.on("pageerror", lambda exc: self.errors.append(f"page error: {exc}"))
        page.on("response", self._on_response)
        page.on("requestfailed", self._on_failed)
        # Errors the page logs (hls.js, our modules) count as JavaScript errors too.
        page.on("console", self._on_console)

    def _on_console(self, msg: Any) -> None:
        if msg.type != "error":
            return
        self.errors.append(f"console error: {msg.text}")
        if msg.text.startswith(CSP_MARK) or "Content Security Policy" in msg.text:
            self.csp.append(msg.text)

    def _on_response(self, response: Any) -> None:
        if not response.url.startswith(self.base_url):
            return
        if response.status >= 400:
            self.errors.append(f"HTTP {response.status} for {response.url}")
        # Every page the site serves carries the policy (checked, not just assumed).
        if response.request.resource_type == "document" and not response.header_value(
            "content-security-policy"
        ):
            self.csp.append(f"no Content-Security-Policy on {response.url}")

    def check_csp(self) -> None:
        """At teardown: any violation, or a page without the policy, fails the test."""
        if self.csp:
            pytest.fail("Content-Security-Policy problems:\n" + "\n".join(self.csp))

    def _on_failed(self, request: Any) -> None:
        # Navigations abort the previous page's pending requests (e.g. Socket.IO
        # polling); only sub-resources that could not load at all matter here.
        failure = request.failure or ""
        if "ERR_ABORTED" in failure or "/socket.io/" in request.url:
            return
        self.errors.append(f"request failed: {request.url} ({failure})")


@pytest.fixture
def page(browser: Any, live_server: LiveServer) -> Iterator[tuple[Any, BrowserProblems]]:
    context = browser.new_context(
        base_url=live_server.base_url,
        viewport={"width": 1280, "height": 800},
        color_scheme="dark",
        locale="en-GB",
    )
    context.set_default_timeout(PAGE_TIMEOUT_MS)
    context.set_default_navigation_timeout(PAGE_TIMEOUT_MS)
    context.add_init_script(CSP_PROBE)
    tab = context.new_page()
    problems = BrowserProblems(live_server.base_url)
    problems.attach(tab)
    try:
        yield tab, problems
    finally:
        context.close()
    problems.check_csp()


@pytest.fixture
def two_contexts(
    browser: Any, live_server: LiveServer
) -> Iterator[list[tuple[Any, BrowserProblems]]]:
    opened = []
    for _ in range(2):
        context = browser.new_context(
            base_url=live_server.base_url, viewport={"width": 1280, "height": 800}
        )
        context.set_default_timeout(PAGE_TIMEOUT_MS)
        context.add_init_script(CSP_PROBE)
        tab = context.new_page()
        problems = BrowserProblems(live_server.base_url)
        problems.attach(tab)
        opened.append((context, tab, problems))
    try:
        yield [(tab, problems) for _, tab, problems in opened]
    finally:
        for context, _, _ in opened:
            context.close()
    for _, _, problems in opened:
        problems.check_csp()


def watch_socket_frames(page: Any, keep: Callable[[str, str], str | None]) -> list[str]:
    """Collect `keep(frame, socket_url)` for every Socket.IO text frame the page receives."""
    kept: list[str] = []

    def on_socket(ws: Any) -> None:
        if "/socket.io/" not in ws.url:
            return

        def on_frame(payload: str | bytes) -> None:
            if isinstance(payload, str) and (value := keep(payload, ws.url)) is not None:
                kept.append(value)

        ws.on("framereceived", on_frame)

    page.on("websocket", on_socket)
    return kept
