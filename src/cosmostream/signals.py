"""In-process signals: one domain tells others what happened, inside the same unit of work.

A domain that others may want to follow declares a `Signal` (in its own
`signals.py`) and sends it from its service with the session of the unit of
work; a domain that follows it lists a `Receiver` in its `Domain`, and
`domains.all_domains()` connects them. Receivers run in order, in the sender's
transaction: what they write commits or rolls back with it. Effects that
must wait for the commit go through `effects` as usual.

The sender never imports its receivers, so a signal lets an earlier domain
(engagement) feed a later one (learning) without an import cycle.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

T = TypeVar("T")
Handler = Callable[[AsyncSession, T], Awaitable[None]]


class Signal(Generic[T]):
    def __init__(self, name: str) -> None:
        self.name = name
        self._handlers: list[Handler[T]] = []

    def connect(self, handler: Handler[T]) -> None:
        if handler not in self._handlers:
            self._handlers.append(handler)

    def disconnect(self, handler: Handler[T]) -> None:
        if handler in self._handlers:
            self._handlers.remove(handler)

    async def send(self, session: AsyncSession, payload: T) -> None:
        for handler in list(self._handlers):
            await handler(session, payload)

    def __repr__(self) -> str:
        return f"Signal({self.name!r}, {len(self._handlers)} receivers)"


@dataclass(frozen=True)
class Receiver(Generic[T]):
    """A handler a domain connects to another domain's signal (see `Domain.receivers`)."""

    signal: Signal[T]
    handler: Handler[T]

    def connect(self) -> None:
        self.signal.connect(self.handler)


AnyReceiver = Receiver[Any]
