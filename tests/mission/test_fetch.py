"""Element and Horizons refreshes against recorded payloads (httpx.MockTransport)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
from sqlalchemy import func, select

from cosmostream.db import Database
from cosmostream.kit.time import aware, utcnow
from cosmostream.mission.service import ELEMENTS_KEY, mission_service
from cosmostream.models import HorizonsTable, IngestState, SatelliteElements
from tests.mission.conftest import FrozenClock, fixture_bytes


class FakeCelestrak:
    """CelesTrak's GP endpoint, answering from fixtures unless told to fail."""

    def __init__(self) -> None:
        self.calls: list[str] = []
        self.override: dict[int, httpx.Response] = {}

    def __call__(self, request: httpx.Request) -> httpx.Response:
        catnr = int(request.url.params["CATNR"])
        self.calls.append(str(request.url))
        assert request.url.host == "celestrak.org"
        if catnr in self.override:
            return self.override[catnr]
        return httpx.Response(200, content=fixture_bytes(f"celestrak-gp-{catnr}.json"))

    def client(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(transport=httpx.MockTransport(self))


async def refresh(db: Database, fake: FakeCelestrak, **kwargs: Any) -> dict[str, Any]:
    async with fake.client() as client, db.unit_of_work() as session:
        return await mission_service.refresh_elements(session, client, **kwargs)


async def elements(db: Database) -> dict[int, SatelliteElements]:
    async with db.read() as session:
        return {e.norad_id: e for e in await session.scalars(select(SatelliteElements))}


async def state(db: Database) -> IngestState:
    async with db.read() as session:
        found = await session.get(IngestState, ELEMENTS_KEY)
    assert found is not None
    return found


async def test_refresh_stores_newer_elements_and_is_idempotent(
    db: Database, missions: FrozenClock
) -> None:
    before = await elements(db)
    assert {e.source for e in before.values()} == {"snapshot"}
    fake = FakeCelestrak()
    result = await refresh(db, fake)
    assert sorted(result["updated"]) == [20580, 25544, 48274] and result["errors"] == []
    assert len(fake.calls) == 3
    after = await elements(db)
    assert after[25544].source == "celestrak"
    assert aware(after[25544].epoch) > aware(before[25544].epoch)
    assert after[25544].rev_at_epoch == 58335
    # The same payloads again (forced past the 2-hour rule): nothing changes.
    again = await refresh(db, fake, force=True)
    assert again["updated"] == []
    assert len(await elements(db)) == 3
    async with db.read() as session:
        assert await session.scalar(select(func.count()).select_from(SatelliteElements)) == 3


async def test_refresh_runs_at_most_every_two_hours(db: Database, missions: FrozenClock) -> None:
    fake = FakeCelestrak()
    await refresh(db, fake)
    assert (await refresh(db, fake))["skipped"] is True
    missions.advance(timedelta(hours=1, minutes=59))
    assert (await refresh(db, fake))["skipped"] is True
    assert len(fake.calls) == 3
    missions.advance(timedelta(minutes=2))
    assert (await refresh(db, fake))["skipped"] is False
    assert len(fake.calls) == 6


async def test_malformed_payloads_keep_the_old_elements(
    db: Database, missions: FrozenClock
) -> None:
    fake = FakeCelestrak()
    fake.override[25544] = httpx.Response(200, content=b'[{"OBJECT_NAME": "ISS (ZARYA)", "EPO')
    fake.override[20580] = httpx.Response(200, content=b"No GP data found")
    fake.override[48274] = httpx.Response(
        200, content=b'[{"OBJECT_NAME": "CSS", "NORAD_CAT_ID": 48274, "MEAN_MOTION": "fast"}]'
    )
    before = await elements(db)
    result = await refresh(db, fake)
    assert len(result["errors"]) == 3 and result["updated"] == []
    after = await elements(db)
    for norad_id in (25544, 20580, 48274):
        assert after[norad_id].epoch == before[norad_id].epoch
        assert after[norad_id].source == "snapshot"
    st = await state(db)
    assert st.failures == 1 and st.last_error and "25544" in st.last_error
    assert aware(st.blocked_until) >= utcnow() + timedelta(hours=1, minutes=59)  # type: ignore[arg-type]


async def test_server_errors_back_off_and_keep_elements(
    db: Database, missions: FrozenClock
) -> None:
    fake = FakeCelestrak()
    fake.override = {n: httpx.Response(500, text="oops") for n in (25544, 20580, 48274)}
    await refresh(db, fake)
    first = await state(db)
    assert first.failures == 1
    missions.advance(timedelta(hours=2, minutes=1))
    await refresh(db, fake)
    second = await state(db)
    assert second.failures == 2
    # Backoff doubles: the next try is 4 hours after the second failure.
    wait = aware(second.blocked_until) - aware(second.last_attempt_at)  # type: ignore[arg-type]
    assert wait == timedelta(hours=4)
    assert {e.source for e in (await elements(db)).values()} == {"snapshot"}
    # Recovery resets the count.
    fake.override = {}
    missions.advance(timedelta(hours=4, minutes=1))
    result = await refresh(db, fake)
    assert len(result["updated"]) == 3
    assert (await state(db)).failures == 0


async def test_rate_limit_reply_stops_and_honours_retry_after(
    db: Database, missions: FrozenClock
) -> None:
    fake = FakeCelestrak()
    fake.override = {
        n: httpx.Response(429, headers={"Retry-After": "36000"}, text="slow down")
        for n in (25544, 20580, 48274)
    }
    await refresh(db, fake)
    assert len(fake.calls) == 1  # nothing more is asked once rate-limited
    st = await state(db)
    wait = aware(st.blocked_until) - aware(st.last_attempt_at)  # type: ignore[arg-type]
    assert wait == timedelta(hours=10)
    assert {e.source for e in (await elements(db)).values()} == {"snapshot"}


async def test_stale_elements_are_flagged(db: Database, missions: FrozenClock) -> None:
    async with db.read() as session:
        _, fresh = await mission_service.position(session)
    assert not fresh.stale and 1 < fresh.age_days < 2
    missions.advance(timedelta(days=14))
    async with db.read() as session:
        _, old = await mission_service.position(session)
    assert old.stale and old.age_days > 14


class FakeHorizons:
    def __init__(self, body: bytes, status: int = 200) -> None:
        self.body, self.status = body, status
        self.params: list[dict[str, str]] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        assert request.url.host == "ssd.jpl.nasa.gov"
        self.params.append(dict(request.url.params))
        return httpx.Response(self.status, content=self.body)


async def test_horizons_refresh_caches_tables_daily(db: Database, missions: FrozenClock) -> None:
    fake = FakeHorizons(fixture_bytes("horizons-jwst.json"))
    async with (
        httpx.AsyncClient(transport=httpx.MockTransport(fake)) as client,
        db.unit_of_work() as session,
    ):
        result = await mission_service.refresh_horizons(session, client)
    assert len(result["updated"]) == 5 and result["errors"] == []
    first = fake.params[0]
    assert first["EPHEM_TYPE"] == "'VECTORS'" and first["CENTER"] == "'500@399'"
    assert first["COMMAND"].startswith("'-") and first["format"] == "json"
    async with db.read() as session:
        table = await session.get(HorizonsTable, "-170")
    assert table is not None and table.source == "horizons" and len(table.rows) == 10
    # Within the day nothing is fetched again.
    async with (
        httpx.AsyncClient(transport=httpx.MockTransport(fake)) as client,
        db.unit_of_work() as session,
    ):
        again = await mission_service.refresh_horizons(session, client)
    assert again["updated"] == [] and len(again["skipped"]) == 5 and len(fake.params) == 5


async def test_horizons_errors_keep_the_old_table(db: Database, missions: FrozenClock) -> None:
    for body, status in ((fixture_bytes("horizons-error.json"), 200), (b"busy", 503)):
        fake = FakeHorizons(body, status)
        async with (
            httpx.AsyncClient(transport=httpx.MockTransport(fake)) as client,
            db.unit_of_work() as session,
        ):
            result = await mission_service.refresh_horizons(session, client, force=True)
        assert len(result["errors"]) == 5 and result["updated"] == []
    async with db.read() as session:
        table = await session.get(HorizonsTable, "-170")
        st = await session.get(IngestState, "horizons:-170")
    assert table is not None and table.source == "demo" and len(table.rows) == 151
    assert st is not None and st.failures == 2


async def test_demo_load_is_idempotent_and_keeps_fetched_data(
    db: Database, missions: FrozenClock
) -> None:
    await refresh(db, FakeCelestrak())
    async with db.unit_of_work() as session:
        assert await mission_service.load_demo(session) == 0
    async with db.read() as session:
        assert len(await mission_service.all(session)) == 9
    assert (await elements(db))[25544].source == "celestrak"


async def test_periodic_tasks_stay_offline_when_fetching_is_off(
    db: Database, missions: FrozenClock
) -> None:
    from cosmostream.mission import tasks

    async with db.unit_of_work() as session:
        assert await tasks.refresh_elements(session) is None
        assert await tasks.refresh_horizons(session) is None
    async with db.read() as session:
        assert await session.get(IngestState, ELEMENTS_KEY) is None
