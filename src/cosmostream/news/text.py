"""Normalising what sources send: canonical URLs and title hashes (the two
dedup keys), sanitised summaries, topics and mission mentions."""

from __future__ import annotations

import hashlib
import html
import re
import unicodedata
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import nh3

# Query parameters that only say who sent the reader: dropped from canonical URLs.
TRACKING_PARAMS = frozenset(
    {
        "fbclid", "gclid", "dclid", "msclkid", "mc_cid", "mc_eid", "igshid", "ocid",
        "cmpid", "ref", "ref_src", "src", "source", "_hsenc", "_hsmi", "mkt_tok", "spm",
        "guccounter", "sr_share", "feature",
    }
)  # fmt: skip
SUMMARY_TAGS = {"p", "br", "a", "em", "strong", "b", "i", "ul", "ol", "li", "blockquote"}
SUMMARY_ATTRIBUTES = {"a": {"href", "title"}}
MAX_SUMMARY_HTML = 2000
MAX_SUMMARY_TEXT = 600

TOPIC_KEYWORDS: dict[str, tuple[str, ...]] = {
    "launches": (
        "launch", "launches", "launched", "liftoff", "lift-off", "lifts off", "rocket",
        "falcon 9", "falcon heavy", "starship", "booster", "ariane", "vega", "electron",
        "long march", "vulcan", "new glenn", "sls", "static fire", "countdown", "soyuz",
    ),
    "missions": (
        "mission", "spacecraft", "probe", "orbiter", "lander", "rover", "artemis",
        "webb", "jwst", "hubble", "perseverance", "juice", "europa clipper",
    ),
    "astronomy": (
        "telescope", "galaxy", "galaxies", "nebula", "black hole", "supernova",
        "exoplanet", "exoplanets", "cosmic", "universe", "observatory", "star", "stars",
        "dark matter", "meteor shower", "eclipse",
    ),
    "planetary": (
        "mars", "martian", "moon", "lunar", "jupiter", "saturn", "venus", "mercury",
        "asteroid", "comet", "pluto", "europa", "titan", "enceladus", "planetary",
    ),
    "earth": (
        "earth observation", "climate", "sentinel", "copernicus", "landsat",
        "weather satellite", "earth science", "sea level", "wildfire", "earthcare",
    ),
    "human-spaceflight": (
        "astronaut", "astronauts", "cosmonaut", "crew", "spacewalk", "space station",
        "iss", "tiangong", "crew dragon", "starliner", "orion",
    ),
}  # fmt: skip

# Built-in mission names (slug → names / aliases), merged with the `missions`
# table when there is one. Matched as whole words in the title and the feed's
# categories (never the summary: a passing mention is not "about" a mission).
DEFAULT_MISSIONS: dict[str, tuple[str, ...]] = {
    "iss": ("international space station", "iss"),
    "jwst": ("james webb space telescope", "webb telescope", "webb", "jwst"),
    "hubble": ("hubble",),
    "artemis-ii": ("artemis ii", "artemis 2"),
    "perseverance": ("perseverance",),
    "europa-clipper": ("europa clipper",),
    "tiangong": ("tiangong", "chinese space station"),
    "parker-solar-probe": ("parker solar probe",),
    "voyager-1": ("voyager 1",),
}


def _pattern(words: tuple[str, ...]) -> re.Pattern[str]:
    alternatives = "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))
    return re.compile(rf"(?<![\w-])(?:{alternatives})(?![\w-])", re.IGNORECASE)


_TOPIC_PATTERNS = {topic: _pattern(words) for topic, words in TOPIC_KEYWORDS.items()}


def canonical_url(url: str) -> str:
    """The dedup form of a link: https, lower-case host without `www.`, no
    fragment, no tracking parameters (utm_* and TRACKING_PARAMS), the rest
    sorted, no trailing slash."""
    parts = urlsplit(url.strip())
    host = (parts.hostname or "").lower().removeprefix("www.")
    if parts.port and parts.port not in (80, 443):
        host = f"{host}:{parts.port}"
    query = [
        (k, v)
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
        if not k.lower().startswith("utm_") and k.lower() not in TRACKING_PARAMS
    ]
    path = parts.path.rstrip("/") or "/"
    return urlunsplit(("https", host, path, urlencode(sorted(query)), ""))


def title_hash(title: str) -> str:
    """sha256 of the title folded to lower-case letters and digits."""
    folded = unicodedata.normalize("NFKC", html.unescape(title)).casefold()
    words = re.findall(r"\w+", folded)
    return hashlib.sha256(" ".join(words).encode()).hexdigest()


def plain_text(value: str) -> str:
    """Text of an HTML fragment (tags dropped; script/style content dropped too)."""
    return html.unescape(nh3.clean(value, tags=set())).strip()


def sanitize_summary(value: str) -> str:
    """Safe HTML for the page: a small allow-list of tags, http(s) links only,
    no attributes but href/title. Long summaries become shortened plain text."""
    cleaned = nh3.clean(
        value,
        tags=SUMMARY_TAGS,
        attributes=SUMMARY_ATTRIBUTES,
        url_schemes={"http", "https"},
        link_rel="noopener noreferrer nofollow",
    ).strip()
    if len(cleaned) <= MAX_SUMMARY_HTML:
        return cleaned
    return html.escape(shorten(plain_text(value), MAX_SUMMARY_TEXT), quote=False)


def text_summary(value: str) -> str:
    """A plain-text summary (SNAPI's) as safe HTML."""
    return html.escape(shorten(plain_text(value), MAX_SUMMARY_TEXT), quote=False)


def shorten(text: str, limit: int) -> str:
    text = re.sub(r"\s+", " ", text).strip()
    if len(text) <= limit:
        return text
    return text[:limit].rsplit(" ", 1)[0].rstrip(",.;:") + "…"


def topics_for(title: str, summary: str, categories: list[str], has_launch: bool) -> list[str]:
    """Topics from keywords in the title, summary and the feed's categories."""
    haystack = " ".join([title, plain_text(summary), *categories])
    found = {topic for topic, pattern in _TOPIC_PATTERNS.items() if pattern.search(haystack)}
    if has_launch:
        found.add("launches")
    return sorted(found)


def missions_in(
    title: str, missions: dict[str, tuple[str, ...]], categories: list[str] | None = None
) -> list[str]:
    """Slugs of the missions whose name or alias is a whole word of the title or a category."""
    title = " · ".join([title, *(categories or [])])
    return sorted(
        slug for slug, names in missions.items() if names and _pattern(names).search(title)
    )
