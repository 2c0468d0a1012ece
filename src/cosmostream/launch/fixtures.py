"""Demo launches with no network: the shipped LL2 payload goes through the real
sync (an httpx MockTransport serves it), with its times moved into the future.

Shift rule: every time in the payload (NET, window, last_updated) moves by the
same whole number of minutes, chosen so the earliest NET lands DEMO_LEAD from
now; the spacing between launches stays as recorded. A re-run moves them again
(the rows are upserted by their LL2 ids, so nothing is duplicated).
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from importlib import resources
from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from cosmostream.kit.time import utcnow
from cosmostream.launch.schemas import SyncResult
from cosmostream.launch.service import launch_service

DEMO_LEAD = timedelta(hours=3)
TIME_FIELDS = ("net", "window_start", "window_end", "last_updated")
DEMO_BASE_URL = "https://ll.thespacedevs.com/2.3.0"


def recorded_payload() -> dict[str, Any]:
    text = resources.files("cosmostream.data").joinpath("space/ll2-upcoming.json").read_text()
    payload: dict[str, Any] = json.loads(text)
    return payload


def _parse(value: str) -> datetime:
    return datetime.fromisoformat(value)


def shift_payload(
    payload: dict[str, Any], now: datetime, lead: timedelta = DEMO_LEAD
) -> dict[str, Any]:
    """A copy of an LL2 page with every launch time moved (see the module docstring)."""
    nets = [_parse(item["net"]) for item in payload["results"]]
    if not nets:
        return payload
    minutes = int((now + lead - min(nets)).total_seconds() // 60)
    delta = timedelta(minutes=minutes)
    shifted: dict[str, Any] = json.loads(json.dumps(payload))
    for item in shifted["results"]:
        for name in TIME_FIELDS:
            if item.get(name):
                moved = _parse(item[name]) + delta
                if name == "last_updated":
                    moved = min(moved, now)  # an update cannot come from the future
                item[name] = moved.isoformat().replace("+00:00", "Z")
    return shifted


async def load_demo_launches(session: AsyncSession) -> SyncResult:
    payload = shift_payload(recorded_payload(), utcnow())

    def serve(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json=payload)

    async with httpx.AsyncClient(transport=httpx.MockTransport(serve)) as client:
        return await launch_service.sync(
            session, client, base_url=DEMO_BASE_URL, per_hour=1000, max_pages=1, source="demo:ll2"
        )
