"""Launches loaded through the real sync from the recorded LL2 payload."""

from __future__ import annotations

import pytest

from cosmostream.db import Database
from cosmostream.kit.time import utcnow
from cosmostream.launch.service import launch_service
from tests.launch.helpers import BASE, FIRST_URL, future_payload, serving


@pytest.fixture
async def synced(db: Database) -> None:
    """The six recorded launches, the first lifting off three hours from now."""
    recorder = serving({FIRST_URL: future_payload(utcnow())})
    async with recorder.client() as client, db.unit_of_work() as session:
        await launch_service.sync(session, client, base_url=BASE, per_hour=15, max_pages=1)
