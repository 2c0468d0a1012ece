"""Side effects buffered until the unit of work commits.

Services call `enqueue`, `publish` and `disconnect_user` freely; nothing leaves
the process until the surrounding transaction has committed, and everything is
dropped when it rolls back. Files written during the unit of work can register
an `on_rollback` clean-up so a failed request leaves nothing behind.

Tasks are enqueued by their registered name (`enqueue("video.process", id)`),
so a service never imports the module that defines a task: the task
decorators of `worker` register every task here as its module is loaded.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from cosmostream.bus import bus

log = logging.getLogger(__name__)

Action = Callable[[], Awaitable[Any] | Any]


class Effects:
    def __init__(self) -> None:
        self.after_commit: list[Action] = []
        self.on_rollback: list[Action] = []

    async def flush(self) -> None:
        await _run_all(self.after_commit, "after-commit effect")
        self.after_commit.clear()
        self.on_rollback.clear()

    async def discard(self) -> None:
        self.after_commit.clear()
        await _run_all(self.on_rollback, "rollback clean-up")
        self.on_rollback.clear()


async def _run_all(actions: list[Action], what: str) -> None:
    for action in actions:
        try:
            result = action()
            if inspect.isawaitable(result):
                await result
        except Exception:
            # The transaction is already decided; one failed effect must not
            # stop the others (a lost realtime event is not worth a 500).
            log.exception("%s failed", what)


_current: ContextVar[Effects | None] = ContextVar("cosmostream_effects", default=None)


def current() -> Effects:
    effects = _current.get()
    if effects is None:
        raise RuntimeError("no unit of work is active: side effects need one")
    return effects


@contextmanager
def activate(effects: Effects) -> Iterator[Effects]:
    token = _current.set(effects)
    try:
        yield effects
    finally:
        _current.reset(token)


def after_commit(action: Action) -> None:
    current().after_commit.append(action)


def on_rollback(action: Action) -> None:
    current().on_rollback.append(action)


_tasks: dict[str, Callable[..., Any]] = {}


def register_task(name: str, task: Callable[..., Any]) -> None:
    """Make a task enqueueable by name (called by the `worker` decorators)."""
    _tasks[name] = task


def forget_task(name: str) -> None:
    """Unregister a task name (a domain unloaded, as tests do with a throw-away one)."""
    _tasks.pop(name, None)


def enqueue(name: str, *args: Any, **kwargs: Any) -> None:
    """Enqueue the task registered as `name` once the transaction has committed.

    The name is resolved now, inside the transaction: an unknown one raises
    `LookupError` and rolls the unit of work back instead of failing unseen
    after commit.
    """
    task = _tasks.get(name)
    if task is None:
        raise LookupError(f"no task is registered as {name!r}")
    after_commit(lambda: task(*args, **kwargs))


def publish(room: str, event: str, data: Any) -> None:
    """Emit a Socket.IO event to a room once the transaction has committed."""
    after_commit(lambda: bus.emit(event, data, room=room))


def disconnect_user(user_id: Any) -> None:
    """Close every live socket of a user (logout, disable, role change)."""
    after_commit(lambda: bus.kick_user(str(user_id)))


def disconnect_session(session_id: Any) -> None:
    """Close the live sockets of one sign-in session (sign-out, revoked session)."""
    after_commit(lambda: bus.kick_session(str(session_id)))


def remove_from_room(user_id: Any, room: str) -> None:
    """Take a user's sockets out of one room, on every process, before anything
    published after this commit reaches them (removed from a party, banned)."""
    after_commit(lambda: bus.remove_from_room(str(user_id), room))
