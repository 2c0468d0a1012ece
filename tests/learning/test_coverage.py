"""Coverage of a video from the server's view of player events."""

from __future__ import annotations

import pytest

from cosmostream.learning.coverage import (
    MAX_RANGES,
    SLACK_SECONDS,
    Step,
    add,
    coverage,
    credited,
    merge,
)

DURATION = 600.0


def watch(steps: list[tuple[float, float, float, bool]]) -> list[tuple[float, float]]:
    ranges: list[tuple[float, float]] = []
    for from_position, to_position, elapsed, playing in steps:
        ranges = add(ranges, credited(Step(from_position, to_position, elapsed, playing), DURATION))
    return ranges


def test_steady_watching_covers_what_was_played() -> None:
    ranges = watch([(t, t + 15, 15, True) for t in range(0, 600, 15)])
    assert ranges == [(0.0, 600.0)]
    assert coverage(ranges, DURATION) == 1.0


def test_a_heartbeat_cannot_claim_more_than_time_allows() -> None:
    # 10 s of real time, yet the client says it moved 300 s on.
    ranges = watch([(0, 300, 10, True)])
    assert ranges == [(0.0, 10 * 2.0 + SLACK_SECONDS)]


def test_seeking_forward_covers_nothing_in_between() -> None:
    ranges = watch(
        [
            (0, 60, 60, True),  # watched the first minute
            (60, 60, 1, False),  # paused, then seeked to 500 (a seek leaves it paused)
            (500, 560, 60, True),  # watched a minute from 500
        ]
    )
    assert ranges == [(0.0, 60.0), (500.0, 560.0)]
    assert coverage(ranges, DURATION) == pytest.approx(120 / 600)


def test_rewatching_adds_nothing_and_never_takes_anything_away() -> None:
    first = watch([(t, t + 15, 15, True) for t in range(0, 300, 15)])
    again = first
    for t in range(0, 300, 15):
        again = add(again, credited(Step(t, t + 15, 15, True), DURATION))
    assert again == first == [(0.0, 300.0)]
    backwards = add(first, credited(Step(200, 100, 5, True), DURATION))
    assert backwards == first


def test_playback_rate_changes_the_stretch_covered() -> None:
    fast = watch([(t, t + 20, 10, True) for t in range(0, 200, 20)])  # 2x
    assert fast == [(0.0, 200.0)]
    slow = watch([(t, t + 5, 10, True) for t in range(0, 50, 5)])  # 0.5x
    assert slow == [(0.0, 50.0)]
    too_fast = watch([(0, 40, 10, True)])  # 4x is more than the player offers
    assert too_fast == [(0.0, 22.0)]


def test_end_credits_do_not_count() -> None:
    ranges = watch([(t, t + 15, 15, True) for t in range(0, 540, 15)])
    assert coverage(ranges, DURATION) == pytest.approx(0.9)
    assert coverage(ranges, DURATION, credits_from=540) == 1.0


def test_paused_and_out_of_range_steps_cover_nothing() -> None:
    assert credited(Step(0, 15, 15, False), DURATION) is None
    assert credited(Step(0, 15, 0, True), DURATION) is None
    assert credited(Step(-50, -10, 40, True), DURATION) is None
    assert credited(Step(590, 700, 110, True), DURATION) == (590.0, 600.0)


def test_a_union_of_many_pieces_stays_bounded() -> None:
    pieces = [(float(n * 3), float(n * 3 + 1)) for n in range(MAX_RANGES + 50)]
    merged = merge(pieces)
    assert len(merged) == MAX_RANGES
    assert merged[0][0] == 0.0 and merged[-1][1] == pieces[-1][1]
