"""Per-request GraphQL context: the actor, the database and a fresh set of DataLoaders."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

from fastapi import Request
from strawberry.dataloader import DataLoader
from strawberry.fastapi import BaseContext
from strawberry.types import Info as StrawberryInfo

from cosmostream.account.repository import follow_repository, user_repository
from cosmostream.account.schemas import Actor, ClientInfo
from cosmostream.config import Settings
from cosmostream.db import Database, WriteSession
from cosmostream.errors import NotAuthenticated
from cosmostream.models import User
from cosmostream.web import security


@dataclass
class Loaders:
    """One set per request. Each batch opens its own short read session, so
    concurrently running resolvers never share an `AsyncSession`."""

    db: Database
    users: DataLoader[uuid.UUID, User | None] = field(init=False)
    follow_counts: DataLoader[uuid.UUID, tuple[int, int]] = field(init=False)

    def __post_init__(self) -> None:
        self.users = DataLoader(self._load_users)
        self.follow_counts = DataLoader(self._load_follow_counts)

    async def _load_users(self, ids: list[uuid.UUID]) -> list[User | None]:
        async with self.db.read() as session:
            found = {u.id: u for u in await user_repository.get_many(session, ids)}
        return [found.get(i) for i in ids]

    async def _load_follow_counts(self, ids: list[uuid.UUID]) -> list[tuple[int, int]]:
        async with self.db.read() as session:
            counts = await follow_repository.counts_many(session, ids)
        return [counts[i] for i in ids]


class Context(BaseContext):
    def __init__(self, request: Request) -> None:
        super().__init__()
        self.request = request
        self.settings: Settings = request.app.state.settings
        self.db: Database = request.app.state.db
        self.actor: Actor | None = security.current_actor(request)
        self.loaders = Loaders(self.db)

    @property
    def client(self) -> ClientInfo:
        assert isinstance(self.request, Request)
        return ClientInfo(
            ip=security.client_ip(self.request),
            user_agent=self.request.headers.get("user-agent", ""),
        )

    def require_actor(self) -> Actor:
        if self.actor is None:
            raise NotAuthenticated()
        return self.actor

    @asynccontextmanager
    async def unit_of_work(self) -> AsyncIterator[WriteSession]:
        async with self.db.unit_of_work() as session:
            yield session


Info = StrawberryInfo[Context, None]


async def get_context(request: Request) -> Context:
    # Browsers authenticate with cookies, which a cross-site page could make
    # them send: GraphQL over cookies therefore needs the CSRF header too.
    if request.method == "POST" and request.state.auth_via_cookie:
        security.check_csrf(request, request.headers.get(security.CSRF_HEADER))
    return Context(request)
