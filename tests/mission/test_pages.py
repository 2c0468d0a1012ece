"""Mission pages render for anonymous visitors, with a fixed number of queries."""

from __future__ import annotations

from datetime import date

import httpx
from sqlalchemy import select

from cosmostream.db import Database
from cosmostream.models import Mission, Role
from tests.factories import make_user, make_video, recorded_queries
from tests.mission.conftest import FrozenClock


def selects(statements: list[str]) -> list[str]:
    return [s for s in statements if s.lstrip().upper().startswith("SELECT")]


async def test_missions_list_renders_with_constant_queries(
    client: httpx.AsyncClient, db: Database, missions: FrozenClock
) -> None:
    with recorded_queries(db) as q:
        response = await client.get("/missions")
    assert response.status_code == 200
    html = response.text
    for name in ("International Space Station", "James Webb Space Telescope", "Voyager 1"):
        assert name in html
    assert 'href="/missions/iss"' in html and "Upcoming launches" in html
    first = len(selects(q))
    async with db.unit_of_work() as session:
        for n in range(5):
            session.add(
                Mission(
                    slug=f"extra-{n}",
                    name=f"Extra {n}",
                    agency="ESA",
                    status="planned",
                    kind="probe",
                    launch_date=date(2028, 1, 1),
                )
            )
    with recorded_queries(db) as q:
        response = await client.get("/missions")
    assert "Extra 4" in response.text
    assert len(selects(q)) == first


async def test_deep_space_detail_shows_distances_and_videos(
    client: httpx.AsyncClient, db: Database, missions: FrozenClock
) -> None:
    creator = await make_user(db, role=Role.CREATOR)
    await make_video(db, creator, title="Webb's mirror unfolds", tags=["jwst", "mirror"])
    await make_video(db, creator, title="Private Webb notes", tags=["jwst"], visibility="private")
    await make_video(db, creator, title="Saturn rings", tags=["saturn"])
    response = await client.get("/missions/jwst")
    assert response.status_code == 200
    html = response.text
    assert "From Earth" in html and "From the Sun" in html and "NASA/JPL Horizons" in html
    assert "Webb&#39;s mirror unfolds" in html or "Webb's mirror unfolds" in html
    assert "Private Webb notes" not in html and "Saturn rings" not in html
    assert 'data-mission-slug="jwst"' in html


async def test_iss_tracker_page(client: httpx.AsyncClient, missions: FrozenClock) -> None:
    response = await client.get("/missions/iss")
    assert response.status_code == 200
    html = response.text
    assert "data-iss-map" in html and "data-ground=" in html and "Altitude" in html
    assert "Set your location" in html and "data-stale-banner" not in html
    with_observer = await client.get("/missions/iss", params={"lat": 51.48, "lon": 0})
    assert "Passes over you" in with_observer.text and "pass-bright" in with_observer.text
    bad = await client.get("/missions/iss", params={"lat": 123, "lon": 0})
    assert bad.status_code == 200 and "Latitude must be between" in bad.text


async def test_stale_elements_warning_on_the_iss_page(
    client: httpx.AsyncClient, missions: FrozenClock
) -> None:
    from datetime import timedelta

    missions.advance(timedelta(days=20))
    html = (await client.get("/missions/iss")).text
    assert "data-stale-banner" in html and "days old" in html


async def test_unknown_mission_is_404_and_plain_missions_render(
    client: httpx.AsyncClient, db: Database, missions: FrozenClock
) -> None:
    assert (await client.get("/missions/nope")).status_code == 404
    response = await client.get("/missions/artemis-ii")
    assert response.status_code == 200 and "No live telemetry" in response.text
    async with db.read() as session:
        assert await session.scalar(select(Mission.slug).where(Mission.slug == "hubble"))
    hubble = await client.get("/missions/hubble")
    assert "Footprint radius" in hubble.text
