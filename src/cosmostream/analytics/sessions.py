"""Pure helpers of the measure: retention coverage bits, hour splitting of a
measured step, and what part of the video a step covered.

Coverage: 100 buckets (hundredths of the video) as 25 hex digits, read left
to right: bucket `i` is bit `99 - i` of `int(coverage, 16)` (bucket 0, the
video's first hundredth, is the most significant bit; analytics/raw.py reads
it the same way).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

BUCKETS = 100
EMPTY_COVERAGE = "0" * 25
# The fastest playback rate whose positions are believed: a step that moved
# further (or backwards) was a seek, and only the time played before it, at
# normal speed from where the step began, is taken as covered.
MAX_RATE = 2.0
RATE_SLACK = 1.0  # seconds of position jitter allowed on top
HOUR = timedelta(hours=1)


def floor_hour(at: datetime) -> datetime:
    """The UTC hour `at` falls in (an aware time in any offset)."""
    return at.astimezone(UTC).replace(minute=0, second=0, microsecond=0)


def coverage_bits(coverage: str) -> int:
    return int(coverage or "0", 16)


def coverage_hex(bits: int) -> str:
    return format(bits, "025x")


def buckets_of(coverage: str) -> list[bool]:
    """The 100 buckets of a session's coverage, first hundredth first."""
    bits = coverage_bits(coverage)
    return [bool(bits >> (BUCKETS - 1 - i) & 1) for i in range(BUCKETS)]


def bucket_mask(start: float, end: float, duration: float) -> int:
    """The bits of the buckets that [start, end] of a `duration`-second video touches."""
    if duration <= 0 or end < start:
        return 0
    first = min(BUCKETS - 1, max(0, math.floor(start / duration * BUCKETS)))
    last = first
    if end > start:
        last = min(BUCKETS - 1, max(first, math.ceil(end / duration * BUCKETS) - 1))
    return ((1 << (last - first + 1)) - 1) << (BUCKETS - 1 - last)


def covered(start: float, end: float, seconds: float, duration: float) -> tuple[float, float]:
    """The positions a step of `seconds` watched from `start` to `end` covered.

    Forward at up to twice the normal speed the positions are believed (2x
    playback covers 20 s of video in 10 s); any other move was a seek, and
    only `seconds` at normal speed from `start` are credited — never the
    stretch jumped over.
    """
    if start <= end <= start + seconds * MAX_RATE + RATE_SLACK:
        return start, end
    stop = start + seconds
    return start, min(stop, duration) if duration > 0 else stop


@dataclass(frozen=True)
class Piece:
    """The part of a step inside one UTC hour."""

    hour: datetime
    seconds: float
    start: float
    end: float


def split_step(t0: datetime, seconds: float, start: float, end: float) -> list[Piece]:
    """Cut the step watched in wall time [t0, t0 + seconds] from position `start`
    to `end` at UTC hour boundaries, positions in proportion: each second
    lands once, in the hour it was watched."""
    if seconds <= 0:
        return []
    t1 = t0 + timedelta(seconds=seconds)
    pieces: list[Piece] = []
    cursor = t0
    hour = floor_hour(t0)
    while cursor < t1:
        stop = min(t1, hour + HOUR)
        lo = (cursor - t0).total_seconds() / seconds
        hi = (stop - t0).total_seconds() / seconds
        pieces.append(
            Piece(
                hour=hour,
                seconds=(stop - cursor).total_seconds(),
                start=start + (end - start) * lo,
                end=start + (end - start) * hi,
            )
        )
        cursor, hour = stop, hour + HOUR
    if len(pieces) > 1:  # the last piece takes the rest: the pieces add up exactly
        last = pieces[-1]
        rest = seconds - sum(p.seconds for p in pieces[:-1])
        pieces[-1] = Piece(hour=last.hour, seconds=rest, start=last.start, end=last.end)
    return pieces
