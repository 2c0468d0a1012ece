"""People and videos for the engagement tests, made through the real services."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from cosmostream.db import Database
from cosmostream.models import Role, User
from tests.factories import PASSWORD, csrf, gql, login, make_user, make_video

# Who asks, in every authorization matrix.
ROLES = ("anonymous", "viewer", "owner", "other", "admin")


@dataclass
class Cast:
    """A creator with a public, an unlisted and a private video, two viewers and an admin."""

    db: Database
    client: httpx.AsyncClient
    users: dict[str, User]
    tokens: dict[str, str]
    public: Any
    unlisted: Any
    private: Any

    @property
    def owner(self) -> User:
        return self.users["owner"]

    @property
    def viewer(self) -> User:
        return self.users["viewer"]

    async def gql(self, who: str, query: str, variables: dict[str, Any] | None = None) -> Any:
        """Run `query` as `who`; the JSON body."""
        response = await gql(self.client, query, variables, token=self.tokens.get(who))
        assert response.status_code in (200, 400), response.text
        return response.json()


def error_code(body: Any) -> str | None:
    errors = body.get("errors") or []
    return errors[0]["extensions"].get("code") if errors else None


@pytest.fixture
async def cast(db: Database, client: httpx.AsyncClient) -> Cast:
    return await make_cast(db, client)


async def make_cast(db: Database, client: httpx.AsyncClient) -> Cast:
    users = {
        "owner": await make_user(db, role=Role.CREATOR, name="Vera Nebula"),
        "viewer": await make_user(db, name="Ada Viewer"),
        "other": await make_user(db, name="Otto Other"),
        "admin": await make_user(db, role=Role.ADMIN, name="Alma Admin"),
    }
    tokens = {name: (await login(db, user)).access_token for name, user in users.items()}
    owner = users["owner"]
    return Cast(
        db=db,
        client=client,
        users=users,
        tokens=tokens,
        public=await make_video(db, owner, title="Jupiter's storms", duration=120.0),
        unlisted=await make_video(db, owner, title="Unlisted comet", visibility="unlisted"),
        private=await make_video(db, owner, title="Private nebula", visibility="private"),
    )


async def sign_in(client: httpx.AsyncClient, user: User) -> str:
    """Sign in through the login form like a browser; the CSRF token to post forms with."""
    client.cookies.clear()
    token = await csrf(client)
    response = await client.post(
        "/login", data={"email": user.email, "password": PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 303, response.text
    # Signing in sends a token bound to the new session; the old one is spent.
    return response.cookies["cs_csrf"]
