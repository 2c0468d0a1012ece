"""GraphQL `analytics { … }`: every field's authorization matrix and its figures."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.analytics.conftest import ROLES, Studio
from tests.analytics.test_service import seed
from tests.factories import gql, stopped_clock


@pytest.fixture(autouse=True)
def _clock() -> Iterator[None]:
    with stopped_clock():
        yield


FIELDS = {
    "overview": "overview { title period { tz granularity } headlines { metric value previous change series { at value } } }",
    "breakdowns": "breakdowns { dimension rows { key label views share } }",
    "topContent": "topContent(sort: LIKES, limit: 5) { title views likes averagePercentViewed }",
    "realtime": "realtime { watchingNow hours { value } }",
    "retention": "retention { sessions points typical markers { at kind label } }",
}
QUERY = """query($scope: AnalyticsScopeInput!, $range: AnalyticsRange, $tz: String,
                 $start: Date, $end: Date) {
  analytics(scope: $scope, range: $range, tz: $tz, start: $start, end: $end) { %s }
}"""


async def ask(studio: Studio, who: str, field: str, scope: dict[str, Any], **variables: Any) -> Any:
    r = await gql(
        studio.client, QUERY % FIELDS[field], {"scope": scope, **variables},
        token=studio.tokens.get(who),
    )  # fmt: skip
    assert r.status_code in (200, 400), r.text
    return r.json()


def code(body: Any) -> str | None:
    errors = body.get("errors") or []
    return errors[0]["extensions"].get("code") if errors else None


@pytest.mark.parametrize("field", list(FIELDS))
async def test_authorization_matrix(studio: Studio, field: str) -> None:
    scopes = {
        "channel": ({"kind": "CHANNEL", "id": str(studio.creator.id)}, {"creator", "admin"}),
        "video": ({"kind": "VIDEO", "id": str(studio.videos[0].id)}, {"creator", "admin"}),
        "course": ({"kind": "COURSE", "id": str(studio.course.id)}, {"creator", "admin"}),
        "platform": ({"kind": "PLATFORM"}, {"admin"}),
    }
    for name, (scope, allowed) in scopes.items():
        for who in ROLES:
            body = await ask(studio, who, field, scope)
            if field == "retention" and name != "video" and who in allowed:
                assert code(body) == "analytics_not_found"
            elif who in allowed:
                assert code(body) is None, (who, name, body)
                assert body["data"]["analytics"][field] is not None
            else:
                expected = "not_authenticated" if who == "anonymous" else "analytics_not_found"
                assert code(body) == expected, (who, name, body)
                assert body.get("data") is None or body["data"].get("analytics") is None


async def test_figures_and_bad_input(studio: Studio) -> None:
    await seed(studio)
    scope = {"kind": "CHANNEL", "id": str(studio.creator.id)}
    body = await ask(studio, "creator", "overview", scope, range="DAYS_28", tz="Europe/Berlin")
    overview = body["data"]["analytics"]["overview"]
    assert overview["period"] == {"tz": "Europe/Berlin", "granularity": "DAY"}
    views = next(h for h in overview["headlines"] if h["metric"] == "VIEWS")
    assert (views["value"], views["previous"], views["change"]) == (4.0, 1.0, 3.0)
    assert len(views["series"]) == 28
    top = (await ask(studio, "creator", "topContent", scope))["data"]["analytics"]["topContent"]
    assert top[0] == {"title": "Orion nebula", "views": 3, "likes": 1,
                      "averagePercentViewed": pytest.approx(100 * 160 / 100 / 3)}  # fmt: skip
    bad = await ask(
        studio, "creator", "overview", scope, range="CUSTOM", start="2026-02-01", end="2026-01-01"
    )
    assert code(bad) == "bad_range"
    assert (
        code(await ask(studio, "creator", "overview", scope, tz="Nowhere/Land")) == "bad_time_zone"
    )
    assert (
        code(await ask(studio, "admin", "overview", {"kind": "VIDEO", "id": "nope"}))
        == "analytics_not_found"
    )
