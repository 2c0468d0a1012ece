"""Test data built through the real services (no hand-made rows)."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import httpx

from cosmostream.account.schemas import ClientInfo
from cosmostream.account.service import account_service
from cosmostream.db import Database
from cosmostream.kit.time import Clock
from cosmostream.models import Role, User

_counter = itertools.count(1)
PASSWORD = "correct horse battery"


async def make_user(
    db: Database,
    *,
    role: Role = Role.VIEWER,
    email: str | None = None,
    password: str = PASSWORD,
    name: str | None = None,
) -> User:
    n = next(_counter)
    async with db.unit_of_work() as session:
        return await account_service.create_user(
            session,
            email=email or f"user{n}@example.com",
            password=password,
            role=role,
            display_name=name or f"User {n}",
        )


async def login(db: Database, user: User, password: str = PASSWORD) -> Any:
    return await account_service.login(db, user.email, password, ClientInfo(ip="198.51.100.1"))


async def gql(
    client: httpx.AsyncClient,
    query: str,
    variables: dict[str, Any] | None = None,
    *,
    token: str | None = None,
    headers: dict[str, str] | None = None,
) -> httpx.Response:
    h = dict(headers or {})
    if token:
        h["Authorization"] = f"Bearer {token}"
    return await client.post(
        "/graphql", json={"query": query, "variables": variables or {}}, headers=h
    )


async def csrf(client: httpx.AsyncClient, path: str = "/login") -> str:
    """Load a page so the browser-like client holds the CSRF cookie; return the token."""
    await client.get(path)
    token = client.cookies.get("cs_csrf")
    assert token
    return token


@contextmanager
def shift_time(delta: timedelta) -> Iterator[None]:
    """Run with the application's clock moved forward by `delta`."""
    previous = Clock.offset
    Clock.offset = previous + delta
    try:
        yield
    finally:
        Clock.offset = previous
