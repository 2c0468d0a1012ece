"""Password rules and hashing (argon2id with argon2-cffi's defaults).

Rules follow NIST SP 800-63B / OWASP ASVS: at least 8 characters, long
passphrases allowed (up to 256), no composition rules, no truncation, and a
check against a list of common passwords.
"""

from __future__ import annotations

import gzip
from functools import lru_cache
from importlib.resources import files

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from cosmostream.account.errors import WeakPassword

MIN_LENGTH = 8
MAX_LENGTH = 256

hasher = PasswordHasher()
# Verified against when the account does not exist, so both paths cost the same.
_DUMMY_HASH = hasher.hash("cosmostream-timing-equaliser")


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    data = files("cosmostream.data").joinpath("common-passwords.txt.gz").read_bytes()
    return frozenset(gzip.decompress(data).decode().split())


def validate(password: str, *, email: str = "", display_name: str = "") -> None:
    if len(password) < MIN_LENGTH:
        raise WeakPassword(f"Use at least {MIN_LENGTH} characters.", field="password")
    if len(password) > MAX_LENGTH:
        raise WeakPassword(f"Use at most {MAX_LENGTH} characters.", field="password")
    lowered = password.lower()
    if lowered in common_passwords() or lowered.strip() in common_passwords():
        raise WeakPassword(
            "That password is too common. Choose something harder to guess.", field="password"
        )
    local = email.split("@")[0].lower()
    if (local and len(local) >= 4 and lowered == local) or lowered == display_name.lower():
        raise WeakPassword("Your password must not be your name or e-mail.", field="password")


def hash_password(password: str) -> str:
    return hasher.hash(password)


def verify(password_hash: str | None, password: str) -> bool:
    """Check a password; spends the same time when there is no hash to check."""
    try:
        return hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return hasher.check_needs_rehash(password_hash)
