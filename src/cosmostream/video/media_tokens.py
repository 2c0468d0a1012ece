"""Short-lived media URLs for unlisted and private videos.

The token matches nginx's `secure_link` module, so production nginx can check
it without Python:

    md5 = base64url(MD5("<expires><prefix> <secret>")), no padding
    URL = /media/hls/<video>/…?md5=<md5>&expires=<expires>

`prefix` is the video's media directory (`/media/hls/<video>/`), so one token
covers the master playlist, every variant playlist and every segment.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
import uuid
from urllib.parse import urlencode

from cosmostream.config import get_settings


def media_secret() -> str:
    # Derived so that the JWT secret itself never has to be shared with nginx.
    return hmac.new(get_settings().secret_key.encode(), b"media-links", "sha256").hexdigest()


def prefix_for(video_id: uuid.UUID, kind: str = "hls") -> str:
    return f"/media/{kind}/{video_id}/"


def sign(prefix: str, expires: int, secret: str | None = None) -> str:
    raw = f"{expires}{prefix} {secret or media_secret()}".encode()
    # MD5 because nginx's secure_link computes exactly this; the secret keeps it unforgeable.
    digest = hashlib.md5(raw, usedforsecurity=False).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def token_query(video_id: uuid.UUID, kind: str = "hls", ttl: int | None = None) -> str:
    expires = int(time.time()) + (ttl or get_settings().media_token_ttl_seconds)
    return urlencode({"md5": sign(prefix_for(video_id, kind), expires), "expires": expires})


def verify(prefix: str, md5: str | None, expires: str | None) -> bool:
    if not md5 or not expires or not expires.isdigit():
        return False
    if int(expires) < time.time():
        return False
    return hmac.compare_digest(md5, sign(prefix, int(expires)))
