from __future__ import annotations

import pytest

from cosmostream.kit.agents import describe
from cosmostream.kit.ids import parse_uuid, uuid7


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
