"""URLs of a video's stored files, for every transport (pages, GraphQL, templates)."""

from __future__ import annotations

from cosmostream.models import Video, Visibility
from cosmostream.video import media_tokens


def media_url(video: Video, key: str | None, kind: str = "images") -> str | None:
    """URL of a stored file of the video, signed when the video is not public."""
    if not key:
        return None
    url = f"/media/{key}"
    if video.visibility is not Visibility.PUBLIC:
        url += "?" + media_tokens.token_query(video.id, kind)
    return url


def poster_url(video: Video, size: str = "player") -> str | None:
    """URL of the video's poster in `size` ("player", "card", …), else the player size."""
    posters = video.images.get("poster") or {}
    return media_url(video, posters.get(size) or posters.get("player"))
