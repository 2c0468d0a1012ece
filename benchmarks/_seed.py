"""Seed a large discovery catalogue straight into a freshly migrated database.

For `discovery.py`: 10,000 users (one in eight a creator), 100,000 videos with
titles, descriptions and tags composed from a space vocabulary (so search has
something to rank), follows, favourite categories, saved videos, daily stats,
watch history and 1,000,000 raw playback events.

The demo data (categories and the four demo accounts) is loaded through the
app's own `load_demo`; everything else is generated here and written
set-based, bypassing the ORM: one transaction of `sqlite3` executemany batches
(synchronous=OFF) on SQLite, COPY (`asyncpg.copy_records_to_table`) on
PostgreSQL. Values are written in the exact form SQLAlchemy's types store
(32-hex UUIDs and `YYYY-MM-DD HH:MM:SS.ffffff` UTC on SQLite), and `verify`
reads a seeded video back through the app's repository to prove it.

Ids are uuid7-shaped with the timestamp of the row they identify (so they
are time-ordered like the app's), generated from `random.getrandbits` as the
32-hex text both backends take: 0.7 µs each against 1.8 µs for
`cosmostream.kit.ids.uuid7` (which would still need formatting), for 1.6 M ids.
"""

from __future__ import annotations

import json
import math
import random
import sqlite3
import time
import uuid
from bisect import bisect_left
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from itertools import accumulate, islice
from typing import Any

import asyncpg  # type: ignore[import-untyped]
from sqlalchemy import JSON, Boolean, Date, func, select

from cosmostream.account.passwords import hash_password
from cosmostream.db import Database
from cosmostream.demo import load_demo
from cosmostream.kit.time import utcnow
from cosmostream.models import Base, User, Video
from cosmostream.models.base import UTCDateTime

Row = tuple[Any, ...]
DAY = 86400.0
BATCH = 20_000


@dataclass(frozen=True)
class Size:
    users: int
    videos: int
    events: int


FULL = Size(users=10_000, videos=100_000, events=1_000_000)
QUICK = Size(users=1_000, videos=10_000, events=100_000)

# The demo viewer (password from `cosmostream.demo`) gets follows, favourite
# categories, history and saves, so the signed-in home page has every row.
SIGNED_IN_EMAIL = "ada@example.com"
SIGNED_IN_PASSWORD = "stargazer-viewer"
# Every seeded account shares one argon2 hash of this password.
SEEDED_PASSWORD = "seeded-stargazer"

CREATOR_SHARE = 0.12

# ---------------------------------------------------------------------------
# Vocabulary: per category, named subjects and topics (both end up in titles,
# descriptions and tags), so a search for "saturn" ranks planet videos first.

# fmt: off
SUBJECTS: dict[str, list[str]] = {
    "planets": [
        "Mercury", "Venus", "Mars", "Jupiter", "Saturn", "Uranus", "Neptune", "Pluto",
        "Ceres", "Europa", "Titan", "Enceladus", "Io", "Ganymede", "Callisto", "Triton",
        "Phobos", "Charon", "Eris", "Makemake",
    ],
    "stars": [
        "Betelgeuse", "Sirius", "Vega", "Polaris", "Proxima Centauri", "Eta Carinae",
        "Rigel", "Antares", "Arcturus", "Aldebaran", "the Sun", "Alpha Centauri",
        "Deneb", "Capella", "Wolf-Rayet stars",
    ],
    "galaxies": [
        "Andromeda", "the Milky Way", "Triangulum", "the Whirlpool Galaxy",
        "the Sombrero Galaxy", "the Large Magellanic Cloud", "Centaurus A", "Messier 87",
        "the Cartwheel Galaxy", "Stephan's Quintet", "the Virgo Cluster", "Sagittarius A*",
    ],
    "cosmology": [
        "the Big Bang", "the cosmic microwave background", "dark energy", "cosmic inflation",
        "the Hubble tension", "the multiverse", "the expanding universe", "redshift",
        "gravitational waves", "baryon acoustic oscillations", "the first stars",
        "the heat death",
    ],
    "missions": [
        "Voyager", "Cassini", "Juno", "New Horizons", "Perseverance", "Curiosity",
        "Artemis", "Apollo 11", "Rosetta", "Hayabusa2", "OSIRIS-REx", "Parker Solar Probe",
        "BepiColombo", "JUICE", "Europa Clipper", "the ISS", "Ingenuity", "DART",
    ],
    "rockets": [
        "Saturn V", "Falcon 9", "Falcon Heavy", "Starship", "SLS", "Ariane 6", "Soyuz",
        "Electron", "New Glenn", "Vulcan", "the Space Shuttle", "Long March 5",
    ],
    "telescopes": [
        "JWST", "Hubble", "Chandra", "Spitzer", "the Vera Rubin Observatory", "ALMA",
        "Keck", "Gaia", "Euclid", "a Dobsonian", "a refractor", "the Event Horizon Telescope",
    ],
    "astrophotography": [
        "the Orion Nebula", "the Pleiades", "the Horsehead Nebula", "the Milky Way core",
        "star trails", "a lunar eclipse", "the Lagoon Nebula", "the Pillars of Creation",
        "comet NEOWISE", "the aurora", "the Rosette Nebula", "the Veil Nebula",
    ],
    "education": [
        "Kepler's laws", "orbital mechanics", "spectroscopy", "parallax",
        "the magnitude scale", "light-years", "the tides", "the seasons",
        "the phases of the Moon", "escape velocity", "Lagrange points", "black body radiation",
    ],
}

TOPICS: dict[str, list[str]] = {
    "planets": ["rings", "atmosphere", "moons", "storms", "volcanoes", "ice", "geysers",
                "auroras", "magnetosphere", "craters", "dunes", "oceans"],
    "stars": ["supernova", "red giant", "white dwarf", "neutron star", "pulsar", "magnetar",
              "stellar nursery", "nebula", "binary stars", "variable stars", "solar flares",
              "fusion"],
    "galaxies": ["spiral arms", "dark matter", "galactic collisions", "quasars", "black holes",
                 "cosmic web", "galaxy clusters", "star formation", "halo", "bulge"],
    "cosmology": ["spacetime", "dark matter", "inflation", "entropy", "the horizon",
                  "relativity", "quantum fluctuations", "the age of the universe"],
    "missions": ["flyby", "landing", "sample return", "orbit insertion", "rover", "probe",
                 "telemetry", "gravity assist", "spacewalk", "docking"],
    "rockets": ["launch", "static fire", "booster landing", "engines", "staging", "max-q",
                "countdown", "reentry", "fairing recovery", "propellant"],
    "telescopes": ["mirrors", "infrared", "x-ray", "spectrographs", "eyepieces",
                   "collimation", "adaptive optics", "deep field", "exoplanets", "first light"],
    "astrophotography": ["stacking", "narrowband", "light pollution", "tracking mount",
                         "long exposure", "guiding", "processing", "dark frames", "timelapse"],
    "education": ["gravity", "orbits", "light", "distances", "motion", "energy", "telescopes",
                  "the night sky", "constellations", "units"],
}

# Rare words: each in about 0.1 % of videos, for "rare term" searches.
RARE = ["Oumuamua", "Arrokoth", "Przybylski's Star", "Hoag's Object", "Boötes Void",
        "Hanny's Voorwerp", "Tabby's Star", "Sakurai's Object"]

TITLES = [
    "{S}: {hook}", "Inside {S}", "What {S} Tells Us About {T}", "{S} in 4K",
    "The Secret of {S}", "{S} Explained", "Why {S} Matters", "Exploring {S} and {T}",
    "{n} Facts About {S}", "A Journey to {S}", "{S} vs {S2}", "How {T} Works",
    "{S} Up Close", "Tonight's Sky: {S}", "The Story of {S}", "{T} on {S}",
    "Everything About {T}", "{S}: {T} Like Never Before",
]
HOOKS = ["a closer look", "new images", "what we learned", "the full story", "live Q&A",
         "answers from the data", "myths and facts", "a beginner's guide"]
SENTENCES = [
    "In this episode we look at {T} and what it tells us about {S}.",
    "We go through the latest observations of {S}, step by step.",
    "Filmed and narrated with new data on {T}.",
    "How {T} shapes {S}, explained without equations.",
    "Questions from the comments about {S} answered at the end.",
    "Sources, image credits and further reading in the notes below.",
    "Part of our series on {T}.",
    "Join us for a tour of {S} and its {T}.",
]

FIRST = ["Ada", "Vera", "Carl", "Nova", "Iris", "Leo", "Maya", "Orion", "Luna", "Felix",
         "Stella", "Theo", "Aurora", "Cyrus", "Lyra", "Milo", "Selene", "Jonas", "Nadia",
         "Rosa", "Tariq", "Yuki", "Amara", "Dmitri", "Elena", "Hugo", "Ines", "Kofi",
         "Lars", "Priya"]
LAST = ["Kepler", "Halley", "Hubble", "Sagan", "Leavitt", "Rubin", "Herschel", "Tycho",
        "Cassini", "Messier", "Lowell", "Tombaugh", "Burnell", "Payne", "Shapley", "Zwicky",
        "Chandra", "Lemaitre", "Hale", "Huygens", "Brahe", "Newton", "Airy", "Struve",
        "Bessel", "Doppler", "Hoyle", "Drake", "Oort", "Jansky"]
CHANNELS = ["Lab", "Observatory", "Skies", "Orbit", "Astro", "Space", "Cosmos", "Launch Pad",
            "Deep Sky", "Star Party"]
# fmt: on

EVENTS_PER_SESSION = 12
HEARTBEAT = 15.0


@lru_cache(maxsize=4096)
def tagify(words: str) -> str:
    text = words.lower().removeprefix("the ").removeprefix("a ")
    return "".join(c if c.isalnum() else "-" for c in text).strip("-")[:40]


# ---------------------------------------------------------------------------
# Writers: one interface, one set-based implementation per backend.


@dataclass
class Step:
    name: str
    rows: int
    seconds: float


class Writer:
    """Bulk insert of plain tuples; canonical values are converted per column type:
    ids are 32-hex strings, timestamps epoch seconds, dates `date`, JSON Python objects."""

    sqlite: bool

    def converters(
        self, table: str, columns: Sequence[str]
    ) -> list[tuple[int, Callable[[Any], Any]]]:
        meta = Base.metadata.tables[table]
        missing = [
            c.name
            for c in meta.columns
            if not c.nullable and c.server_default is None and c.name not in columns
        ]
        if missing:
            raise AssertionError(f"{table}: no value for NOT NULL columns {missing}")
        out: list[tuple[int, Callable[[Any], Any]]] = []
        for i, name in enumerate(columns):
            kind = meta.columns[name].type
            if isinstance(kind, UTCDateTime):
                out.append((i, _ts_sqlite if self.sqlite else _ts_pg))
            elif isinstance(kind, Date):
                out.append((i, date.isoformat if self.sqlite else _same))
            elif isinstance(kind, JSON):
                out.append((i, json.dumps))
            elif isinstance(kind, Boolean) and self.sqlite:
                out.append((i, int))
        return out

    def batches(
        self, table: str, columns: Sequence[str], rows: Iterable[Row]
    ) -> Iterator[list[Row]]:
        conv = self.converters(table, columns)
        it = iter(rows)
        while batch := list(islice(it, BATCH)):
            if conv:
                converted = []
                for row in batch:
                    values = list(row)
                    for i, f in conv:
                        if values[i] is not None:
                            values[i] = f(values[i])
                    converted.append(tuple(values))
                batch = converted
            yield batch

    async def insert(self, table: str, columns: Sequence[str], rows: Iterable[Row]) -> int:
        raise NotImplementedError

    async def scalar(self, sql: str) -> Any:
        raise NotImplementedError

    async def rows(self, sql: str) -> list[Row]:
        raise NotImplementedError

    async def commit(self) -> None:
        raise NotImplementedError

    async def analyze(self) -> None:
        raise NotImplementedError

    async def close(self) -> None:
        raise NotImplementedError


_EPOCH = datetime(1970, 1, 1)


def _ts_sqlite(t: float) -> str:
    # SQLAlchemy's SQLite DATETIME storage format, always with microseconds,
    # so string comparisons in keyset pagination order correctly.
    return (_EPOCH + timedelta(seconds=t)).isoformat(" ", "microseconds")


def _ts_pg(t: float) -> datetime:
    return datetime.fromtimestamp(t, UTC)


def _same(v: Any) -> Any:
    return v


class SQLiteWriter(Writer):
    sqlite = True

    def __init__(self, path: str, *, begin: bool = True) -> None:
        self.conn = sqlite3.connect(path, isolation_level=None)
        for pragma in (
            "journal_mode=WAL",
            "synchronous=OFF",  # a crash mid-seed just means seeding again
            "foreign_keys=ON",
            "cache_size=-400000",
            "temp_store=MEMORY",
        ):
            self.conn.execute(f"PRAGMA {pragma}")
        if begin:
            self.conn.execute("BEGIN")

    async def insert(self, table: str, columns: Sequence[str], rows: Iterable[Row]) -> int:
        sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
        n = 0
        for batch in self.batches(table, columns, rows):
            self.conn.executemany(sql, batch)
            n += len(batch)
        return n

    async def scalar(self, sql: str) -> Any:
        return self.conn.execute(sql).fetchone()[0]

    async def rows(self, sql: str) -> list[Row]:
        return [tuple(r) for r in self.conn.execute(sql).fetchall()]

    async def commit(self) -> None:
        self.conn.execute("COMMIT")

    async def analyze(self) -> None:
        self.conn.execute("ANALYZE")
        self.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    async def close(self) -> None:
        self.conn.close()


class PostgresWriter(Writer):
    sqlite = False

    def __init__(self, conn: asyncpg.Connection) -> None:
        self.conn = conn
        self.tx = conn.transaction()

    @classmethod
    async def connect(cls, dsn: str) -> PostgresWriter:
        conn = await asyncpg.connect(dsn)
        await conn.execute("SET synchronous_commit = off")
        writer = cls(conn)
        await writer.tx.start()
        return writer

    async def insert(self, table: str, columns: Sequence[str], rows: Iterable[Row]) -> int:
        n = 0
        for batch in self.batches(table, columns, rows):
            await self.conn.copy_records_to_table(table, records=batch, columns=list(columns))
            n += len(batch)
        return n

    async def scalar(self, sql: str) -> Any:
        return await self.conn.fetchval(sql)

    async def rows(self, sql: str) -> list[Row]:
        return [tuple(r) for r in await self.conn.fetch(sql)]

    async def commit(self) -> None:
        await self.tx.commit()

    async def analyze(self) -> None:
        # VACUUM sets the visibility map (index-only scans), as autovacuum
        # would on a live database; ANALYZE gives the planner the new sizes.
        await self.conn.execute("VACUUM (ANALYZE)")

    async def close(self) -> None:
        await self.conn.close()


def _hex(value: Any) -> str:
    return str(value).replace("-", "")


# ---------------------------------------------------------------------------
# The catalogue


@dataclass
class Catalog:
    """What the generators share, and what the benchmark needs to know afterwards."""

    rng: random.Random
    now: float
    categories: list[tuple[str, str]] = field(default_factory=list)  # (id, slug)
    demo: dict[str, tuple[str, float]] = field(default_factory=dict)  # email -> (id, created)
    users: list[str] = field(default_factory=list)
    user_created: dict[str, float] = field(default_factory=dict)
    creators: list[str] = field(default_factory=list)
    creator_weights: list[float] = field(default_factory=list)
    creator_category: dict[str, int] = field(default_factory=dict)
    # Listed videos: id, published, duration, views (popularity for sampling).
    listed: list[str] = field(default_factory=list)
    listed_published: list[float] = field(default_factory=list)
    listed_duration: list[float] = field(default_factory=list)
    listed_views: list[int] = field(default_factory=list)
    listed_cum: list[float] = field(default_factory=list)
    video_owner: dict[str, str] = field(default_factory=dict)
    trending: dict[str, float] = field(default_factory=dict)
    # Pairs the demo loader already made (its own follows and favourite topics).
    existing_follows: set[tuple[str, str]] = field(default_factory=set)
    existing_favourites: set[tuple[str, str]] = field(default_factory=set)
    counts: dict[str, int] = field(default_factory=dict)

    def new_id(self, seconds: float) -> str:
        r = self.rng.getrandbits(74)
        value = (
            (int(seconds * 1000) << 80)
            | (0x7 << 76)
            | ((r >> 62) << 64)
            | (0b10 << 62)
            | (r & ((1 << 62) - 1))
        )
        return f"{value:032x}"

    def popular_videos(self, k: int) -> list[int]:
        """Indexes into `listed`, drawn with probability proportional to views."""
        total = self.listed_cum[-1]
        rand = self.rng.random
        return [bisect_left(self.listed_cum, rand() * total) for _ in range(k)]

    @property
    def signed_in(self) -> str:
        return self.demo[SIGNED_IN_EMAIL][0]


def gen_users(cat: Catalog, n: int, password_hash: str) -> Iterator[Row]:
    rng = cat.rng
    existing = len(cat.demo)
    for i in range(max(0, n - existing)):
        creator = rng.random() < CREATOR_SHARE
        # Creators have been around long enough to own two years of videos.
        created = cat.now - (rng.uniform(740, 1100) if creator else rng.uniform(1, 1000)) * DAY
        uid = cat.new_id(created)
        first, last = rng.choice(FIRST), rng.choice(LAST)
        if creator and rng.random() < 0.4:
            name = f"{last} {rng.choice(CHANNELS)}"
        else:
            name = f"{first} {last}"
        cat.users.append(uid)
        cat.user_created[uid] = created
        if creator:
            cat.creators.append(uid)
        yield (
            uid, f"user{i:05d}@bench.example.com", created, password_hash, None, name,
            f"{'Creator' if creator else 'Viewer'} of space videos since {1970 + int(created // (365.25 * DAY))}.",
            None, "creator" if creator else "viewer", created if creator else None, None,
            created + 600, cat.now - rng.uniform(0, 60) * DAY, False, created, created,
        )  # fmt: skip


USER_COLUMNS = (
    "id", "email", "email_verified_at", "password_hash", "password_changed_at", "display_name",
    "bio", "avatar_key", "role", "creator_requested_at", "disabled_at", "onboarded_at",
    "last_login_at", "history_paused", "created_at", "updated_at",
)  # fmt: skip


def gen_favourites(cat: Catalog) -> Iterator[Row]:
    rng = cat.rng
    ids = [c for c, _ in cat.categories]
    me = cat.signed_in
    for uid in cat.users:
        if uid != me and rng.random() < 0.7:
            for cid in rng.sample(ids, rng.randint(1, 4)):
                yield (uid, cid)
    if not any(user == me for user, _ in cat.existing_favourites):
        for slug in ("planets", "missions", "telescopes"):
            yield (me, {s: c for c, s in cat.categories}[slug])


def gen_follows(cat: Catalog) -> Iterator[Row]:
    rng = cat.rng
    cum = list(accumulate(cat.creator_weights))
    me = cat.signed_in
    for uid in cat.users:
        if uid == me:
            continue
        k = min(int(rng.expovariate(1 / 8)), 200)
        seen: set[str] = set()
        for followee in rng.choices(cat.creators, cum_weights=cum, k=k):
            if followee == uid or followee in seen:
                continue
            seen.add(followee)
            since = max(cat.user_created[uid], cat.user_created[followee])
            yield (uid, followee, rng.uniform(since, cat.now))
    for followee in cat.creators[:30]:  # the most popular creators
        if (me, followee) not in cat.existing_follows:
            yield (me, followee, cat.now - rng.uniform(1, 300) * DAY)


def gen_videos(cat: Catalog, n: int) -> Iterator[tuple[Row, list[str]]]:
    """Video rows, each with its tags."""
    rng = cat.rng
    slugs = [s for _, s in cat.categories]
    cum = list(accumulate(cat.creator_weights))
    owners = rng.choices(cat.creators, cum_weights=cum, k=n)
    for owner in owners:
        r = rng.random()
        if r < 0.93:
            visibility, status = "public", "ready"
        elif r < 0.96:
            visibility, status = "unlisted", "ready"
        elif r < 0.985:
            visibility, status = "private", "ready"
        elif r < 0.995:
            visibility, status = "public", "processing"
        else:
            visibility, status = "public", "failed"
        listed = visibility == "public" and status == "ready"
        ci = cat.creator_category[owner] if rng.random() < 0.7 else rng.randrange(len(slugs))
        slug = slugs[ci]
        category_id = cat.categories[ci][0] if rng.random() > 0.03 else None
        subject, other = rng.sample(SUBJECTS[slug], 2)
        topic = rng.choice(TOPICS[slug])
        if rng.random() < 0.001 * len(RARE):
            subject = rng.choice(RARE)
        title = rng.choice(TITLES).format(
            S=subject, S2=other, T=topic, n=rng.randint(3, 15), hook=rng.choice(HOOKS)
        )
        title = title[0].upper() + title[1:]
        description = " ".join(
            s.format(S=rng.choice((subject, other)), T=rng.choice(TOPICS[slug]))
            for s in rng.sample(SENTENCES, rng.randint(2, 4))
        )
        tags = list(
            dict.fromkeys(
                [tagify(subject), tagify(topic), slug]
                + [tagify(t) for t in rng.sample(TOPICS[slug], rng.randint(0, 3))]
            )
        )
        age_days = 730 * rng.random() ** 1.6  # more uploads recently
        published = cat.now - age_days * DAY
        created = published - rng.uniform(120, 7200)
        vid = cat.new_id(created)
        duration = round(min(10800.0, max(15.0, math.exp(rng.gauss(math.log(480), 0.9)))), 3)
        if listed:
            views = int(math.exp(rng.gauss(5.5, 1.7)) * (0.2 + min(age_days, 365) / 365))
        elif status == "ready" and visibility == "unlisted":
            views = rng.randint(0, 300)
        else:
            views = 0
        likes = int(views * rng.uniform(0.01, 0.06))
        comments = int(views * rng.uniform(0.001, 0.01))
        watch = round(views * duration * rng.uniform(0.15, 0.6), 1)
        ready = status == "ready"
        height = rng.choice((1080, 1080, 1080, 720, 2160))
        renditions = (
            [
                {
                    "height": h,
                    "width": h * 16 // 9,
                    "bandwidth": h * 4700,
                    "average_bandwidth": h * 3100,
                    "codecs": "avc1.64001f,mp4a.40.2",
                    "playlist": f"v{h}/index.m3u8",
                }
                for h in (2160, 1080, 720, 480, 360)
                if h <= height
            ]
            if ready
            else []
        )
        images = (
            {
                "poster": {
                    "player": f"images/{vid}/poster.webp",
                    "player_jpeg": f"images/{vid}/poster.jpg",
                    "card": f"images/{vid}/poster_card.webp",
                    "card_jpeg": f"images/{vid}/poster_card.jpg",
                },
                "candidates": [f"images/{vid}/candidates/{i}.jpg" for i in range(3)],
                "storyboard": f"images/{vid}/storyboard.jpg",
                "storyboard_vtt": f"images/{vid}/storyboard.vtt",
            }
            if ready
            else {}
        )
        cat.video_owner[vid] = owner
        if listed:
            cat.listed.append(vid)
            cat.listed_published.append(published)
            cat.listed_duration.append(duration)
            cat.listed_views.append(views)
        row = (
            vid, owner, title, description, category_id, visibility, status,
            "" if status != "failed" else "The file could not be decoded.",
            "unreadable" if status == "failed" else None,
            1.0 if ready else (0.4 if status == "processing" else 0.0), ready, 1,
            created + 30 if status == "processing" else None,
            created + 90 if ready else None,
            f"originals/{vid}/source", f"{tagify(subject)}-{tagify(topic)}.mp4", int(duration * 600_000),
            duration if status != "failed" else None, height * 16 // 9 if ready else None,
            height if ready else None, renditions, images,
            listed, published if listed else None, views, likes, comments, watch, 0.0,
            created, published if listed else created + 90,
        )  # fmt: skip
        yield row, tags


VIDEO_COLUMNS = (
    "id", "owner_id", "title", "description", "category_id", "visibility", "status",
    "status_message", "status_code", "processing_progress", "playable", "attempts",
    "heartbeat_at", "processed_at", "source_key", "source_name", "source_size",
    "duration_seconds", "width", "height", "renditions", "images", "listed", "published_at",
    "view_count", "like_count", "comment_count", "watch_seconds", "trending_score",
    "created_at", "updated_at",
)  # fmt: skip
TRENDING = VIDEO_COLUMNS.index("trending_score")


def gen_daily_stats(cat: Catalog, days: int = 14) -> Iterator[Row]:
    """The last `days` days: every day of recent videos, and a steady trickle on 8 %
    of older ones. Also computes each video's trending score from the same rows
    (views, watch time, likes, comments, halved every 3 days)."""
    rng = cat.rng
    today = datetime.fromtimestamp(cat.now, UTC).date()
    horizon = cat.now - days * DAY
    for vid, published, duration, views in zip(
        cat.listed, cat.listed_published, cat.listed_duration, cat.listed_views, strict=True
    ):
        recent = published >= horizon
        if not recent and rng.random() >= 0.08:
            continue
        score = 0.0
        for back in range(days):
            day_start = cat.now - back * DAY
            if day_start < published:
                break
            age = (day_start - published) / DAY
            rate = 0.12 * 0.75**age if recent else 0.002
            n = int(views * rate * rng.uniform(0.5, 1.5))
            if n == 0:
                continue
            watch = round(n * duration * rng.uniform(0.15, 0.6), 1)
            likes = int(n * rng.uniform(0.01, 0.06))
            comments = int(n * rng.uniform(0.0, 0.01))
            score += (n + watch / 60 * 0.5 + likes * 5 + comments * 10) * 0.5 ** (back / 3)
            yield (vid, today - timedelta(days=back), n, watch, likes, comments)
        if score:
            cat.trending[vid] = round(score, 3)


def gen_history(cat: Catalog) -> Iterator[Row]:
    rng = cat.rng
    others = [u for u in cat.users if u != cat.signed_in]
    viewers = rng.sample(others, len(others) * 3 // 10)
    for uid, k in [(cat.signed_in, 60)] + [(u, rng.randint(1, 40)) for u in viewers]:
        recent = uid == cat.signed_in
        for i in set(cat.popular_videos(k)):
            duration = cat.listed_duration[i]
            position = rng.uniform(0, duration)
            completed = position > 0.92 * duration
            start = max(cat.listed_published[i], cat.user_created.get(uid, cat.now - 400 * DAY))
            updated = rng.uniform(max(start, cat.now - (20 if recent else 90) * DAY), cat.now)
            yield (
                uid, cat.listed[i], duration if completed else round(position, 1),
                round(position * rng.uniform(0.8, 1.2), 1), completed, updated,
            )  # fmt: skip


def gen_saved(cat: Catalog) -> Iterator[Row]:
    rng = cat.rng
    others = [u for u in cat.users if u != cat.signed_in]
    savers = rng.sample(others, len(others) // 5)
    for uid, k in [(cat.signed_in, 40)] + [(u, rng.randint(1, 20)) for u in savers]:
        for i in set(cat.popular_videos(k)):
            start = max(cat.listed_published[i], cat.user_created.get(uid, cat.now - 400 * DAY))
            yield (uid, cat.listed[i], rng.uniform(start, cat.now))


def gen_notifications(cat: Catalog) -> Iterator[Row]:
    """New uploads of followed creators, for the signed-in user's bell."""
    rng = cat.rng
    me = cat.signed_in
    followed = set(cat.creators[:30])
    recent = [
        (vid, published)
        for vid, published in zip(cat.listed, cat.listed_published, strict=True)
        if cat.video_owner[vid] in followed and published > cat.now - 60 * DAY
    ]
    for vid, published in recent[-80:]:
        read = published + rng.uniform(600, 2 * DAY) if rng.random() < 0.6 else None
        created = published + 1
        yield (cat.new_id(created), me, "video_published", cat.video_owner[vid], vid, created,
               read if read and read < cat.now else None)  # fmt: skip


def gen_events(cat: Catalog, n: int) -> Iterator[Row]:
    """Player sessions: play, a heartbeat every 15 s, then pause or ended."""
    rng = cat.rng
    made = 0
    users = cat.users
    while made < n:
        for i in cat.popular_videos(2000):
            if made >= n:
                return
            vid = cat.listed[i]
            duration = cat.listed_duration[i]
            published = cat.listed_published[i]
            if rng.random() < 0.6:
                uid: str | None = rng.choice(users)
                key = f"u:{uid}"
            else:
                uid = None
                key = f"a:{rng.getrandbits(128):032x}"
            start = cat.now - 30 * DAY * rng.random() ** 1.3
            if start < published:
                start = rng.uniform(published, cat.now)
            position = rng.uniform(0, duration * 0.5) if rng.random() < 0.2 else 0.0
            beats = min(int(rng.expovariate(1 / EVENTS_PER_SESSION)), int(duration // HEARTBEAT))
            t = start
            yield (cat.new_id(t), vid, uid, key, "play", round(position, 2), 0.0, t)
            made += 1
            for _ in range(beats):
                if made >= n:
                    return
                t += HEARTBEAT
                position += HEARTBEAT
                yield (cat.new_id(t), vid, uid, key, "heartbeat", round(position, 2), HEARTBEAT, t)
                made += 1
            if made < n:
                ended = position + HEARTBEAT >= duration
                t += rng.uniform(1, HEARTBEAT)
                yield (cat.new_id(t), vid, uid, key, "ended" if ended else "pause",
                       round(min(position, duration), 2), 0.0, t)  # fmt: skip
                made += 1


EVENT_COLUMNS = (
    "id", "video_id", "user_id", "viewer_key", "event", "position", "watched_seconds",
    "created_at",
)  # fmt: skip


# ---------------------------------------------------------------------------


@dataclass
class SeedReport:
    steps: list[Step]
    catalog: Catalog

    @property
    def total(self) -> float:
        return sum(s.seconds for s in self.steps)


async def seed(url: str, size: Size, *, log: Callable[[str], None] = print) -> SeedReport:
    """Fill the freshly migrated database at `url` (an async SQLAlchemy URL)."""
    steps: list[Step] = []

    def done(name: str, rows: int, started: float) -> None:
        step = Step(name, rows, time.perf_counter() - started)
        steps.append(step)
        rate = f"{rows / step.seconds:>9,.0f} rows/s" if rows and step.seconds else ""
        log(f"  {name:28} {rows:>10,} rows {step.seconds:7.2f} s {rate}")

    started = time.perf_counter()
    db = Database(url, pooled=False)
    try:
        async with db.unit_of_work() as session:
            await load_demo(session)
    finally:
        await db.dispose()
    done("demo data (categories, 4 users)", 13, started)

    cat = Catalog(rng=random.Random(2026), now=utcnow().timestamp())
    writer: Writer
    if url.startswith("sqlite"):
        writer = SQLiteWriter(url.split("///", 1)[1])
    else:
        writer = await PostgresWriter.connect(url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        cat.categories = [
            (_hex(i), s)
            for i, s in await writer.rows("SELECT id, slug FROM categories ORDER BY position")
        ]
        for uid, email, created in await writer.rows("SELECT id, email, created_at FROM users"):
            when = created if isinstance(created, datetime) else datetime.fromisoformat(created)
            cat.demo[email] = (_hex(uid), when.replace(tzinfo=UTC).timestamp())
            cat.user_created[_hex(uid)] = cat.demo[email][1]
        cat.existing_follows = {
            (_hex(a), _hex(b))
            for a, b in await writer.rows("SELECT follower_id, followee_id FROM follows")
        }
        cat.existing_favourites = {
            (_hex(a), _hex(b))
            for a, b in await writer.rows(
                "SELECT user_id, category_id FROM user_favourite_categories"
            )
        }
        for email in ("vera@example.com", "carl@example.com"):
            cat.creators.append(cat.demo[email][0])

        started = time.perf_counter()
        rows = await writer.insert(
            "users", USER_COLUMNS, gen_users(cat, size.users, hash_password(SEEDED_PASSWORD))
        )
        done("users", rows, started)
        # Creator popularity is Zipf-like: a few channels own most of the views.
        cat.rng.shuffle(cat.creators)
        cat.creator_weights = [1 / (i + 1) ** 0.9 for i in range(len(cat.creators))]
        cat.creator_category = {c: cat.rng.randrange(len(cat.categories)) for c in cat.creators}
        cat.users.append(cat.signed_in)
        cat.user_created[cat.signed_in] = cat.demo[SIGNED_IN_EMAIL][1]

        started = time.perf_counter()
        rows = await writer.insert(
            "user_favourite_categories", ("user_id", "category_id"), gen_favourites(cat)
        )
        done("user_favourite_categories", rows, started)

        started = time.perf_counter()
        rows = await writer.insert(
            "follows", ("follower_id", "followee_id", "created_at"), gen_follows(cat)
        )
        done("follows", rows, started)

        started = time.perf_counter()
        tags: list[Row] = []

        def videos() -> Iterator[Row]:
            for row, video_tags in gen_videos(cat, size.videos):
                tags.extend((row[0], tag, i) for i, tag in enumerate(video_tags))
                yield row

        video_rows = list(videos())
        # Trending scores come from the daily stats: make those first.
        stats_started = time.perf_counter()
        stats = list(gen_daily_stats(cat))
        stats_generation = time.perf_counter() - stats_started
        video_rows = [
            (*row[:TRENDING], cat.trending[row[0]], *row[TRENDING + 1 :])
            if row[0] in cat.trending
            else row
            for row in video_rows
        ]
        rows = await writer.insert("videos", VIDEO_COLUMNS, video_rows)
        done("videos", rows, started + stats_generation)
        cat.listed_cum = list(accumulate(v + 1 for v in cat.listed_views))

        started = time.perf_counter()
        rows = await writer.insert("video_tags", ("video_id", "tag", "position"), tags)
        done("video_tags", rows, started)

        started = time.perf_counter() - stats_generation
        rows = await writer.insert(
            "video_daily_stats",
            ("video_id", "day", "views", "watch_seconds", "likes", "comments"),
            stats,
        )
        done("video_daily_stats", rows, started)

        started = time.perf_counter()
        admin = cat.demo["admin@example.com"][0]
        by_trend = sorted(cat.trending, key=cat.trending.__getitem__, reverse=True)
        picks = [(vid, admin, cat.now - i * 3600) for i, vid in enumerate(by_trend[5:17])]
        rows = await writer.insert("staff_picks", ("video_id", "picked_by_id", "created_at"), picks)
        done("staff_picks", rows, started)

        started = time.perf_counter()
        rows = await writer.insert(
            "watch_history",
            ("user_id", "video_id", "position", "watched_seconds", "completed", "updated_at"),
            gen_history(cat),
        )
        done("watch_history", rows, started)

        started = time.perf_counter()
        rows = await writer.insert(
            "saved_videos", ("user_id", "video_id", "created_at"), gen_saved(cat)
        )
        done("saved_videos", rows, started)

        started = time.perf_counter()
        rows = await writer.insert(
            "notifications",
            ("id", "user_id", "kind", "actor_id", "video_id", "created_at", "read_at"),
            gen_notifications(cat),
        )
        done("notifications", rows, started)

        started = time.perf_counter()
        rows = await writer.insert("playback_events", EVENT_COLUMNS, gen_events(cat, size.events))
        done("playback_events", rows, started)

        started = time.perf_counter()
        await writer.commit()
        done("commit", 0, started)

        for table in (
            "users", "videos", "video_tags", "follows", "user_favourite_categories",
            "video_daily_stats", "watch_history", "saved_videos", "playback_events",
        ):  # fmt: skip
            cat.counts[table] = int(await writer.scalar(f"SELECT count(*) FROM {table}"))
    finally:
        await writer.close()
    return SeedReport(steps, cat)


async def analyze(url: str) -> float:
    """ANALYZE (and VACUUM on PostgreSQL) after the bulk load; returns seconds."""
    started = time.perf_counter()
    writer: Writer
    if url.startswith("sqlite"):
        writer = SQLiteWriter(url.split("///", 1)[1], begin=False)
    else:
        conn = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://"))
        writer = PostgresWriter(conn)
    try:
        await writer.analyze()
    finally:
        await writer.close()
    return time.perf_counter() - started


async def verify(url: str, report: SeedReport, size: Size) -> None:
    """Row counts as asked, and a seeded video read back through the app's repository
    exactly as written (ids, UTC times, JSON, tags, relationships)."""
    from cosmostream.video.repository import video_repository

    cat = report.catalog
    counts = cat.counts
    assert counts["users"] == max(size.users, len(cat.demo)), counts
    assert counts["videos"] == size.videos, counts
    assert counts["playback_events"] == size.events, counts
    db = Database(url, pooled=False)
    try:
        async with db.read() as session:
            listed = await session.scalar(
                select(func.count()).select_from(Video).where(Video.listed)
            )
            assert listed == len(cat.listed), (listed, len(cat.listed))
            i = len(cat.listed) // 2
            video = await video_repository.get_full(session, uuid.UUID(cat.listed[i]))
            assert video is not None
            assert video.listed
            assert video.visibility.value == "public"
            assert video.published_at is not None
            assert abs(video.published_at.timestamp() - cat.listed_published[i]) < 1e-3
            assert video.published_at.tzinfo is not None
            assert video.images["poster"]["card"] == f"images/{video.id.hex}/poster_card.webp"
            assert video.owner.id.hex == cat.video_owner[cat.listed[i]]
            assert video.tags
            assert video.tags[0].position == 0
            me = await session.scalar(select(User).where(User.email == SIGNED_IN_EMAIL))
            assert me is not None
            assert me.id.hex == cat.signed_in
    finally:
        await db.dispose()
