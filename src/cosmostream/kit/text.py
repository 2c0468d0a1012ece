"""Text that users write: the checks every domain applies the same way."""

from __future__ import annotations

from cosmostream.errors import ValidationFailed


def clean_text(body: str, maximum: int, what: str) -> str:
    """Multi-line user text: line breaks normalised, trimmed, 1 to `maximum` characters."""
    text = body.replace("\r\n", "\n").replace("\r", "\n").strip()
    if not text:
        raise ValidationFailed("Write something first.", field="body")
    if len(text) > maximum:
        raise ValidationFailed(f"{what} can be at most {maximum:,} characters.", field="body")
    return text
