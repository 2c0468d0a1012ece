"""Creator revenue: a month's share of premium revenue, split by premium watch time."""

from __future__ import annotations

import random
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from cosmostream.billing.revenue import next_month, revenue_service, split
from cosmostream.billing.revenue_repository import revenue_repository
from cosmostream.config import Settings
from cosmostream.db import Database
from cosmostream.engagement.schemas import PlaybackEventKind
from cosmostream.engagement.service import engagement_service
from cosmostream.kit.time import utcnow
from cosmostream.models import (
    BillingInvoice,
    CreatorRevenue,
    LessonKind,
    PremiumWatch,
    RevenueMonth,
    Role,
    SubscriptionStatus,
    User,
    Video,
)
from tests.factories import actor, gql, login, make_user, make_video, shift_time, stopped_clock
from tests.learning.conftest import make_course
from tests.premium_helpers import subscribe

# --------------------------------------------------------------------------- split


def test_the_split_adds_up_to_the_pool_and_follows_the_weights() -> None:
    rng = random.Random(7)
    for _ in range(200):
        weights = {n: rng.choice([0.0, rng.random() * 10_000]) for n in range(rng.randint(1, 40))}
        pool = rng.randint(0, 1_000_000)
        amounts = split(pool, weights)
        total = sum(w for w in weights.values() if w > 0)
        if total == 0:
            assert set(amounts.values()) <= {0}
            continue
        assert sum(amounts.values()) == pool
        for key, weight in weights.items():
            exact = pool * weight / total
            assert exact - 1 < amounts[key] < exact + 1
            if weight == 0:
                assert amounts[key] == 0
        assert split(pool, dict(reversed(list(weights.items())))) == amounts  # repeatable


def test_left_over_cents_go_to_the_largest_remainders() -> None:
    # 100 over 1:1:1 = 33.33 each: one cent left, to the first key in order.
    assert split(100, {"a": 1, "b": 1, "c": 1}) == {"a": 34, "b": 33, "c": 33}
    # 10 over 0.55:0.45 → 5.5 and 4.5: the tie goes to the first key.
    assert split(10, {"x": 0.55, "y": 0.45}) == {"x": 6, "y": 4}
    assert split(0, {"a": 3.0}) == {"a": 0}


# --------------------------------------------------------------------- the month


def _last_month() -> date:
    return (utcnow().date().replace(day=1) - timedelta(days=1)).replace(day=1)


async def _watched(db: Database, creator: User, day: date, seconds: float) -> None:
    """Premium watch time as `on_playback` credits it (its rules are tested below)."""
    async with db.unit_of_work() as session:
        await revenue_repository.credit(session, creator.id, day, seconds)


async def _invoice(db: Database, plan: str, amount: int, paid_at: datetime, **extra: Any) -> None:
    async with db.unit_of_work() as session:
        session.add(
            BillingInvoice(
                stripe_invoice_id=f"in_{uuid.uuid4().hex[:14]}",
                stripe_subscription_id="sub_x",
                plan=plan,
                amount_paid=amount,
                currency=extra.get("currency", "usd"),
                period_start=paid_at,
                period_end=paid_at + timedelta(days=30),
                paid_at=paid_at,
            )
        )


async def _premium(db: Database, video: Any) -> None:
    async with db.unit_of_work() as session:
        row = await session.get(Video, video.id)
        assert row is not None
        row.premium = True


@pytest.fixture
async def month_of_watching(db: Database) -> dict[str, Any]:
    """Last month: three creators' premium watch time, and invoices in and out of the month."""
    month = _last_month()
    ada = await make_user(db, role=Role.CREATOR)
    bea = await make_user(db, role=Role.CREATOR)
    cy = await make_user(db, role=Role.CREATOR)
    day1, day2 = month, month + timedelta(days=1)
    await _watched(db, ada, day1, 3000.0)
    await _watched(db, ada, day2, 600.0)
    await _watched(db, ada, day2, 400.0)  # credits add up
    await _watched(db, bea, day2, 2000.0)
    await _watched(db, cy, day1, 2000.0)
    await _watched(db, ada, next_month(month), 9_999.0)  # this month: not yet
    start = datetime(month.year, month.month, 1, tzinfo=UTC)
    await _invoice(db, "premium", 999, start + timedelta(days=2))
    await _invoice(db, "premium", 9990, start + timedelta(days=5))
    await _invoice(db, "institutional", 5011, start + timedelta(days=9))
    await _invoice(db, "premium", 999, start - timedelta(days=1))  # the month before
    await _invoice(db, "premium", 1000, start + timedelta(days=3), currency="eur")
    return {"month": month, "ada": ada, "bea": bea, "cy": cy, "day1": day1, "day2": day2}


async def test_a_month_is_split_by_premium_watch_time(
    db: Database, settings: Settings, month_of_watching: dict[str, Any]
) -> None:
    m = month_of_watching
    settings.creator_revenue_share = 0.55
    async with db.unit_of_work() as session:
        closed = await revenue_service.close_month(session, m["month"])
    by_currency = {c.currency: c for c in closed}
    usd_paid = 999 + 9990 + 5011
    assert by_currency["usd"].premium_revenue == usd_paid
    assert by_currency["usd"].pool == int(usd_paid * 0.55) == 8800
    assert by_currency["usd"].watch_seconds == 8000.0
    assert by_currency["eur"].pool == 550
    async with db.read() as session:
        rows = (await session.execute(CreatorRevenue.__table__.select())).all()
    ledger = {(r.creator_id, r.day, r.currency): (r.amount, r.premium_watch_seconds) for r in rows}
    ada, bea, cy = m["ada"].id, m["bea"].id, m["cy"].id
    # 8800 over 3000:1000:2000:2000 (of 8000 s).
    assert ledger[(ada, m["day1"], "usd")] == (3300, 3000.0)
    assert ledger[(ada, m["day2"], "usd")] == (1100, 1000.0)
    assert ledger[(bea, m["day2"], "usd")] == (2200, 2000.0)
    assert ledger[(cy, m["day1"], "usd")] == (2200, 2000.0)
    assert sum(v[0] for k, v in ledger.items() if k[2] == "usd") == 8800
    assert sum(v[0] for k, v in ledger.items() if k[2] == "eur") == 550
    assert len(ledger) == 8  # four cells in each currency


async def test_a_month_is_split_once(db: Database, month_of_watching: dict[str, Any]) -> None:
    month = month_of_watching["month"]
    async with db.unit_of_work() as session:
        first = await revenue_service.close_due(session)
    assert {c.month for c in first} == {month}
    async with db.unit_of_work() as session:
        assert await revenue_service.close_due(session) == []
        assert await revenue_service.close_month(session, month) == []
    async with db.read() as session:
        months = (await session.execute(RevenueMonth.__table__.select())).all()
        rows = (await session.execute(CreatorRevenue.__table__.select())).all()
    assert len(months) == 2 and len(rows) == 8


async def test_the_running_month_cannot_be_closed(db: Database) -> None:
    async with db.unit_of_work() as session:
        with pytest.raises(ValueError, match="has not ended"):
            await revenue_service.close_month(session, utcnow().date())


async def test_a_month_without_watch_time_keeps_its_pool(db: Database) -> None:
    month = _last_month()
    await _invoice(db, "premium", 999, datetime(month.year, month.month, 3, tzinfo=UTC))
    async with db.unit_of_work() as session:
        (closed,) = await revenue_service.close_month(session, month)
    assert (closed.premium_revenue, closed.pool, closed.creators) == (999, 0, 0)


# ----------------------------------------------------------------------- GraphQL

EARNINGS = "{ myEarnings { month currency amount premiumWatchSeconds } }"


async def test_earnings_are_each_creators_own(
    db: Database, client: httpx.AsyncClient, month_of_watching: dict[str, Any]
) -> None:
    m = month_of_watching
    async with db.unit_of_work() as session:
        await revenue_service.close_month(session, m["month"])
    viewer = await make_user(db)
    admin = await make_user(db, role=Role.ADMIN)

    async def earnings(user: User | None) -> Any:
        token = (await login(db, user)).access_token if user else None
        return (await gql(client, EARNINGS, token=token)).json()

    anonymous = await earnings(None)
    assert anonymous["errors"][0]["extensions"]["code"] == "not_authenticated"
    assert (await earnings(viewer))["data"]["myEarnings"] == []
    assert (await earnings(admin))["data"]["myEarnings"] == []  # admins see their own only
    month = m["month"].isoformat()
    assert (await earnings(m["ada"]))["data"]["myEarnings"] == [
        {"month": month, "currency": "usd", "amount": 4400, "premiumWatchSeconds": 4000.0},
        {"month": month, "currency": "eur", "amount": 275, "premiumWatchSeconds": 4000.0},
    ]
    assert (await earnings(m["bea"]))["data"]["myEarnings"][0]["amount"] == 2200


async def test_two_workers_closing_at_once_split_the_month_once(
    db: Database, month_of_watching: dict[str, Any]
) -> None:
    import asyncio

    async def close() -> int:
        async with db.unit_of_work() as session:
            return len(await revenue_service.close_due(session))

    assert sorted(await asyncio.gather(close(), close())) == [0, 2]
    async with db.read() as session:
        rows = (await session.execute(CreatorRevenue.__table__.select())).all()
    assert len(rows) == 8


# ----------------------------------------------------------- crediting playback


async def _premium_video(db: Database, owner: User) -> Any:
    video = await make_video(db, owner)
    async with db.unit_of_work() as session:
        row = await session.get(Video, video.id)
        assert row is not None
        row.premium = True
    return video


async def _play(db: Database, who: User | None, video: Any, seconds: float) -> None:
    """A viewer's player: START, then a HEARTBEAT `seconds` of server time later."""
    viewer = f"u:{who.id}" if who else "c:anonymous-browser"
    with stopped_clock():
        async with db.unit_of_work() as session:
            await engagement_service.record_playback(
                session,
                actor(who) if who else None,
                viewer,
                video.id,
                0.0,
                PlaybackEventKind.START,
            )
        with shift_time(timedelta(seconds=seconds)):
            async with db.unit_of_work() as session:
                await engagement_service.record_playback(
                    session,
                    actor(who) if who else None,
                    viewer,
                    video.id,
                    seconds,
                    PlaybackEventKind.HEARTBEAT,
                )


async def _credited(db: Database, creator: User) -> float:
    async with db.read() as session:
        rows = await session.scalars(
            select(PremiumWatch.watch_seconds).where(PremiumWatch.creator_id == creator.id)
        )
        return sum(rows)


async def test_only_entitled_viewers_earn_premium_watch_time(db: Database) -> None:
    creator = await make_user(db, role=Role.CREATOR)
    await subscribe(db, creator)  # entitled, but their own plays earn nothing
    premium_video = await _premium_video(db, creator)
    free_video = await make_video(db, creator)
    member = await make_user(db)
    await subscribe(db, member)
    free_viewer = await make_user(db)
    lapsed = await make_user(db)
    await subscribe(db, lapsed, status=SubscriptionStatus.CANCELED)

    await _play(db, member, premium_video, 10)
    assert await _credited(db, creator) == 10.0
    # Previews, the free, the anonymous, the creator themself, and free content: nothing.
    await _play(db, free_viewer, premium_video, 10)
    await _play(db, lapsed, premium_video, 10)
    await _play(db, None, premium_video, 10)
    await _play(db, creator, premium_video, 10)
    await _play(db, member, free_video, 10)
    assert await _credited(db, creator) == 10.0


async def test_premium_courses_videos_earn_for_entitled_learners(db: Database) -> None:
    creator = await make_user(db, role=Role.CREATOR)
    lesson_video = await make_video(db, creator)
    await make_course(
        db, creator, [{"kind": LessonKind.VIDEO, "video_id": lesson_video.id}], premium=True
    )
    learner = await make_user(db)
    await subscribe(db, learner)
    free_learner = await make_user(db)
    await _play(db, learner, lesson_video, 12)
    await _play(db, free_learner, lesson_video, 12)
    assert await _credited(db, creator) == 12.0
