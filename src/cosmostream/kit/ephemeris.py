"""The timescale and the DE421 ephemeris, loaded once per process and offline.

DE421 ships inside the `skyfield-data` wheel; Skyfield's built-in ΔT and
leap-second tables are used instead of downloading IERS files, so nothing here
ever touches the network.
"""

from __future__ import annotations

import math
import warnings
from functools import lru_cache
from typing import Any

from skyfield.api import Loader, Timescale, load_constellation_map, load_constellation_names

AU_KM = 149_597_870.7  # the IAU astronomical unit


@lru_cache(maxsize=1)
def _loader() -> Loader:
    with warnings.catch_warnings():
        # skyfield-data warns that its IERS file has "expired"; we never use it.
        warnings.simplefilter("ignore", RuntimeWarning)
        import skyfield_data

        path = skyfield_data.get_skyfield_data_path()
    return Loader(path, verbose=False)


@lru_cache(maxsize=1)
def timescale() -> Timescale:
    """Skyfield's timescale with its built-in ΔT / leap seconds (no download)."""
    return _loader().timescale(builtin=True)


@lru_cache(maxsize=1)
def ephemeris() -> Any:
    """The DE421 planetary ephemeris (1900 to 2050) from the skyfield-data wheel."""
    return _loader()("de421.bsp")


@lru_cache(maxsize=1)
def constellation_map() -> Any:
    """Position → IAU constellation abbreviation (Skyfield's shipped boundaries)."""
    return load_constellation_map()


@lru_cache(maxsize=1)
def constellation_names() -> dict[str, str]:
    """IAU abbreviation → constellation name."""
    return dict(load_constellation_names())


def validate_observer(latitude: float, longitude: float, error: type[Exception]) -> None:
    """Refuse a place that is not on Earth, with `error(message, field=…)`."""
    if not (math.isfinite(latitude) and -90.0 <= latitude <= 90.0):
        raise error("Latitude must be between -90 and 90 degrees.", field="lat")  # type: ignore[call-arg]
    if not (math.isfinite(longitude) and -180.0 <= longitude <= 180.0):
        raise error("Longitude must be between -180 and 180 degrees.", field="lon")  # type: ignore[call-arg]
