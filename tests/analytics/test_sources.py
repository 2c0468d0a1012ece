"""Traffic sources from real referrers and watch URLs."""

from __future__ import annotations

import pytest

from cosmostream.analytics.sources import SOURCE_LABELS, classify

BASE = "https://cosmostream.example"
WATCH = "https://cosmostream.example/video/0193f2a4-1111-7000-8000-000000000001"


@pytest.mark.parametrize(
    ("referrer", "page_url", "expected"),
    [
        (None, WATCH, ("direct", None)),
        ("", WATCH, ("direct", None)),
        (f"{BASE}/", WATCH, ("home", None)),
        (BASE, WATCH, ("home", None)),
        (f"{BASE}/dashboard", WATCH, ("home", None)),
        (f"{BASE}/library/history", WATCH, ("home", None)),
        (f"{BASE}/browse?sort=popular", WATCH, ("browse", None)),
        (f"{BASE}/category/planets", WATCH, ("browse", None)),
        (f"{BASE}/discover", WATCH, ("browse", None)),
        (f"{BASE}/search?q=Jupiter+%20Storms&type=video", WATCH, ("search", "jupiter storms")),
        (f"{BASE}/search?q=" + "x" * 300, WATCH, ("search", "x" * 120)),
        (f"{BASE}/search", WATCH, ("search", None)),
        # Decoded once: `c%2B%2B` is "c++"; an encoded `%00` stays text, control characters go.
        (f"{BASE}/search?q=c%2B%2B", WATCH, ("search", "c++")),
        (f"{BASE}/search?q=%2500x", WATCH, ("search", "%00x")),
        (f"{BASE}/search?q=a%00b%0Ac", WATCH, ("search", "abc")),
        (f"{BASE}/video/0193f2a4-2222-7000-8000-000000000002", WATCH, ("up_next", None)),
        (f"{BASE}/video/0193f2a4-2222-7000-8000-000000000002/comments", WATCH, ("direct", None)),
        (f"{BASE}/profile/0193f2a4-3333-7000-8000-000000000003", WATCH, ("channel", None)),
        (f"{BASE}/notifications", WATCH, ("notification", None)),
        (f"{BASE}/learn", WATCH, ("course", None)),
        (f"{BASE}/courses/intro-to-cosmology", WATCH, ("course", None)),
        (f"{BASE}/learn/paths/astronomy-101", WATCH, ("course", None)),
        (f"{BASE}/watch-party/0193f2a4-4444-7000-8000-000000000004", WATCH, ("watch_party", None)),
        (f"{BASE}/embed/0193f2a4-5555", WATCH, ("embed", None)),
        ("https://www.google.com/", WATCH, ("external", "google.com")),
        ("https://news.ycombinator.com/item?id=1", WATCH, ("external", "news.ycombinator.com")),
        ("https://WWW.Reddit.com/r/space/", WATCH, ("external", "reddit.com")),
        # Another port or scheme is another site.
        ("http://cosmostream.example/search?q=x", WATCH, ("external", "cosmostream.example")),
        ("https://cosmostream.example:8443/", WATCH, ("external", "cosmostream.example")),
        ("android-app://com.google.android.gm/", WATCH, ("direct", None)),
        ("not a url", WATCH, ("direct", None)),
        ("https://[::1", WATCH, ("direct", None)),
        # ?src= on the watch URL wins (e-mails, embeds carry no referrer).
        (None, WATCH + "?src=notification", ("notification", None)),
        ("https://mail.example/", "?src=notification", ("notification", None)),
        (None, WATCH + "?src=embed&t=30", ("embed", None)),
        (None, WATCH + "?src=bogus", ("direct", None)),
    ],
)
def test_classify(referrer: str | None, page_url: str, expected: tuple[str, str | None]) -> None:
    assert classify(referrer, page_url, BASE) == expected


def test_every_source_has_a_label() -> None:
    assert set(SOURCE_LABELS) == {
        "home", "browse", "search", "up_next", "channel", "notification",
        "course", "watch_party", "embed", "external", "direct",
    }  # fmt: skip
