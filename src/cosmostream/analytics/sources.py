"""Traffic sources: where a viewer session started, from the watch page's
`document.referrer` and its URL's `?src=` (docs/analytics.md, "Counting rules").

The referrer says which of our pages led to the video (a same-origin path) or
which other website did (its host); a `?src=` the page was opened with — a
link in an e-mail, an embed — wins, since no referrer comes with those.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

SOURCE_LABELS: dict[str, str] = {
    "home": "Home page rows",
    "browse": "Browse",
    "search": "Search",
    "up_next": "Up next",
    "channel": "Channel pages",
    "notification": "Notifications",
    "course": "Courses",
    "watch_party": "Watch parties",
    "embed": "Embedded elsewhere",
    "external": "Other websites",
    "direct": "Direct or unknown",
}
DETAIL_LENGTH = 120

# Same-origin paths, first match wins (prefixes end where a path segment ends).
_PATHS: list[tuple[str, re.Pattern[str]]] = [
    ("home", re.compile(r"^/(?:dashboard|library(?:/.*)?)?$")),
    ("browse", re.compile(r"^/(?:browse|category|categories|topics?|discover)(?:[/?].*)?$")),
    ("search", re.compile(r"^/search(?:[/?].*)?$")),
    ("up_next", re.compile(r"^/video/[^/]+/?$")),
    ("channel", re.compile(r"^/profile(?:/.*)?$")),
    ("notification", re.compile(r"^/notifications(?:/.*)?$")),
    ("course", re.compile(r"^/(?:learn|courses|paths|classes)(?:/.*)?$")),
    ("watch_party", re.compile(r"^/(?:party|watch-party)(?:/.*)?$")),
    ("embed", re.compile(r"^/embed(?:/.*)?$")),
]


def _origin(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    return parts.scheme.lower(), (parts.hostname or "").lower() + (
        f":{parts.port}" if parts.port else ""
    )


def search_terms(query: str) -> str | None:
    """The `q` of a search URL's query: lower-cased, whitespace collapsed, ≤ 120."""
    values = parse_qs(query).get("q") or []  # already percent-decoded, once
    text = "".join(c for c in values[0] if c.isprintable()) if values else ""
    terms = " ".join(text.lower().split())
    return terms[:DETAIL_LENGTH] or None


def classify(referrer: str | None, page_url: str | None, base_url: str) -> tuple[str, str | None]:
    """(source key, detail) of a session: the search terms for `search`, the
    referring host (without `www.`) for `external`, otherwise None."""
    if page_url:
        src = (parse_qs(urlsplit(page_url).query).get("src") or [""])[0].strip().lower()
        if src in SOURCE_LABELS:
            return src, None
    if not referrer:
        return "direct", None
    try:
        parts = urlsplit(referrer.strip())
        host = (parts.hostname or "").lower()
        same = parts.scheme in ("http", "https") and _origin(referrer) == _origin(base_url)
    except ValueError:  # a malformed port or bracketed host
        return "direct", None
    if not host or parts.scheme not in ("http", "https"):
        return "direct", None
    if not same:
        return "external", host.removeprefix("www.")[:DETAIL_LENGTH]
    path = parts.path or "/"
    for key, pattern in _PATHS:
        if pattern.match(path):
            if key == "search":
                return key, search_terms(parts.query)
            return key, None
    return "direct", None
