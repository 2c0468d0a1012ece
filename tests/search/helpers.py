"""Small helpers shared by the search tests."""

from __future__ import annotations

from typing import Any

from cosmostream.account.schemas import Actor
from cosmostream.db import Database
from cosmostream.kit.ids import uuid7
from cosmostream.models import Category, User
from cosmostream.search.schemas import SearchPage
from cosmostream.search.service import search_service


def actor_of(user: User) -> Actor:
    return Actor(user=user, session_id=uuid7())


async def search(db: Database, query: str, first: int = 20, after: str | None = None) -> SearchPage:
    async with db.read() as session:
        return await search_service.search(session, None, query, first, after)


async def titles(db: Database, query: str, first: int = 20) -> list[str]:
    return [h.video.title for h in (await search(db, query, first)).hits]


async def all_ids(db: Database, query: str, first: int) -> list[Any]:
    """Every result id, walking the pages with the cursors."""
    seen: list[Any] = []
    after = None
    for _ in range(100):
        page = await search(db, query, first, after)
        seen += [h.video.id for h in page.hits]
        if not page.has_next:
            return seen
        after = page.end_cursor
    raise AssertionError("pagination did not end")


async def make_category(db: Database, slug: str) -> None:
    async with db.unit_of_work() as session:
        session.add(Category(slug=slug, name=slug.title(), description="", icon="", position=0))
