"""What a domain contributes to the app, the GraphQL schema, the worker and the demo.

Each domain package declares one `Domain` in its `domain.py`; `cosmostream.domains`
lists the domains in order and everything that assembles the platform (the ASGI
app, the schema, the task worker, `cosmostream demo`, the navigation) loops over
that list. Nothing but `cosmostream.domains` imports a `domain.py`: it is the
one module of a domain that may import all of the domain's transports.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from types import ModuleType
from typing import TYPE_CHECKING, Any

from sqlalchemy.ext.asyncio import AsyncSession

from cosmostream.signals import AnyReceiver

if TYPE_CHECKING:
    from fastapi import APIRouter

    from cosmostream.realtime import Realtime


@dataclass(frozen=True)
class NavLink:
    """An entry of the site's main navigation; `position` orders entries across domains."""

    label: str
    href: str
    position: int


@dataclass(frozen=True)
class Middleware:
    """An ASGI middleware a domain adds inside the actor middleware (it sees the actor).

    It is built as `cls(app, db=<the app's Database>)`.
    """

    cls: Callable[..., Any]


@dataclass(frozen=True, eq=False)  # one object per domain: compared and hashed by identity
class Domain:
    """Everything one domain package adds to the platform.

    - `routers`: FastAPI routers (pages, REST endpoints, media), included in order.
    - `query` / `mutation`: Strawberry types merged into the schema's root types.
    - `gql_types`: extra Strawberry types the schema must know (types only reached
      through interfaces or contributed fields).
    - `hub_fields`: the fields the domain adds to the hub types `User`, `Me`,
      `Category` and `Video` (see `graphql/hubs.py`), in order.
    - `sockets`: installs the domain's Socket.IO rooms and events on the server.
    - `tasks`: the modules that define the domain's Huey tasks and periodic tasks;
      the web process and the worker both import them, so a task enqueued by
      name is known wherever it is enqueued or consumed.
    - `middleware`: ASGI middleware that needs the signed-in actor.
    - `demo`: loads the domain's demo data (idempotent) in `cosmostream demo`,
      after the domains listed before it.
    - `nav`: entries of the main navigation.
    - `receivers`: handlers of other domains' signals (see `cosmostream.signals`),
      connected when the domains are loaded.
    """

    name: str
    routers: Sequence[APIRouter] = ()
    query: type | None = None
    mutation: type | None = None
    gql_types: Sequence[type] = ()
    hub_fields: Sequence[type] = ()
    sockets: Callable[[Realtime], None] | None = None
    tasks: Sequence[ModuleType] = ()
    middleware: Sequence[Middleware] = ()
    demo: Callable[[AsyncSession], Awaitable[object]] | None = None
    nav: Sequence[NavLink] = ()
    receivers: Sequence[AnyReceiver] = ()
