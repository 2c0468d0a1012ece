"""Demo accounts: an admin, two creators and a viewer, who follow one another.

Other domains' demo data is written by these accounts (see `cosmostream.demo`).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from cosmostream.account.schemas import Actor
from cosmostream.account.service import account_service
from cosmostream.kit.ids import uuid7
from cosmostream.models import Follow, Role, User


@dataclass(frozen=True)
class DemoAccount:
    email: str
    password: str
    role: Role
    display_name: str
    bio: str


ACCOUNTS = [
    DemoAccount(
        "admin@example.com",
        "orbital-admin-2026",
        Role.ADMIN,
        "Mission Control",
        "Keeps the lights on at CosmoStream.",
    ),
    DemoAccount(
        "vera@example.com",
        "dark-matter-halo",
        Role.CREATOR,
        "Vera Nebula",
        "Astrophysicist. Galaxy rotation curves and the dark universe.",
    ),
    DemoAccount(
        "carl@example.com",
        "pale-blue-dot-42",
        Role.CREATOR,
        "Carl Orbit",
        "Launch photographer and rocket nerd.",
    ),
    DemoAccount(
        "ada@example.com",
        "stargazer-viewer",
        Role.VIEWER,
        "Ada Stargazer",
        "Backyard astronomer with an 8-inch Dobsonian.",
    ),
]
ADMIN, VERA, CARL, ADA = (a.email for a in ACCOUNTS)
# Who follows whom: the viewer follows both creators, who follow each other.
FOLLOWS = [(ADA, VERA), (ADA, CARL), (CARL, VERA), (VERA, CARL), (ADMIN, VERA)]


async def demo_users(session: AsyncSession) -> dict[str, User]:
    """The demo accounts that exist, by e-mail."""
    emails = [a.email for a in ACCOUNTS]
    return {u.email: u for u in await session.scalars(select(User).where(User.email.in_(emails)))}


def demo_actor(user: User) -> Actor:
    """A demo account acting through the services, as if signed in."""
    return Actor(user=user, session_id=uuid7())


async def load_demo_accounts(session: AsyncSession) -> int:
    """The missing demo accounts and follows; returns how many accounts are new."""
    users = await demo_users(session)
    made = 0
    for account in ACCOUNTS:
        if account.email in users:
            continue
        user = await account_service.create_user(
            session,
            email=account.email,
            password=account.password,
            role=account.role,
            display_name=account.display_name,
            check_password=False,
        )
        user.bio = account.bio
        users[account.email] = user
        made += 1
    await session.flush()
    for follower, followee in FOLLOWS:
        if await session.get(Follow, (users[follower].id, users[followee].id)) is None:
            session.add(Follow(follower_id=users[follower].id, followee_id=users[followee].id))
    return made
