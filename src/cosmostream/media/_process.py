"""Running ffmpeg as a child we can always take down again.

Every ffmpeg runs in its own session (`start_new_session=True`), so one
`killpg` removes it and anything it may have started. The group is killed
while the leader is still unreaped (we only *peek* at its exit with
`waitid(WNOWAIT)`): until it is reaped its pid, and so the group id, cannot be
handed to another process, which makes the kill race-free.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import threading
import time
from collections import deque
from collections.abc import Callable
from typing import IO

from cosmostream.media.errors import TranscodeFailed, TranscodeTimeout

TAIL_LINES = 20


def spawn(cmd: list[str], *, stdout: int = subprocess.PIPE) -> subprocess.Popen[bytes]:
    """Start `cmd` (an argv list, never a shell string) in a new session."""
    try:
        return subprocess.Popen(  # noqa: S603 - argv list built by us, no shell
            cmd,
            stdin=subprocess.DEVNULL,
            stdout=stdout,
            stderr=subprocess.PIPE,
            start_new_session=True,
            close_fds=True,
        )
    except OSError as exc:
        raise TranscodeFailed(detail=f"could not start {cmd[0]}: {exc}") from exc


def exited(proc: subprocess.Popen[bytes]) -> bool:
    """Whether the child has exited, without reaping it."""
    if proc.returncode is not None:
        return True
    try:
        result = os.waitid(os.P_PID, proc.pid, os.WEXITED | os.WNOHANG | os.WNOWAIT)
    except ChildProcessError:
        return True
    return result is not None


def kill_group(proc: subprocess.Popen[bytes]) -> None:
    """SIGKILL the child's whole process group, then reap the child."""
    if proc.returncode is None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()


def finish(proc: subprocess.Popen[bytes]) -> int:
    """Reap an exited child after clearing out any stragglers in its group."""
    kill_group(proc)
    return proc.returncode


class LineReader(threading.Thread):
    """Drains a pipe line by line, so the child can never block on a full pipe."""

    def __init__(self, stream: IO[bytes], sink: Callable[[str | None], None]) -> None:
        super().__init__(daemon=True)
        self._stream = stream
        self._sink = sink

    def run(self) -> None:
        try:
            for raw in iter(self._stream.readline, b""):
                self._sink(raw.decode("utf-8", "replace").rstrip("\r\n"))
        except (OSError, ValueError):
            pass
        finally:
            self._sink(None)


class Tail:
    """The last lines of a stream (ffmpeg's stderr), for the logs."""

    def __init__(self, size: int = TAIL_LINES) -> None:
        self._lines: deque[str] = deque(maxlen=size)
        self._lock = threading.Lock()

    def add(self, line: str | None) -> None:
        if line is None:
            return
        with self._lock:
            self._lines.append(line)

    def text(self) -> str:
        with self._lock:
            return "\n".join(self._lines)


def run_ffmpeg(cmd: list[str], *, timeout: float) -> None:
    """Run a short ffmpeg command (images) to completion under a wall-clock limit."""
    proc = spawn(cmd, stdout=subprocess.DEVNULL)
    tail = Tail()
    assert proc.stderr is not None
    reader = LineReader(proc.stderr, tail.add)
    reader.start()
    deadline = time.monotonic() + timeout
    try:
        while not exited(proc):
            if time.monotonic() >= deadline:
                raise TranscodeTimeout(detail=detail(cmd, tail))
            time.sleep(0.05)
        code = finish(proc)
    except BaseException:
        kill_group(proc)
        raise
    finally:
        reader.join(timeout=5)
        proc.stderr.close()
    if code != 0:
        raise TranscodeFailed(transient=code < 0, detail=detail(cmd, tail, code))


def detail(cmd: list[str], tail: Tail, code: int | None = None) -> str:
    """A log-only description of a failed command: exit status and stderr tail."""
    name = os.path.basename(cmd[0])
    head = f"{name} exited with status {code}" if code is not None else f"{name} was stopped"
    return f"{head}; last stderr lines:\n{tail.text()}"
