"""Media queries are read strictly (review finding: nginx's access cache).

nginx reads `$arg_g` as the first `g` and never decodes parameter names;
Starlette takes the last and decodes them. A preview token re-spelled as
`?md5=…&expires=…&%67=p3` or `?g=&md5=…&expires=…&g=p3` was a valid grant to
the app while nginx saw none, so nginx cached the app's 200 for every
token-less request of the rung. The app now refuses any query that is not
exactly what `media_tokens.token_query` writes, like an invalid token (404)."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from cosmostream.config import Settings
from cosmostream.db import Database
from cosmostream.models import Role, User
from cosmostream.video import media_tokens
from tests.factories import make_user
from tests.premium_helpers import SMALL, build_ladder, laddered_video, segments
from tests.video.test_premium import base, hls_url

PREVIEW = 3  # seconds: the first two 2 s segments are in the preview


@pytest.fixture(scope="session")
def ladder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_ladder(tmp_path_factory.mktemp("ladder-query"))


@pytest.fixture
async def owner(db: Database) -> User:
    return await make_user(db, role=Role.CREATOR)


def respellings(md5: str, expires: str, grant: str) -> list[str]:
    """The same token as nginx and the app could read differently."""
    return [
        f"md5={md5}&expires={expires}&%67={grant}",  # the review's first spelling
        f"g=&md5={md5}&expires={expires}&g={grant}",  # and its second
        f"md5={md5}&expires={expires}&%67=&g={grant}",
        f"md5={md5}&expires={expires}&G={grant}",  # nginx's $arg_ ignores case
        f"md5={md5}&expires={expires}&g={grant}&g={grant}",
        f"md5={md5}&md5={md5}&expires={expires}&g={grant}",
        f"md5={md5}&expires={expires}&expires={expires}&g={grant}",
        f"%6Dd5={md5}&expires={expires}&g={grant}",
        f"md5={md5}&%65xpires={expires}&g={grant}",
        f"md5={md5}&expires={expires}&g=%70{grant[1:]}",  # an encoded value
        f"md5={md5}&expires={expires}&g={grant}&",
        f"md5={md5}&expires={expires}&g={grant}&x=1",
    ]


async def test_respelled_preview_token_is_refused_like_an_invalid_one(
    client: httpx.AsyncClient, db: Database, settings: Settings, ladder: Path, owner: User
) -> None:
    video = await laddered_video(db, settings, ladder, owner, premium=True, preview_seconds=PREVIEW)
    free = await make_user(db)
    url = (await hls_url(client, db, video, free))["hlsUrl"]
    query = urlsplit(url).query
    q = parse_qs(query)
    md5, expires, grant = q["md5"][0], q["expires"][0], q["g"][0]
    assert grant == f"p{PREVIEW}.h"  # the preview, without the 4K rung
    first = f"{base(video)}{SMALL}/{segments(ladder, SMALL)[0]}"
    # The token as written plays the in-preview segment (HEAD is nginx's access check)...
    assert (await client.head(f"{first}?{query}")).status_code == 200
    assert (await client.get(f"{first}?{query}")).status_code == 200
    # ...and an invalid one is refused with 404, the status every re-spelling gets.
    assert (
        await client.head(f"{first}?md5=x{md5[1:]}&expires={expires}&g={grant}")
    ).status_code == 404
    assert (await client.head(first)).status_code == 404
    for spelled in respellings(md5, expires, grant):
        for method in ("HEAD", "GET"):
            answer = await client.request(method, f"{first}?{spelled}")
            assert answer.status_code == 404, (method, spelled)
    # The playlists too: a re-spelled token never gets a signed preview playlist.
    assert (await client.get(f"{base(video)}preview.m3u8?{query}")).status_code == 200
    for spelled in respellings(md5, expires, grant):
        assert (await client.get(f"{base(video)}preview.m3u8?{spelled}")).status_code == 404


async def test_public_video_plays_without_a_query_but_not_with_a_foreign_one(
    client: httpx.AsyncClient, db: Database, settings: Settings, ladder: Path, owner: User
) -> None:
    video = await laddered_video(db, settings, ladder, owner)
    segment = f"{base(video)}{SMALL}/{segments(ladder, SMALL)[0]}"
    assert (await client.head(segment)).status_code == 200
    assert (await client.head(f"{segment}?")).status_code == 200
    plain = media_tokens.token_query(video.id)
    assert (await client.head(f"{segment}?{plain}")).status_code == 200
    for spelled in ("x=1", "md5=a&md5=b", "%67=p3", "g=&g=p3"):
        assert (await client.head(f"{segment}?{spelled}")).status_code == 404, spelled


async def test_segment_fast_path_leaves_respelled_queries_to_the_app(
    client: httpx.AsyncClient, db: Database, settings: Settings, ladder: Path, owner: User
) -> None:
    from cosmostream.video.media import SegmentFastPath

    video = await laddered_video(db, settings, ladder, owner)
    fell_through: list[str] = []

    async def inner(scope: Any, receive: Any, send: Any) -> None:
        fell_through.append(scope["query_string"].decode())

    fast = SegmentFastPath(inner, db)
    path = f"{base(video)}{SMALL}/{segments(ladder, SMALL)[-1]}"

    async def call(query: str) -> list[Any]:
        sent: list[Any] = []

        async def send(message: Any) -> None:
            sent.append(message)

        scope = {
            "type": "http",
            "method": "GET",
            "path": path,
            "query_string": query.encode(),
            "headers": [],
            "extensions": {"http.response.pathsend": {}},
        }
        await fast(scope, None, send)
        return sent

    plain = media_tokens.token_query(video.id)
    sent = await call(plain)
    assert sent and sent[0]["status"] == 200
    assert await call(f"{plain}&{plain}") == []
    assert await call(f"%67=p3&{plain}") == []
    assert fell_through == [f"{plain}&{plain}", f"%67=p3&{plain}"]


def test_parse_query_reads_exactly_what_token_query_writes() -> None:
    import uuid

    video_id = uuid.uuid4()
    for grant in ("", "p30", "h", "p30.h", f"u{uuid.uuid4()}"):
        written = media_tokens.token_query(video_id, grant=grant)
        token = media_tokens.parse_query(written)
        assert token is not None, written
        assert token.grant == grant
        assert token.query() == written
        assert media_tokens.verify(
            media_tokens.prefix_for(video_id), token.md5, token.expires, token.grant
        )
    assert media_tokens.parse_query("") == media_tokens.TokenParams()
    for raw in ("md5", "md5=", "=x", "&", "md5=a&", "md5=a+b", "md5=a%2Db", "MD5=a", "g=a/b"):
        assert media_tokens.parse_query(raw) is None, raw
