"""SQL of the measure (viewer sessions, watched ranges, salts) and of the roll-ups."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Date,
    Float,
    Integer,
    String,
    and_,
    cast,
    delete,
    func,
    insert,
    literal,
    literal_column,
    select,
    true,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession

from cosmostream.kit.sql import insert_ignore
from cosmostream.models import (
    AnalyticsSalt,
    DimensionDay,
    RetentionDay,
    RollupMark,
    VideoHour,
    ViewerSession,
    WatchedRange,
)

# Position jitter allowed between the end of a range and the start of the next
# step for the step to extend it.
CONTIGUOUS = 0.5


def _postgres(session: AsyncSession) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def hour_of(session: AsyncSession, column: Any) -> ColumnElement[Any]:
    """The UTC hour of a timestamp, as the database stores an hour."""
    if _postgres(session):
        # Literal SQL, not parameters: PostgreSQL matches GROUP BY expressions by text.
        utc: ColumnElement[str] = literal_column("'UTC'")
        hour: ColumnElement[str] = literal_column("'hour'")
        return func.timezone(utc, func.date_trunc(hour, func.timezone(utc, column)))
    # SQLite keeps datetimes as "YYYY-MM-DD HH:MM:SS.ffffff" text (UTC).
    return func.strftime("%Y-%m-%d %H:00:00.000000", column)


def day_of(session: AsyncSession, column: Any) -> ColumnElement[Any]:
    """The UTC day of a timestamp."""
    if _postgres(session):
        return cast(func.timezone(literal_column("'UTC'"), column), Date)
    return func.date(column)


def _within(column: Any, start: Any, end: Any) -> ColumnElement[bool]:
    clauses = []
    if start is not None:
        clauses.append(column >= start)
    if end is not None:
        clauses.append(column < end)
    return and_(true(), *clauses)


def _videos(column: Any, video_ids: Collection[uuid.UUID] | None) -> ColumnElement[bool]:
    return column.in_(list(video_ids)) if video_ids is not None else true()


class IngestRepository:
    # -- salts -----------------------------------------------------------------

    async def salt(self, session: AsyncSession, day: date) -> str | None:
        return await session.scalar(select(AnalyticsSalt.salt).where(AnalyticsSalt.day == day))

    async def add_salt(self, session: AsyncSession, day: date, salt: str) -> bool:
        return await insert_ignore(session, AnalyticsSalt, day=day, salt=salt)

    async def delete_salts_before(self, session: AsyncSession, day: date) -> int:
        result = await session.execute(delete(AnalyticsSalt).where(AnalyticsSalt.day < day))
        return int(result.rowcount or 0)  # type: ignore[attr-defined]

    # -- sessions and ranges ---------------------------------------------------

    async def get_session(self, session: AsyncSession, id: uuid.UUID) -> ViewerSession | None:
        return await session.get(ViewerSession, id)

    def add_session(self, session: AsyncSession, row: ViewerSession) -> None:
        session.add(row)

    async def extend_last_range(
        self,
        session: AsyncSession,
        session_id: uuid.UUID,
        *,
        hour: datetime,
        rung: int | None,
        start: float,
        end: float,
        seconds: float,
    ) -> bool:
        """Extend the session's latest range when it is in `hour`, at `rung` and
        ends where this piece starts; False when there is no such range."""
        latest = (
            select(func.max(WatchedRange.id))
            .where(WatchedRange.session_id == session_id)
            .scalar_subquery()
        )
        result = await session.execute(
            update(WatchedRange)
            .where(
                WatchedRange.id == latest,
                WatchedRange.hour == hour,
                WatchedRange.rung.is_not_distinct_from(rung),
                WatchedRange.end.between(start - CONTIGUOUS, start + CONTIGUOUS),
            )
            .values(end=end, seconds=WatchedRange.seconds + seconds)
            .execution_options(synchronize_session=False)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def add_ranges(self, session: AsyncSession, rows: Sequence[dict[str, Any]]) -> None:
        if rows:
            await session.execute(insert(WatchedRange), list(rows))

    # -- roll-ups --------------------------------------------------------------

    async def mark(self, session: AsyncSession, name: str) -> RollupMark | None:
        return await session.get(RollupMark, name, with_for_update=True)

    def add_mark(self, session: AsyncSession, mark: RollupMark) -> None:
        session.add(mark)

    async def touched_hours(
        self, session: AsyncSession, since: datetime | None, until: datetime
    ) -> set[tuple[uuid.UUID, datetime]]:
        """(video, hour) whose raw rows changed in [since, until): the hours of
        the ranges, and the start and view hours, of the sessions seen then.

        Every event that writes a range also moves its session's
        `last_seen_at`, so the sessions seen are the only watermark: extending
        a range leaves its indexed columns alone (a HOT update on PostgreSQL)."""
        found: set[tuple[uuid.UUID, datetime]] = set()
        seen = _within(ViewerSession.last_seen_at, since, until)
        ranges = (
            select(WatchedRange.video_id, WatchedRange.hour)
            .join(ViewerSession, ViewerSession.id == WatchedRange.session_id)
            .where(seen)
        )
        for video_id, hour in (await session.execute(ranges.distinct())).all():
            found.add((video_id, _aware(hour)))
        for column in (ViewerSession.started_at, ViewerSession.view_at):
            rows = await session.execute(
                select(ViewerSession.video_id, column).where(seen, column.is_not(None)).distinct()
            )
            for video_id, at in rows.all():
                found.add((video_id, _aware(at).replace(minute=0, second=0, microsecond=0)))
        return found

    async def count_hours(self, session: AsyncSession) -> int:
        """How many (video, hour) have a roll-up row."""
        return int(await session.scalar(select(func.count()).select_from(VideoHour)) or 0)

    async def rebuild_hours(
        self,
        session: AsyncSession,
        start: datetime | None,
        end: datetime | None,
        video_ids: Collection[uuid.UUID] | None,
    ) -> None:
        """Replace VideoHour rows in [start, end) from the raw rows."""
        await session.execute(
            delete(VideoHour).where(
                _within(VideoHour.hour, start, end), _videos(VideoHour.video_id, video_ids)
            )
        )
        s = ViewerSession
        view_hour = hour_of(session, s.view_at)
        start_hour = hour_of(session, s.started_at)
        views = (
            select(
                s.video_id.label("video_id"),
                s.owner_id.label("owner_id"),
                view_hour.label("hour"),
                func.count().label("views"),
                literal(0).label("sessions"),
                cast(literal(0.0), Float).label("watch_seconds"),
            )
            .where(
                s.view_at.is_not(None),
                _within(s.view_at, start, end),
                _videos(s.video_id, video_ids),
            )
            .group_by(s.video_id, s.owner_id, view_hour)
        )
        started = (
            select(
                s.video_id,
                s.owner_id,
                start_hour,
                literal(0),
                func.count(),
                cast(literal(0.0), Float),
            )
            .where(_within(s.started_at, start, end), _videos(s.video_id, video_ids))
            .group_by(s.video_id, s.owner_id, start_hour)
        )
        r = WatchedRange
        watched = (
            select(r.video_id, r.owner_id, r.hour, literal(0), literal(0), func.sum(r.seconds))
            .where(_within(r.hour, start, end), _videos(r.video_id, video_ids))
            .group_by(r.video_id, r.owner_id, r.hour)
        )
        parts = views.union_all(started, watched).subquery()
        await session.execute(
            insert(VideoHour).from_select(
                ["video_id", "owner_id", "hour", "views", "sessions", "watch_seconds"],
                select(
                    parts.c.video_id,
                    parts.c.owner_id,
                    parts.c.hour,
                    func.sum(parts.c.views),
                    func.sum(parts.c.sessions),
                    func.sum(parts.c.watch_seconds),
                ).group_by(parts.c.video_id, parts.c.owner_id, parts.c.hour),
            )
        )

    async def coverage_counts(
        self,
        session: AsyncSession,
        start: datetime | None,
        end: datetime | None,
        video_ids: Collection[uuid.UUID] | None,
    ) -> list[tuple[uuid.UUID, date, str, int]]:
        """(video, UTC day started, coverage, sessions) of sessions started in [start, end)."""
        s = ViewerSession
        day = day_of(session, s.started_at)
        rows = await session.execute(
            select(s.video_id, day, s.coverage, func.count())
            .where(_within(s.started_at, start, end), _videos(s.video_id, video_ids))
            .group_by(s.video_id, day, s.coverage)
        )
        return [(v, _date(d), c, int(n)) for v, d, c, n in rows.all()]

    async def replace_retention(
        self,
        session: AsyncSession,
        start: date | None,
        end: date | None,
        video_ids: Collection[uuid.UUID] | None,
        rows: Sequence[dict[str, Any]],
    ) -> None:
        await session.execute(
            delete(RetentionDay).where(
                _within(RetentionDay.day, start, end), _videos(RetentionDay.video_id, video_ids)
            )
        )
        if rows:
            await session.execute(insert(RetentionDay), list(rows))

    async def rebuild_dimensions(
        self,
        session: AsyncSession,
        start: datetime | None,
        end: datetime | None,
        day_start: date | None,
        day_end: date | None,
        video_ids: Collection[uuid.UUID] | None,
    ) -> None:
        """Replace DimensionDay rows of the days in [day_start, day_end) (whole UTC
        days [start, end)) from the raw rows."""
        await session.execute(
            delete(DimensionDay).where(
                _within(DimensionDay.day, day_start, day_end),
                _videos(DimensionDay.video_id, video_ids),
            )
        )
        s = ViewerSession
        day = day_of(session, s.started_at)
        columns = [
            "video_id",
            "owner_id",
            "day",
            "dimension",
            "value",
            "sessions",
            "views",
            "watch_seconds",
        ]
        in_range = and_(_within(s.started_at, start, end), _videos(s.video_id, video_ids))
        dimensions: list[tuple[str, Any, ColumnElement[bool]]] = [
            ("source", s.source, true()),
            ("search", s.source_detail, and_(s.source == "search", s.source_detail.is_not(None))),
            (
                "referrer",
                s.source_detail,
                and_(s.source == "external", s.source_detail.is_not(None)),
            ),
            ("device", s.device, true()),
            ("browser", s.browser, true()),
            ("os", s.os, true()),
        ]
        for name, value, extra in dimensions:
            await session.execute(
                insert(DimensionDay).from_select(
                    columns,
                    select(
                        s.video_id,
                        s.owner_id,
                        day,
                        literal(name, String),
                        value,
                        func.count(),
                        func.count(s.view_at),
                        func.sum(s.watched_seconds),
                    )
                    .where(in_range, extra)
                    .group_by(s.video_id, s.owner_id, day, value),
                )
            )
        r = WatchedRange
        range_day = day_of(session, r.hour)
        # Ranges of an unknown rung (players that do not say) are left out.
        rung = cast(r.rung, String)
        await session.execute(
            insert(DimensionDay).from_select(
                columns,
                select(
                    r.video_id,
                    r.owner_id,
                    range_day,
                    literal("rung", String),
                    rung,
                    literal(0, Integer),
                    literal(0, Integer),
                    func.sum(r.seconds),
                )
                .where(
                    _within(r.hour, start, end),
                    _videos(r.video_id, video_ids),
                    r.rung.is_not(None),
                )
                .group_by(r.video_id, r.owner_id, range_day, rung),
            )
        )


def _aware(value: Any) -> datetime:
    from cosmostream.kit.time import aware

    if isinstance(value, str):  # a SQLite expression's text
        value = datetime.fromisoformat(value)
    return aware(value)


def _date(value: Any) -> date:
    return date.fromisoformat(value) if isinstance(value, str) else value


ingest_repository = IngestRepository()
