"""The quiz editor's plain form fields ↔ a question's grading spec (grading.py).

A form without JavaScript cannot post nested JSON, so each kind of question
has flat fields: options as rows of text with a "correct" box, accepted
answers and ordering items one per line, parameters as `name low high step`
lines. `spec_from_form` builds the spec (checked afterwards by
`grading.parse_spec`, which names the field); `form_from_spec` fills the
form again to edit a question. Both are for the author only: the learner's
view of a question is always `grading.present`.
"""

from __future__ import annotations

import string
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

from cosmostream.learning.errors import BadQuestion

# The kinds an author chooses from, as the form names them.
KINDS: dict[str, str] = {
    "single": "Single choice",
    "multiple": "Multiple choice",
    "numeric": "Number (with tolerance and unit)",
    "text": "Short text",
    "ordering": "Put in order",
    "sky": "Point the sky map",
    "formula": "Computed per learner: formula",
    "event": "Computed per learner: rise, set or transit",
}
MAX_CHOICE_ROWS = 12
Getter = Callable[[str], str]
ListGetter = Callable[[str], list[str]]


def _lines(value: str) -> list[str]:
    return [line.strip() for line in value.replace("\r\n", "\n").split("\n") if line.strip()]


def _number(value: str, field: str) -> float:
    try:
        number = float(value.strip())
    except ValueError:
        raise BadQuestion("Give a number.", field=field) from None
    if number != number or number in (float("inf"), float("-inf")):
        raise BadQuestion("Give a number.", field=field)
    return number


def _utc(value: str, field: str) -> str:
    """A `datetime-local` value (read as UTC) or an ISO time with its offset."""
    try:
        at = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        raise BadQuestion("Give a date and time.", field=field) from None
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    return at.isoformat()


def spec_from_form(get: Getter, get_all: ListGetter) -> dict[str, Any]:
    """The spec a question form describes (not yet checked by `parse_spec`)."""
    kind = get("kind")
    explanation = get("explanation").strip()
    spec: dict[str, Any]
    match kind:
        case "single" | "multiple":
            texts = get_all("choice_text")
            correct = set(get_all("choice_correct"))
            choices = []
            for n, text in enumerate(texts[:MAX_CHOICE_ROWS]):
                if text.strip():
                    choices.append(
                        {
                            "id": string.ascii_lowercase[n],
                            "text": text.strip(),
                            "correct": str(n) in correct,
                        }
                    )
            spec = {"kind": kind, "choices": choices, "shuffle": get("shuffle") == "on"}
        case "numeric":
            spec = {
                "kind": "numeric",
                "answer": get("answer").strip() or "x",
                "tolerance": get("tolerance").strip() or "0",
                "relative": get("relative") == "on",
            }
            if get("unit").strip():
                spec["unit"] = get("unit").strip()
        case "text":
            spec = {
                "kind": "text",
                "accepted": _lines(get("accepted")),
                "case_sensitive": get("case_sensitive") == "on",
            }
        case "ordering":
            items = _lines(get("items"))
            spec = {
                "kind": "ordering",
                "items": [{"id": f"i{n}", "text": text} for n, text in enumerate(items, start=1)],
            }
        case "sky":
            spec = {
                "kind": "sky",
                "target": get("target").strip(),
                "latitude": _number(get("latitude"), "latitude"),
                "longitude": _number(get("longitude"), "longitude"),
                "at": _utc(get("at"), "at"),
                "tolerance_degrees": _number(get("tolerance_degrees") or "2", "tolerance_degrees"),
            }
        case "formula":
            parameters: dict[str, dict[str, float]] = {}
            for line in _lines(get("parameters")):
                parts = line.split()
                if len(parts) != 4:
                    raise BadQuestion(
                        "Write each parameter as: name low high step.", field="parameters"
                    )
                parameters[parts[0]] = {
                    "low": _number(parts[1], "parameters"),
                    "high": _number(parts[2], "parameters"),
                    "step": _number(parts[3], "parameters"),
                }
            spec = {
                "kind": "computed",
                "mode": "formula",
                "parameters": parameters,
                "formula": get("formula").strip(),
                "tolerance": get("formula_tolerance").strip() or "0.01",
            }
            if get("unit").strip():
                spec["unit"] = get("unit").strip()
        case "event":
            spec = {
                "kind": "computed",
                "mode": "event",
                "body": get("body").strip(),
                "event": get("event").strip(),
                "tolerance_minutes": int(
                    _number(get("tolerance_minutes") or "5", "tolerance_minutes")
                ),
            }
        case _:
            raise BadQuestion("Choose a kind of question.", field="kind")
    if explanation:
        spec["explanation"] = explanation
    return spec


def form_kind(spec: Mapping[str, Any]) -> str:
    kind = str(spec.get("kind", ""))
    if kind == "computed":
        return "event" if spec.get("mode") == "event" else "formula"
    return kind


def form_from_spec(spec: Mapping[str, Any]) -> dict[str, Any]:
    """The form's values for an existing question (the author's own view: answers shown)."""
    kind = form_kind(spec)
    values: dict[str, Any] = {"kind": kind, "explanation": spec.get("explanation", "")}
    match kind:
        case "single" | "multiple":
            choices = list(spec.get("choices", []))
            values["choices"] = [
                {"text": c.get("text", ""), "correct": bool(c.get("correct"))} for c in choices
            ]
            values["shuffle"] = spec.get("shuffle", True)
        case "numeric":
            values.update(
                answer=str(spec.get("answer", "")),
                tolerance=str(spec.get("tolerance", "0")),
                unit=spec.get("unit") or "",
                relative=bool(spec.get("relative")),
            )
        case "text":
            values.update(
                accepted="\n".join(spec.get("accepted", [])),
                case_sensitive=bool(spec.get("case_sensitive")),
            )
        case "ordering":
            values["items"] = "\n".join(i.get("text", "") for i in spec.get("items", []))
        case "sky":
            values.update(
                target=spec.get("target", ""),
                latitude=spec.get("latitude", ""),
                longitude=spec.get("longitude", ""),
                at=str(spec.get("at", ""))[:16],
                tolerance_degrees=spec.get("tolerance_degrees", 2.0),
            )
        case "formula":
            values.update(
                parameters="\n".join(
                    f"{name} {p['low']:g} {p['high']:g} {p['step']:g}"
                    for name, p in dict(spec.get("parameters", {})).items()
                ),
                formula=spec.get("formula", ""),
                formula_tolerance=str(spec.get("tolerance", "0.01")),
                unit=spec.get("unit") or "",
            )
        case "event":
            values.update(
                body=spec.get("body", ""),
                event=spec.get("event", "rise"),
                tolerance_minutes=spec.get("tolerance_minutes", 5),
            )
    return values


def form_from_post(get: Getter, get_all: ListGetter) -> dict[str, Any]:
    """What the author typed, to show the form again after a refusal."""
    correct = set(get_all("choice_correct"))
    values: dict[str, Any] = {
        name: get(name)
        for name in (
            "kind",
            "explanation",
            "answer",
            "tolerance",
            "unit",
            "accepted",
            "items",
            "target",
            "latitude",
            "longitude",
            "at",
            "tolerance_degrees",
            "parameters",
            "formula",
            "formula_tolerance",
            "body",
            "event",
            "tolerance_minutes",
            "prompt",
            "points",
            "at_seconds",
        )
    }
    values["choices"] = [
        {"text": text, "correct": str(n) in correct}
        for n, text in enumerate(get_all("choice_text")[:MAX_CHOICE_ROWS])
    ]
    for flag in ("shuffle", "relative", "case_sensitive", "required"):
        values[flag] = get(flag) == "on"
    return values
