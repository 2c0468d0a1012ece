"""Realtime events of the forums, sent to `thread:<id>` after commit.

Every change reaches the thread's room whichever transport made it (GraphQL,
a page form or a socket event), because only the service publishes them.
"""

from __future__ import annotations

import uuid
from typing import Any

from cosmostream import effects
from cosmostream.account.people import person
from cosmostream.forum.markdown import render_markdown
from cosmostream.models import ChatMessage, Post, Thread, User

CHAT_MESSAGE = "forum.chat.message"
CHAT_DELETED = "forum.chat.deleted"
TYPING = "forum.typing"
PRESENCE = "forum.presence"
POST_NEW = "forum.post.new"
POST_UPDATED = "forum.post.updated"
POST_DELETED = "forum.post.deleted"
THREAD_UPDATED = "forum.thread.updated"
THREAD_DELETED = "forum.thread.deleted"


def thread_room(thread_id: uuid.UUID | str) -> str:
    return f"thread:{thread_id}"


def chat_payload(message: ChatMessage, author: User | None) -> dict[str, Any]:
    return {
        "id": str(message.id),
        "threadId": str(message.thread_id),
        "body": message.body,
        "author": person(author) if author else None,
        "createdAt": message.created_at.isoformat(),
    }


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


def chat_posted(message: ChatMessage, author: User) -> None:
    effects.publish(thread_room(message.thread_id), CHAT_MESSAGE, chat_payload(message, author))


def chat_deleted(message: ChatMessage) -> None:
    effects.publish(
        thread_room(message.thread_id),
        CHAT_DELETED,
        {"threadId": str(message.thread_id), "id": str(message.id)},
    )


def post_changed(post: Post, author: User, *, new: bool) -> None:
    effects.publish(
        thread_room(post.thread_id),
        POST_NEW if new else POST_UPDATED,
        {"threadId": str(post.thread_id), "post": post_payload(post, author)},
    )


def post_deleted(post: Post) -> None:
    effects.publish(
        thread_room(post.thread_id),
        POST_DELETED,
        {"threadId": str(post.thread_id), "id": str(post.id)},
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
