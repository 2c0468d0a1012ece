"""The analytics domain's contributions (see `cosmostream.registry`)."""

from __future__ import annotations

from cosmostream.analytics import api, gql, pages, sockets
from cosmostream.registry import Domain

domain = Domain(
    "analytics",
    routers=[pages.router, api.router],
    query=gql.AnalyticsQuery,
    sockets=sockets.install,
)
