"""People and forum categories for the forum tests."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from cosmostream.db import Database
from cosmostream.models import ForumCategory, Role, User
from tests.factories import gql, login, make_user

# Who asks, in every authorization matrix ("author" wrote the thread and its post).
ROLES = ("anonymous", "viewer", "author", "other", "admin")


@dataclass
class Forum:
    db: Database
    client: httpx.AsyncClient
    users: dict[str, User]
    tokens: dict[str, str]
    general: ForumCategory
    help: ForumCategory

    async def gql(self, who: str, query: str, variables: dict[str, Any] | None = None) -> Any:
        response = await gql(self.client, query, variables, token=self.tokens.get(who))
        assert response.status_code in (200, 400), response.text
        return response.json()


def error_code(body: Any) -> str | None:
    errors = body.get("errors") or []
    return errors[0]["extensions"].get("code") if errors else None


async def make_category(db: Database, slug: str, name: str, position: int = 0) -> ForumCategory:
    # Categories are set up by the operator (seed data); there is no service to create them yet.
    async with db.unit_of_work() as session:
        category = ForumCategory(
            slug=slug, name=name, description=f"About {name}", position=position
        )
        session.add(category)
        await session.flush()
        return category


@pytest.fixture
async def forum(db: Database, client: httpx.AsyncClient) -> Forum:
    users = {
        "viewer": await make_user(db, name="Ada Viewer"),
        "author": await make_user(db, name="Tom Author"),
        "other": await make_user(db, name="Otto Other"),
        "admin": await make_user(db, role=Role.ADMIN, name="Alma Admin"),
    }
    tokens = {name: (await login(db, user)).access_token for name, user in users.items()}
    return Forum(
        db=db,
        client=client,
        users=users,
        tokens=tokens,
        general=await make_category(db, "general", "General", 1),
        help=await make_category(db, "help", "Help", 2),
    )
