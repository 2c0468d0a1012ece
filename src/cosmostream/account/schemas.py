from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from zoneinfo import available_timezones

from email_validator import EmailNotValidError, validate_email
from pydantic import BaseModel, Field, field_validator

from cosmostream.account.errors import InvalidCredentials
from cosmostream.errors import NotAuthenticated, ValidationFailed
from cosmostream.models import Role, User


def normalize_email(value: str) -> str:
    """Lower-case and validate an address (syntax only; no DNS lookups)."""
    value = value.strip()
    if len(value) > 320:
        raise ValidationFailed("That e-mail address is too long.", field="email")
    try:
        result = validate_email(value, check_deliverability=False)
    except EmailNotValidError as exc:
        raise ValidationFailed("Enter a valid e-mail address.", field="email") from exc
    return result.normalized.lower()


def login_email(value: str) -> str:
    """Normalize an address typed at sign-in; a malformed one is just a wrong login."""
    try:
        return normalize_email(value)
    except ValidationFailed as exc:
        raise InvalidCredentials() from exc


def clean_display_name(value: str) -> str:
    value = " ".join(value.split())
    if not value:
        raise ValidationFailed("Enter a display name.", field="display_name")
    if len(value) > 80:
        raise ValidationFailed("Use at most 80 characters.", field="display_name")
    return value


class SignupInput(BaseModel):
    email: str
    password: str
    display_name: str = Field(default="")


class ProfileUpdate(BaseModel):
    display_name: str | None = None
    bio: str | None = None
    time_zone: str | None = None  # an IANA name (see `time_zones`)

    @field_validator("bio")
    @classmethod
    def _bio(cls, value: str | None) -> str | None:
        if value is not None and len(value) > 2000:
            raise ValueError("Use at most 2000 characters.")
        return value.strip() if value is not None else None


@dataclass(frozen=True)
class Actor:
    """The signed-in user making a request, as of this request."""

    user: User
    session_id: uuid.UUID

    @property
    def id(self) -> uuid.UUID:
        return self.user.id

    @property
    def role(self) -> Role:
        return self.user.role

    @property
    def is_admin(self) -> bool:
        return self.user.role is Role.ADMIN

    @property
    def is_creator(self) -> bool:
        return self.user.role in (Role.CREATOR, Role.ADMIN)


def require_signed_in(actor: Actor | None) -> Actor:
    """The actor, or `NotAuthenticated` for a signed-out caller (in services)."""
    if actor is None:
        raise NotAuthenticated()
    return actor


@dataclass(frozen=True)
class AuthResult:
    user: User
    session_id: uuid.UUID
    access_token: str
    access_expires_at: datetime
    refresh_token: str
    refresh_expires_at: datetime


@dataclass(frozen=True)
class ClientInfo:
    ip: str = ""
    user_agent: str = ""


@dataclass(frozen=True)
class ProfileStats:
    followers: int
    following: int


@cache
def time_zones() -> tuple[str, ...]:
    """The IANA zones a user may choose (zoneinfo's, sorted; "UTC" among them)."""
    return tuple(sorted(available_timezones() | {"UTC"}))
