"""Shared fixtures of the mission tests: a fixed "now" and the demo missions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from cosmostream.db import Database
from cosmostream.kit.time import Clock
from cosmostream.mission.service import mission_service

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "space"
# A day after the shipped snapshot's epochs (2026-12-03).
NOW = datetime(2026, 12, 4, 20, 0, tzinfo=UTC)


class FrozenClock:
    """Moves `utcnow()` to a chosen instant (time still flows from there)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.monkeypatch = monkeypatch
        self.set(NOW)

    def set(self, when: datetime) -> None:
        self.monkeypatch.setattr(Clock, "offset", when - datetime.now(UTC))

    def advance(self, delta: timedelta) -> None:
        self.monkeypatch.setattr(Clock, "offset", Clock.offset + delta)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> FrozenClock:
    return FrozenClock(monkeypatch)


@pytest.fixture
async def missions(db: Database, clock: FrozenClock) -> Any:
    async with db.unit_of_work() as session:
        await mission_service.load_demo(session)
    return clock


def fixture_bytes(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()
