"""The Content-Security-Policy: on every response, strict, and naming the media hosts.

The browser tests (tests/e2e) run every page under it and fail on any violation;
these check the header itself and that no template needs an exception.
"""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest

from cosmostream.config import Settings
from cosmostream.web.security import content_security_policy

TEMPLATES = Path(__file__).resolve().parents[2] / "src" / "cosmostream" / "web" / "templates"


def directives(policy: str) -> dict[str, list[str]]:
    parsed: dict[str, list[str]] = {}
    for part in policy.split(";"):
        name, *values = part.split()
        parsed[name] = values
    return parsed


@pytest.mark.parametrize(
    "path", ["/", "/login", "/sky-map", "/forums", "/no-such-page", "/healthz", "/graphql"]
)
async def test_every_response_carries_a_strict_policy(client: httpx.AsyncClient, path: str) -> None:
    response = await client.get(path, headers={"accept": "text/html"})
    policy = directives(response.headers["content-security-policy"])
    assert policy["script-src"] == ["'self'"]
    assert policy["style-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["base-uri"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert "blob:" in policy["worker-src"] and "blob:" in policy["media-src"]
    assert "ws://testserver" in policy["connect-src"]
    assert not any("unsafe" in value for values in policy.values() for value in values)


def test_policy_names_the_cdn_and_bucket(settings: Settings) -> None:
    s3 = settings.model_copy(
        update={
            "storage_backend": "s3",
            "s3_bucket_name": "cosmos-media",
            "aws_region": "eu-west-3",
            "cloudfront_domain": "cdn.example.net",
            "base_url": "https://cosmostream.example.com",
        }
    )
    policy = directives(content_security_policy(s3))
    bucket = "https://cosmos-media.s3.eu-west-3.amazonaws.com"
    for name in ("img-src", "media-src", "connect-src"):
        assert "https://cdn.example.net" in policy[name], name
        assert bucket in policy[name], name  # presigned uploads and downloads
    assert "wss://cosmostream.example.com" in policy["connect-src"]
    minio = directives(
        content_security_policy(
            s3.model_copy(
                update={"cloudfront_domain": None, "s3_endpoint_url": "http://127.0.0.1:9000/"}
            )
        )
    )
    assert "http://127.0.0.1:9000" in minio["media-src"]
    # Local storage: media come from the site itself, nothing else is allowed.
    local = directives(content_security_policy(settings))
    assert local["media-src"] == ["'self'", "blob:"]


# A `<script type="application/json">` data block is never run: CSP allows it
# (the studio's charts carry their data so; see docs/analytics.md).
INLINE = re.compile(
    r"<script(?![^>]*\bsrc=)(?![^>]*\btype=\"application/json\")[^>]*>|\son[a-z]+\s*=|\sstyle\s*=|=\s*[\"']?\s*javascript:|<style",
    re.I,
)


def test_no_template_needs_inline_script_or_style() -> None:
    """Inline handlers, `style` attributes and `javascript:` links would each need
    'unsafe-inline' (e-mails are not pages and are left out)."""
    found = [
        f"{path.relative_to(TEMPLATES)}: {match.group(0).strip()}"
        for path in sorted(TEMPLATES.rglob("*.html"))
        if path.parent.name != "email"
        for match in INLINE.finditer(path.read_text())
    ]
    assert found == []
