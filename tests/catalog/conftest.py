"""Categories, people and listed videos for the catalog tests, made through the real services."""

from __future__ import annotations

import base64
import uuid
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from sqlalchemy import update

from cosmostream.db import Database
from cosmostream.models import Category, Role, User, Video
from tests.factories import PASSWORD, csrf, gql, login, make_user

CATEGORIES = [
    ("planets", "Planets", "Worlds of the Solar System and beyond.", "planet"),
    ("stars", "Stars", "How stars are born, live and die.", "star"),
    ("rockets", "Rockets", "Launch vehicles, engines and launches.", "rocket"),
]

ROLES = ("anonymous", "viewer", "creator", "admin")


@pytest.fixture
async def categories(db: Database) -> dict[str, Category]:
    async with db.unit_of_work() as session:
        made = {
            slug: Category(slug=slug, name=name, description=text, icon=icon, position=n)
            for n, (slug, name, text, icon) in enumerate(CATEGORIES)
        }
        session.add_all(made.values())
    return made


async def set_video(db: Database, video_id: uuid.UUID, **values: Any) -> None:
    """Set counters or times the discovery code sorts on (as if viewers had come)."""
    async with db.unit_of_work() as session:
        await session.execute(update(Video).where(Video.id == video_id).values(**values))


@dataclass
class People:
    db: Database
    client: httpx.AsyncClient
    users: dict[str, User]
    tokens: dict[str, str]

    async def gql(self, who: str, query: str, variables: dict[str, Any] | None = None) -> Any:
        response = await gql(self.client, query, variables, token=self.tokens.get(who))
        assert response.status_code in (200, 400, 422), response.text
        return response.json()


@pytest.fixture
async def people(db: Database, client: httpx.AsyncClient) -> People:
    users = {
        "viewer": await make_user(db, name="Ada Viewer"),
        "creator": await make_user(db, role=Role.CREATOR, name="Vera Nebula"),
        "admin": await make_user(db, role=Role.ADMIN, name="Alma Admin"),
    }
    tokens = {name: (await login(db, user)).access_token for name, user in users.items()}
    return People(db=db, client=client, users=users, tokens=tokens)


async def browser_login(client: httpx.AsyncClient, user: User) -> None:
    """Sign the browser-like client in through the log-in form (cookies)."""
    token = await csrf(client)
    response = await client.post(
        "/login",
        data={"email": user.email, "password": PASSWORD, "csrf_token": token, "next": "/"},
    )
    assert response.status_code == 303, response.text


def error_code(body: Any) -> str | None:
    errors = body.get("errors") or []
    return errors[0]["extensions"].get("code") if errors else None


def handmade_cursor(sort: str, key: str, row_id: uuid.UUID | None = None) -> str:
    """A cursor built by hand around the raw JSON text `key` (NaN, 1e999 … are not JSON)."""
    payload = f'["videos:{sort}",{key},"{row_id or uuid.uuid4()}"]'
    return base64.urlsafe_b64encode(payload.encode()).decode().rstrip("=")


# (page sort, GraphQL sort, cursor): none of them is one the server made.
HANDMADE_CURSORS = [
    ("newest", "NEWEST", handmade_cursor("newest", '{"t":"2026-01-01T00:00:00"}')),
    ("newest", "NEWEST", handmade_cursor("newest", '{"t":"2026-01-01"}')),
    ("newest", "NEWEST", handmade_cursor("newest", '{"t":"2026-01-01T00:00:00Z"}')),
    ("newest", "NEWEST", handmade_cursor("newest", '{"t":"2026-01-01T02:00:00+02:00"}')),
    *(
        (sort, name, handmade_cursor(sort, key))
        for sort, name in (("views", "MOST_VIEWED"), ("longest", "LONGEST"))
        for key in (str(10**24), "NaN", "Infinity", "-Infinity", "1e999")
    ),
    ("views", "MOST_VIEWED", handmade_cursor("views", "1.5")),
    ("trending", "TRENDING", handmade_cursor("trending", "NaN")),
]
