"""The Horizons vector-table parser and interpolation."""

from __future__ import annotations

import json

import numpy as np
import pytest

from cosmostream.mission import horizons
from cosmostream.mission.errors import FetchFailed
from cosmostream.mission.service import shipped_table
from tests.mission.conftest import fixture_bytes


def test_parses_the_api_fixture() -> None:
    rows = horizons.parse_api_response(fixture_bytes("horizons-jwst.json"))
    assert len(rows) == 10
    jd, x, y, z, vx, vy, vz = rows[0]
    assert jd == 2461374.5  # 2026-Nov-30 00:00 TDB
    distance = float(np.linalg.norm([x, y, z]))
    assert 1.2e6 < distance < 1.9e6  # JWST near Sun-Earth L2
    assert abs(vx) < 2 and abs(vy) < 2 and abs(vz) < 2
    assert [r[0] for r in rows] == [2461374.5 + i for i in range(10)]


def test_parses_vec_table_2_and_fortran_exponents() -> None:
    text = """header
$$SOE
2461378.500000000 = A.D. 2026-Dec-04 00:00:00.0000 TDB
 X = 1.0E+06 Y =-2.0E+05 Z = 3.0D+04
 VX= 1.0E-01 VY=-2.0E-01 VZ= 0.0E+00
2461379.500000000 = A.D. 2026-Dec-05 00:00:00.0000 TDB
 X = 1.1E+06 Y =-2.1E+05 Z = 3.1D+04
 VX= 1.0E-01 VY=-2.0E-01 VZ= 0.0E+00
$$EOE
footer"""
    rows = horizons.parse_vectors(text)
    assert rows[0] == [2461378.5, 1.0e6, -2.0e5, 3.0e4, 0.1, -0.2, 0.0]
    assert rows[1][1] == 1.1e6


@pytest.mark.parametrize(
    "body",
    [
        b"not json",
        b"[1, 2]",
        fixture_bytes("horizons-error.json"),
        json.dumps({"result": "No matches found.\n"}).encode(),
        json.dumps({"result": "$$SOE\n2461378.5 = A.D.\n X = 1.0E+00\n$$EOE"}).encode(),
    ],
)
def test_unusable_responses_are_fetch_errors(body: bytes) -> None:
    with pytest.raises(FetchFailed):
        horizons.parse_api_response(body)


def test_interpolation_is_smooth_and_matches_rows() -> None:
    table = shipped_table("-170")
    assert table is not None
    row = table.rows[40]
    position, velocity, extrapolated = table.state(float(row[0]))
    assert not extrapolated
    assert np.allclose(position, row[1:4]) and np.allclose(velocity, row[4:7])
    # Halfway between rows the Hermite curve stays between the neighbours' distances.
    mid, _, _ = table.state(float(row[0]) + 0.5)
    a, b = np.linalg.norm(row[1:4]), np.linalg.norm(table.rows[41][1:4])
    assert min(a, b) - 5e3 < np.linalg.norm(mid) < max(a, b) + 5e3
    _, _, outside = table.state(table.stop_jd + 3)
    assert outside


def test_shipped_tables_are_plausible() -> None:
    voyager = shipped_table("-31")
    assert voyager is not None
    p, v, _ = voyager.state(2461379.0)
    assert 2.4e10 < np.linalg.norm(p) < 2.7e10  # ~170 AU
    assert 10 < np.linalg.norm(v) < 60
