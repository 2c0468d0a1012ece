"""What of a video's media a viewer may fetch: premium previews and the 4K rung.

Entitlements (`cosmostream.billing.entitlements.held`) are read on every
request and never cached, so the answer changes on the viewer's next request
after a plan ends. Who may *see* a video at all is still `video.policy`.

A viewer gets one of three kinds of access, carried by the media token's
grant (`media_tokens`, `g=` in the query):

- full, no grant: what today's tokens give (unlisted and private videos that
  are neither premium nor have a 4K rung). nginx checks these itself.
- restricted, `g=p<seconds>` and/or `g=h` (dot-joined): the preview of the
  first `<seconds>` (only `preview.m3u8` playlists and the segments they list)
  and/or no 2160p rung. Stateless: the app checks the path against the grant.
- user-bound, `g=u<user id>`: for owners, admins and entitled viewers of a
  premium video or of a video with a 4K rung. Every request with it re-derives
  that user's access from the database, so a cancelled plan stops it at once.

Files of public videos without a token are served to anyone unless the video
is premium (never without a token) or the file belongs to a 2160p rung.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from cosmostream.account.repository import user_repository
from cosmostream.account.schemas import Actor
from cosmostream.billing.entitlements import held
from cosmostream.billing.plans import VIDEO_2160P, VIDEO_PREMIUM
from cosmostream.config import get_settings
from cosmostream.db import Database
from cosmostream.kit.ids import parse_uuid
from cosmostream.models import Video, Visibility
from cosmostream.video.policy import can_manage
from cosmostream.video.repository import video_repository

UHD_HEIGHT = 2160  # the short side of a 4K rung
# The ladder gives a source somewhat short of a rung's box that rung (ladder._TOLERANCE).
_UHD_SOURCE = 1870
_NO_SESSION = uuid.UUID(int=0)  # media requests carry no session; only the user matters


@dataclass(frozen=True)
class MediaAccess:
    """What a viewer may play of one video."""

    preview_seconds: int | None = None  # set: only the preview of this many seconds
    uhd: bool = True  # the 2160p rung
    user_id: uuid.UUID | None = None  # set: a user-bound token (re-checked per request)

    @property
    def full(self) -> bool:
        return self.preview_seconds is None and self.uhd

    def restriction(self) -> str:
        """The grant of a restricted token ("" when nothing is restricted)."""
        parts = []
        if self.preview_seconds is not None:
            parts.append(f"p{self.preview_seconds}")
        if not self.uhd:
            parts.append("h")
        return ".".join(parts)


FULL = MediaAccess()


def preview_seconds(video: Video) -> int:
    return video.preview_seconds or get_settings().premium_preview_seconds


def has_uhd(video: Video) -> bool:
    """Whether the video has (or, while processing, will have) a 2160p rung."""
    if video.renditions:
        return any(min(int(r["width"]), int(r["height"])) >= UHD_HEIGHT for r in video.renditions)
    return min(video.width or 0, video.height or 0) >= _UHD_SOURCE


async def media_access(session: AsyncSession, actor: Actor | None, video: Video) -> MediaAccess:
    """What `actor` may play of `video` now (the caller has checked `can_view`).

    Owners and admins get everything; others what their entitlements allow.
    """
    uid = actor.id if actor is not None else None
    if can_manage(actor, video):
        bound = video.premium or has_uhd(video)
        return MediaAccess(user_id=uid if bound else None)
    keys = await held(session, uid)
    preview = None if not video.premium or VIDEO_PREMIUM in keys else preview_seconds(video)
    uhd = VIDEO_2160P in keys
    # A user-bound grant only where it gives more than the anonymous one would.
    bound = uid is not None and ((video.premium and preview is None) or (uhd and has_uhd(video)))
    return MediaAccess(preview_seconds=preview, uhd=uhd, user_id=uid if bound else None)


def needs_token(video: Video, access: MediaAccess) -> bool:
    """Whether this viewer's media URLs carry a token (else they are plain public URLs)."""
    if video.visibility is not Visibility.PUBLIC or video.premium:
        return True
    return access.user_id is not None and access.uhd and has_uhd(video)


def parse_restriction(grant: str) -> MediaAccess | None:
    """The access of a restricted grant (`p<seconds>`, `h`, dot-joined); None if malformed."""
    seconds: int | None = None
    uhd = True
    for part in grant.split("."):
        if part == "h" and uhd:
            uhd = False
        elif part[:1] == "p" and part[1:].isdigit() and seconds is None and int(part[1:]) > 0:
            seconds = int(part[1:])
        else:
            return None
    return MediaAccess(preview_seconds=seconds, uhd=uhd)


async def grant_access(db: Database, video_id: uuid.UUID, grant: str | None) -> MediaAccess | None:
    """The access a media request has: `grant` None for a request without a valid
    token (the caller has checked the video is public and not premium), else the
    grant of its valid token. A user-bound grant is re-derived from the database
    now: None when that user or the video is gone, or the user is disabled."""
    if grant is None:
        return MediaAccess(uhd=False)  # anonymous: never entitled
    if not grant:
        return FULL
    if grant[0] != "u":
        return parse_restriction(grant)
    user_id = parse_uuid(grant[1:])
    if user_id is None:
        return None
    async with db.read() as session:
        user = await user_repository.get(session, user_id)
        video = await video_repository.get(session, video_id)
        if user is None or not user.is_active or video is None:
            return None
        # Like any media token, it was handed out to someone who could watch
        # (the watch page, a lesson of theirs, a watch party): only what their
        # plan allows is decided again here.
        return await media_access(session, Actor(user=user, session_id=_NO_SESSION), video)
