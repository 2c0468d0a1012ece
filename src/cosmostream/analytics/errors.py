"""The analytics domain's expected failures."""

from __future__ import annotations

from cosmostream.errors import AppError, NotFound


class AnalyticsNotFound(NotFound):
    """A scope that does not exist, or that the actor may not read (it looks missing)."""

    code = "analytics_not_found"
    message = "We could not find those analytics."


class BadRange(AppError):
    status = 400
    code = "bad_range"
    message = "That date range is not valid."


class BadTimeZone(AppError):
    status = 400
    code = "bad_time_zone"
    message = "That time zone is not known."


class UnknownChart(AppError):
    status = 400
    code = "unknown_chart"
    message = "There is no such chart."
