"""Video pages: upload, the creator's content list, and the watch page."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from starlette.datastructures import FormData
from starlette.responses import Response

from cosmostream.account.service import account_service
from cosmostream.catalog.service import catalog_service
from cosmostream.config import get_settings
from cosmostream.engagement import views as engagement_views
from cosmostream.errors import AppError
from cosmostream.kit.ids import require_uuid
from cosmostream.models import Visibility
from cosmostream.video.access import media_access
from cosmostream.video.errors import VideoNotFound
from cosmostream.video.policy import can_manage
from cosmostream.video.schemas import VideoUpdate
from cosmostream.video.service import video_service
from cosmostream.video.urls import hls_url_for, media_url, poster_url
from cosmostream.web import security
from cosmostream.web.deps import ActorDep, DbDep, database, path_uuid
from cosmostream.web.forms import read_form, redirect, safe_next, text
from cosmostream.web.templating import flash, render

router = APIRouter()


@router.get("/upload")
async def upload_page(request: Request) -> Response:
    actor = security.current_actor(request)
    if actor is None:
        return redirect("/login?next=/upload")
    async with database(request).read() as session:
        categories = await account_service.list_categories(session)
    return render(
        request,
        "video/upload.html",
        {
            "categories": categories,
            "visibilities": list(Visibility),
            "max_bytes": request.app.state.settings.max_upload_bytes,
        },
    )


@router.get("/content")
async def content_page(request: Request) -> Response:
    actor = security.current_actor(request)
    if actor is None:
        return redirect("/login?next=/content")
    async with database(request).read() as session:
        videos = await video_service.list_mine(session, actor)
        categories = await account_service.list_categories(session)
    return render(
        request,
        "video/content.html",
        {
            "videos": videos,
            "categories": categories,
            "visibilities": list(Visibility),
            "media_url": media_url,
            "default_preview_seconds": get_settings().premium_preview_seconds,
        },
    )


# The id in a video's path; a malformed one is the same 404 as a missing video.
VideoId = Annotated[uuid.UUID, Depends(path_uuid("video_id", VideoNotFound))]


@router.get("/video/{video_id}")
async def watch_page(request: Request, db: DbDep, actor: ActorDep, video_id: VideoId) -> Response:
    async with db.read() as session:
        video = await video_service.get(session, actor, video_id)
        owner = await account_service.get_user(session, video.owner_id)
        following = await account_service.is_following(session, actor, video.owner_id)
        up_next = await catalog_service.up_next(session, video)
        staff_picked = bool(actor and actor.is_admin and video.listed) and (
            await catalog_service.is_picked(session, video.id)
        )
        engagement = await engagement_views.watch_state(request, session, actor, video)
        access = await media_access(session, actor, video)
    hls_url = hls_url_for(video, access)
    response = render(
        request,
        "video/watch.html",
        {
            "video": video,
            "owner": owner,
            "is_following": following,
            "can_manage": can_manage(actor, video),
            "hls_url": hls_url,
            "preview_seconds": access.preview_seconds,
            "poster_url": poster_url(video),
            "storyboard_url": media_url(video, video.images.get("storyboard_vtt")),
            "up_next": up_next,
            "staff_picked": staff_picked,
            **engagement_views.watch_context(request, engagement),
        },
    )
    engagement_views.remember_viewer(request, response)
    return response


@router.get("/content/{video_id}")
async def manage_page(request: Request, db: DbDep, actor: ActorDep, video_id: VideoId) -> Response:
    """One video's manage view, for its owner and for admins (any owner's video)."""
    if actor is None:
        return redirect(f"/login?next=/content/{video_id}")
    async with db.read() as session:
        video = await video_service.get_managed(session, actor, video_id)
        categories = await account_service.list_categories(session)
    return render(
        request,
        "video/manage.html",
        {
            "video": video,
            "categories": categories,
            "visibilities": list(Visibility),
            "media_url": media_url,
            "default_preview_seconds": get_settings().premium_preview_seconds,
        },
    )


async def _content_action(
    request: Request, form: FormData, action: object, success: str
) -> Response:
    # The list and the single-video view both post here; each names its way back.
    back = safe_next(text(form, "next"), "/content")
    try:
        async with database(request).unit_of_work() as session:
            await action(session)  # type: ignore[operator]
    except AppError as exc:
        response = redirect(back)
        flash(response, exc.message, "error")
        return response
    response = redirect(back)
    flash(response, success, "success")
    return response


@router.post("/content/{video_id}/edit")
async def edit_submit(request: Request, video_id: str) -> Response:
    actor = security.require_actor(request)
    form = await read_form(request)
    tags = [t for t in text(form, "tags").split(",") if t.strip()]
    try:
        visibility = Visibility(text(form, "visibility", "public"))
    except ValueError:
        visibility = None
    preview = text(form, "preview_seconds")
    if preview and not (preview.isdigit() and int(preview) <= 3600):
        response = redirect(safe_next(text(form, "next"), "/content"))
        flash(response, "The preview is a number of seconds from 0 to 3600.", "error")
        return response
    data = VideoUpdate(
        title=text(form, "title")[:200] or None,
        description=text(form, "description")[:10_000],
        category_slug=text(form, "category"),
        tags=tags,
        visibility=visibility,
        premium=text(form, "premium") == "on",
        preview_seconds=int(preview) if preview else None,
    )
    vid = require_uuid(video_id, VideoNotFound)
    return await _content_action(
        request, form, lambda s: video_service.update(s, actor, vid, data), "Saved."
    )


@router.post("/content/{video_id}/delete")
async def delete_submit(request: Request, video_id: str) -> Response:
    actor = security.require_actor(request)
    form = await read_form(request)
    vid = require_uuid(video_id, VideoNotFound)
    return await _content_action(
        request,
        form,
        lambda s: video_service.delete(s, actor, vid),
        "The video and its files are deleted.",
    )


@router.post("/content/{video_id}/retry")
async def retry_submit(request: Request, video_id: str) -> Response:
    actor = security.require_actor(request)
    form = await read_form(request)
    vid = require_uuid(video_id, VideoNotFound)
    return await _content_action(
        request, form, lambda s: video_service.retry(s, actor, vid), "Processing started again."
    )


@router.post("/content/{video_id}/thumbnail")
async def thumbnail_submit(request: Request, video_id: str) -> Response:
    actor = security.require_actor(request)
    form = await read_form(request)
    index = text(form, "index")
    vid = require_uuid(video_id, VideoNotFound)
    return await _content_action(
        request,
        form,
        lambda s: video_service.choose_thumbnail(
            s, actor, vid, int(index) if index.isdigit() else -1
        ),
        "The poster is changed.",
    )
