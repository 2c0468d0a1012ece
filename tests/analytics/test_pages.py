"""Studio pages and CSV: who may open them, the chart contract, the tables
without JavaScript, the range picker, and every CSV equal to its table."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from urllib.parse import quote

import pytest

from cosmostream.analytics.schemas import Metric
from tests.analytics.conftest import ROLES, Studio
from tests.analytics.html import figures
from tests.analytics.test_service import seed
from tests.factories import sign_in, stopped_clock


@pytest.fixture(autouse=True)
def _clock() -> Iterator[None]:
    with stopped_clock():
        yield


def pages(studio: Studio) -> dict[str, tuple[str, set[str]]]:
    """Each page and who may open it."""
    c, v, k = studio.creator.id, studio.videos[0].id, studio.course.id
    return {
        "/analytics": ("", {"creator", "other", "admin"}),  # each creator their own channel
        f"/analytics?channel={c}": ("", {"creator", "admin"}),
        f"/analytics/video/{v}": ("", {"creator", "admin"}),
        f"/analytics/course/{k}": ("", {"creator", "admin"}),
        "/admin/analytics": ("", {"admin"}),
        "/analytics/video/not-an-id": ("", set()),
    }


async def test_pages_authorization_matrix(studio: Studio) -> None:
    for who in ROLES:
        await sign_in(studio.client, studio.users.get(who))
        for path, (_, allowed) in pages(studio).items():
            r = await studio.client.get(path)
            if who == "anonymous" and "not-an-id" not in path:
                # Signing in comes back to the same page with the same query.
                assert r.status_code == 303, path
                assert r.headers["location"] == "/login?next=" + quote(path, safe="/"), path
            elif who in allowed:
                assert r.status_code == 200, (who, path, r.text[:300])
            else:
                assert r.status_code == 404, (who, path)
                assert "Orion nebula" not in r.text
                assert who == "creator" or "Cleo Creator" not in r.text


async def test_the_channel_page_works_without_javascript_and_follows_the_chart_contract(
    studio: Studio,
) -> None:
    await seed(studio)
    await sign_in(studio.client, studio.creator)
    r = await studio.client.get("/analytics?tz=Europe/Berlin")
    assert r.status_code == 200
    found, tables = figures(r.text)
    assert {f"chart-{m.value.replace('_', '-')}" for m in Metric} <= set(found)
    views = found["chart-views"]
    assert (views.kind, views.labelledby, views.caption) == ("area", "chart-views-title", "Views")
    assert set(views.data) == {"unit", "currency", "granularity", "tz", "series"}
    assert (views.data["unit"], views.data["granularity"], views.data["tz"]) == (
        "count", "day", "Europe/Berlin",
    )  # fmt: skip
    current, previous = views.data["series"]
    assert current["name"] == "Views" and len(current["points"]) == 28
    assert previous == {"name": "Previous period", "points": previous["points"], "dashed": True}
    assert current["points"][0][0].endswith("+01:00")
    # The table holds the same numbers as the JSON, for readers without JavaScript.
    assert [row[1] for row in views.rows[1:]] == [str(round(p[1])) for p in current["points"]]
    assert sum(float(row[1]) for row in views.rows[1:]) == 4
    assert found["chart-revenue"].data["unit"] == "money"
    assert found["chart-revenue"].data["currency"] == "usd"
    assert found["chart-watch-hours"].data["unit"] == "hours"
    traffic = found["chart-traffic"]
    assert traffic.kind == "bars" and set(traffic.data) == {"unit", "rows"}
    assert traffic.data["rows"][0] == {
        "key": "direct", "label": "Direct or unknown", "value": 3.0, "share": 0.75,
    }  # fmt: skip
    realtime = found["chart-realtime"]
    assert len(realtime.rows) == 49
    assert f'data-room="analytics:channel:{studio.creator.id}"' in r.text
    assert "<output data-watching-now>0</output>" in r.text
    # Range links, a custom form with a time zone select, sort links on the top content.
    for key in ("7d", "28d", "90d", "365d", "lifetime"):
        assert f'href="/analytics?range={key}&amp;tz=Europe%2FBerlin"' in r.text
    assert 'name="start"' in r.text and 'name="end"' in r.text
    assert '<option value="Europe/Berlin" selected>' in r.text
    for sort in ("views", "watch_time", "average_percent_viewed", "likes"):
        assert f"sort={sort}" in r.text or sort == "views"
    top = tables["top-content"]
    assert top[0] == ["Video", "Views", "Watch time (hours)", "Average percentage viewed", "Likes"]
    assert top[1][0] == "Orion nebula"
    assert f'href="/analytics/video/{studio.videos[0].id}"' in r.text


async def test_every_csv_equals_the_table_on_the_page(studio: Studio) -> None:
    await seed(studio)
    await sign_in(studio.client, studio.creator)
    for path in (
        "/analytics?range=90d&tz=America/New_York&sort=likes",
        f"/analytics/video/{studio.videos[0].id}?range=custom&start=2026-01-01&end=2026-12-31",
        f"/analytics/course/{studio.course.id}",
    ):
        r = await studio.client.get(path)
        assert r.status_code == 200, r.text[:500]
        found, tables = figures(r.text)
        assert found
        for figure in found.values():
            exported = await studio.client.get(figure.csv)
            assert exported.status_code == 200, (figure.csv, exported.text[:300])
            assert exported.headers["content-type"].startswith("text/csv")
            assert "attachment" in exported.headers["content-disposition"]
            rows = list(csv.reader(io.StringIO(exported.text)))
            assert rows == figure.rows, figure.id
        if "top-content" in tables:
            [top_csv] = re.findall(r'href="/analytics/export\.csv\?([^"]*chart=top[^"]*)"', r.text)
            exported = await studio.client.get(
                "/analytics/export.csv?" + top_csv.replace("&amp;", "&")
            )
            rows = list(csv.reader(io.StringIO(exported.text)))
            page_rows = [row for row in tables["top-content"][1:] if len(row) > 1]
            assert [[row[1], *row[2:]] for row in rows[1:]] == page_rows
    r = await studio.client.get(f"/analytics/video/{studio.videos[0].id}")
    found, _ = figures(r.text)
    retention = found["chart-retention"]
    assert set(retention.data) == {"duration", "points", "typical", "markers"}
    assert retention.data["duration"] == 100.0 and len(retention.data["points"]) == 100
    assert retention.data["markers"] == [
        {"at": 30.0, "kind": "quiz", "label": "Which planet is shown here?"}
    ]


async def test_csv_authorization_matrix_and_bad_input(studio: Studio) -> None:
    c = studio.creator.id
    url = f"/analytics/export.csv?chart=overview:views&scope=channel:{c}"
    allowed = {"creator", "admin"}
    for who in ROLES:
        await sign_in(studio.client, studio.users.get(who))
        r = await studio.client.get(url)
        expected = 401 if who == "anonymous" else 200 if who in allowed else 404
        assert r.status_code == expected, who
        platform = await studio.client.get("/analytics/export.csv?chart=top&scope=platform")
        assert platform.status_code == (
            200 if who == "admin" else 401 if who == "anonymous" else 404
        )
    await sign_in(studio.client, studio.creator)
    for query, code in [
        ("chart=nope&scope=channel:" + str(c), "unknown_chart"),
        ("chart=overview:nope&scope=channel:" + str(c), "unknown_chart"),
        ("chart=retention&scope=channel:" + str(c), "unknown_chart"),
        ("chart=top&scope=channel:" + str(c) + "&range=custom&start=2026-02-01&end=2026-01-01", "bad_range"),
        ("chart=top&scope=channel:" + str(c) + "&range=custom&start=2019-01-01&end=2026-01-01", "bad_range"),
        ("chart=top&scope=channel:" + str(c) + "&range=custom&start=2026-13-01&end=2026-12-01", "bad_range"),
        ("chart=top&scope=channel:" + str(c) + "&tz=Mars/Base", "bad_time_zone"),
    ]:  # fmt: skip
        r = await studio.client.get(
            "/analytics/export.csv?" + query, headers={"accept": "application/json"}
        )
        assert r.status_code == 400, query
        assert r.json()["error"]["code"] == code
    page = await studio.client.get("/analytics?range=custom&start=2026-02-01&end=2026-01-01")
    assert page.status_code == 400 and "end date is before the start date" in page.text


async def test_titles_that_look_like_formulas_are_quoted_in_csv(studio: Studio) -> None:
    from tests.analytics.factories import add_session
    from tests.analytics.test_service import day
    from tests.factories import make_video

    evil = await make_video(studio.db, studio.creator, title="=HYPERLINK(1)", duration=10.0)
    async with studio.db.unit_of_work() as s:
        await add_session(s, evil, viewer="u:1", started_at=day(1), view_at=day(1))
    from tests.analytics.factories import write_rollups

    await write_rollups(studio.db)
    await sign_in(studio.client, studio.creator)
    r = await studio.client.get(
        f"/analytics/export.csv?chart=top&scope=channel:{studio.creator.id}"
    )
    rows = list(csv.reader(io.StringIO(r.text)))
    assert rows[1][1] == "'=HYPERLINK(1)"


async def test_links_to_the_studio(studio: Studio) -> None:
    await sign_in(studio.client, studio.creator)
    content = await studio.client.get("/content")
    assert '<a href="/analytics">Analytics</a>' in content.text
    assert f'href="/analytics/video/{studio.videos[0].id}"' in content.text
    await sign_in(studio.client, studio.users["viewer"])
    assert '<a href="/analytics">Analytics</a>' not in (await studio.client.get("/content")).text
    await sign_in(studio.client, studio.users["admin"])
    assert 'href="/admin/analytics"' in (await studio.client.get("/admin")).text


async def test_the_channel_page_runs_a_constant_number_of_statements(studio: Studio) -> None:
    from tests.analytics.factories import add_session, write_rollups
    from tests.analytics.test_service import day
    from tests.factories import make_video, recorded_queries, selects

    await seed(studio)
    await sign_in(studio.client, studio.creator)

    async def count() -> int:
        with recorded_queries(studio.db) as q:
            r = await studio.client.get("/analytics?range=90d")
        assert r.status_code == 200
        return len(selects(q))

    before = await count()
    more = [await make_video(studio.db, studio.creator, duration=30.0) for _ in range(5)]
    async with studio.db.unit_of_work() as s:
        for i, v in enumerate(more):
            await add_session(s, v, viewer=f"u:{i}", started_at=day(3), view_at=day(3),
                              ranges=[(day(3), 20, 720)])  # fmt: skip
    await write_rollups(studio.db)
    assert await count() == before
