from __future__ import annotations

import base64
import json
from datetime import UTC, datetime
from typing import Any

import pytest

from cosmostream.errors import BadText
from cosmostream.kit.agents import describe
from cosmostream.kit.ids import parse_uuid, uuid7
from cosmostream.kit.pagination import BadCursor, decode_after, decode_cursor, encode_cursor
from cosmostream.kit.text import find_bad_text, refuse_bad_text
from cosmostream.kit.time import utcnow


@pytest.mark.parametrize(
    ("agent", "expected"),
    [
        (
            "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/156.0.0.0 Safari/537.36",
            "Chrome on Linux",
        ),
        (
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0",
            "Firefox on Windows",
        ),
        (
            "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
            "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1",
            "Safari on iPhone",
        ),
        (
            "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/120.0.0.0 Safari/537.36 Edg/120.0.0.0",
            "Edge on macOS",
        ),
        ("python-httpx/0.28", "python-httpx/0.28"),
        ("", "Unknown device"),
    ],
)
def test_describe_user_agent(agent: str, expected: str) -> None:
    assert describe(agent) == expected


def test_uuid7_is_time_ordered_and_version_7() -> None:
    ids = [uuid7() for _ in range(200)]
    assert all(u.version == 7 for u in ids)
    assert [u.int >> 80 for u in ids] == sorted(u.int >> 80 for u in ids)
    assert len(set(ids)) == 200


def test_parse_uuid_rejects_garbage() -> None:
    assert parse_uuid("nope") is None
    u = uuid7()
    assert parse_uuid(str(u)) == u


def _raw_cursor(payload: str) -> str:
    return base64.urlsafe_b64encode(payload.encode()).decode().rstrip("=")


def test_only_cursors_exactly_as_made_decode() -> None:
    row = uuid7()
    made = encode_cursor("news", utcnow(), row)
    assert decode_cursor(made, "news")[1] == row
    raw = base64.urlsafe_b64decode(made + "=" * (-len(made) % 4)).decode()
    at = "2026-01-01T00:00:00+00:00"
    not_ours = [
        "",
        made + "=" * (-len(made) % 4 or 4),  # padded
        made + "!",  # base64 decoders skip stray characters
        _raw_cursor(raw.replace(",", ", ")),  # other JSON spacing
        _raw_cursor(raw.replace(str(row), str(row).upper())),
        _raw_cursor(f'["news",{{"t":"{at}"}} ,"{row}"]'),
        _raw_cursor(f'["news",{{"t":"2026-01-01T00:00:00"}},"{row}"]'),  # no offset
        _raw_cursor(f'["news",{{"t":"2026-01-01"}},"{row}"]'),  # a bare date
        _raw_cursor(f'["news",{{"t":"2026-01-01T00:00:00Z"}},"{row}"]'),
        _raw_cursor(f'["news",{{"t":"2026-01-01T01:00:00+01:00"}},"{row}"]'),
        _raw_cursor(f'["news",{{"t":"2026-01-01T00:00:00.000000+00:00"}},"{row}"]'),
        *(
            _raw_cursor(f'["news",{key},"{row}"]')
            for key in ("NaN", "Infinity", "-Infinity", "1e999", str(10**24), str(-(2**63) - 1))
        ),
    ]
    for cursor in not_ours:
        with pytest.raises(BadCursor):
            decode_cursor(cursor, "news")
    assert decode_cursor(_raw_cursor(f'["news",{{"t":"{at}"}},"{row}"]'), "news")[0] == (
        datetime(2026, 1, 1, tzinfo=UTC)
    )
    assert decode_cursor(_raw_cursor(f'["news",{2**63 - 1},"{row}"]'), "news")[0] == 2**63 - 1


def test_decode_after_checks_the_key_type() -> None:
    row = uuid7()
    assert decode_after(None, "s", int) is None
    with pytest.raises(BadCursor):
        decode_after("", "s", int)  # not the first page: not a cursor at all
    assert decode_after(encode_cursor("s", 7, row), "s", int) == (7, row)
    assert decode_after(encode_cursor("s", 7, row), "s", float) == (7.0, row)
    assert decode_after(encode_cursor("s", 2**31, row), "s", int) == (2**31, row)
    moment = utcnow()
    assert decode_after(encode_cursor("s", moment, row), "s", datetime) == (moment, row)
    assert decode_after(encode_cursor("s", "0|x", row), "s", str) == ("0|x", row)
    wrong = [
        (7.5, int),
        (True, int),
        (None, int),
        ("7", int),
        (moment, float),
        (2**53 + 1, float),  # not exactly a float
        (7, datetime),
        (7, str),
    ]
    for key, kind in wrong:
        with pytest.raises(BadCursor):
            decode_after(encode_cursor("s", key, row), "s", kind)
    # A key for an INTEGER column stays within 32 bits.
    with pytest.raises(BadCursor):
        decode_after(encode_cursor("s", 2**31, row), "s", int, int_bits=32)


def test_bad_text_is_found_anywhere_in_decoded_json() -> None:
    assert find_bad_text({"a": ["ok", {"b": "x\x00"}]}) == ("a", 1, "b")
    assert find_bad_text({"k\ud800": 1}) == ("k\ud800",)
    assert find_bad_text(json.loads('["\\ud800"]')) == (0,)
    # A pair is one character (U+1F600), and other control characters are storable.
    assert find_bad_text(json.loads('{"a": "\\ud83d\\ude00 \\u0001 \\t"}')) is None
    # Deeper than Python's recursion limit, without exhausting the stack.
    deep: Any = "\x00"
    for _ in range(5_000):
        deep = [deep]
    assert find_bad_text(deep) == (0,) * 5_000
    with pytest.raises(BadText) as raised:
        refuse_bad_text({"input": {"displayName": "\x00"}})
    assert (raised.value.status, raised.value.code, raised.value.field) == (
        400,
        "bad_text",
        "displayName",
    )
    # A key that is itself bad text is not echoed back as the field.
    with pytest.raises(BadText) as raised:
        refuse_bad_text({"input": {"bad\x00": "x"}})
    assert raised.value.field == "input"
