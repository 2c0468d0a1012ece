"""The domains of the platform, in order: the one list everything is built from.

Adding a domain is one package with a `domain.py` (see `registry.Domain`) and
one line here. The order is the order of routers, of the root GraphQL fields
(it shapes `schema.graphql`), of demo loaders (a domain's demo data may use
the accounts and categories of the domains before it) and of socket installs.
"""

from __future__ import annotations

import importlib
from functools import cache
from types import ModuleType

from cosmostream.registry import Domain, NavLink

DOMAINS: tuple[str, ...] = (
    "account",
    "video",
    "catalog",
    "search",
    "notification",
    "moderation",
    "engagement",
    "forum",
    "watch_party",
    "launch",
    "mission",
    "news",
    "sky",
    "learning",
    "billing",
    "analytics",
)


@cache
def all_domains() -> tuple[Domain, ...]:
    """Every domain's declaration, importing each `cosmostream.<name>.domain` once,
    with their signal receivers connected."""
    found = []
    for name in DOMAINS:
        domain = importlib.import_module(f"cosmostream.{name}.domain").domain
        if not isinstance(domain, Domain) or domain.name != name:
            raise TypeError(f"cosmostream.{name}.domain must define `domain = Domain({name!r}, …)`")
        found.append(domain)
    for domain in found:
        for receiver in domain.receivers:
            receiver.connect()
    return tuple(found)


def task_modules() -> tuple[ModuleType, ...]:
    """The modules that define tasks: the mail task, then every domain's.

    Importing them registers their tasks with the queue; the app, the worker and
    the demo command all call this, so each process knows every task by name.
    """
    mail = importlib.import_module("cosmostream.mail")
    domain_tasks = [module for domain in all_domains() for module in domain.tasks]
    # The demo's long clips are drawn by the worker (`demo.showcase`).
    demo = importlib.import_module("cosmostream.demo")
    return (mail, *domain_tasks, demo)


def navigation() -> list[NavLink]:
    """The main navigation, in the order of the links' positions."""
    return sorted(
        (link for domain in all_domains() for link in domain.nav), key=lambda link: link.position
    )
