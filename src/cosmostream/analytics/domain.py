"""The analytics domain's contributions (see `cosmostream.registry`)."""

from __future__ import annotations

from cosmostream.analytics import activity, api, dashboard, demo, gql, ingest, pages, sockets, tasks
from cosmostream.engagement.signals import dashboard_sections, playback_recorded
from cosmostream.registry import Domain
from cosmostream.signals import Receiver

domain = Domain(
    "analytics",
    routers=[pages.router, api.router],
    query=gql.AnalyticsQuery,
    sockets=sockets.install,
    tasks=[tasks],
    receivers=(
        *activity.RECEIVERS,
        Receiver(dashboard_sections, dashboard.on_dashboard),
        Receiver(playback_recorded, ingest.on_playback),
    ),
    demo=demo.load,
)
