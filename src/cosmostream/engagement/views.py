"""Engagement's parts of the watch page, which video/pages.py renders: the
viewer's state (like, save, resume point, comments), the template variables
and the anonymous viewer cookie that counts views once."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from starlette.requests import Request
from starlette.responses import Response

from cosmostream.account.schemas import Actor
from cosmostream.engagement.schemas import VIEWER_COOKIE, CommentSort, WatchState
from cosmostream.engagement.service import (
    can_delete_comment,
    can_edit_comment,
    engagement_service,
    new_viewer_cookie,
)
from cosmostream.models import Video
from cosmostream.web import security

VIEWER_COOKIE_MAX_AGE = 365 * 24 * 3600


def comment_sort(value: str | None) -> CommentSort:
    try:
        return CommentSort(value or CommentSort.NEWEST)
    except ValueError:
        return CommentSort.NEWEST


_TIME = re.compile(r"(?:(\d+)h)?(?:(\d+)m)?(?:(\d+(?:\.\d+)?)s?)?")


def _start(value: str | None) -> float | None:
    """`?t=` of a shared link: `90`, `90s` or `1m30s` like other video sites."""
    match = _TIME.fullmatch((value or "").strip().lower())
    if not value or match is None or not any(match.groups()):
        return None
    hours, minutes, seconds = (float(g) if g else 0.0 for g in match.groups())
    total = hours * 3600 + minutes * 60 + seconds
    return total if total < 10**7 else None


async def watch_state(
    request: Request, session: AsyncSession, actor: Actor | None, video: Video
) -> WatchState:
    """The viewer's engagement with `video` (inside its read session)."""
    return await engagement_service.watch_state(
        session,
        actor,
        video,
        comments_after=request.query_params.get("comments_after") or None,
        comment_sort=comment_sort(request.query_params.get("comments")),
    )


def watch_context(request: Request, state: WatchState) -> dict[str, Any]:
    """Template variables of the watch page's engagement parts."""
    return {
        "engagement": state,
        "comments": state.comments,
        "comment_sort": comment_sort(request.query_params.get("comments")).value,
        # An explicit ?t= (a shared link) wins over the remembered position.
        "start_at": _start(request.query_params.get("t")),
        "resume_at": state.resume_at,
        "can_edit_comment": can_edit_comment,
        "can_delete_comment": can_delete_comment,
    }


def remember_viewer(request: Request, response: Response) -> None:
    """Give an anonymous browser its random viewer id, for counting its views once."""
    if security.current_actor(request) is None and not request.cookies.get(VIEWER_COOKIE):
        response.set_cookie(
            VIEWER_COOKIE,
            new_viewer_cookie(),
            max_age=VIEWER_COOKIE_MAX_AGE,
            httponly=True,
            samesite="lax",
            secure=request.app.state.settings.secure_cookies,
            path="/",
        )
