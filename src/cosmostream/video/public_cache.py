"""Whether anyone may fetch a video's media, cached for a few seconds per process.

Media requests (segments above all) ask this on every fetch; a visibility
change forgets the video here after its commit, so this process never serves
it for the remaining seconds (other processes may, for at most that long).
"""

from __future__ import annotations

import time
import uuid

from cosmostream.db import Database
from cosmostream.models import Video, Visibility
from cosmostream.video.policy import can_view
from cosmostream.video.repository import video_repository

_public_cache: dict[uuid.UUID, tuple[float, bool, bool]] = {}
_CACHE_SECONDS = 5.0


async def is_public(db: Database, video_id: uuid.UUID, kind: str = "hls") -> bool:
    """Whether anyone may fetch this video's media of `kind` (cached for a few seconds).

    Premium videos' images (poster, storyboard) are public like any other's,
    but their playlists and segments never are: they always need a token."""
    now = time.monotonic()
    cached = _public_cache.get(video_id)
    if cached and cached[0] > now:
        return cached[1] and (kind != "hls" or not cached[2])
    async with db.read() as session:
        video: Video | None = await video_repository.get(session, video_id)
    # Public and watchable by anyone; unlisted videos need the signed query.
    public = bool(video and video.visibility is Visibility.PUBLIC and can_view(None, video))
    premium = bool(video and video.premium)
    if len(_public_cache) > 10_000:
        _public_cache.clear()
    _public_cache[video_id] = (now + _CACHE_SECONDS, public, premium)
    return public and (kind != "hls" or not premium)


async def is_premium(db: Database, video_id: uuid.UUID) -> bool:
    """Whether the video is premium (the same few-second cache as `is_public`)."""
    cached = _public_cache.get(video_id)
    if not cached or cached[0] <= time.monotonic():
        await is_public(db, video_id)
        cached = _public_cache[video_id]
    return cached[2]


def forget(video_id: uuid.UUID) -> None:
    """Drop what is cached about the video (its visibility or premium flag has just changed)."""
    _public_cache.pop(video_id, None)
