"""Demo forums: categories and threads with replies, likes and live chat, written
by the demo accounts through the forum service, then backdated."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from cosmostream.account.demo import ADA, ADMIN, CARL, VERA, demo_actor, demo_users
from cosmostream.forum.service import forum_service
from cosmostream.kit.time import utcnow
from cosmostream.models import ForumCategory, Role, Thread, User

FORUM_CATEGORIES = [
    ("observing", "Observing & astrophotography",
     "Observing reports, sky conditions, imaging and processing."),
    ("missions", "Space missions & launches",
     "Probes, rovers, crewed flights and launch-day threads."),
    ("astrophysics", "Astrophysics & cosmology",
     "Stars, galaxies, black holes and the universe at large."),
    ("gear", "Telescopes & gear",
     "Choosing, collimating and upgrading your equipment."),
    ("outreach", "Education & outreach",
     "Teaching astronomy, star parties and public nights."),
]  # fmt: skip


@dataclass(frozen=True)
class DemoThread:
    """A forum thread as its members wrote it: the opening post, then the replies
    a few hours apart, from `age_hours` ago. `likes` are (who, post index: 0 is
    the opening post); `chat` is the thread's live chat, after the posts."""

    category: str
    author: str
    title: str
    body: str
    replies: tuple[tuple[str, str], ...]
    age_hours: float
    likes: tuple[tuple[str, int], ...] = ()
    chat: tuple[tuple[str, str], ...] = ()
    pinned: bool = False
    locked: bool = False


THREADS = [
    DemoThread(
        "outreach", ADMIN, "Welcome to the CosmoStream forums: read this first",
        "Hello and welcome, stargazers!\n\n"
        "These forums are for everything under (and beyond) the sky:\n\n"
        "- **Observing & astrophotography**: reports, sky conditions, your images\n"
        "- **Space missions & launches**: launch-day threads and mission news\n"
        "- **Astrophysics & cosmology**: the big questions, asked simply\n"
        "- **Telescopes & gear**: what to buy, how to collimate, what to upgrade\n"
        "- **Education & outreach**: teaching, star parties, public nights\n\n"
        "A few house rules: be kind, cite your sources, and no question is too basic. "
        "Each thread also has a live chat on the side, for quick back-and-forth.\n\n"
        "Clear skies!",
        (
            (ADA, "Thanks for setting this up! Backyard observer here, 8-inch Dob, "
             "Bortle 5 skies. Looking forward to learning from you all."),
            (VERA, "Happy to answer questions about galaxies and dark matter. "
             "Ask away, there really are no silly questions."),
            (CARL, "I will be posting launch-day threads here. Bring snacks."),
        ),
        age_hours=24 * 21,
        likes=((ADA, 0), (VERA, 0), (CARL, 0), (ADMIN, 1)),
        chat=(
            (ADA, "Hi everyone!"),
            (CARL, "Welcome Ada! Clear skies tonight where you are?"),
            (ADA, "Finally, yes. Jupiter is up after ten."),
        ),
        pinned=True,
    ),
    DemoThread(
        "observing", ADA, "Saturn at opposition: what can a small telescope show?",
        "Saturn reaches opposition next week. I have a 4-inch refractor and the "
        "8-inch Dob. What detail is realistic? I saw the rings last year but "
        "nothing more.",
        (
            (CARL, "With the 8-inch on a steady night you should get the **Cassini "
             "division** at about 150x, and Titan easily. Rhea and Tethys too if you "
             "know where to look."),
            (VERA, "Also look for the shadow of the globe on the rings just after "
             "opposition: it swings to the other side, which is a nice way to see "
             "the geometry change."),
            (ADA, "Saw the Cassini division last night! Only in moments of good "
             "seeing, but it was unmistakable. Thank you both."),
        ),
        age_hours=24 * 9,
        likes=((VERA, 1), (ADA, 1), (ADA, 2), (CARL, 3)),
    ),
    DemoThread(
        "observing", CARL, "First Milky Way panorama: stacking tips?",
        "Shot 40 frames of 20 s at f/2.8, ISO 3200, from a dark site. The stacked "
        "result is noisy near the horizon. What am I doing wrong?\n\n"
        "| setting | value |\n|---|---|\n| lens | 24 mm |\n| frames | 40 |\n"
        "| darks | none |",
        (
            (ADA, "Darks and flats help a lot with that gradient. Even 15 darks shot "
             "at the same temperature make a visible difference."),
            (VERA, "The horizon is also where you look through the most air and "
             "light pollution; some gradient is physics, not processing."),
        ),
        age_hours=24 * 5,
        likes=((CARL, 1),),
    ),
    DemoThread(
        "missions", VERA, "Europa Clipper: cruise updates and what to expect",
        "Europa Clipper is on its way to Jupiter, with a Mars flyby and an Earth "
        "flyby before arrival. Let's collect news here. The big question is whether "
        "the ice shell is thin enough for the ocean to exchange material with the "
        "surface.",
        (
            (CARL, "The Mars gravity assist photos were gorgeous. The thermal "
             "imager's test shots of Mars were a nice bonus."),
            (ADA, "How close will it get to Europa?"),
            (VERA, "Some flybys go as low as about 25 km above the surface, which is "
             "astonishingly close for a world with that much radiation around it."),
        ),
        age_hours=24 * 14,
        likes=((ADA, 0), (ADA, 3), (CARL, 3)),
        chat=(
            (CARL, "Anyone watching the trajectory update livestream?"),
            (VERA, "Yes! The radiation vault is such clever engineering."),
            (ADA, "What's a radiation vault?"),
            (VERA, "A shielded box for the electronics: thick titanium and aluminium walls."),
        ),
    ),
    DemoThread(
        "missions", CARL, "Launch day thread: Starship flight test",
        "Live thread for today's flight. Post your timings, views and questions "
        "here. Remember: the first few minutes are about staging.",
        (
            (ADA, "Watching from the stream: the hot staging ring glow was unreal."),
            (VERA, "Booster catch attempt confirmed! What a time to be alive."),
            (CARL, "Flight recap video is up on my channel. Locking this thread; "
             "start a new one for the next flight."),
        ),
        age_hours=24 * 3,
        likes=((ADA, 2), (CARL, 2)),
        locked=True,
    ),
    DemoThread(
        "astrophysics", ADA, "Why do galaxy rotation curves stay flat?",
        "If most of a galaxy's visible mass is near its centre, shouldn't the outer "
        "stars orbit more slowly, like the outer planets do?",
        (
            (VERA, "Exactly what we expected! For Keplerian motion, orbital speed "
             "falls as `1/sqrt(r)` outside most of the mass. Instead the measured "
             "speeds stay roughly constant far out.\n\n"
             "Flat curves mean the enclosed mass keeps growing with radius: there is "
             "mass we do not see, which is the classic evidence for **dark matter** "
             "halos."),
            (CARL, "And modified gravity ideas like MOND try to explain it without "
             "extra mass, right?"),
            (VERA, "Right. MOND does well on single galaxies, but struggles with "
             "galaxy clusters and the cosmic microwave background, where dark "
             "matter fits naturally."),
        ),
        age_hours=24 * 7,
        likes=((ADA, 1), (CARL, 1), (ADA, 3)),
    ),
    DemoThread(
        "astrophysics", CARL, "The Hubble tension, explained simply?",
        "Two ways of measuring how fast the universe expands give different "
        "answers. Is one of them wrong, or is it new physics?",
        (
            (VERA, "The early-universe value (from the CMB) is about 67 km/s/Mpc; the "
             "local distance ladder gives about 73. Both teams have checked their "
             "errors very carefully, which is why it is called a *tension* and not a "
             "mistake."),
            (ADA, "So JWST measurements of Cepheids were meant to settle this?"),
            (VERA, "They confirmed the Cepheid distances are sound, so the tension "
             "remains. Stay tuned!"),
        ),
        age_hours=36,
        likes=((CARL, 1),),
    ),
    DemoThread(
        "gear", ADA, "Dobsonian or refractor for a first telescope?",
        "A friend wants a first telescope for around 400. I said Dobsonian, the shop "
        "said a small refractor on a go-to mount. Who is right?",
        (
            (CARL, "For visual use, an 8-inch Dob: far more aperture for the money, "
             "and nothing to set up."),
            (VERA, "A refractor is lighter and better for quick looks at the Moon "
             "and planets, and a good start if they want to try astrophotography."),
            (ADMIN, "Good thread! We pinned some beginner videos in the Telescopes "
             "category too."),
            (ADA, "Dob it is. Thanks all!"),
        ),
        age_hours=20,
        likes=((ADA, 1), (ADA, 2), (CARL, 4)),
    ),
]  # fmt: skip


async def load_demo_forum(session: AsyncSession) -> int:
    """The forum categories and threads that are missing (by slug and title), made
    through the forum service as their authors. Returns how many threads are new."""
    have = {c.slug for c in await session.scalars(select(ForumCategory))}
    for position, (slug, name, description) in enumerate(FORUM_CATEGORIES):
        if slug not in have:
            session.add(
                ForumCategory(slug=slug, name=name, description=description, position=position)
            )
    await session.flush()
    categories = {c.slug: c for c in await session.scalars(select(ForumCategory))}
    titles = [t.title for t in THREADS]
    existing = set(await session.scalars(select(Thread.title).where(Thread.title.in_(titles))))
    users = await demo_users(session)
    made = 0
    for demo_thread in THREADS:
        if demo_thread.title in existing or demo_thread.author not in users:
            continue
        await _demo_thread(session, demo_thread, categories[demo_thread.category].id, users)
        made += 1
    return made


async def _demo_thread(
    session: AsyncSession, spec: DemoThread, category_id: uuid.UUID, users: dict[str, User]
) -> None:
    # Made through the service (so counters and rules hold), then backdated:
    # the forum should have a past, not forty posts from the last second.
    start = utcnow() - timedelta(hours=spec.age_hours)
    gap = timedelta(hours=min(6.0, spec.age_hours / (len(spec.replies) + len(spec.chat) + 2)))
    author = users[spec.author]
    thread = await forum_service.create_thread(
        session, demo_actor(author), category_id, spec.title, spec.body
    )
    posts = (await forum_service.posts(session, thread.id)).items
    when = start
    for post in posts:
        post.created_at = when
    for email, body in spec.replies:
        if email in users:
            when += gap
            post = await forum_service.reply(session, demo_actor(users[email]), thread.id, body)
            post.created_at = when
            posts.append(post)
    for email, index in spec.likes:
        if email in users and index < len(posts) and posts[index].author_id != users[email].id:
            await forum_service.like_post(session, demo_actor(users[email]), posts[index].id)
    for email, body in spec.chat:
        if email in users:
            when += gap / 4
            message = await forum_service.post_chat_message(
                session, demo_actor(users[email]), thread.id, body
            )
            message.created_at = when
    thread.created_at = start
    thread.last_activity_at = posts[-1].created_at
    await session.flush()
    admin = users.get(ADMIN)
    if admin is not None and admin.role is Role.ADMIN:
        if spec.pinned:
            await forum_service.pin_thread(session, demo_actor(admin), thread.id, True)
        if spec.locked:
            await forum_service.lock_thread(session, demo_actor(admin), thread.id, True)
