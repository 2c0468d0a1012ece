"""Live telemetry over Socket.IO: join acks, ticks, one computation per tick
whatever the number of subscribers, and no ticker once nobody listens."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import pytest

from cosmostream.config import Settings
from cosmostream.mission.sockets import TELEMETRY, ticker_of
from tests.core.realtime_helpers import Served, Sockets, serve
from tests.mission.conftest import FrozenClock


@pytest.fixture
async def sockets() -> AsyncIterator[Sockets]:
    opened = Sockets()
    yield opened
    await opened.close_all()


@pytest.fixture
async def server(settings: Settings, missions: FrozenClock) -> AsyncIterator[Served]:
    async with serve(settings) as served:
        yield served


async def wait_stopped(served: Served, timeout: float = 10.0) -> None:
    ticker = ticker_of(served.realtime)
    deadline = time.monotonic() + timeout
    while ticker.running:
        assert time.monotonic() < deadline, "the ticker kept running with nobody subscribed"
        await asyncio.sleep(0.05)


async def test_join_acks_current_telemetry_then_ticks(server: Served, sockets: Sockets) -> None:
    client = await sockets.open(server)
    ack = await client.join("mission:iss")
    assert ack["ok"] is True
    now = ack["telemetry"]
    assert now["missionId"] == "iss" and now["kind"] == "orbit"
    assert {"latitude", "longitude", "altitudeKm", "speedKmS", "sunlit", "footprintKm"} <= set(now)
    ticks = await client.wait_event(TELEMETRY, count=2)
    assert ticks[0]["at"] != ticks[1]["at"]
    assert ticks[0]["longitude"] != ticks[1]["longitude"]


async def test_deep_space_telemetry(server: Served, sockets: Sockets) -> None:
    client = await sockets.open(server)
    ack = await client.join("mission:voyager-1")
    t = ack["telemetry"]
    assert t["kind"] == "deep_space" and 160 < t["distanceSunAu"] < 180
    assert 2.4e10 < t["distanceEarthKm"] < 2.7e10
    [tick] = await client.wait_event(TELEMETRY)
    assert tick["missionId"] == "voyager-1"


async def test_unknown_mission_cannot_be_joined(server: Served, sockets: Sockets) -> None:
    client = await sockets.open(server)
    ack = await client.join("mission:nope")
    assert ack["ok"] is False and ack["error"]["code"] == "mission_not_found"
    assert not ticker_of(server.realtime).running


@pytest.mark.parametrize("subscribers", [1, 50])
async def test_one_computation_per_tick_whatever_the_audience(
    server: Served, sockets: Sockets, subscribers: int
) -> None:
    ticker = ticker_of(server.realtime)
    clients = [await sockets.open(server) for _ in range(subscribers)]
    for client in clients:
        assert (await client.join("mission:iss"))["ok"] is True
    await clients[-1].wait_event(TELEMETRY)  # everyone is in: the next ticks reach all
    ticks = ticker.stats.ticks
    seen = [len(c.received(TELEMETRY)) for c in clients]
    for client, before in zip(clients, seen, strict=True):
        await client.wait_event(TELEMETRY, count=before + 3)
    new_ticks = ticker.stats.ticks - ticks
    assert new_ticks >= 3
    # ISS is the only watched mission: exactly one computation per tick.
    assert list(ticker.stats.per_tick)[-new_ticks:] == [1] * new_ticks
    for client in clients:
        await client.close()
    await wait_stopped(server)


async def test_two_missions_two_computations_and_stop_on_leave(
    server: Served, sockets: Sockets
) -> None:
    ticker = ticker_of(server.realtime)
    a = await sockets.open(server)
    b = await sockets.open(server)
    await a.join("mission:iss")
    await b.join("mission:jwst")
    await b.join("mission:iss")
    await a.wait_event(TELEMETRY, count=2)
    assert ticker.watched() == ["iss", "jwst"]
    ticks = ticker.stats.ticks
    await b.wait_event(TELEMETRY, count=len(b.received(TELEMETRY)) + 4)
    new_ticks = ticker.stats.ticks - ticks
    assert new_ticks >= 1
    assert list(ticker.stats.per_tick)[-new_ticks:] == [2] * new_ticks
    for client in (a, b):
        for room in ("mission:iss", "mission:jwst"):
            await client.call("leave", {"room": room})
    await wait_stopped(server)
    assert ticker.watched() == []
