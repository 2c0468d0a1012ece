"""Short-lived media URLs for unlisted and private videos.

The token matches nginx's `secure_link` module, so production nginx can check
it without Python:

    md5 = base64url(MD5("<expires><prefix> <secret>")), no padding
    URL = /media/hls/<video>/…?md5=<md5>&expires=<expires>

`prefix` is the video's media directory (`/media/hls/<video>/`), so one token
covers the master playlist, every variant playlist and every segment.

A token may carry a *grant* (`&g=…`, see `video.access`): a restriction
(`p<seconds>` preview only, `h` no 2160p rung) or a user it is bound to
(`u<user id>`, re-checked on every request). The grant is signed too
(`MD5("<expires><prefix><grant> <secret>")`), so nginx's `secure_link`, which
signs without it, never accepts such a token and asks the app instead.

A media URL's query is read with `parse_query`, never with a general query
parser: it must be exactly what `token_query` writes (`md5`, `expires` and
`g`, each at most once, names and values as written, nothing else). nginx
reads `$arg_g` differently from Starlette (the first of two `g`, names never
decoded, case-insensitive), so any other spelling could mean one thing to
nginx and another to the app; such queries are refused (404, like an invalid
token on a video that needs one).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import time
import uuid
from dataclasses import dataclass
from urllib.parse import urlencode

from cosmostream.config import get_settings


def media_secret() -> str:
    # Derived so that the JWT secret itself never has to be shared with nginx.
    return hmac.new(get_settings().secret_key.encode(), b"media-links", "sha256").hexdigest()


def prefix_for(video_id: uuid.UUID, kind: str = "hls") -> str:
    return f"/media/{kind}/{video_id}/"


def sign(prefix: str, expires: int, secret: str | None = None, grant: str = "") -> str:
    raw = f"{expires}{prefix}{grant} {secret or media_secret()}".encode()
    # MD5 because nginx's secure_link computes exactly this; the secret keeps it unforgeable.
    digest = hashlib.md5(raw, usedforsecurity=False).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def token_query(
    video_id: uuid.UUID, kind: str = "hls", ttl: int | None = None, grant: str = ""
) -> str:
    expires = int(time.time()) + (ttl or get_settings().media_token_ttl_seconds)
    query: dict[str, str | int] = {
        "md5": sign(prefix_for(video_id, kind), expires, grant=grant),
        "expires": expires,
    }
    if grant:
        query["g"] = grant
    return urlencode(query)


def verify(prefix: str, md5: str | None, expires: str | None, grant: str = "") -> bool:
    if not md5 or not expires or not expires.isdigit():
        return False
    if int(expires) < time.time():
        return False
    return hmac.compare_digest(md5, sign(prefix, int(expires), grant=grant))


_NAMES = ("md5", "expires", "g")
# What token_query writes: base64url digests, decimal times and grants
# (`p<seconds>`, `h`, dot-joined, or `u<uuid>`) need no percent-encoding.
_VALUE = re.compile(r"[A-Za-z0-9_.-]+")


@dataclass(frozen=True, slots=True)
class TokenParams:
    """A media URL's token parameters (all absent for an unsigned URL)."""

    md5: str | None = None
    expires: str | None = None
    grant: str = ""

    def query(self) -> str:
        """The same parameters, as token_query writes them (for re-writing playlists)."""
        pairs = [("md5", self.md5), ("expires", self.expires), ("g", self.grant or None)]
        return "&".join(f"{name}={value}" for name, value in pairs if value is not None)


def parse_query(raw: str) -> TokenParams | None:
    """The token parameters of a media request's raw (undecoded) query string,
    or None when it is not exactly what `token_query` writes: an unknown, a
    duplicated or an encoded parameter name (`%67`, `G`), an empty or encoded
    value, a stray `&`. An empty query is an unsigned request."""
    if not raw:
        return TokenParams()
    seen: dict[str, str] = {}
    for part in raw.split("&"):
        name, equals, value = part.partition("=")
        if name not in _NAMES or name in seen or not equals or not _VALUE.fullmatch(value):
            return None
        seen[name] = value
    return TokenParams(seen.get("md5"), seen.get("expires"), seen.get("g", ""))
