"""Relay-style connections shared by every paginated video list."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import strawberry

from cosmostream.kit.pagination import Page
from cosmostream.models import Video as VideoModel
from cosmostream.video.gql import Video


@strawberry.type
class PageInfo:
    has_next_page: bool
    end_cursor: str | None


def page_info(page: Page[Any]) -> PageInfo:
    """The PageInfo of one page of a keyset-paginated list."""
    return PageInfo(has_next_page=page.has_next, end_cursor=page.end_cursor)


@strawberry.type
class VideoEdge:
    cursor: str
    node: Video


@strawberry.type
class VideoConnection:
    edges: list[VideoEdge]
    page_info: PageInfo
    nodes: list[Video] = strawberry.field(
        description="The videos of the edges, for clients that skip the cursors."
    )


def connection(
    videos: Sequence[VideoModel], cursor_of: Callable[[VideoModel], str], has_next: bool
) -> VideoConnection:
    """A connection over one page of videos, `cursor_of` making each edge's cursor."""
    edges = [VideoEdge(cursor=cursor_of(v), node=Video(model=v)) for v in videos]
    return VideoConnection(
        edges=edges,
        nodes=[e.node for e in edges],
        page_info=PageInfo(has_next_page=has_next, end_cursor=edges[-1].cursor if edges else None),
    )
