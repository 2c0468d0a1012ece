"""Engagement pages: the viewer's library and dashboard, and the watch page's forms.

Every action is a plain form post that works without JavaScript (answered with
a 303 back to where it came from); watch.js enhances the same forms in place.
The watch page itself lives in video/pages.py and takes its engagement parts
from `engagement/views.py`.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable

from fastapi import APIRouter, Request
from starlette.datastructures import FormData
from starlette.responses import Response

from cosmostream.account.service import account_service
from cosmostream.engagement.errors import CommentNotFound
from cosmostream.engagement.service import (
    can_delete_comment,
    can_edit_comment,
    engagement_service,
)
from cosmostream.engagement.views import comment_sort
from cosmostream.kit.ids import require_uuid
from cosmostream.video.errors import VideoNotFound
from cosmostream.web import security
from cosmostream.web.deps import database
from cosmostream.web.forms import act, login_redirect, text
from cosmostream.web.templating import render

router = APIRouter()


@router.get("/video/{video_id}/comments")
async def comments_fragment(request: Request, video_id: str) -> Response:
    """One page of comments as HTML list items (watch.js's "More comments")."""
    actor = security.current_actor(request)
    vid = require_uuid(video_id, VideoNotFound)
    sort = comment_sort(request.query_params.get("comments"))
    async with database(request).read() as session:
        page = await engagement_service.list_comments(
            session,
            actor,
            vid,
            after=request.query_params.get("after") or None,
            sort=sort,
            with_authors=True,
        )
    return render(
        request,
        "engagement/comment_page.html",
        {
            "comments": page,
            "video_id": vid,
            "comment_sort": sort.value,
            "can_edit_comment": can_edit_comment,
            "can_delete_comment": can_delete_comment,
        },
    )


@router.post("/video/{video_id}/like")
async def like_submit(request: Request, video_id: str) -> Response:
    vid = require_uuid(video_id, VideoNotFound)
    return await act(
        request, lambda s, a, f: engagement_service.like(s, a, vid), back=f"/video/{vid}"
    )


@router.post("/video/{video_id}/unlike")
async def unlike_submit(request: Request, video_id: str) -> Response:
    vid = require_uuid(video_id, VideoNotFound)
    return await act(
        request, lambda s, a, f: engagement_service.unlike(s, a, vid), back=f"/video/{vid}"
    )


@router.post("/video/{video_id}/save")
async def save_submit(request: Request, video_id: str) -> Response:
    vid = require_uuid(video_id, VideoNotFound)
    return await act(
        request,
        lambda s, a, f: engagement_service.save(s, a, vid),
        back=f"/video/{vid}",
        success="Saved. Find it in your library.",
    )


@router.post("/video/{video_id}/unsave")
async def unsave_submit(request: Request, video_id: str) -> Response:
    vid = require_uuid(video_id, VideoNotFound)
    return await act(
        request,
        lambda s, a, f: engagement_service.unsave(s, a, vid),
        back=f"/video/{vid}",
        success="Removed from your saved videos.",
    )


@router.post("/video/{video_id}/comments")
async def comment_submit(request: Request, video_id: str) -> Response:
    vid = require_uuid(video_id, VideoNotFound)

    def parent(form: FormData) -> uuid.UUID | None:
        raw = text(form, "parent_id")
        return require_uuid(raw, CommentNotFound) if raw else None

    return await act(
        request,
        lambda s, a, f: engagement_service.add_comment(s, a, vid, text(f, "body"), parent(f)),
        back=f"/video/{vid}#comments",
        then=lambda posted: f"/video/{vid}#comment-{posted.comment.id}",
    )


@router.post("/comments/{comment_id}/edit")
async def comment_edit_submit(request: Request, comment_id: str) -> Response:
    cid = require_uuid(comment_id, CommentNotFound)
    return await act(
        request,
        lambda s, a, f: engagement_service.edit_comment(s, a, cid, text(f, "body")),
        back="/",
        then=lambda posted: f"/video/{posted.comment.video_id}#comment-{cid}",
    )


@router.post("/comments/{comment_id}/delete")
async def comment_delete_submit(request: Request, comment_id: str) -> Response:
    cid = require_uuid(comment_id, CommentNotFound)
    return await act(
        request,
        lambda s, a, f: engagement_service.delete_comment(s, a, cid),
        back="/",
        success="The comment is deleted.",
        then=lambda done: f"/video/{done.video_id}#comments",
    )


@router.post("/comments/{comment_id}/report")
async def comment_report_submit(request: Request, comment_id: str) -> Response:
    cid = require_uuid(comment_id, CommentNotFound)
    return await act(
        request,
        lambda s, a, f: engagement_service.report_comment(s, a, cid, text(f, "reason")),
        back="/",
        success="Thank you: the moderators will have a look.",
        then=lambda comment: f"/video/{comment.video_id}#comment-{cid}",
    )


# -- library ------------------------------------------------------------------


@router.get("/library/history")
async def history_page(request: Request) -> Response:
    actor = security.current_actor(request)
    if actor is None:
        return login_redirect(request)
    async with database(request).read() as session:
        page = await engagement_service.history(
            session, actor, first=24, after=request.query_params.get("after") or None
        )
    return render(
        request,
        "engagement/history.html",
        {"page": page, "paused": actor.user.history_paused},
    )


@router.post("/library/history/{video_id}/remove")
async def history_remove_submit(request: Request, video_id: str) -> Response:
    vid = require_uuid(video_id, VideoNotFound)
    return await act(
        request,
        lambda s, a, f: engagement_service.remove_from_history(s, a, vid),
        back="/library/history",
        success="Removed from your history.",
    )


@router.post("/library/history/clear")
async def history_clear_submit(request: Request) -> Response:
    return await act(
        request,
        lambda s, a, f: engagement_service.clear_history(s, a),
        back="/library/history",
        success="Your watch history is cleared.",
    )


@router.post("/library/history/pause")
async def history_pause_submit(request: Request) -> Response:
    return await act(
        request,
        lambda s, a, f: engagement_service.set_history_paused(s, a, text(f, "paused") == "1"),
        back="/library/history",
        success="Your watch history setting is saved.",
    )


@router.get("/library/saved")
async def saved_page(request: Request) -> Response:
    return await _library_page(request, engagement_service.saved, "engagement/saved.html")


@router.get("/library/following")
async def following_page(request: Request) -> Response:
    return await _library_page(request, engagement_service.following, "engagement/following.html")


async def _library_page(
    request: Request, fetch: Callable[..., Awaitable[object]], template: str
) -> Response:
    """A signed-in viewer's paged list (24 a page, `?after=` cursor)."""
    actor = security.current_actor(request)
    if actor is None:
        return login_redirect(request)
    async with database(request).read() as session:
        page = await fetch(
            session, actor, first=24, after=request.query_params.get("after") or None
        )
    return render(request, template, {"page": page})


@router.get("/dashboard")
async def dashboard_page(request: Request) -> Response:
    actor = security.current_actor(request)
    if actor is None:
        return login_redirect(request)
    async with database(request).read() as session:
        dashboard = await engagement_service.dashboard(session, actor)
        first_visit = await account_service.is_first_visit(session, actor)
    progress = {i.video.id: i.progress for i in dashboard.continue_watching}
    return render(
        request,
        "engagement/dashboard.html",
        {"dashboard": dashboard, "progress": progress, "first_visit": first_visit},
    )
