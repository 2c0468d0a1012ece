"""Serving a video's playlists, segments and images, from local storage or S3.

Public videos are served to anyone (and cached hard); unlisted and private
ones need the signed query the watch page hands out, which is re-written into
every URI of the playlists so the player carries it along. Finished playlists
and segments never change, so they are immutable; an EVENT playlist (still
being written) is never cached.

Premium videos and 4K rungs (`video.access`): a premium video's playlists and
segments are never served without a token; a 2160p rung never to a request
without one (its master lists the other rungs only). A token's grant says
what it covers: a preview (`preview.m3u8` master and `v<i>/preview.m3u8`
playlists cut at the preview's end, and only the segments they list), no 4K,
or a user whose entitlements are read again on every request. Anything else
is refused: 403 `premium_required` with a valid token, 404 without one.

The query of a media URL must be exactly what `media_tokens.token_query`
writes (`media_tokens.parse_query`): a duplicated, unknown or percent-encoded
parameter is refused with 404, since nginx in front of us would read such a
query differently (deploy/nginx/cosmostream.conf).

With S3 storage the URLs stay the same (`/media/hls|images/<video>/…` on the
app, same visibility and token rules), but the bytes come from the bucket:

- Playlists are read from the bucket and their URIs made absolute. For a
  public video each URI is the object's public URL (the CloudFront domain when
  set, else the bucket), so players fetch everything after the master
  playlist from the CDN/bucket and never come back to the app. For a signed
  request, segments, init segments and images become presigned GET URLs
  (valid as long as a media token) while nested playlists keep pointing at
  the app with the token, so they too get presigned URIs. Such playlists are
  made per request (one signature per URI), which is cheap for their size.
- Segments and images answer `302` to the public URL (public video) or to a
  presigned GET (signed request); the bucket then serves bytes and ranges.

Trade-offs: public URLs need the bucket (or CloudFront) to allow anonymous
reads of `hls/*` and `images/*`, so anyone who knows a video's id can read
its files by key even after it is made private; presigned URLs cannot be
revoked before they expire. A production CDN setup would keep the bucket
private and use CloudFront signed URLs or cookies instead (out of scope).
"""

from __future__ import annotations

import asyncio
import posixpath
import stat as stat_module
import uuid
from collections.abc import Callable
from pathlib import Path, PurePosixPath
from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import FileResponse, RedirectResponse, Response

from cosmostream.config import get_settings
from cosmostream.db import Database
from cosmostream.errors import AppError, NotFound
from cosmostream.kit.ids import parse_uuid
from cosmostream.media.transcode import MASTER, PLAYLIST
from cosmostream.storage import S3Storage, Storage, storage_from_settings
from cosmostream.video import media_tokens
from cosmostream.video.access import MediaAccess, grant_access
from cosmostream.video.errors import PremiumRequired
from cosmostream.video.previews import (
    PREVIEW,
    master_for,
    preview_files,
    preview_playlist,
    uhd_dirs,
)
from cosmostream.video.public_cache import is_premium, is_public

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
# Presigned redirects for tokens with a grant: each segment request is checked
# again, so the bucket URL only has to last for the download that follows.
GRANT_REDIRECT_TTL = 300


class _MediaFile(FileResponse):
    # Under Uvicorn each chunk is one worker-thread hop: 1 MiB covers most
    # segments in one or two reads (see docs/benchmarks.md, segment delivery).
    chunk_size = 1 << 20


def rewrite_playlist(text: str, query: str) -> str:
    """Append the signed query to every URI in a playlist (lines and URI="…")."""
    return map_playlist_uris(text, lambda uri: f"{uri}{'&' if '?' in uri else '?'}{query}")


def map_playlist_uris(text: str, change: Callable[[str], str]) -> str:
    """Replace every URI in a playlist (URI lines and `URI="…"` attributes)."""
    out = []
    for line in text.splitlines():
        if line and not line.startswith("#"):
            line = change(line)
        elif 'URI="' in line:
            head, _, rest = line.partition('URI="')
            uri, _, tail = rest.partition('"')
            line = f'{head}URI="{change(uri)}"{tail}'
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
    # The raw query, read strictly: nginx must not see a different token.
    token = media_tokens.parse_query(request.scope.get("query_string", b"").decode("latin-1"))
    if token is None:
        raise NotFound()
    grant = token.grant
    signed = media_tokens.verify(
        media_tokens.prefix_for(video_id, kind), token.md5, token.expires, grant
    )
    db: Database = request.app.state.db
    if not signed and not await is_public(db, video_id, kind):
        raise NotFound()
    storage = storage_from_settings(get_settings())
    bucket = storage.s3_bucket()
    transform: Callable[[str], str] | None = None
    if kind == "hls":
        # Premium previews and the 4K rung: what this token (or none) allows.
        access = await grant_access(db, video_id, grant if signed else None)
        if access is None:
            raise NotFound() if not signed else PremiumRequired()
        if (
            signed
            and access.preview_seconds is None
            and not grant.startswith("u")
            and await is_premium(db, video_id)
        ):
            # A token from before the video was made premium, not bound to a
            # user whose plan is checked now: it covers nothing any more.
            raise PremiumRequired()
        pure, transform = await _check_hls(storage, video_id, pure, access, signed)
    key = f"{kind}/{video_id}/{pure.as_posix()}"
    if bucket is not None:
        return await _serve_s3(bucket, key, token if signed else None, transform)
    file = storage.local_path(key)
    if file is None:
        raise NotFound()
    try:
        info = file.stat()  # handed to the response, so it is not taken twice
    except OSError:
        raise NotFound() from None
    if not stat_module.S_ISREG(info.st_mode):
        raise NotFound()
    headers = {"Access-Control-Allow-Origin": "*"}
    scope = "private" if signed else "public"
    if suffix == ".m3u8":
        text = await asyncio.to_thread(file.read_text)
        finished = "#EXT-X-ENDLIST" in text or "#EXT-X-STREAM-INF" in text
        if transform is not None:
            text = transform(text)
        if signed:
            text = rewrite_playlist(text, token.query())
        # A master written before the ladder is done is rewritten at the end.
        live = not finished or (
            "#EXT-X-STREAM-INF" in text and not await _ladder_finished(file.parent)
        )
        headers["Cache-Control"] = "no-store" if live else f"{scope}, max-age=60"
        return Response(text, media_type=MEDIA_TYPES[suffix], headers=headers)
    headers["Cache-Control"] = f"{scope}, {IMMUTABLE}"
    return _MediaFile(file, stat_result=info, media_type=MEDIA_TYPES[suffix], headers=headers)


async def _check_hls(
    storage: Storage,
    video_id: uuid.UUID,
    pure: PurePosixPath,
    access: MediaAccess,
    signed: bool,
) -> tuple[PurePosixPath, Callable[[str], str] | None]:
    """Refuse what `access` does not cover; returns the stored file to read and
    how to change it (a master without the 4K rung, a preview playlist).

    Refusals are 403 `premium_required` for a valid token and look-missing (404)
    for requests without one."""
    refused: AppError = PremiumRequired() if signed else NotFound()
    parts = pure.parts
    uhd = await uhd_dirs(storage, video_id) if not access.uhd else frozenset()
    if len(parts) > 1 and parts[0] in uhd:
        raise refused
    preview = parts[-1] == PREVIEW
    if preview and len(parts) > 2:
        raise NotFound()
    seconds = access.preview_seconds
    if seconds is None:
        if preview:
            raise NotFound()  # the preview playlists are for those who get only the preview
    elif not preview:
        if pure.suffix.lower() == ".m3u8" or len(parts) != 2:
            raise refused
        allowed = await preview_files(storage, video_id, parts[0], seconds)
        if parts[1] not in allowed:
            raise refused
    if len(parts) == 1 and (preview or pure.name == MASTER):

        def master(text: str) -> str:
            return master_for(text, uhd, preview)

        return PurePosixPath(MASTER), master
    if preview:
        assert seconds is not None

        def variant(text: str) -> str:
            return preview_playlist(text, seconds)

        return PurePosixPath(parts[0], PLAYLIST), variant
    return pure, None


async def _serve_s3(
    storage: S3Storage,
    key: str,
    token: media_tokens.TokenParams | None,
    transform: Callable[[str], str] | None = None,
) -> Response:
    """Playlists rewritten to absolute bucket/CDN URLs; everything else a redirect there.

    `token` is the request's valid token (None: unsigned). A token with a grant
    (premium preview, no 4K, user-bound) keeps every URI pointing at the app,
    so each segment is checked again before its short presigned redirect."""
    signed = token is not None
    grant = token.grant if token is not None else ""
    ttl = get_settings().media_token_ttl_seconds
    headers = {"Access-Control-Allow-Origin": "*"}
    suffix = PurePosixPath(key).suffix.lower()
    if suffix != ".m3u8":
        if signed:
            location = await asyncio.to_thread(
                storage.presigned_get, key, GRANT_REDIRECT_TTL if grant else ttl
            )
            headers["Cache-Control"] = "private, no-store"
        else:
            location = storage.url(key)
            headers["Cache-Control"] = "public, max-age=3600"
        return RedirectResponse(location, status_code=302, headers=headers)
    try:
        text = await asyncio.to_thread(storage.read_text, key)
    except FileNotFoundError:
        raise NotFound() from None
    root = key.split("/", 2)
    video_root = f"{root[0]}/{root[1]}/"
    here = posixpath.dirname(key)
    query = token.query() if token is not None else ""

    def target(uri: str) -> str | None:
        if "://" in uri or uri.startswith("/"):
            return None
        resolved = posixpath.normpath(posixpath.join(here, uri.split("?", 1)[0]))
        return resolved if resolved.startswith(video_root) else None

    def absolute(uri: str) -> str:
        resolved = target(uri)
        if resolved is None:
            return uri
        if not signed:
            return storage.url(resolved)
        if grant or resolved.endswith(".m3u8"):
            # Back to us with the token, so its own URIs get signed in turn.
            return f"{uri.split('?', 1)[0]}?{query}"
        return storage.presigned_get(resolved, ttl)

    finished = "#EXT-X-ENDLIST" in text or "#EXT-X-STREAM-INF" in text
    variants = [t for line in text.splitlines() if (t := _variant(line, target))]
    if transform is not None:
        text = transform(text)
    rewritten = await asyncio.to_thread(map_playlist_uris, text, absolute)
    # A master written before the ladder is done is rewritten at the end.
    live = not finished or (
        "#EXT-X-STREAM-INF" in text and not await _variants_finished(storage, variants)
    )
    scope = "private" if signed else "public"
    headers["Cache-Control"] = "no-store" if live else f"{scope}, max-age=60"
    return Response(rewritten, media_type=MEDIA_TYPES[".m3u8"], headers=headers)


def _variant(line: str, target: Callable[[str], str | None]) -> str | None:
    if not line or line.startswith("#") or not line.split("?", 1)[0].endswith(".m3u8"):
        return None
    return target(line)


async def _variants_finished(storage: S3Storage, keys: list[str]) -> bool:
    async def ended(key: str) -> bool:
        try:
            return "#EXT-X-ENDLIST" in await asyncio.to_thread(storage.read_text, key)
        except FileNotFoundError:
            return False

    return bool(keys) and all(await asyncio.gather(*(ended(k) for k in keys)))


async def _ladder_finished(directory: Path) -> bool:
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


FAST_SUFFIXES = {".m4s", ".mp4"}


class SegmentFastPath:
    """Raw ASGI path for whole-file segment GETs on local storage.

    Segments are most of a player's requests. When the server can send a file
    itself (ASGI `http.response.pathsend`, as Granian does), a segment GET
    without `Range` is answered here, before routing and the middleware stack,
    with the same access rule and headers as the media route. Everything else
    falls through to the app unchanged.
    """

    def __init__(self, app: Any, db: Database) -> None:
        self.app = app
        self.db = db

    def __getattr__(self, name: str) -> Any:
        # Look like the wrapped app (`state`, `router`, …) to whoever holds us.
        return getattr(self.app, name)

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if not (
            scope["type"] == "http"
            and scope["method"] == "GET"
            and scope["path"].startswith("/media/hls/")
            and "http.response.pathsend" in scope.get("extensions", {})
            and await self._try(scope, send)
        ):
            await self.app(scope, receive, send)

    async def _try(self, scope: Any, send: Any) -> bool:
        parts = scope["path"].split("/", 4)  # "", "media", "hls", "<video>", "<rest>"
        if len(parts) != 5:
            return False
        video_id = parse_uuid(parts[3])
        pure = PurePosixPath(parts[4])
        if (
            video_id is None
            or pure.suffix.lower() not in FAST_SUFFIXES
            or ".." in pure.parts
            or any(name == b"range" for name, _ in scope["headers"])
        ):
            return False
        file = storage_from_settings(get_settings()).local_path(f"hls/{video_id}/{pure.as_posix()}")
        if file is None:
            return False  # not on this machine's disk: the app redirects to the bucket
        query = media_tokens.parse_query(scope.get("query_string", b"").decode("latin-1"))
        if query is None:
            return False  # not a query we write: the app refuses it
        if query.grant:
            return False  # premium previews, 4K and user-bound tokens: the app checks them
        signed = media_tokens.verify(
            media_tokens.prefix_for(video_id, "hls"), query.md5, query.expires
        )
        if not signed and not await is_public(self.db, video_id):
            return False  # the app answers 404 the usual way
        if signed and await is_premium(self.db, video_id):
            return False  # a plain token from before the video became premium: refused
        if not signed and len(pure.parts) > 1:
            storage = storage_from_settings(get_settings())
            if pure.parts[0] in await uhd_dirs(storage, video_id):
                return False  # the 4K rung is not for everyone: the app refuses it
        try:
            info = await asyncio.to_thread(file.stat)
        except OSError:
            return False
        if not stat_module.S_ISREG(info.st_mode):
            return False
        scope_word = "private" if signed else "public"
        headers = [
            (b"content-type", MEDIA_TYPES[pure.suffix.lower()].encode()),
            (b"content-length", str(info.st_size).encode()),
            (b"cache-control", f"{scope_word}, {IMMUTABLE}".encode()),
            (b"access-control-allow-origin", b"*"),
            (b"accept-ranges", b"bytes"),
            (b"x-content-type-options", b"nosniff"),
        ]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.pathsend", "path": str(file)})
        return True
