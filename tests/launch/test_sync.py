"""The LL2 sync against recorded 2.3.0 payloads: parsing, paging, idempotence,
the request budget, 429 / 5xx / malformed replies (back off, keep what is stored)."""

from __future__ import annotations

import uuid
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import func, select

from cosmostream.db import Database
from cosmostream.kit import upstream
from cosmostream.kit.time import utcnow
from cosmostream.launch.schemas import SyncResult
from cosmostream.launch.service import launch_service
from cosmostream.models import IngestState, Launch
from tests.factories import shift_time
from tests.launch.helpers import (
    BASE,
    CREW_13,
    FIRST_URL,
    STARLINK,
    Recorder,
    fixture,
    future_payload,
    paged,
    serving,
)


async def sync(
    db: Database, recorder: Recorder, *, per_hour: int = 15, max_pages: int = 3
) -> SyncResult:
    async with recorder.client() as client, db.unit_of_work() as session:
        return await launch_service.sync(
            session, client, base_url=BASE, per_hour=per_hour, max_pages=max_pages
        )


async def launches(db: Database) -> dict[str, Launch]:
    async with db.read() as session:
        return {str(launch.id): launch for launch in await session.scalars(select(Launch))}


async def state(db: Database) -> IngestState:
    async with db.read() as session:
        found = await session.get(IngestState, "ll2")
    assert found is not None
    return found


async def test_sync_stores_every_field_of_the_recorded_payload(db: Database) -> None:
    recorder = serving({FIRST_URL: future_payload(utcnow())})
    result = await sync(db, recorder)
    assert (result.requests, result.stored, result.stopped, result.skipped_items) == (1, 6, None, 0)
    stored = await launches(db)
    assert len(stored) == 6
    starlink = stored[STARLINK]
    assert starlink.name == "Falcon 9 Block 5 | Starlink Group 12-7"
    assert starlink.provider == "SpaceX"
    assert starlink.vehicle == "Falcon 9 Block 5"
    assert starlink.mission_name == "Starlink Group 12-7"
    assert starlink.mission_orbit == "Low Earth Orbit"
    assert starlink.pad_name == "Space Launch Complex 40"
    assert starlink.pad_location == "Cape Canaveral SFS, FL, USA"
    assert starlink.pad_latitude == pytest.approx(28.56194122)
    assert starlink.pad_longitude == pytest.approx(-80.57735736)
    assert (starlink.status_abbrev, starlink.status_name) == ("Go", "Go for Launch")
    assert starlink.webcast_url == "https://x.com/i/broadcasts/1YqxoDgXwRMJv"
    assert starlink.image_url and starlink.image_url.endswith(".jpg")
    assert starlink.window_end is not None and starlink.window_end - starlink.net == timedelta(
        hours=4
    )
    # The best-priority video wins (NASA's, priority 5, over SpaceX's).
    assert stored[CREW_13].webcast_url == "https://www.youtube.com/watch?v=nasacrew13live"
    assert (await state(db)).last_success_at is not None


async def test_resync_is_idempotent_and_updates_in_place(db: Database) -> None:
    payload = future_payload(utcnow())
    await sync(db, serving({FIRST_URL: payload}))
    payload["results"][0]["status"] = {"id": 5, "name": "On Hold", "abbrev": "Hold"}
    payload["results"][0]["net"] = "2030-01-01T00:00:00Z"
    await sync(db, serving({FIRST_URL: payload}))
    stored = await launches(db)
    assert len(stored) == 6
    assert stored[STARLINK].status_abbrev == "Hold"
    assert stored[STARLINK].net.year == 2030


async def test_follows_next_pages_within_max_pages(db: Database) -> None:
    pages = paged(future_payload(utcnow()), 2)
    recorder = serving(pages)
    result = await sync(db, recorder, max_pages=2)
    assert result.requests == 2 and result.stored == 4
    assert recorder.requests == list(pages)[:2]
    result = await sync(db, recorder, max_pages=5)
    assert result.stored == 6


async def test_the_hourly_budget_is_shared_between_runs(db: Database) -> None:
    recorder = serving(paged(future_payload(utcnow()), 2))
    first = await sync(db, recorder, per_hour=4, max_pages=3)
    second = await sync(db, recorder, per_hour=4, max_pages=3)
    assert (first.requests, second.requests) == (3, 1)
    assert second.stopped == "budget"
    third = await sync(db, recorder, per_hour=4, max_pages=3)
    assert third.requests == 0 and third.stopped == "budget"
    assert len(recorder.requests) == 4
    with shift_time(timedelta(hours=1, minutes=1)):
        later = await sync(db, recorder, per_hour=4, max_pages=3)
    assert later.requests == 3


async def test_429_backs_off_for_retry_after_and_keeps_what_was_stored(db: Database) -> None:
    await sync(db, serving({FIRST_URL: future_payload(utcnow())}))
    throttled = Recorder(
        lambda r: httpx.Response(
            429, json=fixture("ll2-throttled.json"), headers={"Retry-After": "1800"}
        )
    )
    result = await sync(db, throttled)
    assert result.stopped == "rate_limited" and result.requests == 1
    assert len(await launches(db)) == 6
    blocked_until = (await state(db)).blocked_until
    assert blocked_until is not None
    assert timedelta(minutes=29) < blocked_until - utcnow() <= timedelta(minutes=30)
    # While backing off, nothing is requested at all.
    again = await sync(db, throttled)
    assert again.stopped == "backoff" and len(throttled.requests) == 1
    with shift_time(timedelta(minutes=31)):
        ok = await sync(db, serving({FIRST_URL: future_payload(utcnow())}))
    assert ok.stopped is None and ok.stored == 6
    assert (await state(db)).failures == 0


async def test_server_errors_back_off_exponentially(db: Database) -> None:
    failing = Recorder(lambda r: httpx.Response(503, text="Service Unavailable"))
    waits = []
    for step in range(3):
        with shift_time(timedelta(hours=7 * step)):
            result = await sync(db, failing)
            assert result.stopped == "error" and result.errors == ["HTTP 503"]
            current = await state(db)
            assert current.blocked_until is not None
            waits.append(current.blocked_until - utcnow())
    assert [round(w.total_seconds() / 60) for w in waits] == [2, 4, 8]
    assert (await state(db)).last_error == "HTTP 503"


async def test_a_failure_on_a_later_page_keeps_the_pages_before_it(db: Database) -> None:
    pages = paged(future_payload(utcnow()), 2)
    first = next(iter(pages))

    def answer(request: httpx.Request) -> httpx.Response:
        if str(request.url) == first:
            return httpx.Response(200, json=pages[first])
        return httpx.Response(500, text="Internal Server Error")

    result = await sync(db, Recorder(answer))
    assert result.stored == 2 and result.stopped == "error"
    assert len(await launches(db)) == 2


async def test_network_errors_and_garbage_are_recorded_not_raised(db: Database) -> None:
    def broken(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    result = await sync(db, Recorder(broken))
    assert result.stopped == "error" and "ConnectError" in result.errors[0]
    with shift_time(timedelta(hours=1)):
        result = await sync(db, Recorder(lambda r: httpx.Response(200, text="<html>oops</html>")))
    assert result.stopped == "error" and result.errors[0].startswith("bad payload")
    assert await launches(db) == {}


async def test_malformed_launches_are_skipped_and_the_rest_stored(db: Database) -> None:
    result = await sync(db, serving({FIRST_URL: fixture("ll2-malformed-items.json")}))
    assert (result.stored, result.skipped_items, result.stopped) == (1, 2, None)
    [vulcan] = (await launches(db)).values()
    # A 2.2-style string image and string coordinates are accepted.
    assert vulcan.image_url and vulcan.pad_latitude == pytest.approx(28.58341025)
    assert vulcan.mission_name is None and vulcan.provider == "United Launch Alliance"


def test_retry_after_as_an_http_date() -> None:
    now = utcnow().replace(microsecond=0)
    header = (now + timedelta(seconds=90)).strftime("%a, %d %b %Y %H:%M:%S GMT")
    assert upstream.retry_after(header, now) == timedelta(seconds=90)
    assert upstream.retry_after("soon", now) is None


async def test_the_demo_loader_puts_launches_in_the_future(db: Database) -> None:
    from cosmostream.launch.fixtures import load_demo_launches

    for _ in range(2):
        async with db.unit_of_work() as session:
            result = await load_demo_launches(session)
        assert result.stored == 6
    async with db.read() as session:
        assert await session.scalar(select(func.count()).select_from(Launch)) == 6
        first = await session.scalar(select(func.min(Launch.net)))
        assert await session.get(IngestState, "ll2") is None  # the real budget is untouched
    assert first is not None
    assert timedelta(hours=2) < first - utcnow() <= timedelta(hours=3)
    assert uuid.UUID(STARLINK)


async def test_periodic_tasks_are_registered_and_do_not_fetch_in_tests(db: Database) -> None:
    from cosmostream import domains, worker
    from cosmostream.launch.tasks import sync_launches
    from cosmostream.news.tasks import ingest_news

    domains.task_modules()
    names = set(worker.huey._registry._registry)
    wanted = (".launch.sync", ".launch.notify", ".news.ingest")
    assert len({n for n in names if n.endswith(wanted)}) == 3
    async with db.unit_of_work() as session:
        assert await sync_launches(session) is None
        assert await ingest_news(session) is None
