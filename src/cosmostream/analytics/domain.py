"""The analytics domain's contributions (see `cosmostream.registry`)."""

from __future__ import annotations

from cosmostream.analytics import activity, api, dashboard, demo, gql, pages, sockets
from cosmostream.engagement.signals import dashboard_sections
from cosmostream.registry import Domain
from cosmostream.signals import Receiver

domain = Domain(
    "analytics",
    routers=[pages.router, api.router],
    query=gql.AnalyticsQuery,
    sockets=sockets.install,
    receivers=(*activity.RECEIVERS, Receiver(dashboard_sections, dashboard.on_dashboard)),
    demo=demo.load,
)
