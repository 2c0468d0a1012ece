from __future__ import annotations

from cosmostream.errors import AppError, NotFound, ValidationFailed


class MissionNotFound(NotFound):
    code = "mission_not_found"
    message = "That mission does not exist."


class ElementsUnavailable(NotFound):
    code = "elements_unavailable"
    message = "No orbital elements are known for that satellite."


class BadObserver(ValidationFailed):
    code = "bad_observer"
    message = "That observer location or time range is not valid."


class FetchFailed(AppError):
    """A third-party service (CelesTrak, Horizons) failed or sent something unusable."""

    status = 502
    code = "fetch_failed"
    message = "The data source did not answer usefully."
