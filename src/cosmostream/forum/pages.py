"""Forum pages: the index (/forums) and a thread's page with its live chat.

Every action is a plain form post with a CSRF token, answered with a 303 back
to the page it came from and a notice; forum-thread.js adds the live chat,
typing, presence and new posts on top of the same markup. Unknown or deleted
things are a 404 page; other refusals (locked, not yours, bad input) come back
as a notice, except a new thread's bad input, which shows the form again with
what was typed.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from markupsafe import Markup
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.datastructures import FormData
from starlette.responses import Response

from cosmostream.account.schemas import Actor
from cosmostream.chat.schemas import MAX_CHAT_LENGTH
from cosmostream.errors import AppError
from cosmostream.forum.errors import (
    ChatMessageNotFound,
    ForumCategoryNotFound,
    PostNotFound,
    ThreadNotFound,
)
from cosmostream.forum.markdown import render_markdown
from cosmostream.forum.schemas import MAX_POST_LENGTH, MAX_TITLE_LENGTH, ThreadListing
from cosmostream.forum.service import can_delete_post, can_edit_post, forum_service, is_moderator
from cosmostream.kit.ids import require_uuid
from cosmostream.models import Post
from cosmostream.web import security
from cosmostream.web.deps import database
from cosmostream.web.forms import act, read_form, redirect, text
from cosmostream.web.templating import flash, render

router = APIRouter()

LIMITS = {"title": MAX_TITLE_LENGTH, "post": MAX_POST_LENGTH, "chat": MAX_CHAT_LENGTH}


def _here(request: Request) -> str:
    return request.url.path + (f"?{request.url.query}" if request.url.query else "")


def _post_html(body: str) -> Markup:
    # render_markdown escapes raw HTML and filters links: its output is safe as is.
    return Markup(render_markdown(body))  # noqa: S704


# -- the index ----------------------------------------------------------------


def _more_url(listing: ThreadListing) -> str | None:
    page = listing.threads
    if listing.query is not None or not page.has_next or page.end_cursor is None:
        return None
    params = [("category", listing.category.slug)] if listing.category else []
    params.append(("after", page.end_cursor))
    return f"/forums?{urlencode(params)}"


async def _index(
    request: Request, *, draft: dict[str, str] | None = None, error: AppError | None = None
) -> Response:
    params = request.query_params
    query = " ".join(params.get("q", "").split()) or None
    # A refused new thread is shown again over every category's threads.
    slug = None if draft is not None else params.get("category") or None
    async with database(request).read() as session:
        listing = await forum_service.listing(
            session, category_slug=slug, query=query, after=params.get("after") or None
        )
    return render(
        request,
        "forum/list.html",
        {
            "listing": listing,
            "more_url": _more_url(listing),
            "draft": draft or {},
            "error": error.message if error else None,
            "error_field": error.field if error else None,
            "limits": LIMITS,
        },
        status=error.status if error else 200,
    )


@router.get("/forums")
async def forums_page(request: Request) -> Response:
    return await _index(request)


@router.post("/forums/new")
async def new_thread_submit(request: Request) -> Response:
    form = await read_form(request)
    actor = security.current_actor(request)
    if actor is None:
        return redirect("/login?next=/forums")
    draft = {name: text(form, name) for name in ("category_id", "title", "body")}
    try:
        category_id = require_uuid(draft["category_id"], ForumCategoryNotFound)
        async with database(request).unit_of_work() as session:
            thread = await forum_service.create_thread(
                session, actor, category_id, draft["title"], draft["body"]
            )
    except AppError as exc:
        # Show the form again with what was typed: a long post is not lost.
        return await _index(request, draft=draft, error=exc)
    response = redirect(f"/forums/{thread.id}")
    flash(response, "Your thread is started.", "success")
    return response


# -- a thread -------------------------------------------------------------------


@router.get("/forums/{thread_id}")
async def thread_page(request: Request, thread_id: str) -> Response:
    actor = security.current_actor(request)
    tid = require_uuid(thread_id, ThreadNotFound)
    after = request.query_params.get("after") or None
    async with database(request).read() as session:
        view = await forum_service.thread_view(session, actor, tid, after=after)
    posts = view.posts
    return render(
        request,
        "forum/thread.html",
        {
            "view": view,
            "thread": view.thread,
            "after": after,
            "here": _here(request),
            "newer_url": (
                f"/forums/{tid}?{urlencode({'after': posts.end_cursor})}"
                if posts.has_next and posts.end_cursor
                else None
            ),
            "moderator": is_moderator(actor),
            "can_edit_post": can_edit_post,
            "can_delete_post": can_delete_post,
            "post_html": _post_html,
            "limits": LIMITS,
        },
    )


def _post_url(post: Post, after: str | None = None) -> str:
    query = f"?{urlencode({'after': after})}" if after else ""
    return f"/forums/{post.thread_id}{query}#post-{post.id}"


@router.post("/forums/{thread_id}/reply")
async def reply_submit(request: Request, thread_id: str) -> Response:
    tid = require_uuid(thread_id, ThreadNotFound)

    async def reply(session: AsyncSession, actor: Actor, form: FormData) -> str:
        post = await forum_service.reply(session, actor, tid, text(form, "body"))
        # A long thread: land on the page that shows the new reply.
        return _post_url(post, await forum_service.page_of(session, post))

    return await act(request, reply, back=f"/forums/{tid}#reply", then=str)


@router.post("/forums/{thread_id}/chat")
async def chat_submit(request: Request, thread_id: str) -> Response:
    tid = require_uuid(thread_id, ThreadNotFound)
    return await act(
        request,
        lambda s, a, f: forum_service.post_chat_message(s, a, tid, text(f, "body")),
        back=f"/forums/{tid}#chat",
    )


@router.post("/forums/{thread_id}/chat/{message_id}/delete")
async def chat_delete_submit(request: Request, thread_id: str, message_id: str) -> Response:
    tid = require_uuid(thread_id, ThreadNotFound)
    mid = require_uuid(message_id, ChatMessageNotFound)
    return await act(
        request,
        lambda s, a, f: forum_service.delete_chat_message(s, a, mid),
        back=f"/forums/{tid}#chat",
        success="The message is deleted.",
    )


async def _moderate(
    request: Request,
    thread_id: str,
    run: Callable[[AsyncSession, Actor, uuid.UUID, FormData], Awaitable[Any]],
    success: str,
    *,
    back: str | None = None,
) -> Response:
    tid = require_uuid(thread_id, ThreadNotFound)
    return await act(
        request,
        lambda s, a, f: run(s, a, tid, f),
        back=back or f"/forums/{tid}",
        success=success,
    )


@router.post("/forums/{thread_id}/pin")
async def pin_submit(request: Request, thread_id: str) -> Response:
    return await _moderate(
        request,
        thread_id,
        lambda s, a, t, f: forum_service.pin_thread(s, a, t, True),
        "The thread is pinned.",
    )


@router.post("/forums/{thread_id}/unpin")
async def unpin_submit(request: Request, thread_id: str) -> Response:
    return await _moderate(
        request,
        thread_id,
        lambda s, a, t, f: forum_service.pin_thread(s, a, t, False),
        "The thread is unpinned.",
    )


@router.post("/forums/{thread_id}/lock")
async def lock_submit(request: Request, thread_id: str) -> Response:
    return await _moderate(
        request,
        thread_id,
        lambda s, a, t, f: forum_service.lock_thread(s, a, t, True),
        "The thread is locked.",
    )


@router.post("/forums/{thread_id}/unlock")
async def unlock_submit(request: Request, thread_id: str) -> Response:
    return await _moderate(
        request,
        thread_id,
        lambda s, a, t, f: forum_service.lock_thread(s, a, t, False),
        "The thread is unlocked.",
    )


@router.post("/forums/{thread_id}/move")
async def move_submit(request: Request, thread_id: str) -> Response:
    def category(form: FormData) -> uuid.UUID:
        return require_uuid(text(form, "category_id"), ForumCategoryNotFound)

    return await _moderate(
        request,
        thread_id,
        lambda s, a, t, f: forum_service.move_thread(s, a, t, category(f)),
        "The thread is moved.",
    )


@router.post("/forums/{thread_id}/delete")
async def thread_delete_submit(request: Request, thread_id: str) -> Response:
    # Back to the index: the thread's own page is gone.
    return await _moderate(
        request,
        thread_id,
        lambda s, a, t, f: forum_service.delete_thread(s, a, t),
        "The thread is deleted.",
        back="/forums",
    )


# -- posts ----------------------------------------------------------------------


def _post_action(
    request: Request,
    post_id: str,
    run: Callable[[AsyncSession, Actor, uuid.UUID, FormData], Awaitable[Post]],
    success: str | None = None,
) -> Awaitable[Response]:
    pid = require_uuid(post_id, PostNotFound)
    # The forms say where to go back (`next`); without one, the thread's first page.
    return act(
        request,
        lambda s, a, f: run(s, a, pid, f),
        back="/forums",
        success=success,
        then=_post_url,
        next_first=True,
    )


@router.post("/forums/posts/{post_id}/like")
async def like_submit(request: Request, post_id: str) -> Response:
    return await _post_action(request, post_id, lambda s, a, p, f: forum_service.like_post(s, a, p))


@router.post("/forums/posts/{post_id}/unlike")
async def unlike_submit(request: Request, post_id: str) -> Response:
    return await _post_action(
        request, post_id, lambda s, a, p, f: forum_service.unlike_post(s, a, p)
    )


@router.post("/forums/posts/{post_id}/edit")
async def edit_submit(request: Request, post_id: str) -> Response:
    return await _post_action(
        request,
        post_id,
        lambda s, a, p, f: forum_service.edit_post(s, a, p, text(f, "body")),
        "Your post is updated.",
    )


@router.post("/forums/posts/{post_id}/delete")
async def post_delete_submit(request: Request, post_id: str) -> Response:
    return await _post_action(
        request,
        post_id,
        lambda s, a, p, f: forum_service.delete_post(s, a, p),
        "The post is deleted.",
    )


@router.post("/forums/posts/{post_id}/report")
async def report_submit(request: Request, post_id: str) -> Response:
    return await _post_action(
        request,
        post_id,
        lambda s, a, p, f: forum_service.report_post(s, a, p, text(f, "reason")),
        "Thank you: the moderators will have a look.",
    )
