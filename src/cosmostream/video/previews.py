"""Playlists cut to what a viewer may play: premium previews and masters without 4K.

- `preview_playlist`: a rung's media playlist holding only the segments that
  start before the preview's end, then `#EXT-X-ENDLIST` (served as
  `v<i>/preview.m3u8`);
- `master_for`: the master without the rungs a viewer may not play, its
  variants pointing at the preview playlists when only the preview is allowed
  (served as `preview.m3u8`);
- `uhd_dirs` / `preview_files`: which stored files those are, read from the
  stored playlists (finished ones are cached, they never change).
"""

from __future__ import annotations

import asyncio
import re
import time
import uuid

from cosmostream.media.transcode import MASTER, PLAYLIST
from cosmostream.storage import Storage
from cosmostream.video.access import UHD_HEIGHT

PREVIEW = "preview.m3u8"
_RESOLUTION = re.compile(r"RESOLUTION=(\d+)x(\d+)")
_CACHE_SECONDS = 60.0
_cache: dict[str, tuple[float, frozenset[str]]] = {}


def _uri_dir(uri: str) -> str:
    return uri.split("?", 1)[0].split("/", 1)[0]


def parse_uhd_dirs(master: str) -> frozenset[str]:
    """The rung directories of a master playlist whose short side is 2160 or more."""
    dirs: set[str] = set()
    pending: bool | None = None
    for line in master.splitlines():
        if line.startswith("#EXT-X-STREAM-INF"):
            match = _RESOLUTION.search(line)
            pending = match is not None and min(int(match[1]), int(match[2])) >= UHD_HEIGHT
        elif line and not line.startswith("#") and pending is not None:
            if pending:
                dirs.add(_uri_dir(line))
            pending = None
    return frozenset(dirs)


def master_for(master: str, without: frozenset[str], preview: bool) -> str:
    """The master without the rungs in `without`; variants of the preview when `preview`."""
    out: list[str] = []
    held: str | None = None
    for line in master.splitlines():
        if line.startswith("#EXT-X-STREAM-INF"):
            held = line
            continue
        if held is not None and line and not line.startswith("#"):
            if _uri_dir(line) not in without:
                path = line.split("?", 1)[0]
                if preview and path.endswith(f"/{PLAYLIST}"):
                    path = path.removesuffix(PLAYLIST) + PREVIEW
                out += [held, path]
            held = None
            continue
        out.append(line)
    return "\n".join(out) + "\n"


def preview_playlist(media: str, seconds: int) -> str:
    """A rung's playlist cut to the segments starting before `seconds`, ended with
    `#EXT-X-ENDLIST` once that point (or the real end) is in it; while the rung is
    still being encoded short of it, what there is so far."""
    out: list[str] = []
    at = 0.0
    complete = "#EXT-X-ENDLIST" in media
    for line in media.splitlines():
        if line == "#EXT-X-ENDLIST":
            continue
        if line.startswith("#EXTINF:"):
            if at >= seconds:
                complete = True
                break
            at += float(line.removeprefix("#EXTINF:").split(",", 1)[0] or 0)
        out.append(line)
    if complete:
        out = [
            "#EXT-X-PLAYLIST-TYPE:VOD" if line.startswith("#EXT-X-PLAYLIST-TYPE") else line
            for line in out
        ]
        out.append("#EXT-X-ENDLIST")
    return "\n".join(out) + "\n"


def playlist_files(media: str) -> frozenset[str]:
    """Every file a media playlist names: segments and the init segment."""
    names: set[str] = set()
    for line in media.splitlines():
        if line and not line.startswith("#"):
            names.add(line.split("?", 1)[0])
        elif line.startswith("#EXT-X-MAP:") and 'URI="' in line:
            names.add(line.split('URI="', 1)[1].split('"', 1)[0].split("?", 1)[0])
    return frozenset(names)


async def _read(storage: Storage, key: str) -> str | None:
    def read() -> str | None:
        path = storage.local_path(key)
        try:
            if path is not None:
                return path.read_text()
            bucket = storage.s3_bucket()
            return bucket.read_text(key) if bucket is not None else None
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
            return None

    return await asyncio.to_thread(read)


def _remember(key: str, value: frozenset[str]) -> frozenset[str]:
    if len(_cache) > 10_000:
        _cache.clear()
    _cache[key] = (time.monotonic() + _CACHE_SECONDS, value)
    return value


def _cached(key: str) -> frozenset[str] | None:
    hit = _cache.get(key)
    return hit[1] if hit and hit[0] > time.monotonic() else None


async def uhd_dirs(storage: Storage, video_id: uuid.UUID) -> frozenset[str]:
    """The video's 2160p rung directories (read from its master playlist).

    The rungs are planned before the first master is written and never change
    while it exists, so the answer is kept for a minute."""
    key = f"hls/{video_id}/{MASTER}"
    cached = _cached(key)
    if cached is not None:
        return cached
    text = await _read(storage, key)
    dirs = parse_uhd_dirs(text) if text is not None else frozenset()
    return _remember(key, dirs) if text is not None else dirs


async def preview_files(
    storage: Storage, video_id: uuid.UUID, rung: str, seconds: int
) -> frozenset[str]:
    """The files of `rung` a preview of `seconds` lists (empty for no such rung)."""
    if not rung.startswith("v") or not rung[1:].isdigit():
        return frozenset()
    key = f"hls/{video_id}/{rung}/{PLAYLIST}"
    memo = f"{key}#{seconds}"
    cached = _cached(memo)
    if cached is not None:
        return cached
    text = await _read(storage, key)
    if text is None:
        return frozenset()
    files = playlist_files(preview_playlist(text, seconds))
    # A finished rung never changes; one being encoded grows, so ask again.
    return _remember(memo, files) if "#EXT-X-ENDLIST" in text else files


def forget(video_id: uuid.UUID) -> None:
    """Drop what is cached about the video's files (its ladder was removed or rewritten)."""
    prefix = f"hls/{video_id}/"
    for key in [k for k in _cache if k.startswith(prefix)]:
        _cache.pop(key, None)
