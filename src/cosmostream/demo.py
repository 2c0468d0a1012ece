"""Idempotent demo data: categories and four accounts to explore the site with."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from cosmostream.account.service import account_service
from cosmostream.models import Category, Follow, Role, User

CATEGORIES = [
    ("planets", "Planets", "Worlds of the Solar System and beyond.", "planet"),
    ("stars", "Stars", "How stars are born, live and die.", "star"),
    ("galaxies", "Galaxies", "Spirals, ellipticals and the cosmic web.", "galaxy"),
    ("cosmology", "Cosmology", "The origin, shape and fate of the universe.", "cosmology"),
    ("missions", "Missions", "Probes, rovers and crewed flights.", "satellite"),
    ("rockets", "Rockets", "Launch vehicles, engines and launches.", "rocket"),
    ("telescopes", "Telescopes", "From backyard refractors to JWST.", "telescope"),
    ("astrophotography", "Astrophotography", "Capturing the night sky.", "camera"),
    ("education", "Education", "Lessons and courses for every level.", "education"),
]


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


async def load_demo(session: AsyncSession) -> list[DemoAccount]:
    """Create what is missing; running it twice changes nothing. Returns new accounts."""
    existing = {c.slug: c for c in await session.scalars(select(Category))}
    for position, (slug, name, description, icon) in enumerate(CATEGORIES):
        category = existing.get(slug)
        if category is None:
            session.add(
                Category(
                    slug=slug, name=name, description=description, icon=icon, position=position
                )
            )
        else:
            category.icon = icon  # demo data is upgraded in place
    created: list[DemoAccount] = []
    users: dict[str, User] = {}
    for account in ACCOUNTS:
        user = await session.scalar(select(User).where(User.email == account.email))
        if user is None:
            user = await account_service.create_user(
                session,
                email=account.email,
                password=account.password,
                role=account.role,
                display_name=account.display_name,
                check_password=False,
            )
            user.bio = account.bio
            created.append(account)
        users[account.email] = user
    await session.flush()
    viewer = users["ada@example.com"]
    for creator in ("vera@example.com", "carl@example.com"):
        if await session.get(Follow, (viewer.id, users[creator].id)) is None:
            session.add(Follow(follower_id=viewer.id, followee_id=users[creator].id))
    return created


async def is_empty(session: AsyncSession) -> bool:
    return await session.scalar(select(User.id).limit(1)) is None
