"""Demo categories, and the demo viewer's favourite topics among them."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from cosmostream.account.demo import ADA, demo_actor, demo_users
from cosmostream.account.service import account_service
from cosmostream.models import Category

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
ADA_TOPICS = ["planets", "astrophotography", "rockets"]


async def load_demo_categories(session: AsyncSession) -> int:
    """The missing categories (icons upgraded in place), and the demo viewer's
    favourite topics while she has none. Returns how many categories are new."""
    existing = {c.slug: c for c in await session.scalars(select(Category))}
    made = 0
    for position, (slug, name, description, icon) in enumerate(CATEGORIES):
        category = existing.get(slug)
        if category is None:
            session.add(
                Category(
                    slug=slug, name=name, description=description, icon=icon, position=position
                )
            )
            made += 1
        else:
            category.icon = icon  # demo data is upgraded in place
    await session.flush()
    ada = (await demo_users(session)).get(ADA)
    if ada is not None and not await account_service.favourite_category_slugs(session, ada.id):
        await account_service.set_favourite_categories(session, demo_actor(ada), ADA_TOPICS)
    return made
