"""Relay-style connections: one generic `Connection[T]` / `Edge[T]` for every list.

Strawberry names a specialisation after its node type (`Connection[Comment]` is
`CommentConnection`); a subclass gives a connection another name or more fields.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Generic, TypeVar

import strawberry

from cosmostream.kit.pagination import Page

ItemT = TypeVar("ItemT")
NodeT = TypeVar("NodeT")


@strawberry.type
class PageInfo:
    has_next_page: bool
    end_cursor: str | None


def page_info(page: Page[Any]) -> PageInfo:
    """The PageInfo of one page of a keyset-paginated list."""
    return PageInfo(has_next_page=page.has_next, end_cursor=page.end_cursor)


@strawberry.type
class Edge(Generic[NodeT]):
    cursor: str
    node: NodeT


@strawberry.type
class Connection(Generic[NodeT]):
    # A Sequence, so that a subclass can narrow it to its own edge type.
    edges: Sequence[Edge[NodeT]]
    page_info: PageInfo

    @strawberry.field
    def nodes(self) -> list[NodeT]:
        return [e.node for e in self.edges]


def connection(page: Page[ItemT], node: Callable[[ItemT], NodeT]) -> Connection[NodeT]:
    """A connection over one page of a keyset-paginated list, `node` wrapping each item."""
    edges = [Edge(cursor=c, node=node(i)) for i, c in zip(page.items, page.cursors, strict=True)]
    return Connection(edges=edges, page_info=page_info(page))
