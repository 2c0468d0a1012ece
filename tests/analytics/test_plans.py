"""Query plans of the repository's statements: each range query can use its index.

The statements are captured as the service runs them and EXPLAINed on the same
backend with the same parameters. PostgreSQL's planner rightly prefers a
sequential scan of a test-sized table, so the plan is asked for with
`enable_seqscan = off`: what is checked is that the predicate can use the
index (it is sargable), which is what keeps the studio fast on big tables.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import event

from cosmostream.analytics.schemas import RangeKey, Scope, ScopeKind
from cosmostream.analytics.service import analytics_service as svc
from cosmostream.db import Database
from tests.analytics.conftest import Studio
from tests.analytics.test_service import seed
from tests.factories import actor, stopped_clock


@pytest.fixture(autouse=True)
def _clock() -> Iterator[None]:
    with stopped_clock():
        yield


# A table the statement reads → the indexes that may serve it (any one will do).
EXPECTED = {
    "analytics_video_hours": {"ix_analytics_video_hours_owner_hour"},
    "analytics_sessions": {
        "ix_analytics_sessions_owner_started",
        "ix_analytics_sessions_last_seen",
    },
    "analytics_ranges": {"ix_analytics_ranges_owner_hour"},
    "analytics_activity": {"ix_analytics_activity_owner_at"},
    "analytics_dimension_days": {"ix_analytics_dimension_days_owner_day"},
    "creator_revenue": {"pk_creator_revenue", "sqlite_autoindex_creator_revenue_1"},
}


def captured(db: Database) -> Any:
    found: list[tuple[str, Any]] = []

    def record(conn: Any, cursor: Any, statement: str, parameters: Any, *args: Any) -> None:
        if "analytics_" in statement or "creator_revenue" in statement:
            found.append((statement, parameters))

    return found, record


async def test_every_range_query_can_use_its_index(studio: Studio) -> None:
    await seed(studio)
    db = studio.db
    found, record = captured(db)
    engine = db.read_engine.sync_engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        async with db.read() as s:
            scope = Scope(kind=ScopeKind.CHANNEL, id=studio.creator.id)
            await svc.overview(s, actor(studio.creator), scope, RangeKey.DAYS_28)
            await svc.breakdowns(s, actor(studio.creator), scope, RangeKey.DAYS_28)
            await svc.realtime(s, actor(studio.creator), scope)
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert len(found) >= 7
    postgres = engine.dialect.name == "postgresql"
    async with db.read_engine.connect() as conn:
        if postgres:
            await conn.exec_driver_sql("SET enable_seqscan = off")
        for statement, parameters in found:
            prefix = "EXPLAIN " if postgres else "EXPLAIN QUERY PLAN "
            rows = (await conn.exec_driver_sql(prefix + statement, parameters)).all()
            plan = "\n".join(" ".join(str(c) for c in row) for row in rows)
            for table, indexes in EXPECTED.items():
                if f"FROM {table}" in statement or f"JOIN {table}" in statement:
                    assert any(ix in plan for ix in indexes), f"{statement}\n---\n{plan}"
