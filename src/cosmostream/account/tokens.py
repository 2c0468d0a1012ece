"""Access tokens: short JWTs that name a user and the session they belong to.

Every claim is checked: signature with an algorithm allow-list (never `none`),
`exp`, `nbf`, `iat`, issuer, audience and our own token type. The token is only
a pointer: the session and the account behind it are checked on every request.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

import jwt

from cosmostream.account.errors import InvalidToken
from cosmostream.config import Settings
from cosmostream.kit.time import utcnow

ALGORITHM = "HS256"
ACCESS = "access"


@dataclass(frozen=True)
class AccessClaims:
    user_id: uuid.UUID
    session_id: uuid.UUID
    expires_at: datetime


def issue_access_token(
    settings: Settings, user_id: uuid.UUID, session_id: uuid.UUID
) -> tuple[str, datetime]:
    now = utcnow()
    expires = now + timedelta(seconds=settings.access_token_ttl_seconds)
    payload = {
        "iss": settings.jwt_issuer,
        "aud": settings.jwt_audience,
        "sub": str(user_id),
        "sid": str(session_id),
        "typ": ACCESS,
        "iat": now,
        "nbf": now,
        "exp": expires,
    }
    token = jwt.encode(payload, settings.secret_key, algorithm=ALGORITHM, headers={"typ": "JWT"})
    return token, expires.replace(microsecond=0)


def decode_access_token(settings: Settings, token: str) -> AccessClaims:
    try:
        claims = jwt.decode(
            token,
            settings.secret_key,
            algorithms=[ALGORITHM],
            audience=settings.jwt_audience,
            issuer=settings.jwt_issuer,
            options={"require": ["exp", "nbf", "iat", "iss", "aud", "sub", "sid", "typ"]},
            leeway=5,
        )
    except jwt.PyJWTError as exc:
        raise InvalidToken() from exc
    if claims.get("typ") != ACCESS:
        raise InvalidToken()
    try:
        return AccessClaims(
            user_id=uuid.UUID(claims["sub"]),
            session_id=uuid.UUID(claims["sid"]),
            expires_at=datetime.fromtimestamp(claims["exp"], tz=utcnow().tzinfo),
        )
    except (ValueError, TypeError) as exc:
        raise InvalidToken() from exc
