"""What can be reported, and the reporter's reason."""

from __future__ import annotations

import enum

from cosmostream.errors import ValidationFailed

MAX_REPORT_REASON = 500


class ReportSubject(enum.StrEnum):
    """The kinds of things one can report; each is a column of `reports`."""

    COMMENT = "comment"
    POST = "post"
    CHAT_MESSAGE = "chat_message"


def clean_report_reason(reason: str) -> str:
    """One line of at most 500 characters; empty is allowed."""
    text = " ".join(reason.split())
    if len(text) > MAX_REPORT_REASON:
        raise ValidationFailed(
            f"Keep the reason under {MAX_REPORT_REASON} characters.", field="reason"
        )
    return text
