"""GraphQL for the forums: categories, threads, posts, search, chat history and moderation."""

from __future__ import annotations

import uuid
from datetime import datetime

import strawberry

from cosmostream.chat.schemas import DEFAULT_CHAT_PAGE
from cosmostream.forum.errors import (
    ChatMessageNotFound,
    ForumCategoryNotFound,
    PostNotFound,
    ThreadNotFound,
)
from cosmostream.forum.markdown import render_markdown
from cosmostream.forum.schemas import DEFAULT_PAGE
from cosmostream.forum.service import can_delete_post, can_edit_post, forum_service, is_moderator
from cosmostream.graphql.context import Info
from cosmostream.graphql.hubs import User
from cosmostream.graphql.relay import Connection, connection
from cosmostream.kit.ids import parse_uuid, require_uuid
from cosmostream.models import ChatMessage as ChatMessageModel
from cosmostream.models import ForumCategory as ForumCategoryModel
from cosmostream.models import Post as PostModel
from cosmostream.models import Thread as ThreadModel


async def _author(info: Info, user_id: uuid.UUID) -> User | None:
    user = await info.context.loaders.users.load(user_id)
    return User(model=user) if user else None


@strawberry.type
class ForumPost:
    model: strawberry.Private[PostModel]

    @strawberry.field
    def id(self) -> strawberry.ID:
        return strawberry.ID(str(self.model.id))

    @strawberry.field
    def thread_id(self) -> strawberry.ID:
        return strawberry.ID(str(self.model.thread_id))

    @strawberry.field(description="The Markdown source; null once deleted.")
    def body(self) -> str | None:
        return None if self.model.deleted_at else self.model.body

    @strawberry.field(
        description="The body rendered as safe HTML (raw HTML escaped, only http(s) and "
        "mailto links); null once deleted."
    )
    def body_html(self) -> str | None:
        return None if self.model.deleted_at else render_markdown(self.model.body)

    @strawberry.field(description="True for the post that started the thread.")
    def opening(self) -> bool:
        return self.model.opening

    @strawberry.field
    def deleted(self) -> bool:
        return self.model.deleted_at is not None

    @strawberry.field
    async def author(self, info: Info) -> User | None:
        if self.model.deleted_at is not None:
            return None
        return await _author(info, self.model.author_id)

    @strawberry.field
    def like_count(self) -> int:
        return self.model.like_count

    @strawberry.field
    def created_at(self) -> datetime:
        return self.model.created_at

    @strawberry.field
    def edited_at(self) -> datetime | None:
        return self.model.edited_at

    @strawberry.field
    def viewer_can_edit(self, info: Info) -> bool:
        return can_edit_post(info.context.actor, self.model)

    @strawberry.field
    def viewer_can_delete(self, info: Info) -> bool:
        return can_delete_post(info.context.actor, self.model)


@strawberry.type
class ForumCategory:
    model: strawberry.Private[ForumCategoryModel]

    @strawberry.field
    def id(self) -> strawberry.ID:
        return strawberry.ID(str(self.model.id))

    @strawberry.field
    def slug(self) -> str:
        return self.model.slug

    @strawberry.field
    def name(self) -> str:
        return self.model.name

    @strawberry.field
    def description(self) -> str:
        return self.model.description

    @strawberry.field
    def position(self) -> int:
        return self.model.position

    @strawberry.field(description="Live threads, pinned first, then by latest activity.")
    async def threads(
        self, info: Info, first: int = DEFAULT_PAGE, after: str | None = None
    ) -> Connection[ForumThread]:
        async with info.context.db.read() as session:
            page = await forum_service.threads(session, self.model.id, first=first, after=after)
        return connection(page, lambda t: ForumThread(model=t))


@strawberry.type
class ForumThread:
    model: strawberry.Private[ThreadModel]

    @strawberry.field
    def id(self) -> strawberry.ID:
        return strawberry.ID(str(self.model.id))

    @strawberry.field
    def title(self) -> str:
        return self.model.title

    @strawberry.field
    def pinned(self) -> bool:
        return self.model.pinned

    @strawberry.field
    def locked(self) -> bool:
        return self.model.locked

    @strawberry.field(description="Live posts after the opening one.")
    def reply_count(self) -> int:
        return self.model.reply_count

    @strawberry.field
    def last_activity_at(self) -> datetime:
        return self.model.last_activity_at

    @strawberry.field
    def created_at(self) -> datetime:
        return self.model.created_at

    @strawberry.field
    def category(self) -> ForumCategory:
        return ForumCategory(model=self.model.category)

    @strawberry.field
    async def author(self, info: Info) -> User | None:
        return await _author(info, self.model.author_id)

    @strawberry.field(description="True when the viewer may pin, lock, move and delete it.")
    def viewer_can_moderate(self, info: Info) -> bool:
        return is_moderator(info.context.actor)

    @strawberry.field(description="The posts, oldest first; deleted ones as placeholders.")
    async def posts(
        self, info: Info, first: int = DEFAULT_PAGE, after: str | None = None
    ) -> Connection[ForumPost]:
        async with info.context.db.read() as session:
            page = await forum_service.posts(session, self.model.id, first=first, after=after)
        return connection(page, lambda p: ForumPost(model=p))


@strawberry.type
class ForumChatMessage:
    model: strawberry.Private[ChatMessageModel]

    @strawberry.field
    def id(self) -> strawberry.ID:
        return strawberry.ID(str(self.model.id))

    @strawberry.field
    def thread_id(self) -> strawberry.ID:
        return strawberry.ID(str(self.model.thread_id))

    @strawberry.field(description="Plain text: clients must show it as text, never as HTML.")
    def body(self) -> str:
        return self.model.body

    @strawberry.field
    async def author(self, info: Info) -> User | None:
        return await _author(info, self.model.author_id)

    @strawberry.field
    def created_at(self) -> datetime:
        return self.model.created_at


@strawberry.type
class ForumQuery:
    @strawberry.field(description="The forum categories, in their display order.")
    async def forum_categories(self, info: Info) -> list[ForumCategory]:
        async with info.context.db.read() as session:
            return [ForumCategory(model=c) for c in await forum_service.categories(session)]

    @strawberry.field
    async def forum_category(self, info: Info, slug: str) -> ForumCategory | None:
        async with info.context.db.read() as session:
            try:
                return ForumCategory(model=await forum_service.category(session, slug))
            except ForumCategoryNotFound:
                return None

    @strawberry.field
    async def thread(self, info: Info, id: strawberry.ID) -> ForumThread | None:
        thread_id = parse_uuid(str(id))
        if thread_id is None:
            return None
        async with info.context.db.read() as session:
            try:
                return ForumThread(model=await forum_service.thread(session, thread_id))
            except ThreadNotFound:
                return None

    @strawberry.field(description="Threads whose title contains `query`, latest activity first.")
    async def search_threads(
        self, info: Info, query: str, first: int = DEFAULT_PAGE
    ) -> list[ForumThread]:
        async with info.context.db.read() as session:
            found = await forum_service.search_threads(session, query, first=first)
        return [ForumThread(model=t) for t in found]

    @strawberry.field(
        description="The newest `limit` chat messages of a thread (before the message "
        "`before`), oldest first."
    )
    async def chat_history(
        self,
        info: Info,
        thread_id: strawberry.ID,
        before: strawberry.ID | None = None,
        limit: int = DEFAULT_CHAT_PAGE,
    ) -> list[ForumChatMessage]:
        tid = require_uuid(thread_id, ThreadNotFound)
        anchor = require_uuid(before, ChatMessageNotFound) if before is not None else None
        async with info.context.db.read() as session:
            found = await forum_service.chat_history(session, tid, before=anchor, limit=limit)
        return [ForumChatMessage(model=m) for m in found]


@strawberry.type
class ForumMutation:
    @strawberry.mutation(
        description="Start a thread: a title of 3-200 characters and the opening post (Markdown)."
    )
    async def create_thread(
        self, info: Info, category_id: strawberry.ID, title: str, body: str
    ) -> ForumThread:
        actor = info.context.require_actor()
        cid = require_uuid(category_id, ForumCategoryNotFound)
        async with info.context.unit_of_work() as session:
            thread = await forum_service.create_thread(session, actor, cid, title, body)
        return ForumThread(model=thread)

    @strawberry.mutation(description="Reply to a thread (Markdown, at most 20,000 characters).")
    async def reply_to_thread(self, info: Info, thread_id: strawberry.ID, body: str) -> ForumPost:
        actor = info.context.require_actor()
        tid = require_uuid(thread_id, ThreadNotFound)
        async with info.context.unit_of_work() as session:
            post = await forum_service.reply(session, actor, tid, body)
        return ForumPost(model=post)

    @strawberry.mutation(description="Change the text of your own post.")
    async def edit_post(self, info: Info, id: strawberry.ID, body: str) -> ForumPost:
        actor = info.context.require_actor()
        async with info.context.unit_of_work() as session:
            post = await forum_service.edit_post(
                session, actor, require_uuid(id, PostNotFound), body
            )
        return ForumPost(model=post)

    @strawberry.mutation(description="Delete a post: its author or a moderator.")
    async def delete_post(self, info: Info, id: strawberry.ID) -> ForumPost:
        actor = info.context.require_actor()
        async with info.context.unit_of_work() as session:
            post = await forum_service.delete_post(session, actor, require_uuid(id, PostNotFound))
        return ForumPost(model=post)

    @strawberry.mutation(description="Like a post (liking twice is one like).")
    async def like_post(self, info: Info, id: strawberry.ID) -> ForumPost:
        actor = info.context.require_actor()
        async with info.context.unit_of_work() as session:
            post = await forum_service.like_post(session, actor, require_uuid(id, PostNotFound))
        return ForumPost(model=post)

    @strawberry.mutation
    async def unlike_post(self, info: Info, id: strawberry.ID) -> ForumPost:
        actor = info.context.require_actor()
        async with info.context.unit_of_work() as session:
            post = await forum_service.unlike_post(session, actor, require_uuid(id, PostNotFound))
        return ForumPost(model=post)

    @strawberry.mutation(description="Report a post to the moderators (once; not your own).")
    async def report_post(self, info: Info, id: strawberry.ID, reason: str = "") -> bool:
        actor = info.context.require_actor()
        async with info.context.unit_of_work() as session:
            await forum_service.report_post(session, actor, require_uuid(id, PostNotFound), reason)
        return True

    @strawberry.mutation(description="Pin or unpin a thread (moderators).")
    async def pin_thread(self, info: Info, id: strawberry.ID, pinned: bool = True) -> ForumThread:
        actor = info.context.require_actor()
        async with info.context.unit_of_work() as session:
            thread = await forum_service.pin_thread(
                session, actor, require_uuid(id, ThreadNotFound), pinned
            )
        return ForumThread(model=thread)

    @strawberry.mutation(description="Lock or unlock a thread (moderators).")
    async def lock_thread(self, info: Info, id: strawberry.ID, locked: bool = True) -> ForumThread:
        actor = info.context.require_actor()
        async with info.context.unit_of_work() as session:
            thread = await forum_service.lock_thread(
                session, actor, require_uuid(id, ThreadNotFound), locked
            )
        return ForumThread(model=thread)

    @strawberry.mutation(description="Move a thread to another category (moderators).")
    async def move_thread(
        self, info: Info, id: strawberry.ID, category_id: strawberry.ID
    ) -> ForumThread:
        actor = info.context.require_actor()
        tid = require_uuid(id, ThreadNotFound)
        cid = require_uuid(category_id, ForumCategoryNotFound)
        async with info.context.unit_of_work() as session:
            thread = await forum_service.move_thread(session, actor, tid, cid)
        return ForumThread(model=thread)

    @strawberry.mutation(description="Delete a thread and everything in it (moderators).")
    async def delete_thread(self, info: Info, id: strawberry.ID) -> bool:
        actor = info.context.require_actor()
        async with info.context.unit_of_work() as session:
            await forum_service.delete_thread(session, actor, require_uuid(id, ThreadNotFound))
        return True

    @strawberry.mutation(
        description="Send a chat message to a thread (plain text, at most 2,000 characters)."
    )
    async def post_chat_message(
        self, info: Info, thread_id: strawberry.ID, body: str
    ) -> ForumChatMessage:
        actor = info.context.require_actor()
        tid = require_uuid(thread_id, ThreadNotFound)
        async with info.context.unit_of_work() as session:
            message = await forum_service.post_chat_message(session, actor, tid, body)
        return ForumChatMessage(model=message)
