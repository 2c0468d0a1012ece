"""GraphQL that shares the event loop: no document holds it for long.

The cost limit bounds how much a document may ask for, but what it admits can
still take a few hundred milliseconds of pure Python (graphql-core completes
thousands of fields, builds the introspection answer, lexes a 1 MiB string).
Run in one go, that is time every other request on the process waits.

- **Execution** is cut into slices: before completing an object's fields the
  executor checks how long this document has held the loop since its slice
  began, and past `SLICE_SECONDS` the object waits in line instead. Every
  other turn of the loop (after it has polled for I/O) the line is woken and
  a new slice begins: the objects it has room for run, in order, and the rest
  wait again. One turn does at most about one slice of this document's work.
- **Parsing** of a large document runs in a worker thread (the interpreter
  hands the loop the GIL every few milliseconds); a small one is parsed in
  place, where a thread would cost more than it saves.

A slice that ends between the objects of one list splits their DataLoader
batch in two: a document that runs for many slices makes about one more
query per slice, never one per object.

The worst admitted documents and how long they block `/healthz` are measured
by `benchmarks/graphql_cost.py`.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import AsyncIterator
from time import perf_counter
from typing import Any

from graphql import parse
from strawberry.extensions import SchemaExtension
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

# Field work per turn of the event loop for one document.
SLICE_SECONDS = 0.02
# Documents up to this many characters are parsed in place (well under a
# millisecond); larger ones in a thread.
INLINE_PARSE_CHARS = 16 * 1024


class SlicedExecutionContext(StrawberryGraphQLCoreExecutionContext):
    """graphql-core's executor, completing objects in slices of `SLICE_SECONDS`.

    The check is made per object (its selection set), not per field: a list of
    a thousand small objects then waits as a thousand coroutines at most, not
    one for each of their fields.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._slice_started = perf_counter()
        self._waiting: deque[asyncio.Future[None]] = deque()
        self._line_moving = False
        self._new_slice = False

    def execute_fields(self, *args: Any, **kwargs: Any) -> Any:
        if perf_counter() - self._slice_started < SLICE_SECONDS:
            return super().execute_fields(*args, **kwargs)
        return self._execute_fields_later(*args, **kwargs)

    async def _execute_fields_later(self, *args: Any, **kwargs: Any) -> Any:
        loop = asyncio.get_running_loop()
        while True:
            turn = loop.create_future()
            self._waiting.append(turn)
            if not self._line_moving:
                self._line_moving = True
                loop.call_soon(self._wake_line)
            await turn
            if self._new_slice:  # the first to wake starts the slice, and runs
                self._new_slice = False
                self._slice_started = perf_counter()
                break
            if perf_counter() - self._slice_started < SLICE_SECONDS:
                break
        result = super().execute_fields(*args, **kwargs)
        return await result if self.is_awaitable(result) else result

    def _wake_line(self) -> None:
        """Wake every waiting object; those the new slice has no room for wait again.

        Those that fit run in the same turn, so their DataLoader loads still
        share a batch.
        """
        waiting, self._waiting = self._waiting, deque()
        self._new_slice = True
        for turn in waiting:
            if not turn.done():
                turn.set_result(None)
        asyncio.get_running_loop().call_soon(self._after_turn)

    def _after_turn(self) -> None:
        if self._waiting:
            # Wake those left on the next turn, after the loop has polled for I/O.
            asyncio.get_running_loop().call_soon(self._wake_line)
        else:
            self._line_moving = False


class ParseLargeDocumentsInThread(SchemaExtension):
    """Parse a document longer than `INLINE_PARSE_CHARS` in a worker thread.

    Strawberry parses only when no extension has set the document, and turns a
    syntax error raised here into the usual error answer.
    """

    async def on_parse(self) -> AsyncIterator[None]:
        context = self.execution_context
        query = context.query
        if context.graphql_document is None and query and len(query) > INLINE_PARSE_CHARS:
            context.graphql_document = await asyncio.to_thread(
                parse, query, **context.parse_options
            )
        yield
