"""The analytics domain's contributions (see `cosmostream.registry`)."""

from __future__ import annotations

from cosmostream.analytics import demo
from cosmostream.registry import Domain

domain = Domain("analytics", demo=demo.load)
