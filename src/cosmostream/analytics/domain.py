"""The analytics domain's contributions (see `cosmostream.registry`)."""

from __future__ import annotations

from cosmostream.analytics import activity
from cosmostream.registry import Domain

domain = Domain(
    "analytics",
    receivers=(*activity.RECEIVERS,),
)
