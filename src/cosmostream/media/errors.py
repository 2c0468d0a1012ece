"""Errors raised by the media engine.

Two families with different fates: a `MediaRejected` is final (the upload is
not a video we accept, and retrying cannot change that), while a
`TranscodeFailed` is our problem and may be retried when `transient` is set.
Messages are shown to the creator, so they say what is wrong in plain words;
technical detail (ffmpeg's stderr) goes to `detail`, which only the logs see.
"""

from __future__ import annotations

from cosmostream.errors import AppError


class MediaRejected(AppError):
    """The upload is refused for good; `message` is the reason shown to the creator."""

    status = 422
    code = "media_rejected"
    message = "This file cannot be used as a video."


class UnreadableMedia(MediaRejected):
    status = 422
    code = "unreadable_media"
    message = "This file is not a video we can read."


class UnsupportedMedia(MediaRejected):
    status = 415
    code = "unsupported_media"
    message = (
        "This type of file is not supported. Upload an MP4, MOV, MKV, WebM, AVI or "
        "MPEG-TS video encoded with H.264, HEVC, VP9 or AV1."
    )


class MediaTooLarge(MediaRejected):
    status = 413
    code = "media_too_large"
    message = "This video is too large."


class TranscodeFailed(AppError):
    """Encoding did not finish. `transient` says whether a retry may succeed."""

    status = 500
    code = "transcode_failed"
    message = "Processing the video failed."

    def __init__(
        self, message: str | None = None, *, transient: bool = False, detail: str = ""
    ) -> None:
        super().__init__(message)
        self.transient = transient
        self.detail = detail

    def __str__(self) -> str:
        # str() is what log lines print; the creator only ever sees `.message`,
        # so ffmpeg's stderr tail can live here without leaking into the UI.
        if self.detail:
            return f"{self.message}\n{self.detail}"
        return self.message


class OriginalMissing(TranscodeFailed):
    """The stored original is gone, so no retry can succeed."""

    code = "original_missing"


class TranscodeTimeout(TranscodeFailed):
    code = "transcode_timeout"
    message = "Processing the video took too long."
