from __future__ import annotations

from cosmostream.errors import ValidationFailed


class BadObserver(ValidationFailed):
    message = "That observer location is not valid."


class OutOfRange(ValidationFailed):
    message = "That time is outside the range the ephemeris covers (1900 to 2049)."
