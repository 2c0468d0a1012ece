"""Realtime events of the forums, sent to `thread:<id>` after commit.

Every change reaches the thread's room whichever transport made it (GraphQL,
a page form or a socket event), because only the service publishes them.
"""

from __future__ import annotations

import uuid
from typing import Any

from cosmostream import effects
from cosmostream.account.people import person
from cosmostream.chat.schemas import ChatRoom
from cosmostream.forum.errors import ChatMessageNotFound
from cosmostream.forum.markdown import render_markdown
from cosmostream.models import ChatMessage, Post, Thread, User

TYPING = "forum.typing"
PRESENCE = "forum.presence"
POST_NEW = "forum.post.new"
POST_UPDATED = "forum.post.updated"
POST_DELETED = "forum.post.deleted"
THREAD_UPDATED = "forum.thread.updated"
THREAD_DELETED = "forum.thread.deleted"


# The thread's live chat: `forum.chat.message` and `forum.chat.deleted` events,
# `forum.chat.send` and `forum.chat.delete` socket events.
THREAD_CHAT = ChatRoom(
    kind="thread",
    key="threadId",
    events="forum.chat",
    column=ChatMessage.thread_id,
    not_found=ChatMessageNotFound,
)


def thread_room(thread_id: uuid.UUID | str) -> str:
    return THREAD_CHAT.room(thread_id)


def post_payload(post: Post, author: User) -> dict[str, Any]:
    return {
        "id": str(post.id),
        "threadId": str(post.thread_id),
        "bodyHtml": render_markdown(post.body),
        "author": person(author),
        "createdAt": post.created_at.isoformat(),
        "editedAt": post.edited_at.isoformat() if post.edited_at else None,
        "likeCount": post.like_count,
        "opening": post.opening,
    }


def post_changed(post: Post, author: User, *, new: bool, reply_count: int | None = None) -> None:
    """`forum.post.new` (with the thread's new `replyCount`) or `forum.post.updated`."""
    payload: dict[str, Any] = {"threadId": str(post.thread_id), "post": post_payload(post, author)}
    if new:
        # The count itself, not +1: a client that missed an event still ends right.
        payload["replyCount"] = reply_count
    effects.publish(thread_room(post.thread_id), POST_NEW if new else POST_UPDATED, payload)


def post_deleted(post: Post, *, reply_count: int) -> None:
    effects.publish(
        thread_room(post.thread_id),
        POST_DELETED,
        {"threadId": str(post.thread_id), "id": str(post.id), "replyCount": reply_count},
    )


def thread_changed(thread: Thread) -> None:
    room = thread_room(thread.id)
    if thread.deleted_at is not None:
        effects.publish(room, THREAD_DELETED, {"threadId": str(thread.id)})
        return
    effects.publish(
        room,
        THREAD_UPDATED,
        {
            "threadId": str(thread.id),
            "title": thread.title,
            "pinned": thread.pinned,
            "locked": thread.locked,
            "categoryId": str(thread.category_id),
        },
    )
