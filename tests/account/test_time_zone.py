"""The user's time zone: an IANA name from zoneinfo, UTC by default, set on
/settings or with updateProfile; anything else is refused with a 400."""

from __future__ import annotations

import httpx
import pytest

from cosmostream.account.service import account_service
from cosmostream.db import Database
from tests.factories import gql, login, make_user, sign_in

UPDATE = "mutation($tz: String) { updateProfile(input: {timeZone: $tz}) { id } }"
ME = "{ me { timeZone } }"


async def saved_zone(db: Database, user_id: object) -> str:
    async with db.read() as session:
        return (await account_service.get_user(session, user_id)).time_zone  # type: ignore[arg-type]


async def test_settings_page_lists_zones_and_saves_one(
    db: Database, client: httpx.AsyncClient
) -> None:
    user = await make_user(db)
    assert user.time_zone == "UTC"
    token = await sign_in(client, user)
    page = await client.get("/settings")
    assert "<option selected>UTC</option>" in page.text
    assert "<option>Europe/Paris</option>" in page.text
    response = await client.post(
        "/settings/time-zone", data={"time_zone": "Europe/Paris", "csrf_token": token}
    )
    assert response.status_code == 303, response.text
    assert await saved_zone(db, user.id) == "Europe/Paris"
    assert "<option selected>Europe/Paris</option>" in (await client.get("/settings")).text


@pytest.mark.parametrize("zone", ["Mars/Olympus_Mons", "", "europe/paris", "UTC\x00", "+02:00"])
async def test_settings_page_refuses_an_unknown_zone(
    db: Database, client: httpx.AsyncClient, zone: str
) -> None:
    user = await make_user(db)
    token = await sign_in(client, user)
    await client.post("/settings/time-zone", data={"time_zone": "Asia/Tokyo", "csrf_token": token})
    response = await client.post(
        "/settings/time-zone", data={"time_zone": zone, "csrf_token": token}
    )
    assert response.status_code == 400, response.text
    if "\x00" not in zone:  # NUL is refused before the form reaches the service
        assert "Choose a time zone from the list." in response.text
    assert await saved_zone(db, user.id) == "Asia/Tokyo"


async def test_graphql_sets_and_reads_the_zone(db: Database, client: httpx.AsyncClient) -> None:
    user = await make_user(db)
    token = (await login(db, user)).access_token
    assert (await gql(client, ME, token=token)).json()["data"] == {"me": {"timeZone": "UTC"}}
    body = (await gql(client, UPDATE, {"tz": "America/New_York"}, token=token)).json()
    assert "errors" not in body, body
    assert (await gql(client, ME, token=token)).json()["data"] == {
        "me": {"timeZone": "America/New_York"}
    }
    body = (await gql(client, UPDATE, {"tz": "Nowhere/Else"}, token=token)).json()
    assert body["errors"][0]["extensions"]["code"] == "unknown_time_zone", body
    # Leaving it out changes nothing.
    body = (await gql(client, UPDATE, {"tz": None}, token=token)).json()
    assert "errors" not in body, body
    assert await saved_zone(db, user.id) == "America/New_York"


async def test_anonymous_cannot_set_a_zone(client: httpx.AsyncClient) -> None:
    body = (await gql(client, UPDATE, {"tz": "Europe/Paris"})).json()
    assert body["errors"][0]["extensions"]["code"] == "not_authenticated", body
