"""Questions, what a learner sees of them, and their grading — on the server only.

A question is stored as a `QuestionSpec` (one of the models below, tagged by
`kind`), which holds the correct answer. Two functions are the whole contract:

- `present(spec, attempt)` — what a learner taking an attempt sees: the
  prompt's parts without anything that tells the answer (no `correct` flag,
  accepted text, target, tolerance or explanation). Options and items are
  shuffled by the attempt's seed, and per-learner questions get their own
  parameters, so a learner sees the same question on every reload of one
  attempt and another learner sees another.
- `grade(spec, response, attempt)` — the score of a response, from the spec
  alone. The client sends choices, values, text, an order or a sky view;
  never correctness or a score.

Scores are exact fractions in [0, 1]; a question is correct when its score
is 1. How a quiz adds them up and what passing means is the quiz's business
(`score ≥ passing score`, compared as fractions).

Kinds and their rules (docs/api.md, "Grading"):
- `single`: 1 for the correct option, else 0.
- `multiple`: (correct options chosen - wrong options chosen) / correct
  options, at least 0 — choosing every option scores 0, not a pass.
- `numeric`: 1 when |answer - target| <= tolerance, exactly, in Decimal, the
  border included; units convert within a dimension, a unitless answer is
  read in the target's unit, another dimension scores 0.
- `text`: 1 when the text equals an accepted answer after normalisation
  (Unicode NFKC, case folded unless the question is case-sensitive,
  whitespace collapsed, surrounding punctuation dropped).
- `ordering`: the longest run of items already in the right relative order
  (a longest increasing subsequence), over the number of items; so one item
  out of place costs one item, not everything after it.
- `sky`: 1 when the centre of the learner's sky-map view is within the
  tolerance of where the target stood (apparent altitude and azimuth, with
  Skyfield, for the question's place and instant), else 0.
- `computed`: per-learner parameters drawn from the attempt's seed, the
  answer computed from the author's formula; or an event (rise, set,
  transit) of a body for the place the learner gave when starting the
  attempt, within minutes.
"""

from __future__ import annotations

import json
import math
import random
import re
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from fractions import Fraction
from functools import cache, lru_cache
from importlib import resources
from typing import Annotated, Any, Final, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from cosmostream.kit import ephemeris as kit_ephemeris
from cosmostream.kit.time import aware
from cosmostream.learning import expressions
from cosmostream.learning.errors import BadAnswer, BadQuestion
from cosmostream.learning.numbers import (
    MAX_EXPONENT,
    UNITS,
    Quantity,
    parse_number,
    parse_quantity,
    within,
)

MAX_OPTIONS: Final = 12
MAX_TEXT_ANSWER: Final = 200
# The span of the DE421 ephemeris (kit/ephemeris.py), with a day to spare at each end.
SKY_FROM: Final = datetime(1900, 1, 2, tzinfo=UTC)
SKY_UNTIL: Final = datetime(2049, 12, 30, tzinfo=UTC)
# Bodies of the solar system a sky or event question may name, as DE421 targets.
SOLAR_SYSTEM: Final[dict[str, str]] = {
    "Sun": "sun",
    "Moon": "moon",
    "Mercury": "mercury",
    "Venus": "venus",
    "Mars": "mars",
    "Jupiter": "jupiter barycenter",
    "Saturn": "saturn barycenter",
    "Uranus": "uranus barycenter",
    "Neptune": "neptune barycenter",
}


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    explanation: str = Field(default="", max_length=5000)


class Choice(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(min_length=1, max_length=40)
    text: str = Field(min_length=1, max_length=500)
    correct: bool = False
    feedback: str = Field(default="", max_length=1000)


class ChoiceSpec(_Spec):
    kind: Literal["single", "multiple"]
    choices: tuple[Choice, ...] = Field(min_length=2, max_length=MAX_OPTIONS)
    shuffle: bool = True

    @model_validator(mode="after")
    def _one_right_answer_at_least(self) -> ChoiceSpec:
        right = sum(c.correct for c in self.choices)
        if len({c.id for c in self.choices}) != len(self.choices):
            raise ValueError("Each option needs its own id.")
        if right == 0 or (self.kind == "single" and right != 1):
            raise ValueError(
                "Mark exactly one correct option."
                if self.kind == "single"
                else "Mark the correct options."
            )
        return self


class NumericSpec(_Spec):
    kind: Literal["numeric"]
    answer: Decimal
    unit: str | None = None
    tolerance: Decimal = Field(default=Decimal(0), ge=0)
    relative: bool = False  # tolerance as a fraction of the answer (0.05 is 5 %)

    @model_validator(mode="after")
    def _known_unit(self) -> NumericSpec:
        if not self.answer.is_finite() or not self.tolerance.is_finite():
            raise ValueError("The answer and tolerance must be numbers.")
        for value in (self.answer, self.tolerance):
            if value and not -MAX_EXPONENT <= value.adjusted() <= MAX_EXPONENT:
                raise ValueError("The answer and tolerance must be within 1e-99 to 1e99.")
        if self.unit is not None and self.unit not in UNITS:
            raise ValueError(f"Unknown unit {self.unit!r}.")
        return self


class TextSpec(_Spec):
    kind: Literal["text"]
    accepted: tuple[Annotated[str, Field(min_length=1, max_length=MAX_TEXT_ANSWER)], ...] = Field(
        min_length=1, max_length=20
    )
    case_sensitive: bool = False


class Item(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(min_length=1, max_length=40)
    text: str = Field(min_length=1, max_length=500)


class OrderingSpec(_Spec):
    kind: Literal["ordering"]
    items: tuple[Item, ...] = Field(min_length=2, max_length=MAX_OPTIONS)  # in the right order

    @model_validator(mode="after")
    def _distinct(self) -> OrderingSpec:
        if len({i.id for i in self.items}) != len(self.items):
            raise ValueError("Each item needs its own id.")
        return self


class SkySpec(_Spec):
    kind: Literal["sky"]
    target: str  # a solar-system body or a name in sky-targets.json (M31, Vega …)
    latitude: float = Field(ge=-90, le=90)
    longitude: float = Field(ge=-180, le=180)
    at: datetime
    tolerance_degrees: float = Field(default=2.0, ge=0.1, le=20)

    @model_validator(mode="after")
    def _target_above_horizon(self) -> SkySpec:
        if self.at.tzinfo is None:
            raise ValueError("Give the time with its offset from UTC.")
        if not SKY_FROM <= self.at <= SKY_UNTIL:
            raise ValueError("The sky can be computed for 1900 to 2049.")
        if self.target not in SOLAR_SYSTEM and self.target not in sky_targets():
            raise ValueError(f"Unknown target {self.target!r}.")
        if apparent_altaz(self.target, self.latitude, self.longitude, self.at)[0] < 0:
            raise ValueError(f"{self.target} is below the horizon then and there.")
        return self


class Parameter(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    low: float
    high: float
    step: float = Field(gt=0)

    @model_validator(mode="after")
    def _ordered(self) -> Parameter:
        if not (math.isfinite(self.low) and math.isfinite(self.high)) or self.high < self.low:
            raise ValueError("A parameter needs low ≤ high.")
        if (self.high - self.low) / self.step > 1_000_000:
            raise ValueError("A parameter may take at most a million values.")
        return self

    def draw(self, rng: random.Random) -> float:
        steps = round((self.high - self.low) / self.step)
        return round(self.low + self.step * rng.randint(0, steps), 10)


class FormulaSpec(_Spec):
    kind: Literal["computed"]
    mode: Literal["formula"] = "formula"
    parameters: dict[Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{0,19}$")], Parameter] = Field(
        min_length=1, max_length=6
    )
    formula: str
    unit: str | None = None
    tolerance: Decimal = Field(default=Decimal("0.01"), ge=0, le=1)  # relative

    @model_validator(mode="after")
    def _formula_compiles(self) -> FormulaSpec:
        tree = expressions.compile_formula(self.formula, set(self.parameters))
        if not self.tolerance.is_finite():
            raise ValueError("The tolerance must be a number.")
        # Every learner draws their own parameters: the formula must have a value
        # at the ends and the middle of every range (BadQuestion otherwise).
        for point in (0.0, 0.5, 1.0):
            values = {
                name: p.low + round((p.high - p.low) * point / p.step) * p.step
                for name, p in self.parameters.items()
            }
            expressions.evaluate(tree, values)
        if self.unit is not None and self.unit not in UNITS:
            raise ValueError(f"Unknown unit {self.unit!r}.")
        return self


class EventSpec(_Spec):
    kind: Literal["computed"]
    mode: Literal["event"]
    body: str
    event: Literal["rise", "set", "transit"]
    tolerance_minutes: int = Field(default=5, ge=1, le=60)

    @model_validator(mode="after")
    def _known_body(self) -> EventSpec:
        if self.body not in SOLAR_SYSTEM:
            raise ValueError(f"Unknown body {self.body!r}.")
        return self


QuestionSpec = (
    ChoiceSpec | NumericSpec | TextSpec | OrderingSpec | SkySpec | FormulaSpec | EventSpec
)
_KINDS: Final[dict[tuple[str, str | None], type[_Spec]]] = {
    ("single", None): ChoiceSpec,
    ("multiple", None): ChoiceSpec,
    ("numeric", None): NumericSpec,
    ("text", None): TextSpec,
    ("ordering", None): OrderingSpec,
    ("sky", None): SkySpec,
    ("computed", "formula"): FormulaSpec,
    ("computed", None): FormulaSpec,
    ("computed", "event"): EventSpec,
}


def parse_spec(data: dict[str, Any]) -> QuestionSpec:
    """An author's question → its spec, or BadQuestion naming the first problem."""
    if not isinstance(data, dict):
        raise BadQuestion("Choose a kind of question.", field="kind")
    kind, mode = data.get("kind"), data.get("mode")
    model = (
        _KINDS.get((kind, mode))
        if isinstance(kind, str) and (mode is None or isinstance(mode, str))
        else None
    )
    if model is None:
        raise BadQuestion("Choose a kind of question.", field="kind")
    try:
        spec: QuestionSpec = model.model_validate(data)  # type: ignore[assignment]
    except ValidationError as error:
        first = error.errors()[0]
        message = str(first["msg"]).removeprefix("Value error, ")
        raise BadQuestion(message, field=".".join(str(p) for p in first["loc"]) or None) from None
    except BadQuestion:
        raise
    return spec


# -- the attempt a question is asked in ---------------------------------------


@dataclass(frozen=True)
class Attempt:
    """What makes a question one learner's own: a seed kept on the server, when the
    attempt started and, for event questions, the place the learner gave."""

    seed: int
    started_at: datetime
    latitude: float | None = None
    longitude: float | None = None

    def rng(self, salt: str) -> random.Random:
        return random.Random(f"{self.seed}:{salt}")


@dataclass(frozen=True)
class Grade:
    score: Fraction
    feedback: tuple[str, ...] = ()

    @property
    def correct(self) -> bool:
        return self.score == 1


# -- what the learner sees ------------------------------------------------------


def present(spec: QuestionSpec, attempt: Attempt, salt: str = "") -> dict[str, Any]:
    """The learner's view of a question in an attempt: nothing that gives the answer."""
    match spec:
        case ChoiceSpec():
            choices = list(spec.choices)
            if spec.shuffle:
                attempt.rng(salt).shuffle(choices)
            return {"kind": spec.kind, "choices": [{"id": c.id, "text": c.text} for c in choices]}
        case NumericSpec():
            return {"kind": "numeric", "units": _units_like(spec.unit)}
        case TextSpec():
            return {"kind": "text", "maxLength": MAX_TEXT_ANSWER}
        case OrderingSpec():
            items = _shuffled(list(spec.items), attempt.rng(salt))
            return {"kind": "ordering", "items": [{"id": i.id, "text": i.text} for i in items]}
        case SkySpec():
            return {
                "kind": "sky",
                "target": spec.target,
                "latitude": spec.latitude,
                "longitude": spec.longitude,
                "at": spec.at.astimezone(UTC).isoformat().replace("+00:00", "Z"),
            }
        case FormulaSpec():
            return {
                "kind": "computed",
                "mode": "formula",
                "parameters": _draw(spec, attempt, salt),
                "units": _units_like(spec.unit),
            }
        case EventSpec():
            return {
                "kind": "computed",
                "mode": "event",
                "body": spec.body,
                "event": spec.event,
                "after": attempt.started_at.astimezone(UTC).isoformat().replace("+00:00", "Z"),
                "needsPlace": attempt.latitude is None,
            }
    raise BadQuestion()  # pragma: no cover - the union is exhaustive


def _units_like(unit: str | None) -> list[str]:
    if unit is None:
        return []
    dimension = UNITS[unit][0]
    return [u for u, (d, _) in UNITS.items() if d == dimension]


def _shuffled(items: list[Item], rng: random.Random) -> list[Item]:
    """Shuffled uniformly. Never showing the right order would give it away: with two
    items, the reverse of what is shown would always be the answer."""
    rng.shuffle(items)
    return items


def _draw(spec: FormulaSpec, attempt: Attempt, salt: str) -> dict[str, float]:
    rng = attempt.rng(salt)
    return {name: spec.parameters[name].draw(rng) for name in sorted(spec.parameters)}


# -- grading ----------------------------------------------------------------------


def grade(spec: QuestionSpec, response: dict[str, Any], attempt: Attempt, salt: str = "") -> Grade:
    """The score of a learner's response, from the stored spec alone."""
    if not isinstance(response, dict):
        raise BadAnswer()
    match spec:
        case ChoiceSpec():
            return _grade_choices(spec, response)
        case NumericSpec():
            answer = parse_quantity(_text(response, "value"), _optional_text(response, "unit"))
            ok = within(
                answer, Quantity(spec.answer, spec.unit), spec.tolerance, relative=spec.relative
            )
            return Grade(Fraction(int(ok)))
        case TextSpec():
            given = _normalise(_text(response, "text"), spec.case_sensitive)
            ok = any(given == _normalise(a, spec.case_sensitive) for a in spec.accepted)
            return Grade(Fraction(int(ok)))
        case OrderingSpec():
            return _grade_order(spec, response)
        case SkySpec():
            altitude = _number(response, "altitude", -90, 90)
            azimuth = _number(response, "azimuth", -360, 360)
            target = apparent_altaz(spec.target, spec.latitude, spec.longitude, spec.at)
            ok = separation_degrees((altitude, azimuth), target) <= spec.tolerance_degrees
            return Grade(Fraction(int(ok)))
        case FormulaSpec():
            answer = parse_quantity(_text(response, "value"), _optional_text(response, "unit"))
            value = expressions.evaluate(
                expressions.compile_formula(spec.formula, set(spec.parameters)),
                _draw(spec, attempt, salt),
            )
            expected = Quantity(Decimal(repr(value)), spec.unit)
            return Grade(Fraction(int(within(answer, expected, spec.tolerance, relative=True))))
        case EventSpec():
            return _grade_event(spec, response, attempt)
    raise BadQuestion()  # pragma: no cover


def _grade_choices(spec: ChoiceSpec, response: dict[str, Any]) -> Grade:
    chosen = response.get("choices")
    if not isinstance(chosen, list) or not all(isinstance(c, str) for c in chosen):
        raise BadAnswer("Choose an option.", field="choices")
    by_id = {c.id: c for c in spec.choices}
    picked = set(chosen)
    if not picked <= by_id.keys():
        raise BadAnswer("That option is not part of this question.", field="choices")
    if spec.kind == "single" and len(picked) != 1:
        raise BadAnswer("Choose one option.", field="choices")
    right = {c.id for c in spec.choices if c.correct}
    score = Fraction(len(picked & right) - len(picked - right), len(right))
    feedback = tuple(by_id[c].feedback for c in sorted(picked) if by_id[c].feedback)
    return Grade(max(score, Fraction(0)), feedback)


def _grade_order(spec: OrderingSpec, response: dict[str, Any]) -> Grade:
    order = response.get("order")
    position = {item.id: n for n, item in enumerate(spec.items)}
    if (
        not isinstance(order, list)
        or len(order) != len(position)
        or not all(isinstance(i, str) for i in order)
        or set(order) != position.keys()
    ):
        raise BadAnswer("Put every item in order, each once.", field="order")
    return Grade(Fraction(_longest_increasing([position[i] for i in order]), len(order)))


def _longest_increasing(values: list[int]) -> int:
    tails: list[int] = []
    for v in values:
        lo, hi = 0, len(tails)
        while lo < hi:
            mid = (lo + hi) // 2
            if tails[mid] < v:
                lo = mid + 1
            else:
                hi = mid
        tails[lo : lo + 1] = [v]
    return len(tails)


def _grade_event(spec: EventSpec, response: dict[str, Any], attempt: Attempt) -> Grade:
    if attempt.latitude is None or attempt.longitude is None:
        raise BadAnswer("Say where you are before answering.", field="place")
    raw = _text(response, "time")
    try:
        given = datetime.fromisoformat(raw.strip().replace("Z", "+00:00"))
    except ValueError:
        raise BadAnswer("Give the time as 2026-03-01T21:05+01:00.", field="time") from None
    if given.tzinfo is None:
        raise BadAnswer("Give the time with its offset from UTC.", field="time")
    expected = next_event(
        spec.body, spec.event, attempt.latitude, attempt.longitude, attempt.started_at
    )
    if expected is None:
        # The body does not rise (or set) in the next day there: any time is wrong.
        return Grade(Fraction(0), ("It does not happen in the next 24 hours there.",))
    ok = abs(given - expected) <= timedelta(minutes=spec.tolerance_minutes)
    return Grade(Fraction(int(ok)))


def _text(response: dict[str, Any], key: str) -> str:
    value = response.get(key)
    if not isinstance(value, str):
        raise BadAnswer(field=key)
    if len(value) > MAX_TEXT_ANSWER:
        raise BadAnswer(f"Answer in at most {MAX_TEXT_ANSWER} characters.", field=key)
    if _UNSTORABLE.search(value):
        raise BadAnswer("The answer holds characters that cannot be stored.", field=key)
    return value


def _optional_text(response: dict[str, Any], key: str) -> str | None:
    return None if response.get(key) in (None, "") else _text(response, key)


def _number(response: dict[str, Any], key: str, low: float, high: float) -> float:
    value = response.get(key)
    if isinstance(value, str):
        value = float(parse_number(value))
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise BadAnswer(field=key)
    if not low <= value <= high:
        raise BadAnswer(f"{key.capitalize()} must be between {low} and {high} degrees.", field=key)
    return float(value)


# NUL and other control characters (but tab and line breaks), and lone surrogates.
_UNSTORABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")
_EDGE_PUNCTUATION = re.compile(r"^[\W_]+|[\W_]+$", re.UNICODE)


def _normalise(text: str, case_sensitive: bool) -> str:
    text = " ".join(unicodedata.normalize("NFKC", text).split())
    text = _EDGE_PUNCTUATION.sub("", text)
    return text if case_sensitive else text.casefold()


def validate_place(latitude: float | None, longitude: float | None) -> None:
    """A place a learner gives for questions about their own sky: both, on Earth."""
    if latitude is None or longitude is None:
        raise BadAnswer("Give both latitude and longitude.", field="place")
    kit_ephemeris.validate_observer(latitude, longitude, BadAnswer)


# -- the sky -------------------------------------------------------------------------


@cache
def sky_targets() -> dict[str, dict[str, Any]]:
    """Messier objects and named stars to magnitude 6 (J2000), by name."""
    data = resources.files("cosmostream.data").joinpath("space", "sky-targets.json").read_bytes()
    targets: dict[str, dict[str, Any]] = json.loads(data)
    return targets


@lru_cache(maxsize=4096)
def apparent_altaz(
    target: str, latitude: float, longitude: float, at: datetime
) -> tuple[float, float]:
    """Where `target` stands for the observer: (altitude, azimuth) in degrees,
    geometric (no refraction), azimuth from north through east.

    Cached: a sky question's spec is checked (target above the horizon) each
    time it is read, so one submission asked for the same position up to six
    times, each a Skyfield reduction of a few milliseconds."""
    from skyfield.api import Star, wgs84

    eph = kit_ephemeris.ephemeris()
    t = kit_ephemeris.timescale().from_datetime(aware(at).astimezone(UTC))
    observer = eph["earth"] + wgs84.latlon(latitude, longitude)
    if target in SOLAR_SYSTEM:
        body: Any = eph[SOLAR_SYSTEM[target]]
    else:
        entry = sky_targets()[target]
        body = Star(ra_hours=entry["ra"] / 15.0, dec_degrees=entry["dec"])
    alt, az, _ = observer.at(t).observe(body).apparent().altaz()
    return float(alt.degrees), float(az.degrees)


def separation_degrees(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle angle between two (altitude, azimuth) directions, in degrees."""
    alt1, az1, alt2, az2 = map(math.radians, (*a, *b))
    cos_angle = math.sin(alt1) * math.sin(alt2) + math.cos(alt1) * math.cos(alt2) * math.cos(
        az1 - az2
    )
    return math.degrees(math.acos(max(-1.0, min(1.0, cos_angle))))


def next_event(
    body: str, event: str, latitude: float, longitude: float, after: datetime
) -> datetime | None:
    """The next rise, set or transit of a solar-system body within 24 h of `after`."""
    from skyfield import almanac
    from skyfield.api import wgs84

    eph = kit_ephemeris.ephemeris()
    ts = kit_ephemeris.timescale()
    start = aware(after).astimezone(UTC)
    t0, t1 = ts.from_datetime(start), ts.from_datetime(start + timedelta(hours=24))
    observer = eph["earth"] + wgs84.latlon(latitude, longitude)
    target = eph[SOLAR_SYSTEM[body]]
    if event == "transit":
        times = almanac.find_transits(observer, target, t0, t1)
    else:
        find = almanac.find_risings if event == "rise" else almanac.find_settings
        times, real = find(observer, target, t0, t1)
        times = times[real]
    if len(times) == 0:
        return None
    moment: datetime = times[0].utc_datetime()
    return moment.replace(microsecond=0)
