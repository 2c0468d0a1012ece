"""The `AppError` hierarchy: expected failures with an HTTP status and a code.

Each transport has one renderer: JSON for REST, HTML pages, GraphQL extensions
and Socket.IO error payloads. Anything that is not an `AppError` is a bug: it
is logged and rendered as a generic 500 without details.
"""

from __future__ import annotations

from typing import Any


class AppError(Exception):
    status: int = 400
    code: str = "bad_request"
    message: str = "The request could not be processed."

    def __init__(
        self,
        message: str | None = None,
        *,
        code: str | None = None,
        status: int | None = None,
        field: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        self.message = message or type(self).message
        if code:
            self.code = code
        if status:
            self.status = status
        self.field = field
        self.headers = headers or {}
        super().__init__(self.message)

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.field:
            data["field"] = self.field
        return data


class BadRequest(AppError):
    pass


class ValidationFailed(AppError):
    status = 422
    code = "validation_failed"
    message = "Some fields are not valid."


class NotAuthenticated(AppError):
    status = 401
    code = "not_authenticated"
    message = "Please sign in."


class PermissionDenied(AppError):
    status = 403
    code = "forbidden"
    message = "You are not allowed to do that."


class NotFound(AppError):
    status = 404
    code = "not_found"
    message = "Not found."


class Conflict(AppError):
    status = 409
    code = "conflict"
    message = "That conflicts with the current state."


class PayloadTooLarge(AppError):
    status = 413
    code = "payload_too_large"
    message = "The request is too large."


class UnsupportedMediaType(AppError):
    status = 415
    code = "unsupported_media_type"
    message = "That type of content is not supported."


class TooManyRequests(AppError):
    status = 429
    code = "rate_limited"
    message = "Too many attempts. Please wait a moment and try again."

    def __init__(self, message: str | None = None, *, retry_after: int = 60) -> None:
        super().__init__(message, headers={"Retry-After": str(max(1, int(retry_after)))})
        self.retry_after = retry_after

    def to_dict(self) -> dict[str, Any]:
        return {**super().to_dict(), "retryAfter": max(1, int(self.retry_after))}


class BadText(AppError):
    """Text no database can store: NUL (PostgreSQL refuses it) or half a surrogate pair
    (no driver can encode it). Every transport refuses it before anything reads it."""

    status = 400
    code = "bad_text"
    message = "Text cannot contain NUL characters or unpaired surrogates."


class CsrfFailed(AppError):
    status = 403
    code = "csrf_failed"
    message = "Your form expired. Please reload the page and try again."


def render_json(error: AppError) -> dict[str, Any]:
    return {"error": error.to_dict()}


INTERNAL_ERROR_BODY = {"error": {"code": "internal_error", "message": "Something went wrong."}}
