"""How much of a video a learner has really watched, from the server's own clock.

The player reports events (start, heartbeat, seek, pause, end) with its
position; the server knows when each arrived. Between two events while
playing, the learner covered the stretch from the earlier position onwards,
but never more of it than the real time that passed allows at the fastest
playback rate (`MAX_RATE`), plus a little slack for network jitter. So:

- a client cannot claim a stretch it had no time to play (a heartbeat that
  jumps ahead is credited only what the elapsed time allows);
- seeking forward covers nothing in between; seeking back and watching again
  covers nothing new (the union does not grow);
- watching at 2x covers twice the video per second, as it should; at 0.5x
  it covers half.

Coverage is the length of the union of the covered stretches, over the
video's duration minus the end credits the author marked. It only grows:
completion is decided once and never taken back by a rewatch.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Final

MAX_RATE: Final = 2.0  # the fastest playback rate the player offers
SLACK_SECONDS: Final = 2.0  # network jitter between two events
MAX_RANGES: Final = 200  # a union with more pieces is merged at its smallest gaps

Range = tuple[float, float]


@dataclass(frozen=True)
class Step:
    """What the server saw between two player events of one viewer and video."""

    from_position: float  # where the previous event said playback was
    to_position: float  # where this event says it is
    elapsed_seconds: float  # server time between the two events
    playing: bool  # whether the previous event left the player playing


def credited(step: Step, duration: float) -> Range | None:
    """The stretch of video this step covers, or None."""
    if not step.playing or step.elapsed_seconds <= 0 or duration <= 0:
        return None
    start = min(max(step.from_position, 0.0), duration)
    end = min(max(step.to_position, 0.0), duration)
    if end <= start:
        return None  # paused in place, or went backwards: a seek, covering nothing
    allowed = step.elapsed_seconds * MAX_RATE + SLACK_SECONDS
    end = min(end, start + allowed)
    return (start, end) if end > start else None


def merge(ranges: Iterable[Range]) -> list[Range]:
    """The union of ranges as sorted, disjoint ranges (touching ones joined)."""
    merged: list[Range] = []
    for start, end in sorted(r for r in ranges if r[1] > r[0]):
        if merged and start <= merged[-1][1]:
            if end > merged[-1][1]:
                merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    if len(merged) > MAX_RANGES:
        merged = _fewer(merged)
    return merged


def _fewer(ranges: list[Range]) -> list[Range]:
    """Join the pieces across their smallest gaps until MAX_RANGES remain.

    Only reached by a player that seeks constantly; the gaps joined are the
    shortest, so coverage is overstated by at most their sum.
    """
    while len(ranges) > MAX_RANGES:
        _gap, at = min((ranges[i + 1][0] - ranges[i][1], i) for i in range(len(ranges) - 1))
        ranges[at : at + 2] = [(ranges[at][0], ranges[at + 1][1])]
    return ranges


def add(ranges: Sequence[Range], new: Range | None) -> list[Range]:
    return merge([*ranges, new] if new else ranges)


def covered_seconds(ranges: Iterable[Range], until: float | None = None) -> float:
    """Seconds covered, counting only what lies before `until` (the end credits' start)."""
    total = 0.0
    for start, end in ranges:
        if until is not None:
            end = min(end, until)
        total += max(0.0, end - start)
    return total


def coverage(ranges: Iterable[Range], duration: float, credits_from: float | None = None) -> float:
    """The fraction (0 to 1) of the video before its end credits that was covered."""
    until = duration if credits_from is None else min(max(credits_from, 0.0), duration)
    if until <= 0:
        return 0.0
    return min(1.0, covered_seconds(ranges, until) / until)
