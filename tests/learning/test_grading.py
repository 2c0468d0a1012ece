"""Grading of every question kind, on the server, from the stored spec alone."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from fractions import Fraction
from typing import Any

import pytest

from cosmostream.learning.errors import BadAnswer, BadQuestion
from cosmostream.learning.grading import (
    Attempt,
    apparent_altaz,
    grade,
    next_event,
    parse_spec,
    present,
    separation_degrees,
)
from cosmostream.learning.numbers import parse_number

ATTEMPT = Attempt(seed=1234, started_at=datetime(2026, 3, 1, 18, 0, tzinfo=UTC))
LA_SILLA = (-29.2567, -70.7377)


def score(spec: dict[str, Any], response: dict[str, Any], attempt: Attempt = ATTEMPT) -> Fraction:
    return grade(parse_spec(spec), response, attempt).score


CHOICES = {
    "kind": "multiple",
    "choices": [
        {"id": "a", "text": "Jupiter", "correct": True, "feedback": "Yes, a gas giant."},
        {"id": "b", "text": "Saturn", "correct": True},
        {"id": "c", "text": "Mars"},
        {"id": "d", "text": "Venus"},
    ],
    "explanation": "Jupiter and Saturn are the gas giants.",
}


def test_single_choice() -> None:
    spec = {
        "kind": "single",
        "choices": [{"id": "x", "text": "Sirius", "correct": True}, {"id": "y", "text": "Vega"}],
    }
    assert score(spec, {"choices": ["x"]}) == 1
    assert score(spec, {"choices": ["y"]}) == 0
    with pytest.raises(BadAnswer):
        score(spec, {"choices": ["x", "y"]})
    with pytest.raises(BadAnswer):
        score(spec, {"choices": ["z"]})
    with pytest.raises(BadAnswer):
        score(spec, {"choices": "x"})


def test_multiple_choice_right_minus_wrong() -> None:
    assert score(CHOICES, {"choices": ["a", "b"]}) == 1
    assert score(CHOICES, {"choices": ["a"]}) == Fraction(1, 2)
    assert score(CHOICES, {"choices": ["a", "c"]}) == 0
    assert score(CHOICES, {"choices": ["a", "b", "c", "d"]}) == 0  # everything is not a pass
    assert score(CHOICES, {"choices": []}) == 0
    assert score(CHOICES, {"choices": ["a", "a", "b"]}) == 1  # a repeat counts once
    assert grade(parse_spec(CHOICES), {"choices": ["a"]}, ATTEMPT).feedback == (
        "Yes, a gas giant.",
    )


def test_authors_get_a_clear_error_for_a_question_that_cannot_be_graded() -> None:
    with pytest.raises(BadQuestion, match="Mark exactly one correct option"):
        parse_spec(
            {"kind": "single", "choices": [{"id": "a", "text": "A"}, {"id": "b", "text": "B"}]}
        )
    with pytest.raises(BadQuestion, match="own id"):
        parse_spec(
            {"kind": "ordering", "items": [{"id": "a", "text": "A"}, {"id": "a", "text": "B"}]}
        )
    with pytest.raises(BadQuestion) as refused:
        parse_spec({"kind": "essay"})
    assert refused.value.field == "kind"
    with pytest.raises(BadQuestion, match="Unknown unit"):
        parse_spec({"kind": "numeric", "answer": "1", "unit": "furlong"})
    with pytest.raises(BadQuestion, match="below the horizon"):
        # The Sun at local midnight at La Silla.
        parse_spec(
            {
                "kind": "sky",
                "target": "Sun",
                "latitude": LA_SILLA[0],
                "longitude": LA_SILLA[1],
                "at": "2026-03-01T05:00:00Z",
            }
        )
    with pytest.raises(BadQuestion, match="not a parameter"):
        parse_spec(
            {
                "kind": "computed",
                "parameters": {"r": {"low": 1, "high": 2, "step": 1}},
                "formula": "r * q",
            }
        )


@pytest.mark.parametrize(
    ("value", "unit", "expected"),
    [
        ("10", None, 1),
        ("10.1", None, 1),  # the border is in
        ("9.9", None, 1),
        ("10.1000001", None, 0),
        ("9.8999999", None, 0),
        ("10,05", None, 1),  # a decimal comma
        ("1.01e1", None, 1),
        ("1.01\u00d710^1", None, 1),  # with a multiplication sign
        ("10100", "m", 1),  # converted to the question's km
        ("10101", "m", 0),
        ("10", "s", 0),  # another dimension is wrong, not an error
        ("\u221210", None, 0),  # a typographic minus is a minus
    ],
)
def test_numeric_tolerance_borders_are_exact(value: str, unit: str | None, expected: int) -> None:
    spec = {"kind": "numeric", "answer": "10", "unit": "km", "tolerance": "0.1"}
    assert score(spec, {"value": value, "unit": unit}) == expected


def test_numeric_relative_tolerance_and_astronomical_units() -> None:
    spec = {"kind": "numeric", "answer": "1", "unit": "au", "tolerance": "0.01", "relative": True}
    assert score(spec, {"value": "149597870.7", "unit": "km"}) == 1
    assert score(spec, {"value": "1.51e8", "unit": "km"}) == 1
    assert score(spec, {"value": "1.52e8", "unit": "km"}) == 0
    assert score(spec, {"value": "8.3", "unit": "light-years"}) == 0


@pytest.mark.parametrize(
    "value", ["", "NaN", "Infinity", "1e999", "0x10", "ten", "1..2", "9" * 41, "1,000,000"]
)
def test_unreadable_numbers_are_refused_not_graded(value: str) -> None:
    with pytest.raises(BadAnswer):
        parse_number(value)


def test_unknown_unit_is_refused() -> None:
    spec = {"kind": "numeric", "answer": "1", "unit": "km"}
    with pytest.raises(BadAnswer) as refused:
        score(spec, {"value": "1", "unit": "furlongs"})
    assert refused.value.field == "unit"


def test_short_text_normalised() -> None:
    spec = {"kind": "text", "accepted": ["Betelgeuse", "Alpha Orionis"]}
    assert score(spec, {"text": "  betelgeuse. "}) == 1
    assert score(spec, {"text": "ALPHA   orionis"}) == 1
    assert score(spec, {"text": "Rigel"}) == 0
    assert score(spec, {"text": "Betelgeuse is"}) == 0
    strict = {"kind": "text", "accepted": ["NGC"], "case_sensitive": True}
    assert score(strict, {"text": "ngc"}) == 0
    with pytest.raises(BadAnswer):
        score(spec, {"text": "x" * 201})
    for unstorable in ("Betel\x00geuse", "\ud800", "a\x1bb"):
        with pytest.raises(BadAnswer):
            score(spec, {"text": unstorable})


def test_ordering_counts_the_longest_run_in_order() -> None:
    spec = {"kind": "ordering", "items": [{"id": p, "text": p} for p in "MVEJS"]}
    assert score(spec, {"order": list("MVEJS")}) == 1
    assert score(spec, {"order": list("VEJSM")}) == Fraction(4, 5)  # one item out of place
    assert score(spec, {"order": list("SJEVM")}) == Fraction(1, 5)
    for bad in (list("MVEJ"), list("MVEJJ"), list("MVEJX"), "MVEJS"):
        with pytest.raises(BadAnswer):
            score(spec, {"order": bad})


def test_presenting_never_gives_the_answer_away() -> None:
    specs: list[dict[str, Any]] = [
        CHOICES,
        {
            "kind": "numeric",
            "answer": "42.195",
            "unit": "km",
            "tolerance": "0.005",
            "explanation": "secret",
        },
        {"kind": "text", "accepted": ["Andromeda"], "explanation": "secret"},
        {
            "kind": "ordering",
            "items": [{"id": "i1", "text": "Mercury"}, {"id": "i2", "text": "Venus"}],
        },
        {
            "kind": "sky",
            "target": "M31",
            "latitude": 48.0,
            "longitude": 2.0,
            "at": "2026-10-01T22:00:00Z",
            "tolerance_degrees": 3.5,
        },
    ]
    for raw in specs:
        shown = json.dumps(present(parse_spec(raw), ATTEMPT))
        for secret in (
            "correct",
            "42.195",
            "0.005",
            "Andromeda",
            "explanation",
            "secret",
            "3.5",
            "feedback",
            "tolerance",
        ):
            assert secret not in shown, (raw["kind"], secret, shown)
    # The order shown is uniform over the attempts: sometimes the right one, so that
    # what is shown never rules an answer out (two items would give theirs away).
    shown_orders = {
        tuple(
            i["id"]
            for i in present(parse_spec(specs[3]), Attempt(seed=n, started_at=ATTEMPT.started_at))[
                "items"
            ]
        )
        for n in range(40)
    }
    assert shown_orders == {("i1", "i2"), ("i2", "i1")}


def test_shuffles_are_stable_within_an_attempt_and_differ_between_attempts() -> None:
    spec = parse_spec(
        {
            **CHOICES,
            "choices": [{"id": str(n), "text": str(n), "correct": n == 0} for n in range(10)],
        }
    )
    first = present(spec, ATTEMPT, "q1")
    assert present(spec, ATTEMPT, "q1") == first
    others = {
        tuple(
            c["id"]
            for c in present(spec, Attempt(seed=s, started_at=ATTEMPT.started_at), "q1")["choices"]
        )
        for s in range(5)
    }
    assert len(others) > 1


def test_sky_pointing_graded_by_angular_separation() -> None:
    at = datetime(2026, 10, 1, 22, 0, tzinfo=UTC)
    spec = {
        "kind": "sky",
        "target": "M31",
        "latitude": 48.0,
        "longitude": 2.0,
        "at": at.isoformat(),
        "tolerance_degrees": 2,
    }
    altitude, azimuth = apparent_altaz("M31", 48.0, 2.0, at)
    assert altitude > 20
    assert score(spec, {"altitude": altitude, "azimuth": azimuth}) == 1
    assert score(spec, {"altitude": altitude + 1.9, "azimuth": azimuth}) == 1
    assert score(spec, {"altitude": altitude + 2.1, "azimuth": azimuth}) == 0
    assert score(spec, {"altitude": str(altitude), "azimuth": azimuth - 360}) == 1
    with pytest.raises(BadAnswer):
        score(spec, {"altitude": 91, "azimuth": 0})
    with pytest.raises(BadAnswer):
        score(spec, {"altitude": float("nan"), "azimuth": 0})


def test_separation_wraps_around_north() -> None:
    assert separation_degrees((10, 359.5), (10, 0.5)) == pytest.approx(0.985, abs=0.01)
    assert separation_degrees((90, 0), (90, 180)) == pytest.approx(0, abs=1e-9)


def test_formula_questions_differ_per_learner_and_are_graded_for_each() -> None:
    spec = parse_spec(
        {
            "kind": "computed",
            "parameters": {"r": {"low": 1, "high": 30, "step": 0.5}},
            "formula": "sqrt(G * M_sun / (r * AU)) / 1000",
            "unit": "km/s",
            "tolerance": "0.01",
        }
    )
    learner_a = Attempt(seed=1, started_at=ATTEMPT.started_at)
    learner_b = Attempt(seed=2, started_at=ATTEMPT.started_at)
    r_a = present(spec, learner_a, "q")["parameters"]["r"]
    r_b = present(spec, learner_b, "q")["parameters"]["r"]
    assert r_a != r_b
    speed_a = (6.674_30e-11 * 1.988_47e30 / (r_a * 149_597_870_700.0)) ** 0.5 / 1000
    assert grade(spec, {"value": f"{speed_a:.3f}"}, learner_a, "q").correct
    assert grade(spec, {"value": f"{speed_a * 1000:.0f}", "unit": "m/s"}, learner_a, "q").correct
    # A's answer is wrong for B.
    assert not grade(spec, {"value": f"{speed_a:.3f}"}, learner_b, "q").correct


def test_event_questions_use_the_learners_place() -> None:
    spec = parse_spec(
        {
            "kind": "computed",
            "mode": "event",
            "body": "Mars",
            "event": "rise",
            "tolerance_minutes": 5,
        }
    )
    here = Attempt(
        seed=1,
        started_at=datetime(2026, 3, 1, 12, 0, tzinfo=UTC),
        latitude=LA_SILLA[0],
        longitude=LA_SILLA[1],
    )
    rise = next_event("Mars", "rise", here.latitude or 0, here.longitude or 0, here.started_at)
    assert rise is not None and here.started_at < rise < here.started_at + timedelta(hours=24)
    local = rise.astimezone(datetime.now().astimezone().tzinfo)
    assert grade(spec, {"time": (rise + timedelta(minutes=4)).isoformat()}, here).correct
    assert grade(spec, {"time": local.isoformat()}, here).correct  # any offset
    assert not grade(spec, {"time": (rise + timedelta(minutes=6)).isoformat()}, here).correct
    elsewhere = Attempt(seed=1, started_at=here.started_at, latitude=51.5, longitude=0.0)
    assert not grade(spec, {"time": rise.isoformat()}, elsewhere).correct
    with pytest.raises(BadAnswer):
        grade(spec, {"time": "2026-03-01T21:00"}, here)  # no offset
    with pytest.raises(BadAnswer):
        grade(spec, {"time": rise.isoformat()}, Attempt(seed=1, started_at=here.started_at))


def test_spec_values_are_exact_decimals() -> None:
    spec = parse_spec({"kind": "numeric", "answer": "0.1", "tolerance": "0"})
    assert spec.answer == Decimal("0.1")  # type: ignore[union-attr]
    assert score({"kind": "numeric", "answer": "0.3", "tolerance": "0"}, {"value": "0.3"}) == 1


def test_unit_factors_are_exact() -> None:
    spec = {"kind": "numeric", "answer": "36", "unit": "km/h", "tolerance": "0"}
    assert score(spec, {"value": "10", "unit": "m/s"}) == 1
    assert score(spec, {"value": "10.0000001", "unit": "m/s"}) == 0


def test_authors_cannot_store_questions_that_break_grading() -> None:
    for bad in (
        {"kind": "numeric", "answer": "9e999998"},
        {"kind": "numeric", "answer": "1", "tolerance": "1e-200"},
        {
            "kind": "computed",
            "parameters": {"d": {"low": 1, "high": 2, "step": 1}},
            "formula": "sqrt * 2",
        },
        # No value where the range starts: some learner would draw it.
        {
            "kind": "computed",
            "parameters": {"d": {"low": 2, "high": 9, "step": 1}},
            "formula": "1 / (d - 2)",
        },
    ):
        with pytest.raises(BadQuestion):
            parse_spec(bad)
