"""Input rules and the live-position arithmetic of watch parties."""

from __future__ import annotations

import enum
from datetime import datetime

from cosmostream.errors import ValidationFailed
from cosmostream.models import WatchParty

MIN_RATE = 0.25
MAX_RATE = 2.0


class Action(enum.StrEnum):
    PLAY = "play"
    PAUSE = "pause"
    SEEK = "seek"
    RATE = "rate"


def clean_position(position: float, duration: float | None) -> float:
    if position != position or position < 0:  # NaN or negative
        raise ValidationFailed(
            "A position is a number of seconds from the start.", field="position"
        )
    if duration:
        position = min(position, duration)
    return round(position, 3)


def clean_rate(rate: float) -> float:
    if rate != rate or not MIN_RATE <= rate <= MAX_RATE:
        raise ValidationFailed(
            f"Speed is between {MIN_RATE} and {MAX_RATE} times normal.", field="rate"
        )
    return rate


def live_position(party: WatchParty, at: datetime, duration: float | None = None) -> float:
    """Where playback is at `at`, from the last stored state."""
    position = party.position
    if party.playing:
        position += max(0.0, (at - party.state_at).total_seconds()) * party.rate
    if duration:
        position = min(position, duration)
    return position


def epoch_ms(at: datetime) -> int:
    return int(at.timestamp() * 1000)
