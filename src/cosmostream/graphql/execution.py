"""GraphQL that shares the event loop: no document holds it for long.

The cost limit bounds how much a document may ask for, but what it admits can
still take a few hundred milliseconds of pure Python (graphql-core completes
thousands of fields, builds the introspection answer, lexes a 1 MiB string).
Run in one go, that is time every other request on the process waits.

- **Execution** is cut into slices: before completing an object's fields or
  a list's items the executor checks how long this document has held the loop
  since its slice began, and past `SLICE_SECONDS` the work waits in line
  instead (as a future). One callback per turn of the loop does waiting work
  in order for one slice, then gives the loop back to poll for I/O; objects
  it completes in one slice load their DataLoader keys in one batch.
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
from collections.abc import AsyncIterator, Callable
from functools import partial
from time import perf_counter
from typing import Any

from graphql import GraphQLError, parse
from strawberry.extensions import SchemaExtension
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

# Field work per turn of the event loop for one document.
SLICE_SECONDS = 0.02
# Documents up to this many characters are parsed in place (well under a
# millisecond); larger ones in a thread.
INLINE_PARSE_CHARS = 16 * 1024


class SlicedExecutionContext(StrawberryGraphQLCoreExecutionContext):
    """graphql-core's executor, completing objects and lists in slices of `SLICE_SECONDS`.

    Work that waits is a plain future in the line, not a task: graphql-core
    gathers a list's awaitable items, and a thousand tasks made ready at once
    would hold the loop as long as the work they replace.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._slice_started = perf_counter()
        self._waiting: deque[tuple[asyncio.Future[Any], Callable[[], Any]]] = deque()
        self._line_moving = False

    def execute_fields(self, *args: Any, **kwargs: Any) -> Any:
        if perf_counter() - self._slice_started < SLICE_SECONDS:
            return super().execute_fields(*args, **kwargs)
        return self._later(partial(super().execute_fields, *args, **kwargs))

    def complete_list_value(self, *args: Any, **kwargs: Any) -> Any:
        # A list waits as one, rather than each of its items completing up to
        # its own check: a thousand of those in one turn add up.
        if perf_counter() - self._slice_started < SLICE_SECONDS:
            return super().complete_list_value(*args, **kwargs)
        return self._later(partial(super().complete_list_value, *args, **kwargs))

    def _later(self, work: Callable[[], Any]) -> asyncio.Future[Any]:
        loop = asyncio.get_running_loop()
        later: asyncio.Future[Any] = loop.create_future()
        self._waiting.append((later, work))
        if not self._line_moving:
            self._line_moving = True
            loop.call_soon(self._next_slice)
        return later

    def _next_slice(self) -> None:
        """Do waiting work, in order, for one slice; then let the loop poll."""
        self._slice_started = perf_counter()
        first = True  # however short the slice, each turn does at least one
        try:
            while self._waiting and (first or perf_counter() - self._slice_started < SLICE_SECONDS):
                first = False
                later, work = self._waiting.popleft()
                if later.done():  # the request was cancelled
                    continue
                try:
                    result = work()
                except Exception as error:  # graphql-core's null propagation, as in place
                    later.set_exception(error)
                    continue
                except BaseException:
                    later.cancel()
                    raise
                if self.is_awaitable(result):
                    _settle_with(later, asyncio.ensure_future(result))
                else:
                    later.set_result(result)
        finally:
            # Whatever happened above, what still waits gets its turn.
            if self._waiting:
                asyncio.get_running_loop().call_soon(self._next_slice)
            else:
                self._line_moving = False


def _settle_with(later: asyncio.Future[Any], running: asyncio.Future[Any]) -> None:
    """Resolve `later` as `running` resolves (and cancel `running` with it)."""

    def done(finished: asyncio.Future[Any]) -> None:
        if later.done():
            return
        if finished.cancelled():
            later.cancel()
        elif (error := finished.exception()) is not None:
            later.set_exception(error)
        else:
            later.set_result(finished.result())

    running.add_done_callback(done)
    later.add_done_callback(lambda f: running.cancel() if f.cancelled() else None)


class ParseLargeDocumentsInThread(SchemaExtension):
    """Parse a document longer than `INLINE_PARSE_CHARS` in a worker thread.

    Strawberry parses only when no extension has set the document, and turns a
    syntax error raised here into the usual error answer.
    """

    async def on_parse(self) -> AsyncIterator[None]:
        context = self.execution_context
        query = context.query
        if context.graphql_document is None and query and len(query) > INLINE_PARSE_CHARS:
            try:
                context.graphql_document = await asyncio.to_thread(
                    parse, query, **context.parse_options
                )
            except GraphQLError as error:
                # Answered as Strawberry answers its own parse errors (400): the
                # error stands before validation, over a placeholder operation.
                context.graphql_document = _PLACEHOLDER
                context.pre_execution_errors = [error]
        yield


_PLACEHOLDER = parse("query { __typename }")
