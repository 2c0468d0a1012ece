"""URLs of a video's stored files, for every transport (pages, GraphQL, templates)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from cosmostream.account.schemas import Actor
from cosmostream.media.transcode import MASTER
from cosmostream.models import Video, Visibility
from cosmostream.video import media_tokens
from cosmostream.video.access import MediaAccess, has_uhd, media_access, needs_token
from cosmostream.video.previews import PREVIEW


def media_url(video: Video, key: str | None, kind: str = "images") -> str | None:
    """URL of a stored file of the video, signed when the video is not public.

    Not for HLS playlists of viewers: those are `hls_url` (premium and 4K rules)."""
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


def hls_url_for(video: Video, access: MediaAccess) -> str | None:
    """The master playlist `access` allows: the preview's for viewers who get only
    the preview, signed with the grant that says what the token covers."""
    if not video.playable:
        return None
    name = PREVIEW if access.preview_seconds is not None else MASTER
    url = f"/media/hls/{video.id}/{name}"
    if not needs_token(video, access):
        return url
    if access.user_id is not None:
        grant = f"u{access.user_id}"
    else:
        # "h" (no 4K) matters only where there is a 4K rung; without it the
        # token is a plain one, which nginx can check by itself.
        grant = MediaAccess(
            preview_seconds=access.preview_seconds, uhd=access.uhd or not has_uhd(video)
        ).restriction()
    return f"{url}?{media_tokens.token_query(video.id, 'hls', grant=grant)}"


async def hls_url(session: AsyncSession, actor: Actor | None, video: Video) -> str | None:
    """The HLS master playlist URL for `actor` (who may view `video`), by their
    entitlements now."""
    if not video.playable:
        return None
    return hls_url_for(video, await media_access(session, actor, video))
