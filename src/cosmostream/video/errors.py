from __future__ import annotations

from cosmostream.errors import (
    AppError,
    BadRequest,
    Conflict,
    NotFound,
    PayloadTooLarge,
    PermissionDenied,
)


class VideoNotFound(NotFound):
    code = "video_not_found"
    message = "That video does not exist."


class UploadNotFound(NotFound):
    code = "upload_not_found"
    message = "That upload does not exist or has expired."


class OffsetMismatch(Conflict):
    code = "offset_mismatch"
    message = "Upload-Offset does not match the server's offset."


class EmptyUpload(BadRequest):
    code = "empty_upload"
    message = "This file is empty."


class UploadLengthMismatch(Conflict):
    code = "upload_length_mismatch"
    message = "The upload's length must be the size declared for the video."


class UploadTooLarge(PayloadTooLarge):
    code = "upload_too_large"


class QuotaExceeded(PayloadTooLarge):
    code = "quota_exceeded"
    message = "This upload would take you over your storage quota."


class ChecksumMismatch(AppError):
    status = 460
    code = "checksum_mismatch"
    message = "The chunk's checksum does not match; it was discarded."


class InvalidVideoState(Conflict):
    code = "invalid_video_state"


class PremiumRequired(PermissionDenied):
    """A premium video's full media, or the 4K rung, without the entitlement for it."""

    code = "premium_required"
    message = "This needs a premium plan. See /pricing."
