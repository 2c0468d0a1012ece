"""Test data built through the real services (no hand-made rows)."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from cosmostream import domains
from cosmostream.account.schemas import ClientInfo
from cosmostream.account.service import account_service
from cosmostream.db import Database
from cosmostream.kit.time import Clock
from cosmostream.models import Role, User

# The services enqueue tasks by name: a process that makes data with these
# factories (a test, or a seeding script) must know every domain's tasks.
domains.task_modules()

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


async def sign_in(client: httpx.AsyncClient, user: User | None) -> str:
    """Sign in like a browser (or stay signed out); the CSRF token to post forms with."""
    client.cookies.clear()
    token = await csrf(client)
    if user is not None:
        response = await client.post(
            "/login", data={"email": user.email, "password": PASSWORD, "csrf_token": token}
        )
        assert response.status_code == 303, response.text
        # Signing in sends a token bound to the new session; the old one is spent.
        return str(response.cookies["cs_csrf"])
    return token


@contextmanager
def stopped_clock() -> Iterator[None]:
    """Run with the application's clock stopped at this instant: from here on it moves
    only by `shift_time`, however long the steps in between take."""
    previous = Clock.stopped_at
    Clock.stopped_at = previous or datetime.now(UTC)
    try:
        yield
    finally:
        Clock.stopped_at = previous


@contextmanager
def shift_time(delta: timedelta) -> Iterator[None]:
    """Run with the application's clock moved forward by `delta`."""
    previous = Clock.offset
    Clock.offset = previous + delta
    try:
        yield
    finally:
        Clock.offset = previous


async def make_video(
    db: Database,
    owner: User,
    *,
    title: str | None = None,
    description: str = "",
    category: str | None = None,
    tags: list[str] | None = None,
    visibility: str = "public",
    ready: bool = True,
    duration: float = 60.0,
) -> Any:
    """A video as the pipeline leaves it (READY, playable), without running ffmpeg:
    created by the service, then moved through the states `video.process` moves
    it through; `ready=False` leaves the draft awaiting its upload."""
    from cosmostream.account.schemas import Actor
    from cosmostream.kit.ids import uuid7
    from cosmostream.models import Visibility
    from cosmostream.video.repository import video_repository
    from cosmostream.video.schemas import VideoCreate
    from cosmostream.video.service import video_service

    n = next(_counter)
    async with db.unit_of_work() as session:
        actor = Actor(user=owner, session_id=uuid7())
        data = VideoCreate(
            title=title or f"Video {n}",
            size=1000,
            filename="clip.mp4",
            description=description,
            category_slug=category,
            tags=tags or [],
            visibility=Visibility(visibility),
        )
        video = await video_service.create(session, actor, data)
        if ready:
            await finish_processing(
                session,
                video,
                duration=duration,
                images={"poster": {"card": f"images/{video.id}/poster_card.webp"}},
            )
        full = await video_repository.get_full(session, video.id)
    return full


async def finish_processing(
    session: Any,
    video: Any,
    *,
    duration: float = 60.0,
    images: dict[str, Any] | None = None,
) -> None:
    """Move a draft to READY the way `video.process` does, without a worker or ffmpeg."""
    from cosmostream.video.service import video_service

    video_service.mark_processing(video)
    video_service.report_probe(video, duration=duration, width=640, height=360)
    await video_service.mark_ready(session, video, renditions=[], images=images or {})


@contextmanager
def recorded_queries(db: Database) -> Iterator[list[str]]:
    """Every SQL statement run on the database (read and write engines) inside the block,
    for query-count tests: `with recorded_queries(db) as q: ...; assert len(selects(q)) == 3`."""
    from sqlalchemy import event

    statements: list[str] = []

    def record(conn: object, cursor: object, statement: str, *args: object) -> None:
        statements.append(statement)

    engines = {id(e): e for e in (db.read_engine.sync_engine, db.write_engine.sync_engine)}
    for engine in engines.values():
        event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        for engine in engines.values():
            event.remove(engine, "before_cursor_execute", record)


def selects(statements: list[str]) -> list[str]:
    return [s for s in statements if s.lstrip().upper().startswith(("SELECT", "WITH"))]


def actor(user: User) -> Any:
    """The Actor a service sees for `user` (a fresh session id)."""
    from cosmostream.account.schemas import Actor
    from cosmostream.kit.ids import uuid7

    return Actor(user=user, session_id=uuid7())
