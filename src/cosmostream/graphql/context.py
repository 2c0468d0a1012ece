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
from cosmostream.catalog.schemas import CategoryStats, UpNextRequest
from cosmostream.catalog.service import catalog_service
from cosmostream.config import Settings
from cosmostream.db import Database, WriteSession
from cosmostream.engagement.repository import library_repository
from cosmostream.engagement.schemas import ViewerState
from cosmostream.errors import NotAuthenticated
from cosmostream.models import User, Video
from cosmostream.web import security
from cosmostream.web.deps import client_info, database

# Keys per DataLoader batch: a full page (100) of one row each; 24 up-next lists.
MAX_BATCH = 100
MAX_UP_NEXT_BATCH = 24


@dataclass
class Loaders:
    """One set per request. Each batch opens its own short read session, so
    concurrently running resolvers never share an `AsyncSession`."""

    db: Database
    users: DataLoader[uuid.UUID, User | None] = field(init=False)
    follow_counts: DataLoader[uuid.UUID, tuple[int, int]] = field(init=False)
    category_stats: DataLoader[uuid.UUID, CategoryStats] = field(init=False)
    up_next: DataLoader[UpNextRequest, list[Video]] = field(init=False)
    # (viewer id, video id) → liked / saved / position of that viewer.
    viewer_states: DataLoader[tuple[uuid.UUID, uuid.UUID], ViewerState] = field(init=False)

    def __post_init__(self) -> None:
        # Batches are bounded: each is one query whose rows are turned into
        # objects on the event loop, so a batch of thousands would hold it.
        self.users = DataLoader(self._load_users, max_batch_size=MAX_BATCH)
        self.follow_counts = DataLoader(self._load_follow_counts, max_batch_size=MAX_BATCH)
        self.category_stats = DataLoader(self._load_category_stats, max_batch_size=MAX_BATCH)
        # Up to `first` videos come back for each request.
        self.up_next = DataLoader(self._load_up_next, max_batch_size=MAX_UP_NEXT_BATCH)
        self.viewer_states = DataLoader(self._load_viewer_states, max_batch_size=MAX_BATCH)

    async def _load_users(self, ids: list[uuid.UUID]) -> list[User | None]:
        async with self.db.read() as session:
            found = {u.id: u for u in await user_repository.get_many(session, ids)}
        return [found.get(i) for i in ids]

    async def _load_follow_counts(self, ids: list[uuid.UUID]) -> list[tuple[int, int]]:
        async with self.db.read() as session:
            counts = await follow_repository.counts_many(session, ids)
        return [counts[i] for i in ids]

    async def _load_category_stats(self, ids: list[uuid.UUID]) -> list[CategoryStats]:
        async with self.db.read() as session:
            stats = await catalog_service.category_stats(session, ids)
        return [stats[i] for i in ids]

    async def _load_up_next(self, requests: list[UpNextRequest]) -> list[list[Video]]:
        async with self.db.read() as session:
            related = await catalog_service.up_next_many(session, requests)
        return [related[r] for r in requests]

    async def _load_viewer_states(
        self, keys: list[tuple[uuid.UUID, uuid.UUID]]
    ) -> list[ViewerState]:
        by_viewer: dict[uuid.UUID, list[uuid.UUID]] = {}
        for viewer_id, video_id in keys:
            by_viewer.setdefault(viewer_id, []).append(video_id)
        found: dict[tuple[uuid.UUID, uuid.UUID], ViewerState] = {}
        async with self.db.read() as session:
            for viewer_id, video_ids in by_viewer.items():
                states = await library_repository.viewer_states(session, viewer_id, video_ids)
                found.update({(viewer_id, v): s for v, s in states.items()})
        return [found.get(k, ViewerState()) for k in keys]


class Context(BaseContext):
    def __init__(self, request: Request) -> None:
        super().__init__()
        self.request = request
        self.settings: Settings = request.app.state.settings
        self.db: Database = database(request)
        self.actor: Actor | None = security.current_actor(request)
        self.loaders = Loaders(self.db)

    @property
    def client(self) -> ClientInfo:
        assert isinstance(self.request, Request)
        return client_info(self.request)

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
