"""Devices, browsers and systems from real User-Agent strings."""

from __future__ import annotations

import pytest

from cosmostream.analytics.agents import BROWSER_LABELS, DEVICE_LABELS, OS_LABELS, Agent, parse

UAS = [
    (
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/131.0.0.0 Safari/537.36",
        Agent("desktop", "chrome", "windows"),
    ),
    (
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/131.0.0.0 Safari/537.36 Edg/131.0.2903.86",
        Agent("desktop", "edge", "windows"),
    ),
    (
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) "
        "Version/18.1 Safari/605.1.15",
        Agent("desktop", "safari", "macos"),
    ),
    (
        "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0",
        Agent("desktop", "firefox", "linux"),
    ),
    (
        "Mozilla/5.0 (X11; Ubuntu; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/130.0.0.0 Safari/537.36 OPR/115.0.0.0",
        Agent("desktop", "opera", "linux"),
    ),
    (
        "Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/131.0.0.0 Safari/537.36",
        Agent("desktop", "chrome", "chromeos"),
    ),
    (
        "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1_1 like Mac OS X) AppleWebKit/605.1.15 "
        "(KHTML, like Gecko) Version/18.1.1 Mobile/15E148 Safari/604.1",
        Agent("mobile", "safari", "ios"),
    ),
    (
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_7 like Mac OS X) AppleWebKit/605.1.15 "
        "(KHTML, like Gecko) CriOS/131.0.6778.73 Mobile/15E148 Safari/604.1",
        Agent("mobile", "chrome", "ios"),
    ),
    (
        "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 "
        "(KHTML, like Gecko) FxiOS/133.0 Mobile/15E148 Safari/605.1.15",
        Agent("mobile", "firefox", "ios"),
    ),
    (
        "Mozilla/5.0 (iPad; CPU OS 17_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
        "Version/17.6 Mobile/15E148 Safari/604.1",
        Agent("tablet", "safari", "ipados"),
    ),
    (
        "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/131.0.6778.81 Mobile Safari/537.36",
        Agent("mobile", "chrome", "android"),
    ),
    (
        "Mozilla/5.0 (Linux; Android 14; SAMSUNG SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) "
        "SamsungBrowser/26.0 Chrome/122.0.0.0 Mobile Safari/537.36",
        Agent("mobile", "samsung", "android"),
    ),
    (
        "Mozilla/5.0 (Linux; Android 13; SM-X710) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/131.0.0.0 Safari/537.36",
        Agent("tablet", "chrome", "android"),
    ),
    (
        "Mozilla/5.0 (Android 14; Mobile; rv:133.0) Gecko/133.0 Firefox/133.0",
        Agent("mobile", "firefox", "android"),
    ),
    (
        "Mozilla/5.0 (SMART-TV; Linux; Tizen 6.0) AppleWebKit/538.1 (KHTML, like Gecko) "
        "Version/6.0 TV Safari/538.1",
        Agent("tv", "safari", "linux"),
    ),
    (
        "Mozilla/5.0 (Web0S; Linux/SmartTV) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/79.0.3945.79 Safari/537.36 WebAppManager",
        Agent("tv", "chrome", "linux"),
    ),
    (
        "Mozilla/5.0 (Linux; Android 9; AFTMM Build/PS7242) AppleWebKit/537.36 "
        "(KHTML, like Gecko) Chrome/120.0.6099.230 Mobile Safari/537.36",
        Agent("tv", "chrome", "android"),
    ),
    ("curl/8.5.0", Agent("desktop", "other", "other")),
    ("", Agent("desktop", "other", "other")),
]


@pytest.mark.parametrize(("user_agent", "expected"), UAS)
def test_parse(user_agent: str, expected: Agent) -> None:
    assert parse(user_agent) == expected


def test_every_value_has_a_label() -> None:
    seen = [parse(ua) for ua, _ in UAS]
    assert {a.device for a in seen} <= set(DEVICE_LABELS)
    assert {a.browser for a in seen} <= set(BROWSER_LABELS)
    assert {a.os for a in seen} <= set(OS_LABELS)
