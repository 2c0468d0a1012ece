"""Serving a video's playlists, segments and images from local storage.

Public videos are served to anyone (and cached hard); unlisted and private
ones need the signed query the watch page hands out, which is re-written into
every URI of the playlists so the player carries it along. Finished playlists
and segments never change, so they are immutable; an EVENT playlist (still
being written) is never cached.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from pathlib import PurePosixPath
from urllib.parse import parse_qsl, urlencode

from fastapi import APIRouter, Request
from starlette.responses import FileResponse, Response

from cosmostream.config import get_settings
from cosmostream.db import Database
from cosmostream.errors import NotFound
from cosmostream.kit.ids import parse_uuid
from cosmostream.models import Video, VideoStatus, Visibility
from cosmostream.storage import storage_from_settings
from cosmostream.video import media_tokens
from cosmostream.video.repository import video_repository

router = APIRouter()

MEDIA_TYPES = {
    ".m3u8": "application/vnd.apple.mpegurl",
    ".m4s": "video/iso.segment",
    ".mp4": "video/mp4",
    ".vtt": "text/vtt; charset=utf-8",
    ".webp": "image/webp",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
}
IMMUTABLE = "max-age=31536000, immutable"

_public_cache: dict[uuid.UUID, tuple[float, bool]] = {}
_CACHE_SECONDS = 5.0


async def _is_public(db: Database, video_id: uuid.UUID) -> bool:
    """Whether anyone may fetch this video's media (cached for a few seconds)."""
    now = time.monotonic()
    cached = _public_cache.get(video_id)
    if cached and cached[0] > now:
        return cached[1]
    async with db.read() as session:
        video: Video | None = await video_repository.get(session, video_id)
    public = bool(
        video
        and video.visibility is Visibility.PUBLIC
        and video.playable
        and video.status in (VideoStatus.PROCESSING, VideoStatus.READY)
    )
    if len(_public_cache) > 10_000:
        _public_cache.clear()
    _public_cache[video_id] = (now + _CACHE_SECONDS, public)
    return public


def forget(video_id: uuid.UUID) -> None:
    _public_cache.pop(video_id, None)


def rewrite_playlist(text: str, query: str) -> str:
    """Append the signed query to every URI in a playlist (lines and URI="…")."""
    out = []
    for line in text.splitlines():
        if line and not line.startswith("#"):
            line = f"{line}{'&' if '?' in line else '?'}{query}"
        elif 'URI="' in line:
            head, _, rest = line.partition('URI="')
            uri, _, tail = rest.partition('"')
            line = f'{head}URI="{uri}{"&" if "?" in uri else "?"}{query}"{tail}'
        out.append(line)
    return "\n".join(out) + "\n"


async def _serve(request: Request, kind: str, video_id_text: str, path: str) -> Response:
    video_id = parse_uuid(video_id_text)
    pure = PurePosixPath(path)
    if video_id is None or ".." in pure.parts or pure.is_absolute() or not pure.parts:
        raise NotFound()
    suffix = pure.suffix.lower()
    if suffix not in MEDIA_TYPES:
        raise NotFound()
    params = request.query_params
    signed = media_tokens.verify(
        media_tokens.prefix_for(video_id, kind), params.get("md5"), params.get("expires")
    )
    if not signed and not await _is_public(request.app.state.db, video_id):
        raise NotFound()
    storage = storage_from_settings(get_settings())
    file = storage.path(f"{kind}/{video_id}/{pure.as_posix()}")
    if not file.is_file():
        raise NotFound()
    headers = {"Access-Control-Allow-Origin": "*"}
    scope = "private" if signed else "public"
    if suffix == ".m3u8":
        text = await asyncio.to_thread(file.read_text)
        finished = "#EXT-X-ENDLIST" in text or "#EXT-X-STREAM-INF" in text
        if signed:
            query = urlencode(
                [(k, v) for k, v in parse_qsl(str(request.url.query)) if k in ("md5", "expires")]
            )
            text = rewrite_playlist(text, query)
        # A master written before the ladder is done is rewritten at the end.
        live = not finished or (
            "#EXT-X-STREAM-INF" in text and not await _ladder_finished(file.parent)
        )
        headers["Cache-Control"] = "no-store" if live else f"{scope}, max-age=60"
        return Response(text, media_type=MEDIA_TYPES[suffix], headers=headers)
    headers["Cache-Control"] = f"{scope}, {IMMUTABLE}"
    return FileResponse(file, media_type=MEDIA_TYPES[suffix], headers=headers)


async def _ladder_finished(directory: object) -> bool:
    from pathlib import Path

    assert isinstance(directory, Path)

    def check() -> bool:
        variants = list(directory.glob("v*/index.m3u8"))
        return bool(variants) and all("#EXT-X-ENDLIST" in v.read_text() for v in variants)

    return await asyncio.to_thread(check)


@router.get("/media/hls/{video_id}/{path:path}")
@router.head("/media/hls/{video_id}/{path:path}")
async def hls(request: Request, video_id: str, path: str) -> Response:
    return await _serve(request, "hls", video_id, path)


@router.get("/media/images/{video_id}/{path:path}")
@router.head("/media/images/{video_id}/{path:path}")
async def image(request: Request, video_id: str, path: str) -> Response:
    return await _serve(request, "images", video_id, path)
