"""Opaque tokens: random secrets handed out once and stored only as hashes."""

from __future__ import annotations

import hashlib
import hmac
import secrets


def new_token(nbytes: int = 32) -> str:
    """A URL-safe random token (256 bits by default; never below 128)."""
    return secrets.token_urlsafe(max(nbytes, 16))


def hash_token(token: str) -> str:
    # The tokens are high-entropy, so a fast hash is enough (no stretching).
    return hashlib.sha256(token.encode()).hexdigest()


def sign(secret: str, message: str) -> str:
    return hmac.new(secret.encode(), message.encode(), hashlib.sha256).hexdigest()


def constant_time_equal(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())
