"""Numbers and units as learners type them, read exactly.

A numeric answer is read as a `Decimal` and compared as an exact fraction,
never in binary floating point: a tolerance border must hold exactly (10 ± 0.1
accepts "10.1" and refuses "10.1000001"), which `float` cannot promise. Units
convert by exact factors within one dimension (km/h is exactly 5/18 m/s); an
answer in another dimension is wrong, not an error.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from typing import Final

from cosmostream.learning.errors import BadAnswer

MAX_INPUT_CHARS: Final = 40
MAX_EXPONENT: Final = 99

# unit → (dimension, factor to the dimension's base unit). Factors are exact
# where the definition is (the IAU au, the Julian year, the light-year);
# the parsec is au * 648000/pi, to 20 digits.
UNITS: Final[dict[str, tuple[str, Fraction]]] = {
    "m": ("length", Fraction(1)),
    "km": ("length", Fraction(1000)),
    "au": ("length", Fraction(149_597_870_700)),
    "ly": ("length", Fraction(9_460_730_472_580_800)),
    "pc": ("length", Fraction("30856775814913672.789")),
    "kpc": ("length", Fraction("30856775814913672789")),
    "Mpc": ("length", Fraction("30856775814913672789000")),
    "s": ("time", Fraction(1)),
    "min": ("time", Fraction(60)),
    "h": ("time", Fraction(3600)),
    "d": ("time", Fraction(86400)),
    "yr": ("time", Fraction(31_557_600)),  # Julian year
    "deg": ("angle", Fraction(3600)),
    "arcmin": ("angle", Fraction(60)),
    "arcsec": ("angle", Fraction(1)),
    "m/s": ("speed", Fraction(1)),
    "km/s": ("speed", Fraction(1000)),
    "km/h": ("speed", Fraction(1000, 3600)),
    "kg": ("mass", Fraction(1)),
    "t": ("mass", Fraction(1000)),
    "K": ("temperature", Fraction(1)),
    "mag": ("magnitude", Fraction(1)),
}
# What learners type for them (compared case-sensitively after these).
ALIASES: Final[dict[str, str]] = {
    "metre": "m",
    "metres": "m",
    "meter": "m",
    "meters": "m",
    "kilometre": "km",
    "kilometres": "km",
    "kilometer": "km",
    "kilometers": "km",
    "AU": "au",
    "ua": "au",
    "light-year": "ly",
    "light-years": "ly",
    "lyr": "ly",
    "parsec": "pc",
    "parsecs": "pc",
    "sec": "s",
    "second": "s",
    "seconds": "s",
    "minute": "min",
    "minutes": "min",
    "hr": "h",
    "hour": "h",
    "hours": "h",
    "day": "d",
    "days": "d",
    "y": "yr",
    "year": "yr",
    "years": "yr",
    "a": "yr",
    "°": "deg",
    "degree": "deg",
    "degrees": "deg",
    "\u2032": "arcmin",  # prime
    "'": "arcmin",
    "\u2033": "arcsec",  # double prime
    '"': "arcsec",
    "m s-1": "m/s",
    "m·s⁻¹": "m/s",
    "km s-1": "km/s",
    "km·s⁻¹": "km/s",
    "kph": "km/h",
    "kilogram": "kg",
    "kilograms": "kg",
    "tonne": "t",
    "tonnes": "t",
    "kelvin": "K",
}
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d{1,3})?")
# 1.5x10^6 (with a multiplication sign, x, * or a middle dot), 1.5*10**6, 1.5*10 with
# a superscript 6 (superscripts are mapped first)
_TIMES_TEN = re.compile(
    r"^(?P<m>[+-]?(?:\d+(?:\.\d*)?|\.\d+))(?:\u00d7|x|\*|\u00b7)10(?:\^|\*\*)(?P<e>[+-]?\d{1,3})$"
)
_SUPERSCRIPTS = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹⁻⁺", "0123456789-+")


@dataclass(frozen=True)
class Quantity:
    value: Decimal
    unit: str | None  # a key of UNITS, or None for a pure number

    @property
    def dimension(self) -> str | None:
        return UNITS[self.unit][0] if self.unit else None

    def in_base(self) -> Fraction:
        """The value in the base unit of its dimension, exactly."""
        value = Fraction(self.value)
        return value * UNITS[self.unit][1] if self.unit else value


def parse_unit(text: str | None) -> str | None:
    """A unit as typed → its key in UNITS (None for no unit); unknown → BadAnswer."""
    if text is None:
        return None
    unit = unicodedata.normalize("NFC", text).strip()
    if not unit:
        return None
    unit = ALIASES.get(unit, ALIASES.get(unit.lower(), unit))
    if unit not in UNITS:
        raise BadAnswer(f"“{text[:20]}” is not a unit this question knows.", field="unit")
    return unit


def parse_number(text: str) -> Decimal:
    """A finite number as typed: 42, -0.5, 1.5e6, 1.5x10^6, 1 500 000, 3,14 (one comma
    and no point is a decimal comma). Anything else → BadAnswer."""
    raw = unicodedata.normalize("NFKC", text).strip()
    if not raw or len(raw) > MAX_INPUT_CHARS:
        raise BadAnswer("Type a number.", field="value")
    compact = re.sub(r"[\s_\u202f\u2009]", "", raw).translate(_SUPERSCRIPTS).replace("\u2212", "-")
    if compact.count(",") == 1 and "." not in compact:
        compact = compact.replace(",", ".")
    match = _TIMES_TEN.match(compact)
    if match:
        compact = f"{match['m']}e{match['e']}"
    if not _NUMBER.fullmatch(compact):
        raise BadAnswer("Type a number, like 42, 0.5 or 1.5e6.", field="value")
    try:
        value = Decimal(compact)
    except InvalidOperation:  # pragma: no cover - the pattern admits only valid literals
        raise BadAnswer("Type a number.", field="value") from None
    exponent = value.adjusted()
    if value and not -MAX_EXPONENT <= exponent <= MAX_EXPONENT:
        raise BadAnswer("That number is out of range.", field="value")
    return value


def parse_quantity(value: str, unit: str | None) -> Quantity:
    return Quantity(parse_number(value), parse_unit(unit))


def within(answer: Quantity, target: Quantity, tolerance: Decimal, *, relative: bool) -> bool:
    """|answer - target| <= tolerance, exactly, in the target's dimension.

    A relative tolerance is a fraction of |target| (0.05 is 5 %). An answer
    without a unit is read in the target's unit; one in another dimension is
    simply not within.
    """
    if answer.unit is None and target.unit is not None:
        answer = Quantity(answer.value, target.unit)
    if answer.dimension != target.dimension:
        return False
    difference = abs(answer.in_base() - target.in_base())
    if relative:
        allowed = abs(target.in_base()) * Fraction(tolerance)
    else:
        allowed = Quantity(tolerance, target.unit).in_base()
    return difference <= allowed
