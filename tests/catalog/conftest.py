"""Categories, people and listed videos for the catalog tests, made through the real services."""

from __future__ import annotations

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
