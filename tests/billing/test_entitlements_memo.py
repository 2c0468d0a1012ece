"""Entitlements are read once per unit of work, and again after anything is written."""

from __future__ import annotations

from cosmostream.billing.entitlements import held
from cosmostream.billing.plans import VIDEO_PREMIUM
from cosmostream.db import Database
from cosmostream.models import Subscription, SubscriptionStatus
from tests.factories import make_user, recorded_queries, selects
from tests.premium_helpers import subscribe


async def test_a_unit_of_work_asks_once_until_it_writes(db: Database) -> None:
    user = await make_user(db)
    sub_id = await subscribe(db, user)
    async with db.unit_of_work() as session:
        with recorded_queries(db) as statements:
            for _ in range(5):
                assert VIDEO_PREMIUM in await held(session, user.id)
        assert len(selects(statements)) == 1
        # A write in the same unit of work (a cancellation synced) is seen at once.
        sub = await session.get(Subscription, sub_id)
        assert sub is not None
        sub.status = SubscriptionStatus.CANCELED
        await session.flush()
        assert await held(session, user.id) == frozenset()
    # And a new unit of work asks again.
    async with db.read() as session:
        assert await held(session, user.id) == frozenset()
