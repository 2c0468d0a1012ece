"""What every HTTP transport needs from a request, in one place: the database,
the actor, the client, ids taken from the path, and the check that no text in
the path or the query string is bad.

Use them as FastAPI dependencies (`db: DbDep`, `actor: ActorDep`,
`video_id: Annotated[uuid.UUID, Depends(path_uuid("video_id", VideoNotFound))]`)
or call them with the request.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Coroutine
from typing import Annotated, Any

from fastapi import Depends
from starlette.requests import HTTPConnection, Request

from cosmostream.account.schemas import Actor, ClientInfo
from cosmostream.db import Database
from cosmostream.kit.ids import require_uuid
from cosmostream.kit.text import refuse_bad_text
from cosmostream.web import security


def database(request: HTTPConnection) -> Database:
    """The app's database (sessions come from `read()` and `unit_of_work()`)."""
    db: Database = request.app.state.db
    return db


def client_info(request: HTTPConnection) -> ClientInfo:
    """Who is calling, as sessions and throttles record it."""
    return ClientInfo(
        ip=security.client_ip(request), user_agent=request.headers.get("user-agent", "")
    )


def path_uuid(
    name: str, error: type[Exception]
) -> Callable[[Request], Coroutine[Any, Any, uuid.UUID]]:
    """A dependency reading the UUID path parameter `name`; anything else raises
    `error()` (a not-found, so a malformed id looks like a missing one)."""

    async def read(request: Request) -> uuid.UUID:
        return require_uuid(request.path_params[name], error)

    return read


# Dependencies are `async def` although they never wait: FastAPI runs a plain
# `def` dependency in its thread pool, a hop every request would pay.


async def text_in_url(request: HTTPConnection) -> None:
    """Refuse bad text (NUL, a lone surrogate) in the path or the query string with
    400 `bad_text`. The app depends on it for every route, so it runs before the
    route's own dependencies and handler read either. Form fields are checked
    where forms are parsed (`forms.read_form`)."""
    for name, value in request.path_params.items():
        refuse_bad_text(value, field=name)
    refuse_bad_text(request.url.path)
    for name, value in request.query_params.multi_items():
        refuse_bad_text(name)
        refuse_bad_text(value, field=name)


async def _database(request: HTTPConnection) -> Database:
    return database(request)


async def _actor(request: Request) -> Actor | None:
    return security.current_actor(request)


DbDep = Annotated[Database, Depends(_database)]
ActorDep = Annotated[Actor | None, Depends(_actor)]
