"""The analytics service on roll-ups: every overview metric, uniques, time zones,
retention, breakdowns, top content, realtime, equality with analytics/raw.py,
the authorization matrix and the overview's constant number of statements."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import date, datetime, timedelta

import pytest

from cosmostream.analytics import periods, raw
from cosmostream.analytics.errors import AnalyticsNotFound
from cosmostream.analytics.schemas import Metric, RangeKey, Scope, ScopeKind, TopSort
from cosmostream.analytics.service import analytics_service as svc
from cosmostream.errors import NotAuthenticated
from cosmostream.kit.time import utcnow
from tests.analytics.conftest import ROLES, Studio, make_course
from tests.analytics.factories import (
    add_activity,
    add_revenue,
    add_session,
    at,
    coverage,
    write_rollups,
)
from tests.factories import actor, recorded_queries, selects, stopped_clock


@pytest.fixture(autouse=True)
def _clock() -> Iterator[None]:
    with stopped_clock():
        yield


def day(k: int) -> datetime:
    """Midnight UTC k days ago."""
    return utcnow().replace(hour=0, minute=0, second=0, microsecond=0) - timedelta(days=k)


def channel(studio: Studio) -> Scope:
    return Scope(kind=ScopeKind.CHANNEL, id=studio.creator.id)


async def seed(studio: Studio) -> None:
    a, b = studio.videos
    owner = studio.creator.id
    async with studio.db.unit_of_work() as s:
        for k in (1, 2, 3):  # one signed-in viewer on three days: one unique viewer
            t = day(k) + timedelta(hours=10)
            await add_session(
                s, a, viewer="u:1", started_at=t, view_at=t + timedelta(seconds=30),
                watched=50, cover=coverage(range(0, 50)), ranges=[(t, 50, 720)],
            )  # fmt: skip
        t = day(1) + timedelta(hours=20)
        await add_session(
            s, b, viewer="a:x", started_at=t, view_at=t + timedelta(seconds=30), watched=100,
            cover=coverage(range(0, 50)), source="search", detail="orion nebula",
            device="mobile", browser="chrome", os="android", ranges=[(t, 60, 1080), (t, 40, 360)],
        )  # fmt: skip
        t = day(2) + timedelta(hours=11)
        await add_session(
            s, a, viewer="a:y", started_at=t, watched=10, cover=coverage(range(0, 10)),
            source="external", detail="example.org", ranges=[(t, 10, 720)],
        )  # fmt: skip
        # Someone else's channel, and the previous period.
        await add_session(
            s, studio.other_video, viewer="u:1", started_at=day(1), view_at=day(1),
            watched=40, ranges=[(day(1), 40, None)],
        )  # fmt: skip
        t = day(30) + timedelta(hours=9)
        await add_session(
            s, a, viewer="u:2", started_at=t, view_at=t, watched=20, ranges=[(t, 20, None)]
        )
        for kind, k, delta, video in [
            ("like", 1, 1, a.id), ("like", 2, 1, b.id), ("like", 2, -1, b.id),
            ("comment", 2, 1, a.id), ("save", 3, 1, b.id), ("share", 3, 1, a.id),
            ("share", 3, 1, a.id), ("follow", 1, 1, None), ("follow", 2, 1, None),
            ("follow", 3, -1, None), ("like", 30, 1, a.id),
        ]:  # fmt: skip
            await add_activity(
                s, owner, kind, day(k) + timedelta(hours=8), video_id=video, delta=delta
            )
        await add_activity(
            s, studio.users["other"].id, "like", day(1), video_id=studio.other_video.id
        )
        await add_revenue(s, owner, day(1).date(), 500)
        await add_revenue(s, owner, day(2).date(), 250)
        await add_revenue(s, owner, day(30).date(), 100)
    await write_rollups(studio.db)


# Metrics whose buckets do not add up to the period's value.
RATIOS = {Metric.AVERAGE_VIEW_DURATION, Metric.AVERAGE_PERCENT_VIEWED, Metric.UNIQUE_VIEWERS}


async def test_overview_has_every_metric_with_previous_change_and_series(studio: Studio) -> None:
    await seed(studio)
    async with studio.db.read() as s:
        o = await svc.overview(s, actor(studio.creator), channel(studio), RangeKey.DAYS_28)
    h = {x.metric: x for x in o.headlines}
    assert list(h) == list(Metric)
    assert o.title == "Cleo Creator"
    expected = {
        Metric.VIEWS: (4, 1),
        Metric.UNIQUE_VIEWERS: (3, 1),  # not 5, the sum of the daily counts
        Metric.WATCH_HOURS: (260 / 3600, 20 / 3600),
        Metric.AVERAGE_VIEW_DURATION: (65, 20),
        Metric.AVERAGE_PERCENT_VIEWED: (52.5, 20),
        Metric.FOLLOWERS_GAINED: (2, 0),
        Metric.FOLLOWERS_LOST: (1, 0),
        Metric.LIKES: (1, 1),
        Metric.COMMENTS: (1, 0),
        Metric.SAVES: (1, 0),
        Metric.SHARES: (2, 0),
        Metric.REVENUE: (750, 100),
    }
    for metric, (value, previous) in expected.items():
        assert h[metric].value == pytest.approx(value), metric
        assert h[metric].previous == pytest.approx(previous), metric
        assert len(h[metric].series) == 28
        if metric not in RATIOS:  # additive: the buckets add up to the total
            assert sum(p.value for p in h[metric].series) == pytest.approx(value), metric
    assert h[Metric.VIEWS].change == pytest.approx(3.0)
    assert h[Metric.FOLLOWERS_GAINED].change is None  # nothing before
    assert h[Metric.REVENUE].currency == "usd"
    views = {p.at.date(): p.value for p in h[Metric.VIEWS].series}
    assert views[day(1).date()] == 2 and views[day(2).date()] == 1 and views[day(3).date()] == 1
    uniques = {p.at.date(): p.value for p in h[Metric.UNIQUE_VIEWERS].series}
    assert uniques[day(1).date()] == 2 and uniques[day(2).date()] == 2
    assert sum(p.value for p in h[Metric.VIEWS].previous_series) == 1
    # The video scope counts that video only; revenue belongs to channels.
    async with studio.db.read() as s:
        v = await svc.overview(
            s, actor(studio.creator), Scope(kind=ScopeKind.VIDEO, id=studio.videos[0].id),
            RangeKey.DAYS_28,
        )  # fmt: skip
    hv = {x.metric: x for x in v.headlines}
    assert Metric.REVENUE not in hv
    assert (hv[Metric.VIEWS].value, hv[Metric.UNIQUE_VIEWERS].value) == (3, 2)
    assert hv[Metric.LIKES].value == 1 and hv[Metric.SHARES].value == 2


async def test_the_current_hour_is_read_from_the_raw_rows(studio: Studio) -> None:
    """The roll-up task trails by a minute: views of the current hour show at once,
    and once rolled up they are not counted twice."""
    await seed(studio)
    now = utcnow()
    async with studio.db.unit_of_work() as s:
        await add_session(
            s, studio.videos[1], viewer="u:now", started_at=now - timedelta(seconds=40),
            view_at=now - timedelta(seconds=5), watched=35, ranges=[(now, 35, 720)],
        )  # fmt: skip

    async def figures() -> tuple[float, float]:
        async with studio.db.read() as s:
            o = await svc.overview(s, actor(studio.creator), channel(studio), RangeKey.DAYS_7)
        h = {x.metric: x for x in o.headlines}
        return h[Metric.VIEWS].value, h[Metric.WATCH_HOURS].value * 3600

    views, seconds = await figures()
    assert (views, seconds) == (5, pytest.approx(295))  # not rolled up yet
    await write_rollups(studio.db)
    views, seconds = await figures()
    assert (views, seconds) == (5, pytest.approx(295))


async def test_one_viewer_on_many_days_is_one_unique_viewer_at_any_granularity(
    studio: Studio,
) -> None:
    video = studio.videos[0]
    async with studio.db.unit_of_work() as s:
        for k in range(1, 60):
            await add_session(s, video, viewer="u:loyal", started_at=day(k) + timedelta(hours=12))
    await write_rollups(studio.db)
    async with studio.db.read() as s:
        for key in (RangeKey.DAYS_7, RangeKey.DAYS_90, RangeKey.DAYS_365, RangeKey.LIFETIME):
            o = await svc.overview(s, actor(studio.creator), channel(studio), key)
            u = next(x for x in o.headlines if x.metric is Metric.UNIQUE_VIEWERS)
            assert u.value == 1, key
            assert max(p.value for p in u.series) == 1


async def test_series_buckets_follow_the_time_zone_over_a_dst_change(studio: Studio) -> None:
    video = studio.videos[0]
    # 23:30 UTC on 25 Oct is 00:30 CET on the 26th; 22:30 UTC on the 24th is 00:30 CEST on the 25th.
    times = [at("2026-10-24 22:30"), at("2026-10-25 22:30"), at("2026-10-25 23:30")]
    async with studio.db.unit_of_work() as s:
        for i, t in enumerate(times):
            await add_session(
                s, video, viewer=f"u:{i}", started_at=t, view_at=t, ranges=[(t, 30, None)]
            )
    await write_rollups(studio.db)
    async with studio.db.read() as s:
        o = await svc.overview(
            s, actor(studio.creator), channel(studio), RangeKey.CUSTOM,
            start=date(2026, 10, 24), end=date(2026, 10, 26), tz="Europe/Berlin",
        )  # fmt: skip
        utc = await svc.overview(
            s, actor(studio.creator), channel(studio), RangeKey.CUSTOM,
            start=date(2026, 10, 24), end=date(2026, 10, 26), tz="UTC",
        )  # fmt: skip
    views = next(x for x in o.headlines if x.metric is Metric.VIEWS)
    assert [(p.at.isoformat(), p.value) for p in views.series] == [
        ("2026-10-24T00:00:00+02:00", 0),
        ("2026-10-25T00:00:00+02:00", 2),  # the 25-hour day holds 22:30 UTC on the 25th
        ("2026-10-26T00:00:00+01:00", 1),
    ]
    assert [p.value for p in next(x for x in utc.headlines if x.metric is Metric.VIEWS).series] == [
        1, 2, 0
    ]  # fmt: skip


async def test_overview_on_rollups_equals_the_raw_computation(studio: Studio) -> None:
    rng = random.Random(15)
    videos = [*studio.videos, studio.other_video]
    async with studio.db.unit_of_work() as s:
        for _ in range(120):
            video = rng.choice(videos)
            start = day(rng.randrange(0, 70)) + timedelta(minutes=rng.randrange(0, 24 * 60))
            steps = [
                (start + timedelta(hours=h), float(rng.randrange(5, 900)), rng.choice([360, 720, None]))
                for h in range(rng.randrange(1, 3))
            ]  # fmt: skip
            watched = sum(x[1] for x in steps)
            await add_session(
                s, video, viewer=f"u:{rng.randrange(30)}", started_at=start,
                view_at=start + timedelta(seconds=30) if watched >= 30 else None, watched=watched,
                cover=coverage(range(0, rng.randrange(1, 100))), ranges=steps,
                source=rng.choice(["search", "home", "external", "direct"]),
                detail=rng.choice(["m31", "saturn", None]), device=rng.choice(["desktop", "mobile"]),
            )  # fmt: skip
    await write_rollups(studio.db)
    for scope in (
        channel(studio),
        Scope(kind=ScopeKind.VIDEO, id=studio.videos[1].id),
        Scope(kind=ScopeKind.COURSE, id=studio.course.id),
        Scope(kind=ScopeKind.PLATFORM),
    ):
        for key, tz in [
            (RangeKey.DAYS_28, "Europe/Berlin"),
            (RangeKey.DAYS_90, "America/New_York"),
        ]:
            async with studio.db.read() as s:
                rolled = await svc.overview(s, actor(studio.users["admin"]), scope, key, tz=tz)
                direct = await raw.overview(s, scope, rolled.period, rolled.title)
                b_rolled = await svc.breakdowns(s, actor(studio.users["admin"]), scope, key, tz=tz)
                b_raw = await raw.breakdowns(s, scope, rolled.period)
            for x, y in zip(rolled.headlines, direct.headlines, strict=True):
                assert x.value == pytest.approx(y.value), (scope, x.metric)
                assert x.previous == pytest.approx(y.previous)
                assert [p.value for p in x.series] == pytest.approx([p.value for p in y.series])
            assert b_rolled == b_raw or [
                (b.dimension, [(r.key, r.views, round(r.watch_seconds, 6)) for r in b.rows])
                for b in b_rolled
            ] == [
                (b.dimension, [(r.key, r.views, round(r.watch_seconds, 6)) for r in b.rows])
                for b in b_raw
            ]
    async with studio.db.read() as s:
        curve = await svc.retention(s, actor(studio.creator), studio.videos[0].id, RangeKey.DAYS_28)
        p28 = periods.period(RangeKey.DAYS_28, tz="UTC", now=utcnow())
        sessions, counts = await raw.retention(s, studio.videos[0].id, p28)
    assert sessions > 5
    assert curve.sessions == sessions
    assert curve.points == pytest.approx([c / sessions if sessions else 0 for c in counts])


async def test_retention_curve_typical_and_quiz_markers(studio: Studio) -> None:
    a, b = studio.videos
    async with studio.db.unit_of_work() as s:
        t = day(1) + timedelta(hours=3)
        await add_session(s, a, viewer="u:1", started_at=t, cover=coverage(range(0, 100)))
        await add_session(s, a, viewer="u:2", started_at=t, cover=coverage(range(0, 50)))
        await add_session(s, a, viewer="u:3", started_at=t, view_at=t, watched=60,
                          cover=coverage(range(0, 25)), ranges=[(t, 60, None)])  # fmt: skip
        await add_session(s, a, viewer="u:4", started_at=day(60), cover=coverage(range(0, 100)))
        await add_session(s, b, viewer="u:5", started_at=t, cover=coverage(range(0, 10)))
        await add_session(s, studio.other_video, viewer="u:6", started_at=t, cover=coverage(1))
    await write_rollups(studio.db)
    async with studio.db.read() as s:
        c = await svc.retention(s, actor(studio.creator), a.id, RangeKey.DAYS_28)
    assert (c.sessions, c.duration, c.title) == (3, 100.0, "Orion nebula")
    assert len(c.points) == 100
    assert (
        c.points[0] == 1.0
        and c.points[30] == pytest.approx(2 / 3)
        and c.points[99] == pytest.approx(1 / 3)
    )
    assert c.average_percent_viewed == pytest.approx(60.0)
    # The typical curve is the median of the channel's other videos (one here): not the other channel's.
    assert c.typical is not None and c.typical[5] == 1.0 and c.typical[10] == 0.0
    assert [(m.at, m.kind, m.label) for m in c.markers] == [
        (30.0, "quiz", "Which planet is shown here?")
    ]
    async with studio.db.read() as s:
        lone = await svc.retention(
            s, actor(studio.users["other"]), studio.other_video.id, RangeKey.DAYS_7
        )
    assert lone.typical is None and lone.markers == [] and lone.points[1] == 1.0


async def test_breakdowns_with_labels_shares_and_quality(studio: Studio) -> None:
    await seed(studio)
    async with studio.db.read() as s:
        found = await svc.breakdowns(s, actor(studio.creator), channel(studio), RangeKey.DAYS_28)
    by = {b.dimension: b for b in found}
    assert list(by) == [
        "traffic",
        "search_terms",
        "referrers",
        "device",
        "browser",
        "os",
        "quality",
    ]
    traffic = {r.key: (r.label, r.views, r.share) for r in by["traffic"].rows}
    assert traffic == {
        "direct": ("Direct or unknown", 3, 0.75),
        "search": ("Search", 1, 0.25),
        "external": ("Other websites", 0, 0.0),
    }
    assert [(r.key, r.views) for r in by["search_terms"].rows] == [("orion nebula", 1)]
    assert [r.key for r in by["referrers"].rows] == ["example.org"]
    assert {r.key: r.views for r in by["device"].rows} == {"desktop": 3, "mobile": 1}
    quality = [(r.key, r.label, r.watch_seconds) for r in by["quality"].rows]
    assert quality == [("1080", "1080p", 60.0), ("720", "720p", 160.0), ("360", "360p", 40.0)]
    assert sum(r.share for r in by["quality"].rows) == pytest.approx(1.0)


@pytest.mark.parametrize(
    ("sort", "first"),
    [
        (TopSort.VIEWS, "Orion nebula"),
        (TopSort.WATCH_TIME, "Orion nebula"),
        (TopSort.AVERAGE_PERCENT_VIEWED, "Orion nebula"),
        (TopSort.LIKES, "Orion nebula"),
    ],
)
async def test_top_content_sorts(studio: Studio, sort: TopSort, first: str) -> None:
    await seed(studio)
    async with studio.db.read() as s:
        rows = await svc.top_content(
            s, actor(studio.creator), channel(studio), RangeKey.DAYS_28, sort=sort
        )
    assert rows[0].title == first
    assert {r.title for r in rows} == {"Orion nebula", "Saturn rings"}
    orion = next(r for r in rows if r.title == "Orion nebula")
    assert (orion.views, orion.watch_seconds, orion.likes) == (3, 160.0, 1)
    assert orion.average_percent_viewed == pytest.approx(100 * 160 / 100 / 3)


async def test_top_content_orders_differ_by_key(studio: Studio) -> None:
    a, b = studio.videos
    async with studio.db.unit_of_work() as s:
        t = day(1)
        for i in range(3):  # a: many short views
            await add_session(
                s, a, viewer=f"u:{i}", started_at=t, view_at=t, ranges=[(t, 10, None)]
            )
        await add_session(s, b, viewer="u:9", started_at=t, view_at=t, ranges=[(t, 190, None)])
        for _ in range(2):
            await add_activity(s, studio.creator.id, "like", t, video_id=b.id)
    await write_rollups(studio.db)
    order = {}
    async with studio.db.read() as s:
        for sort in TopSort:
            rows = await svc.top_content(
                s, actor(studio.creator), channel(studio), RangeKey.DAYS_7, sort=sort
            )
            order[sort] = [r.title for r in rows]
    assert order[TopSort.VIEWS] == ["Orion nebula", "Saturn rings"]
    assert order[TopSort.WATCH_TIME] == ["Saturn rings", "Orion nebula"]
    assert order[TopSort.AVERAGE_PERCENT_VIEWED] == ["Saturn rings", "Orion nebula"]
    assert order[TopSort.LIKES] == ["Saturn rings", "Orion nebula"]


async def test_realtime_counts_views_by_hour_and_watching_now(studio: Studio) -> None:
    a = studio.videos[0]
    now = utcnow()
    hour = now.replace(minute=0, second=0, microsecond=0)
    async with studio.db.unit_of_work() as s:
        await add_session(
            s,
            a,
            viewer="u:1",
            started_at=hour - timedelta(hours=3),
            view_at=hour - timedelta(hours=3),
        )
        await add_session(s, a, viewer="u:2", started_at=now - timedelta(minutes=5),
                          view_at=now - timedelta(minutes=4), last_seen_at=now - timedelta(seconds=20))  # fmt: skip
        await add_session(
            s,
            a,
            viewer="u:3",
            started_at=hour - timedelta(hours=60),
            view_at=hour - timedelta(hours=60),
        )
        await add_session(s, a, viewer="u:4", started_at=now - timedelta(minutes=3),
                          last_seen_at=now - timedelta(seconds=90))  # fmt: skip
        # Seen a moment ago, but paused: not watching.
        await add_session(s, a, viewer="u:5", started_at=now - timedelta(minutes=2),
                          last_seen_at=now - timedelta(seconds=5), playing=False)  # fmt: skip
    async with studio.db.read() as s:
        snap = await svc.realtime(s, actor(studio.creator), channel(studio))
    assert len(snap.hours) == 48
    assert snap.hours[-1].at == hour and snap.hours[0].at == hour - timedelta(hours=47)
    values = [p.value for p in snap.hours]
    assert sum(values) == (2 if (now - timedelta(minutes=4)) >= hour - timedelta(hours=47) else 1)
    assert values[-4] == 1
    assert snap.watching_now == 1


SERVICE_CALLS = {
    "overview": lambda s, a, scope, st: svc.overview(s, a, scope, RangeKey.DAYS_7),
    "breakdowns": lambda s, a, scope, st: svc.breakdowns(s, a, scope, RangeKey.DAYS_7),
    "top_content": lambda s, a, scope, st: svc.top_content(s, a, scope, RangeKey.DAYS_7),
    "realtime": lambda s, a, scope, st: svc.realtime(s, a, scope),
}


def scopes(studio: Studio) -> dict[str, Scope]:
    return {
        "channel": channel(studio),
        "video": Scope(kind=ScopeKind.VIDEO, id=studio.videos[0].id),
        "course": Scope(kind=ScopeKind.COURSE, id=studio.course.id),
        "platform": Scope(kind=ScopeKind.PLATFORM),
    }


ALLOWED = {
    "channel": {"creator", "admin"},
    "video": {"creator", "admin"},
    "course": {"creator", "admin"},
    "platform": {"admin"},
}


@pytest.mark.parametrize("call", [*SERVICE_CALLS, "retention"])
async def test_authorization_matrix(studio: Studio, call: str) -> None:
    for scope_name, scope in scopes(studio).items():
        if call == "retention" and scope_name != "video":
            continue
        for who in ROLES:
            a = actor(studio.users[who]) if who != "anonymous" else None
            async with studio.db.read() as s:
                run = (
                    svc.retention(s, a, studio.videos[0].id, RangeKey.DAYS_7)
                    if call == "retention"
                    else SERVICE_CALLS[call](s, a, scope, studio)
                )
                if who in ALLOWED[scope_name]:
                    await run
                elif who == "anonymous":
                    with pytest.raises(NotAuthenticated):
                        await run
                else:
                    with pytest.raises(AnalyticsNotFound):
                        await run
    # A viewer's own "channel" is not a channel; a missing one looks the same.
    async with studio.db.read() as s:
        with pytest.raises(AnalyticsNotFound):
            await svc.overview(s, actor(studio.users["viewer"]),
                               Scope(kind=ScopeKind.CHANNEL, id=studio.users["viewer"].id), RangeKey.DAYS_7)  # fmt: skip
        with pytest.raises(AnalyticsNotFound):
            await svc.overview(s, actor(studio.users["admin"]),
                               Scope(kind=ScopeKind.VIDEO, id=studio.users["viewer"].id), RangeKey.DAYS_7)  # fmt: skip


async def test_overview_runs_a_constant_number_of_statements(studio: Studio) -> None:
    async def count() -> int:
        async with studio.db.read() as s:
            with recorded_queries(studio.db) as q:
                await svc.overview(s, actor(studio.creator), channel(studio), RangeKey.DAYS_28)
        return len(selects(q))

    await seed(studio)
    before = await count()
    from tests.factories import make_video

    more = [await make_video(studio.db, studio.creator, duration=30.0) for _ in range(6)]
    async with studio.db.unit_of_work() as s:
        for i, v in enumerate(more):
            await add_session(
                s, v, viewer=f"u:{i}", started_at=day(2), view_at=day(2), ranges=[(day(2), 40, 720)]
            )
    await write_rollups(studio.db)
    assert await count() == before == 7  # scope, 4 figures, the current hour raw (2)


async def test_a_course_shows_only_its_instructors_own_videos(studio: Studio) -> None:
    """A lesson may show another creator's public video; its figures stay theirs."""
    now = utcnow()
    async with studio.db.unit_of_work() as s:
        await add_session(s, studio.other_video, viewer="u:9", started_at=now - timedelta(hours=2),
                          view_at=now - timedelta(hours=2), watched=60.0)  # fmt: skip
    course = await make_course(studio.db, studio.creator, studio.other_video, title="Borrowed")
    await write_rollups(studio.db)
    scope = Scope(kind=ScopeKind.COURSE, id=course.id)
    async with studio.db.read() as s:
        o = await svc.overview(s, actor(studio.creator), scope, RangeKey.DAYS_7)
        top = await svc.top_content(s, actor(studio.creator), scope, RangeKey.DAYS_7)
    views = {x.metric: x.value for x in o.headlines}[Metric.VIEWS]
    assert views == 0 and top == []
    # Its owner sees the view in their own channel.
    async with studio.db.read() as s:
        mine = await svc.overview(
            s,
            actor(studio.users["other"]),
            Scope(kind=ScopeKind.CHANNEL, id=studio.other_video.owner_id),
            RangeKey.DAYS_7,
        )
    assert {x.metric: x.value for x in mine.headlines}[Metric.VIEWS] == 1
