"""Devices, browsers and operating systems from a User-Agent, for the studio's
"devices and platforms" breakdowns. A small table of patterns in order: the
first that matches wins (Edge and Opera say "Chrome" too, tablets "Mobile")."""

from __future__ import annotations

import re
from dataclasses import dataclass

DEVICE_LABELS = {"desktop": "Desktop", "mobile": "Mobile", "tablet": "Tablet", "tv": "TV"}
BROWSER_LABELS = {
    "chrome": "Chrome",
    "firefox": "Firefox",
    "safari": "Safari",
    "edge": "Edge",
    "opera": "Opera",
    "samsung": "Samsung Internet",
    "other": "Other",
}
OS_LABELS = {
    "windows": "Windows",
    "macos": "macOS",
    "linux": "Linux",
    "android": "Android",
    "ios": "iOS",
    "ipados": "iPadOS",
    "chromeos": "ChromeOS",
    "other": "Other",
}


@dataclass(frozen=True)
class Agent:
    device: str
    browser: str
    os: str


_BROWSERS = [
    ("edge", re.compile(r"Edg(?:e|A|iOS)?/")),
    ("opera", re.compile(r"OPR/|OPT/|Opera")),
    ("samsung", re.compile(r"SamsungBrowser/")),
    ("firefox", re.compile(r"Firefox/|FxiOS/")),
    ("chrome", re.compile(r"Chrome/|CriOS/|Chromium/")),
    ("safari", re.compile(r"Version/[\d.]+.*Safari/|AppleWebKit/.*Mobile/")),
]
_SYSTEMS = [
    ("ipados", re.compile(r"iPad")),
    ("ios", re.compile(r"iPhone|iPod")),
    ("android", re.compile(r"Android")),
    ("chromeos", re.compile(r"CrOS")),
    ("windows", re.compile(r"Windows")),
    ("macos", re.compile(r"Mac OS X|Macintosh")),
    ("linux", re.compile(r"Linux|X11")),
]
_TV = re.compile(
    r"SMART-TV|SmartTV|Smart TV|GoogleTV|Android TV|AppleTV|Apple TV|Tizen|Web0S|"
    r"webOS|HbbTV|BRAVIA|AFT[A-Z]|CrKey|Roku",
    re.IGNORECASE,
)
_TABLET = re.compile(r"iPad|Tablet|Android(?!.*Mobile)|Kindle|Silk/|PlayBook")
_MOBILE = re.compile(r"Mobile|iPhone|iPod|Android|Windows Phone|BlackBerry|Opera Mini")


def parse(user_agent: str) -> Agent:
    """The device class, browser and OS of a User-Agent ("other" when unknown)."""
    ua = user_agent or ""
    browser = next((key for key, pattern in _BROWSERS if pattern.search(ua)), "other")
    system = next((key for key, pattern in _SYSTEMS if pattern.search(ua)), "other")
    if _TV.search(ua):
        device = "tv"
    elif _TABLET.search(ua):
        device = "tablet"
    elif _MOBILE.search(ua):
        device = "mobile"
    else:
        device = "desktop"
    return Agent(device=device, browser=browser, os=system)
