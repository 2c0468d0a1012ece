"""Idempotent demo data: categories, four accounts, forum threads, and a catalogue
of short space videos made through the real pipeline, with some history of engagement.

`load_demo` makes the categories, the accounts and the forums (threads with their
replies, likes and chat, written by the demo accounts). `add_demo_videos` draws the
clips (see `demo_media`), stores each where a finished upload would be and
starts processing, exactly as the tus upload does; the task worker then probes,
transcodes and makes posters. Running either twice creates nothing twice.
"""

from __future__ import annotations

import asyncio
import functools
import subprocess
import sys
import tempfile
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from cosmostream import demo_media, domains, effects, worker
from cosmostream.account.demo import (
    ACCOUNTS,
    ADA,
    ADMIN,
    CARL,
    VERA,
    DemoAccount,
    demo_actor,
    demo_users,
)
from cosmostream.catalog.service import catalog_service
from cosmostream.config import Settings, get_settings
from cosmostream.db import Database
from cosmostream.kit.ids import uuid7
from cosmostream.kit.time import utcnow
from cosmostream.models import (
    Comment,
    Notification,
    SavedVideo,
    StaffPick,
    User,
    Video,
    VideoDailyStats,
    VideoLike,
    VideoStatus,
    WatchHistory,
)
from cosmostream.storage import storage_from_settings
from cosmostream.video.schemas import VideoCreate
from cosmostream.video.service import video_service
from cosmostream.worker import job


@dataclass(frozen=True)
class DemoClip:
    """One demo video: what it is about, who made it, and what it shows.

    `age_days` backdates the publication, so the catalogue has a past; clips
    with age 0 are published by the pipeline when they are ready, which also
    notifies their creator's followers for real. `popularity` scales the
    seeded daily views.
    """

    title: str
    description: str
    tags: tuple[str, ...]
    category: str
    creator: str
    scene: str
    seconds: float
    age_days: int
    popularity: int
    size: tuple[int, int] = demo_media.SIZE
    # Premium (`video.premium`): others see the first `preview` seconds, then the paywall.
    preview: int | None = None


CLIPS = [
    DemoClip(
        "Saturn's rings from Cassini's final orbits",
        "In 2017 Cassini dived 22 times between Saturn and its innermost ring. We "
        "look at what those Grand Finale orbits revealed: how thin the rings are, how "
        "young they may be, and the moonlets that sculpt them.",
        ("saturn", "cassini", "rings", "nasa"),
        "planets", VERA, "ringed_planet", 5, 12, 9,
    ),
    DemoClip(
        "Jupiter's Great Red Spot is shrinking: what we know",
        "The storm that has raged for at least 150 years is now smaller than it has "
        "ever been measured. Juno's microwave data shows how deep it goes, and why it "
        "may be getting taller as it gets narrower.",
        ("jupiter", "juno", "great red spot", "storms"),
        "planets", VERA, "gas_giant", 4, 9, 7, preview=2,
    ),
    DemoClip(
        "A sol at Jezero Crater: sunrise to sunset on Mars",
        "A full Martian day in a few seconds, from Perseverance's landing site. Watch "
        "for the blue glow around the setting Sun: fine dust scatters blue light "
        "forwards, the opposite of an Earth sunset.",
        ("mars", "perseverance", "jezero", "sunset"),
        "planets", CARL, "mars_sol", 5, 6, 6,
    ),
    DemoClip(
        "Why the Moon always shows us the same face",
        "Tidal locking, explained with one orbit: Earth's pull has slowed the Moon's "
        "spin until one rotation takes exactly one orbit. The same is slowly "
        "happening to Earth.",
        ("moon", "tides", "tidal locking", "orbits"),
        "planets", VERA, "moon_orbit", 4, 20, 5,
    ),
    DemoClip(
        "Solar maximum: flares and prominences explained",
        "The Sun is at the busy peak of its 11-year cycle. What a prominence is, why "
        "flares come from twisted magnetic loops, and how to watch safely with a "
        "hydrogen-alpha telescope.",
        ("sun", "solar maximum", "flares", "space weather"),
        "stars", VERA, "solar_flare", 4, 3, 8,
    ),
    DemoClip(
        "Binary stars: how two suns share an orbit",
        "Most stars like the Sun have a companion. Two stars orbit their common centre "
        "of mass; their light tells us their masses, and sometimes that one of them is "
        "about to steal the other's gas.",
        ("binary stars", "orbits", "stellar mass"),
        "stars", VERA, "binary_stars", 4, 15, 3,
    ),
    DemoClip(
        "Inside the Orion Nebula, a stellar nursery",
        "Fifteen hundred light-years away, thousands of stars are being born in "
        "glowing hydrogen. A slow flight through the clouds, with what Hubble and JWST "
        "found hidden in the dust.",
        ("orion nebula", "m42", "star formation", "jwst"),
        "stars", VERA, "nebula", 5, 2, 8,
    ),
    DemoClip(
        "Anatomy of a spiral galaxy: arms, bar and bulge",
        "Why spiral arms are not solid structures but traffic jams of stars and gas, "
        "and why the inner parts turn faster than the outer ones yet the arms never "
        "wind up.",
        ("spiral galaxy", "density waves", "milky way"),
        "galaxies", VERA, "spiral_galaxy", 5, 8, 6,
    ),
    DemoClip(
        "A slow drift along the Milky Way's dust lanes",
        "Forty minutes of tracked exposures from a dark-sky site, turned into a slow "
        "pan along the band of our galaxy and the dark dust lanes that split it.",
        ("milky way", "dark sky", "dust lanes"),
        "galaxies", CARL, "milky_way", 4, 11, 5,
    ),
    DemoClip(
        "The cosmic microwave background in plain words",
        "The oldest light in the universe, released 380,000 years after the Big Bang. "
        "What the hot and cold spots are, and how they tell us the universe's age and "
        "what it is made of.",
        ("cmb", "big bang", "planck", "cosmology"),
        "cosmology", VERA, "cmb_map", 4, 25, 4,
    ),
    DemoClip(
        "How a black hole bends the light of its own disc",
        "Why the Event Horizon Telescope image looks like a lopsided ring: light from "
        "behind the hole is bent over it, and gas moving towards us shines brighter.",
        ("black hole", "event horizon", "gravitational lensing", "eht"),
        "cosmology", VERA, "black_hole", 5, 1, 9,
    ),
    DemoClip(
        "Rosetta at comet 67P: two years alongside a comet",
        "Rosetta followed comet Churyumov-Gerasimenko around the Sun and watched it "
        "wake up. How the dust and ion tails form and why they point in different "
        "directions.",
        ("rosetta", "comet", "67p", "esa"),
        "missions", CARL, "comet", 4, 18, 4,
    ),
    DemoClip(
        "TESS: finding planets by the shadows they cast",
        "When a planet passes in front of its star, the star dims by a tiny, regular "
        "amount. How NASA's TESS turns these dips into thousands of new worlds.",
        ("tess", "exoplanets", "transits", "light curve"),
        "missions", VERA, "transit", 4, 5, 5,
    ),
    DemoClip(
        "Starship flight test: stage separation explained",
        "Hot staging, step by step: the upper stage lights its engines while still "
        "attached, then the booster flips and heads home. What changed between the "
        "flight tests, and why.",
        ("starship", "spacex", "hot staging", "flight test"),
        "rockets", CARL, "stage_separation", 4, 0, 7,
    ),
    DemoClip(
        "Night launch from Cape Canaveral, start to orbit",
        "From the pad lights to the plume at altitude, a night launch filmed from the "
        "causeway. Why the exhaust glows and spreads as the air thins.",
        ("launch", "cape canaveral", "falcon 9", "night launch"),
        "rockets", CARL, "rocket_launch", 5, 4, 8,
    ),
    DemoClip(
        "The Moon through an 8-inch Dobsonian",
        "What you can really see at the eyepiece of a backyard telescope: craters along "
        "the terminator, mountain shadows and the maria, at 120x on a steady night.",
        ("moon", "dobsonian", "observing", "backyard astronomy"),
        "telescopes", CARL, "moon_eyepiece", 4, 7, 6,
    ),
    DemoClip(
        "JWST's mirror: eighteen segments, one eye",
        "How the James Webb Space Telescope's gold-coated beryllium segments were "
        "unfolded and aligned to tens of nanometres, so they work as one 6.5-metre "
        "mirror.",
        ("jwst", "webb", "mirror", "infrared"),
        "telescopes", VERA, "mirror_segments", 4, 0, 7,
    ),
    DemoClip(
        "Aurora over Tromsø in real time",
        "No time-lapse: the northern lights as your eyes see them, dancing over the "
        "fjords of northern Norway during a strong geomagnetic storm.",
        ("aurora", "northern lights", "norway", "real time"),
        "astrophotography", CARL, "aurora", 5, 3, 7,
    ),
    DemoClip(
        "Perseid meteor shower time-lapse",
        "A night of the Perseids compressed into seconds. Every streak traces back to "
        "one point in Perseus: dust from comet Swift-Tuttle hitting our atmosphere.",
        ("perseids", "meteor shower", "time-lapse"),
        "astrophotography", CARL, "meteors", 4, 13, 5,
    ),
    DemoClip(
        "Total solar eclipse: the diamond ring",
        "The last bead of sunlight slipping behind the Moon, then the corona. How to "
        "photograph totality, and the settings we used.",
        ("eclipse", "totality", "corona", "diamond ring"),
        "astrophotography", CARL, "eclipse", 4, 0, 6,
    ),
    DemoClip(
        "How to find the Andromeda Galaxy with binoculars",
        "Start at the W of Cassiopeia and hop down to a faint smudge: the most distant "
        "thing you can see with your own eyes, 2.5 million light-years away.",
        ("andromeda", "m31", "binoculars", "star hopping"),
        "education", CARL, "star_hop", 5, 10, 8,
    ),
    DemoClip(
        "Star-hopping 101: finding your way around Orion",
        "Orion's belt points the way to Sirius, Aldebaran and the Pleiades. A first "
        "lesson in finding things in the night sky without a computer.",
        ("orion", "constellations", "beginners", "star hopping"),
        "education", VERA, "orion", 4, 16, 4,
    ),
]  # fmt: skip

# Long 1080p and 2160p clips that show the quality menu, seek previews and
# adaptive streaming. Drawing and encoding them takes minutes, so the demo
# command leaves them to the task worker (`demo.showcase`), queued after the
# short clips' processing: the catalogue fills first, these arrive later.
SHOWCASE = [
    DemoClip(
        "Hubble Deep Field: ten thousand galaxies in a grain of sky",
        "In 1995 Hubble stared at an empty-looking patch of Ursa Major for ten days. "
        "Almost every smudge in the picture is a galaxy. A slow zoom in full HD: "
        "switch the quality to 1080p and pause anywhere.",
        ("hubble", "deep field", "galaxies", "1080p"),
        "galaxies", VERA, "deep_field", 30, 0, 8, (1920, 1080), preview=10,
    ),
    DemoClip(
        "A drift along the lunar limb at the eyepiece",
        "The Moon at 250x, letting it drift through the field without tracking: "
        "crater after crater slides past the edge of the disc. Filmed in 1080p; "
        "use the seek bar previews to jump to your favourite crater.",
        ("moon", "craters", "observing", "1080p"),
        "telescopes", CARL, "lunar_terminator", 24, 0, 6, (1920, 1080),
    ),
    DemoClip(
        "The Milky Way over the desert in 4K",
        "A slow pan along the arch of the Milky Way from a dark-sky site, with the "
        "great dust lane splitting the band. Shot for 4K screens: the player picks "
        "the quality your connection and screen can carry.",
        ("milky way", "panorama", "dark sky", "4k"),
        "astrophotography", CARL, "panorama", 20, 0, 9, (3840, 2160),
    ),
]  # fmt: skip
# Everything the demo makes, in the order it is queued.
PLAN = CLIPS + SHOWCASE

# Ada's past with the catalogue, by title prefix (seeded only with the videos).
LIKES = {
    ADA: ["Saturn's rings", "Night launch", "Aurora over", "How to find the Andromeda",
          "The Moon through", "Inside the Orion"],
    ADMIN: ["Saturn's rings", "TESS", "How a black hole", "Starship"],
    CARL: ["Saturn's rings", "JWST's mirror", "Solar maximum"],
    VERA: ["Night launch", "The Moon through", "Perseid"],
}  # fmt: skip
SAVED = {ADA: ["How a black hole", "Starship", "Solar maximum", "A sol at Jezero"]}
# (title prefix, fraction watched, completed)
HISTORY = {
    ADA: [("Saturn's rings", 0.45, False), ("Inside the Orion", 0.6, False),
          ("Anatomy of a spiral", 0.3, False), ("How to find the Andromeda", 1.0, True),
          ("Night launch", 1.0, True)],
}  # fmt: skip
COMMENTS = [
    # (title prefix, author, body, replies as (author, body))
    ("Saturn's rings", ADA,
     "The ring shadows on the planet are my favourite part. Can a small telescope "
     "show the Cassini Division?",
     [(VERA, "Yes: from about 100 mm on a steady night, best at the ring tips.")]),
    ("How to find the Andromeda", ADA,
     "Found it on my first try with 10x50s following this. Thank you!",
     [(CARL, "Clear skies, Ada! Next stop: M33 in Triangulum.")]),
    ("How a black hole", ADA, "Why is one side of the disc so much brighter?",
     [(VERA, "Doppler beaming: gas coming towards us is boosted, gas moving away is dimmed.")]),
    ("Starship", VERA, "Best explanation of hot staging I have seen.", []),
    ("JWST's mirror", CARL, "Those alignment images never get old.", []),
    ("Aurora over", ADA, "Adding Tromsø to my list for next winter.", []),
    ("The Moon through", VERA, "Lovely detail along the terminator.", []),
]  # fmt: skip
STAFF_PICKS = ["Saturn's rings", "TESS", "How to find the Andromeda"]
# Drawing the 4K clip takes a few minutes on two busy cores.
SHOWCASE_DRAW_TIMEOUT = 30 * 60


async def load_demo(session: AsyncSession) -> list[DemoAccount]:
    """Every domain's demo data, in the domains' order: what is missing is made,
    running it twice changes nothing. Returns the demo accounts that are new."""
    before = await demo_users(session)
    for domain in domains.all_domains():
        if domain.demo is not None:
            await domain.demo(session)
    return [a for a in ACCOUNTS if a.email not in before]


async def is_empty(session: AsyncSession) -> bool:
    return await session.scalar(select(User.id).limit(1)) is None


# -- videos -----------------------------------------------------------------------


async def missing_clips(session: AsyncSession, count: int) -> list[DemoClip]:
    """The first `count` clips of the plan that have no video yet (by creator and title)."""
    users = await demo_users(session)
    # A creator account deleted since the first run simply gets no videos.
    wanted = [c for c in PLAN[: max(0, count)] if c.creator in users]
    owners = [users[c.creator].id for c in wanted]
    rows = await session.execute(
        select(Video.owner_id, Video.title).where(Video.owner_id.in_(owners))
    )
    have = {(owner_id, title) for owner_id, title in rows}
    return [c for c in wanted if (users[c.creator].id, c.title) not in have]


def render_clips(clips: list[DemoClip], folder: Path, workers: int = 1) -> dict[str, Path]:
    """Draw and encode each clip into `folder` (CPU-bound: call it in a thread)."""
    jobs = [
        demo_media.ClipJob(folder / f"clip-{i:02d}.mp4", c.scene, c.seconds, PLAN.index(c) + 1)
        for i, c in enumerate(clips)
    ]
    paths = demo_media.render_clips(jobs, workers)
    return {clip.title: path for clip, path in zip(clips, paths, strict=True)}


@dataclass(frozen=True)
class DemoVideos:
    """What `add_demo_videos` started: short videos made now, showcase clips queued."""

    ids: list[uuid.UUID]
    showcase: list[str]


async def add_demo_videos(
    db: Database, settings: Settings, count: int = len(PLAN), *, workers: int = 1
) -> DemoVideos:
    """Upload the missing demo clips (of the first `count` of the plan) and start
    processing them.

    The short clips are drawn here and become videos at once, processed by the
    task worker; the engagement seeded with them (views, likes, comments…) is
    part of the same transaction, so a failure leaves nothing behind but the clip
    files. The showcase clips are queued as `demo.showcase` tasks after those
    videos' processing, so the worker draws them once the catalogue is filled.
    """
    async with db.read() as session:
        todo = await missing_clips(session, count)
    short = [c for c in todo if c not in SHOWCASE]
    long = [c for c in todo if c in SHOWCASE]
    ids: list[uuid.UUID] = []
    if short:
        with tempfile.TemporaryDirectory(prefix="cosmostream-demo-") as folder:
            files = await asyncio.to_thread(render_clips, short, Path(folder), workers)
            async with db.unit_of_work() as session:
                videos = await _create_videos(session, settings, short, files)
                await _seed_engagement(session, videos)
                await catalog_service.recompute_trending(session)
                await catalog_service.recompute_rising_creators(session)
        ids = [v.id for v in videos.values()]
    if long:
        # Committed after the short videos, so their jobs are ahead in the queue.
        async with db.unit_of_work():
            for clip in long:
                effects.enqueue("demo.showcase", clip.title)
    if todo:
        # Their analytics history needs them processed: a job waits for that.
        async with db.unit_of_work():
            effects.enqueue("analytics.demo_history", [c.title for c in todo])
    return DemoVideos(ids, [c.title for c in long])


@job("demo.showcase", retries=1, retry_delay=30)
async def add_showcase_video(db: Database, title: str) -> str:
    """Draw one showcase clip (in a process of its own) and start processing it.

    Safe to run twice: a clip whose video exists is skipped.
    """
    settings = get_settings()
    async with db.read() as session:
        clip = next((c for c in await missing_clips(session, len(PLAN)) if c.title == title), None)
    if clip is None or clip not in SHOWCASE:
        return "skipped"
    with tempfile.TemporaryDirectory(prefix="cosmostream-demo-") as folder:
        path = Path(folder) / "clip.mp4"
        size = f"{clip.size[0]}x{clip.size[1]}"
        seed = str(PLAN.index(clip) + 1)
        draw = [sys.executable, "-m", "cosmostream.demo_media", clip.scene, size]
        draw += [str(clip.seconds), seed, str(path)]
        await asyncio.to_thread(subprocess.run, draw, check=True, timeout=SHOWCASE_DRAW_TIMEOUT)
        async with db.unit_of_work() as session:
            if clip not in await missing_clips(session, len(PLAN)):
                return "skipped"  # another run made it meanwhile
            videos = await _create_videos(session, settings, [clip], {clip.title: path})
            await _seed_engagement(session, videos)
    return "queued"


async def _create_videos(
    session: AsyncSession, settings: Settings, clips: list[DemoClip], files: dict[str, Path]
) -> dict[str, Video]:
    users = await demo_users(session)
    storage = storage_from_settings(settings)
    now = utcnow()
    made: dict[str, Video] = {}
    for clip in clips:
        path = files[clip.title]
        size = path.stat().st_size
        owner = users[clip.creator]
        video = await video_service.create(
            session,
            demo_actor(owner),
            VideoCreate(
                title=clip.title,
                description=clip.description,
                category_slug=clip.category,
                tags=list(clip.tags),
                filename=f"{clip.scene}.mp4",
                size=size,
            ),
        )
        key = f"originals/{video.id}/source.mp4"
        await asyncio.to_thread(storage.put_file, key, path)  # moves the file when local
        effects.on_rollback(functools.partial(storage.delete_prefix, f"originals/{video.id}"))
        video.source_key = key
        video.source_size = size
        if clip.preview is not None:
            video.premium = True
            video.preview_seconds = clip.preview
        if clip.age_days:
            # A past publication: the catalogue should have a history. Set before
            # the pipeline lists the video, so it is not announced as new.
            video.created_at = now - timedelta(days=clip.age_days, hours=3)
            video.published_at = now - timedelta(days=clip.age_days)
        video_service.start_processing(video)
        made[clip.title] = video
    await session.flush()
    return made


def _find(videos: dict[str, Video], prefix: str) -> Video | None:
    return next((v for title, v in videos.items() if title.startswith(prefix)), None)


async def _seed_engagement(session: AsyncSession, videos: dict[str, Video]) -> None:
    """Views, likes, saves, comments, history, staff picks and past notifications.

    Written through the models, not the engagement services: those act for a
    viewer who can watch the video now, and these videos are still being
    processed. Every counter on the video is kept equal to the rows behind it
    (likes, comments) or to the sum of its daily stats (views, watch time).
    """
    users = await demo_users(session)
    now = utcnow()
    clips = {c.title: c for c in PLAN}
    daily: dict[tuple[uuid.UUID, object], VideoDailyStats] = {}

    def day_stats(video: Video, when: datetime) -> VideoDailyStats:
        key = (video.id, when.date())
        if key not in daily:
            daily[key] = VideoDailyStats(
                video_id=video.id, day=when.date(), views=0, watch_seconds=0.0, likes=0, comments=0
            )
        return daily[key]

    for title, video in videos.items():
        clip = clips[title]
        # Views: a launch spike on publication day, then a long tail.
        for day in range(min(clip.age_days, 30) + 1):
            views = int(clip.popularity * 40 * (0.72**day) * (1.6 if day == 0 else 1.0)) + 3
            when = now - timedelta(days=clip.age_days - day)
            stats = day_stats(video, when)
            stats.views += views
            stats.watch_seconds += views * clip.seconds * 0.7
            video.view_count += views
            video.watch_seconds += views * clip.seconds * 0.7

    def when_after(video: Video, hours: float) -> datetime:
        start = video.published_at or now
        return min(now, start + timedelta(hours=hours))

    for email, prefixes in LIKES.items():
        for n, prefix in enumerate(prefixes):
            liked = _find(videos, prefix)
            if liked is None:
                continue
            at = when_after(liked, 5 + n * 3)
            session.add(VideoLike(user_id=users[email].id, video_id=liked.id, created_at=at))
            liked.like_count += 1
            day_stats(liked, at).likes += 1
    for email, prefixes in SAVED.items():
        for n, prefix in enumerate(prefixes):
            saved = _find(videos, prefix)
            if saved is not None:
                at = when_after(saved, 2 + n)
                session.add(SavedVideo(user_id=users[email].id, video_id=saved.id, created_at=at))
    for email, entries in HISTORY.items():
        for n, (prefix, fraction, completed) in enumerate(entries):
            watched = _find(videos, prefix)
            if watched is None:
                continue
            seconds = clips[watched.title].seconds
            session.add(
                WatchHistory(
                    user_id=users[email].id,
                    video_id=watched.id,
                    position=0.0 if completed else round(seconds * fraction, 1),
                    watched_seconds=round(seconds * fraction, 1),
                    completed=completed,
                    updated_at=now - timedelta(hours=6 + n * 20),
                )
            )
    for prefix, author, body, replies in COMMENTS:
        commented = _find(videos, prefix)
        if commented is None:
            continue
        at = when_after(commented, 8)
        top = Comment(
            id=uuid7(),
            video_id=commented.id,
            author_id=users[author].id,
            body=body,
            reply_count=len(replies),
            created_at=at,
        )
        session.add(top)
        for n, (replier, text) in enumerate(replies):
            reply_at = min(now, at + timedelta(hours=2 + n))
            session.add(
                Comment(
                    video_id=commented.id,
                    author_id=users[replier].id,
                    parent_id=top.id,
                    body=text,
                    created_at=reply_at,
                )
            )
            day_stats(commented, reply_at).comments += 1
        commented.comment_count += 1 + len(replies)
        day_stats(commented, at).comments += 1
    for prefix in STAFF_PICKS:
        picked = _find(videos, prefix)
        if picked is not None:
            session.add(StaffPick(video_id=picked.id, picked_by_id=users[ADMIN].id))
    # What the follower would have been told when the older videos came out;
    # the ones published today are announced by the real fan-out task.
    ada = users[ADA]
    for video in videos.values():
        published = video.published_at
        if published is None or video.owner_id not in (users[VERA].id, users[CARL].id):
            continue
        old = now - published > timedelta(days=2)
        session.add(
            Notification(
                user_id=ada.id,
                kind="video_published",
                actor_id=video.owner_id,
                video_id=video.id,
                created_at=published,
                read_at=published + timedelta(hours=4) if old else None,
            )
        )
    session.add_all(daily.values())
    await session.flush()


async def wait_for_processing(
    db: Database, video_ids: list[uuid.UUID], timeout: float = 300.0
) -> dict[uuid.UUID, VideoStatus]:
    """Poll until none of the videos is processing any more (or the timeout)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        async with db.read() as session:
            rows = await session.execute(
                select(Video.id, Video.status).where(Video.id.in_(video_ids))
            )
            status: dict[uuid.UUID, VideoStatus] = {}
            for video_id, state in rows:
                status[video_id] = state
        pending = (VideoStatus.PROCESSING, VideoStatus.UPLOADING)
        if not any(state in pending for state in status.values()) or loop.time() > deadline:
            return status
        await asyncio.sleep(0.5)


async def wait_for_titles(
    db: Database, titles: list[str], timeout: float = 45 * 60.0
) -> dict[uuid.UUID, VideoStatus]:
    """Poll until a video exists for each title (the showcase clips, made by the
    worker) and none of them is processing any more (or the timeout)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        async with db.read() as session:
            rows = await session.execute(
                select(Video.id, Video.status).where(Video.title.in_(titles))
            )
            status: dict[uuid.UUID, VideoStatus] = dict(rows.tuples().all())
        pending = (VideoStatus.PROCESSING, VideoStatus.UPLOADING)
        done = len(status) >= len(titles) and not any(s in pending for s in status.values())
        if done or loop.time() > deadline:
            return status
        await asyncio.sleep(2.0)


async def wait_for_queue(timeout: float = 30.0) -> None:
    """Wait (at most `timeout`) until the task queue is empty, e.g. for the
    notification tasks that follow a publication."""
    for _ in range(int(timeout / 0.2)):
        if not worker.huey.pending_count():
            return
        await asyncio.sleep(0.2)
