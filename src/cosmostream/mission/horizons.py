"""JPL Horizons vector tables: the API request, the `$$SOE … $$EOE` parser and
interpolation between the table's rows.

Tables are geocentric (CENTER='500@399'), in km and km/s on ICRF axes
(REF_PLANE='FRAME'), so the Earth's heliocentric state from DE421 can be added
to get distances from the Sun.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import numpy as np

from cosmostream.mission.errors import FetchFailed

LIGHT_KM_S = 299_792.458
_NUMBER = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[EeDd][-+]?\d+)?"
_PAIR = re.compile(r"\b(X|Y|Z|VX|VY|VZ)\s*=\s*(" + _NUMBER + ")")
_EPOCH = re.compile(r"^\s*(\d{7}\.\d+)\s*=")


class HorizonsParseError(ValueError):
    pass


@dataclass(frozen=True)
class VectorTable:
    """Rows of [jd_tdb, x, y, z, vx, vy, vz], sorted by time."""

    rows: np.ndarray[Any, np.dtype[np.float64]]

    @property
    def start_jd(self) -> float:
        return float(self.rows[0, 0])

    @property
    def stop_jd(self) -> float:
        return float(self.rows[-1, 0])

    @classmethod
    def from_rows(cls, rows: list[list[float]]) -> VectorTable:
        array = np.asarray(rows, dtype=np.float64)
        if array.ndim != 2 or array.shape[1] != 7 or len(array) < 2:
            raise HorizonsParseError("a vector table needs at least two rows of 7 numbers")
        return cls(array[np.argsort(array[:, 0])])

    def state(self, jd_tdb: float) -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any], bool]:
        """Position (km) and velocity (km/s) at `jd_tdb`, and whether it was extrapolated.

        Inside the table: cubic Hermite interpolation on positions and
        velocities (exact to the table's own precision for smooth motion).
        Outside: a straight line from the nearest row, flagged.
        """
        rows = self.rows
        if jd_tdb <= rows[0, 0] or jd_tdb >= rows[-1, 0]:
            row = rows[0] if jd_tdb <= rows[0, 0] else rows[-1]
            dt = (jd_tdb - row[0]) * 86400.0
            return row[1:4] + row[4:7] * dt, row[4:7].copy(), abs(dt) > 1.0
        i = int(np.searchsorted(rows[:, 0], jd_tdb)) - 1
        a, b = rows[i], rows[i + 1]
        h = (b[0] - a[0]) * 86400.0
        s = (jd_tdb - a[0]) * 86400.0 / h
        p0, p1, v0, v1 = a[1:4], b[1:4], a[4:7] * h, b[4:7] * h
        h00, h10 = 2 * s**3 - 3 * s**2 + 1, s**3 - 2 * s**2 + s
        h01, h11 = -2 * s**3 + 3 * s**2, s**3 - s**2
        position = h00 * p0 + h10 * v0 + h01 * p1 + h11 * v1
        d00, d10 = 6 * s**2 - 6 * s, 3 * s**2 - 4 * s + 1
        d01, d11 = -6 * s**2 + 6 * s, 3 * s**2 - 2 * s
        velocity = (d00 * p0 + d10 * v0 + d01 * p1 + d11 * v1) / h
        return position, velocity, False


def parse_vectors(text: str) -> list[list[float]]:
    """The rows between `$$SOE` and `$$EOE` of a Horizons VECTORS result (any VEC_TABLE
    with positions and velocities, text not CSV)."""
    try:
        body = text.split("$$SOE", 1)[1].split("$$EOE", 1)[0]
    except IndexError:
        first = next((line.strip() for line in text.splitlines() if line.strip()), "")
        raise HorizonsParseError(f"no $$SOE/$$EOE block ({first[:120]})") from None
    rows: list[list[float]] = []
    current: dict[str, float] | None = None
    jd = 0.0

    def flush() -> None:
        if current is None:
            return
        missing = {"X", "Y", "Z", "VX", "VY", "VZ"} - current.keys()
        if missing:
            raise HorizonsParseError(f"row at JD {jd} lacks {sorted(missing)}")
        rows.append([jd, *(current[k] for k in ("X", "Y", "Z", "VX", "VY", "VZ"))])

    for line in body.splitlines():
        epoch = _EPOCH.match(line)
        if epoch:
            flush()
            jd, current = float(epoch.group(1)), {}
            continue
        if current is None:
            continue
        for key, value in _PAIR.findall(line):
            current[key] = float(value.replace("D", "E").replace("d", "e"))
    flush()
    if len(rows) < 2:
        raise HorizonsParseError("the table has fewer than two rows")
    return rows


def parse_api_response(body: bytes | str) -> list[list[float]]:
    """Rows from a `horizons.api?format=json` response (errors raise `FetchFailed`)."""
    try:
        data = json.loads(body)
    except ValueError:
        raise FetchFailed("Horizons sent something that is not JSON.") from None
    if not isinstance(data, dict):
        raise FetchFailed("Horizons sent an unexpected JSON document.")
    if data.get("error"):
        raise FetchFailed(f"Horizons: {str(data['error'])[:300]}")
    result = data.get("result")
    if not isinstance(result, str):
        raise FetchFailed("Horizons sent no result.")
    try:
        return parse_vectors(result)
    except HorizonsParseError as exc:
        raise FetchFailed(f"Horizons: {exc}") from None


def api_params(target: str, start: datetime, days: int) -> dict[str, str]:
    """Query parameters for a daily geocentric vector table of `target`."""
    stop = start + timedelta(days=days)
    return {
        "format": "json",
        "COMMAND": f"'{target}'",
        "OBJ_DATA": "'NO'",
        "MAKE_EPHEM": "'YES'",
        "EPHEM_TYPE": "'VECTORS'",
        "CENTER": "'500@399'",
        "REF_PLANE": "'FRAME'",
        "REF_SYSTEM": "'ICRF'",
        "VEC_TABLE": "'3'",
        "VEC_CORR": "'NONE'",
        "OUT_UNITS": "'KM-S'",
        "CSV_FORMAT": "'NO'",
        "START_TIME": f"'{start:%Y-%m-%d}'",
        "STOP_TIME": f"'{stop:%Y-%m-%d}'",
        "STEP_SIZE": "'1 d'",
    }
