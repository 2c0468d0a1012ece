"""Throttling for login, signup and password reset, per account and per IP.

Counters live in the database (shared by every web process) and are written in
their own short transaction, so a failed login — whose own transaction rolls
back — still counts. Past the limit, each further attempt doubles the wait.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from cosmostream.db import Database
from cosmostream.errors import TooManyRequests
from cosmostream.kit.time import utcnow
from cosmostream.models import ThrottleBucket


@dataclass(frozen=True)
class Rule:
    name: str
    limit: int
    window: timedelta
    base_block: timedelta = timedelta(seconds=30)
    max_block: timedelta = timedelta(minutes=15)


LOGIN_ACCOUNT = Rule("login:account", limit=5, window=timedelta(minutes=15))
LOGIN_IP = Rule("login:ip", limit=30, window=timedelta(minutes=15))
SIGNUP_IP = Rule("signup:ip", limit=10, window=timedelta(hours=1), base_block=timedelta(minutes=5))
RESET_ACCOUNT = Rule("reset:account", limit=3, window=timedelta(hours=1))
RESET_IP = Rule("reset:ip", limit=10, window=timedelta(hours=1))


def key(rule: Rule, subject: str) -> str:
    return f"{rule.name}:{subject.lower()}"[:200]


class Throttle:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def check(self, *checks: tuple[Rule, str]) -> None:
        """Refuse with 429 while any of the buckets is blocked."""
        keys = [key(rule, subject) for rule, subject in checks]
        now = utcnow()
        async with self.db.read() as session:
            rows = await session.scalars(select(ThrottleBucket).where(ThrottleBucket.key.in_(keys)))
            waits = [
                (b.blocked_until - now).total_seconds()
                for b in rows
                if b.blocked_until and b.blocked_until > now
            ]
        if waits:
            raise TooManyRequests(retry_after=int(max(waits)) + 1)

    async def hit(self, *checks: tuple[Rule, str]) -> None:
        """Count one attempt (or failure) against each bucket."""
        now = utcnow()
        async with self.db.independent() as session:
            for rule, subject in checks:
                k = key(rule, subject)
                bucket = await session.scalar(select(ThrottleBucket).where(ThrottleBucket.key == k))
                if bucket is None:
                    bucket = ThrottleBucket(key=k, count=0, window_started_at=now)
                    session.add(bucket)
                elif bucket.window_started_at + rule.window < now and not (
                    bucket.blocked_until and bucket.blocked_until > now
                ):
                    bucket.count = 0
                    bucket.window_started_at = now
                bucket.count += 1
                if bucket.count >= rule.limit:
                    over = bucket.count - rule.limit
                    block = min(rule.base_block * (2**over), rule.max_block)
                    bucket.blocked_until = now + block

    async def reset(self, *checks: tuple[Rule, str]) -> None:
        keys = [key(rule, subject) for rule, subject in checks]
        async with self.db.independent() as session:
            await session.execute(delete(ThrottleBucket).where(ThrottleBucket.key.in_(keys)))


async def purge(session: AsyncSession, now: datetime) -> int:
    """Delete buckets whose window and block are long over."""
    result = await session.execute(
        delete(ThrottleBucket).where(
            ThrottleBucket.window_started_at < now - timedelta(days=1),
            ThrottleBucket.blocked_until.is_(None) | (ThrottleBucket.blocked_until < now),
        )
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
