"""Text that users write: the checks every domain applies the same way."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from cosmostream.errors import BadText, ValidationFailed

# U+0000 cannot be stored by PostgreSQL, and a surrogate that is not half of a
# pair (JSON's "\ud800") cannot be encoded as UTF-8 by either database driver.
_BAD_TEXT = re.compile("[\x00\ud800-\udfff]")

KeyPath = tuple[str | int, ...]


def is_bad_text(value: str) -> bool:
    """Whether `value` holds a character no database can store (NUL, a lone surrogate)."""
    return _BAD_TEXT.search(value) is not None


def find_bad_text(value: Any) -> KeyPath | None:
    """The path to a string (a value or a key) with bad text inside decoded JSON
    (dicts, lists, strings), or None when there is none.

    Iterative, so JSON nested as deeply as its decoder allows cannot exhaust the stack."""
    stack: list[tuple[Any, KeyPath]] = [(value, ())]
    while stack:
        item, path = stack.pop()
        if isinstance(item, str):
            if is_bad_text(item):
                return path
        elif isinstance(item, Mapping):
            for key, child in item.items():
                if isinstance(key, str) and is_bad_text(key):
                    return (*path, key)
                stack.append((child, (*path, key)))
        elif isinstance(item, list | tuple):
            stack.extend((child, (*path, index)) for index, child in enumerate(item))
    return None


def refuse_bad_text(value: Any, field: str | None = None) -> None:
    """Raise `BadText` when a string inside `value` holds bad text.

    `field` names the input; without one, the last key on the way to the bad
    string does."""
    path = find_bad_text(value)
    if path is None:
        return
    if field is None:
        # Never a key that is itself the bad text: it would be echoed back.
        named = (key for key in reversed(path) if isinstance(key, str) and not is_bad_text(key))
        field = next(named, None)
    raise BadText(field=field)


def clean_text(body: str, maximum: int, what: str) -> str:
    """Multi-line user text: line breaks normalised, trimmed, 1 to `maximum` characters."""
    text = body.replace("\r\n", "\n").replace("\r", "\n").strip()
    if not text:
        raise ValidationFailed("Write something first.", field="body")
    if len(text) > maximum:
        raise ValidationFailed(f"{what} can be at most {maximum:,} characters.", field="body")
    return text
