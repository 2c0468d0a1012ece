"""Forum rules.

- Anyone may read; signed-in users create threads, reply, like, report and chat.
- Authors edit and delete their own posts and chat messages.
- Moderators pin, lock, move and delete any thread, post or message. For now a
  moderator is an admin (`Role.ADMIN`); a dedicated moderator role can come later
  by changing `is_moderator` alone.
- A locked thread takes no replies, edits or chat messages except from moderators.
- Deleted threads are gone for everyone; a deleted post stays as a placeholder so
  the conversation keeps its shape, but its text is never shown again.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from cosmostream.account.people import people
from cosmostream.account.schemas import Actor, require_signed_in
from cosmostream.chat.schemas import DEFAULT_CHAT_PAGE, clean_chat_body, clean_chat_limit
from cosmostream.chat.service import chat_service
from cosmostream.errors import PermissionDenied
from cosmostream.forum import events
from cosmostream.forum.errors import (
    ForumCategoryNotFound,
    OwnPost,
    PostNotFound,
    ThreadLocked,
    ThreadNotFound,
)
from cosmostream.forum.events import THREAD_CHAT
from cosmostream.forum.repository import (
    PostKeyset,
    ThreadKeyset,
    category_repository,
    post_repository,
    thread_repository,
)
from cosmostream.forum.schemas import (
    DEFAULT_PAGE,
    MAX_PAGE,
    ThreadListing,
    ThreadView,
    clean_post_body,
    clean_search,
    clean_title,
)
from cosmostream.kit.pagination import (
    BadCursor,
    Page,
    decode_after,
    encode_cursor,
    page_size,
    utc_from_cursor,
)
from cosmostream.kit.time import utcnow
from cosmostream.models import ChatMessage, ForumCategory, Post, Thread
from cosmostream.moderation.schemas import ReportSubject
from cosmostream.moderation.service import moderation_service

THREAD_SORT = "forum_threads"
OPENED_CATEGORY_POSITION = 1000  # after the site's own categories
POST_SORT = "forum_posts"


def is_moderator(actor: Actor | None) -> bool:
    return actor is not None and actor.is_admin


def can_edit_post(actor: Actor | None, post: Post) -> bool:
    return actor is not None and post.deleted_at is None and actor.id == post.author_id


def can_delete_post(actor: Actor | None, post: Post) -> bool:
    if actor is None or post.deleted_at is not None:
        return False
    return actor.id == post.author_id or is_moderator(actor)


def _thread_cursor(thread: Thread) -> str:
    # The cursor key is one value: the pin flag and the activity time joined.
    key = f"{int(thread.pinned)}|{thread.last_activity_at.isoformat()}"
    return encode_cursor(THREAD_SORT, key, thread.id)


def _thread_after(cursor: str | None) -> ThreadKeyset | None:
    after = decode_after(cursor, THREAD_SORT, str)
    if after is None:
        return None
    key, last_id = after
    if key[:2] not in ("0|", "1|"):
        raise BadCursor(field="after")
    return key[0] == "1", utc_from_cursor(key[2:]), last_id


def _post_after(cursor: str | None) -> PostKeyset | None:
    return decode_after(cursor, POST_SORT, datetime)


class ForumService:
    # -- reading ---------------------------------------------------------------

    async def categories(self, session: AsyncSession) -> list[ForumCategory]:
        return await category_repository.all(session)

    async def category(self, session: AsyncSession, slug: str) -> ForumCategory:
        found = await category_repository.by_slug(session, slug)
        if found is None:
            raise ForumCategoryNotFound()
        return found

    async def open_category(
        self, session: AsyncSession, *, slug: str, name: str, description: str = ""
    ) -> ForumCategory:
        """A category another part of the platform opens (a course's discussion), listed
        after the site's own categories; its slug is `slug` or a numbered form of it."""
        return await category_repository.add(
            session,
            base_slug=slug[:60].rstrip("-"),  # room for a number within the 64 of the column
            name=" ".join(name.split())[:80],
            description=description,
            position=OPENED_CATEGORY_POSITION,
        )

    async def threads(
        self,
        session: AsyncSession,
        category_id: uuid.UUID | None,
        *,
        first: int = DEFAULT_PAGE,
        after: str | None = None,
    ) -> Page[Thread]:
        """Live threads of a category (or of all), pinned first, then by latest activity."""
        size = page_size(first, MAX_PAGE)
        rows = await thread_repository.page(
            session, category_id, limit=size + 1, after=_thread_after(after)
        )
        items = rows[:size]
        return Page(
            items=items, cursors=[_thread_cursor(t) for t in items], has_next=len(rows) > size
        )

    async def thread(self, session: AsyncSession, thread_id: uuid.UUID) -> Thread:
        found = await thread_repository.get(session, thread_id)
        if found is None or found.deleted_at is not None:
            raise ThreadNotFound()
        return found

    async def posts(
        self,
        session: AsyncSession,
        thread_id: uuid.UUID,
        *,
        first: int = DEFAULT_PAGE,
        after: str | None = None,
    ) -> Page[Post]:
        """The posts of a thread, oldest first (deleted ones as placeholders)."""
        size = page_size(first, MAX_PAGE)
        rows = await post_repository.page(
            session, thread_id, limit=size + 1, after=_post_after(after)
        )
        items = rows[:size]
        return Page(
            items=items,
            cursors=[encode_cursor(POST_SORT, p.created_at, p.id) for p in items],
            has_next=len(rows) > size,
        )

    async def search_threads(
        self, session: AsyncSession, query: str, *, first: int = DEFAULT_PAGE
    ) -> list[Thread]:
        """Live threads whose title contains `query` (literally: % and _ are not wildcards)."""
        return await thread_repository.search(
            session, clean_search(query), page_size(first, MAX_PAGE)
        )

    # -- threads and posts -----------------------------------------------------

    async def _live_thread(
        self, session: AsyncSession, thread_id: uuid.UUID, *, for_update: bool = False
    ) -> Thread:
        found = await thread_repository.get(session, thread_id, for_update=for_update)
        if found is None or found.deleted_at is not None:
            raise ThreadNotFound()
        return found

    async def _live_post(self, session: AsyncSession, post_id: uuid.UUID) -> tuple[Post, Thread]:
        post = await post_repository.get(session, post_id, for_update=True)
        if post is None or post.deleted_at is not None:
            raise PostNotFound()
        thread = await thread_repository.get(session, post.thread_id)
        if thread is None or thread.deleted_at is not None:
            raise PostNotFound()
        return post, thread

    @staticmethod
    def _check_open(actor: Actor, thread: Thread) -> None:
        if thread.locked and not is_moderator(actor):
            raise ThreadLocked()

    async def create_thread(
        self,
        session: AsyncSession,
        actor: Actor | None,
        category_id: uuid.UUID,
        title: str,
        body: str,
    ) -> Thread:
        """Start a thread with its opening post."""
        actor = require_signed_in(actor)
        clean = clean_title(title)
        text = clean_post_body(body)
        category = await category_repository.get(session, category_id)
        if category is None:
            raise ForumCategoryNotFound()
        now = utcnow()
        thread = Thread(
            category_id=category.id,
            author_id=actor.id,
            title=clean,
            pinned=False,
            locked=False,
            reply_count=0,
            last_activity_at=now,
            created_at=now,
        )
        session.add(thread)
        await session.flush()
        session.add(
            Post(thread_id=thread.id, author_id=actor.id, opening=True, body=text, created_at=now)
        )
        await session.flush()
        return await self._live_thread(session, thread.id)

    async def reply(
        self, session: AsyncSession, actor: Actor | None, thread_id: uuid.UUID, body: str
    ) -> Post:
        """Add a post to a thread; a locked thread refuses all but moderators."""
        actor = require_signed_in(actor)
        text = clean_post_body(body)
        thread = await self._live_thread(session, thread_id, for_update=True)
        self._check_open(actor, thread)
        now = utcnow()
        post = Post(
            thread_id=thread.id, author_id=actor.id, opening=False, body=text, created_at=now
        )
        session.add(post)
        await session.flush()
        replies = await thread_repository.change_replies(session, thread.id, 1, now)
        events.post_changed(post, actor.user, new=True, reply_count=replies)
        return post

    async def edit_post(
        self, session: AsyncSession, actor: Actor | None, post_id: uuid.UUID, body: str
    ) -> Post:
        """Change the text of one's own post (marked as edited)."""
        actor = require_signed_in(actor)
        post, thread = await self._live_post(session, post_id)
        if not can_edit_post(actor, post):
            raise PermissionDenied("Only its author can edit a post.")
        self._check_open(actor, thread)
        text = clean_post_body(body)
        if text != post.body:
            post.body = text
            post.edited_at = utcnow()
            events.post_changed(post, actor.user, new=False)
        await session.flush()
        return post

    async def delete_post(
        self, session: AsyncSession, actor: Actor | None, post_id: uuid.UUID
    ) -> Post:
        """Delete a post (its author or a moderator); it stays as a placeholder."""
        actor = require_signed_in(actor)
        post, thread = await self._live_post(session, post_id)
        if not can_delete_post(actor, post):
            raise PermissionDenied("You can only delete your own posts.")
        post.deleted_at = utcnow()
        post.body = ""
        await session.flush()
        replies = thread.reply_count
        if not post.opening:
            replies = await thread_repository.change_replies(session, thread.id, -1, None)
        events.post_deleted(post, reply_count=replies)
        return post

    async def like_post(
        self, session: AsyncSession, actor: Actor | None, post_id: uuid.UUID
    ) -> Post:
        """Like a post; liking twice is one like."""
        actor = require_signed_in(actor)
        post, _ = await self._live_post(session, post_id)
        if await post_repository.add_like(session, actor.id, post.id, utcnow()):
            await post_repository.change_likes(session, post.id, 1)
        return await self._reload(session, post.id)

    async def unlike_post(
        self, session: AsyncSession, actor: Actor | None, post_id: uuid.UUID
    ) -> Post:
        actor = require_signed_in(actor)
        post, _ = await self._live_post(session, post_id)
        if await post_repository.remove_like(session, actor.id, post.id):
            await post_repository.change_likes(session, post.id, -1)
        return await self._reload(session, post.id)

    @staticmethod
    async def _reload(session: AsyncSession, post_id: uuid.UUID) -> Post:
        found = await post_repository.get(session, post_id)
        assert found is not None
        return found

    async def report_post(
        self, session: AsyncSession, actor: Actor | None, post_id: uuid.UUID, reason: str
    ) -> Post:
        """Flag a post for the moderators: once per user, never one's own."""
        actor = require_signed_in(actor)
        post, _ = await self._live_post(session, post_id)
        await moderation_service.report(
            session, actor, ReportSubject.POST, post.id, post.author_id, reason, own=OwnPost()
        )
        return post

    # -- moderation ------------------------------------------------------------

    async def _moderated(
        self, session: AsyncSession, actor: Actor | None, thread_id: uuid.UUID
    ) -> Thread:
        actor = require_signed_in(actor)
        if not is_moderator(actor):
            raise PermissionDenied("Only moderators can do that.")
        return await self._live_thread(session, thread_id, for_update=True)

    async def pin_thread(
        self, session: AsyncSession, actor: Actor | None, thread_id: uuid.UUID, pinned: bool
    ) -> Thread:
        thread = await self._moderated(session, actor, thread_id)
        thread.pinned = pinned
        await session.flush()
        events.thread_changed(thread)
        return thread

    async def lock_thread(
        self, session: AsyncSession, actor: Actor | None, thread_id: uuid.UUID, locked: bool
    ) -> Thread:
        thread = await self._moderated(session, actor, thread_id)
        thread.locked = locked
        await session.flush()
        events.thread_changed(thread)
        return thread

    async def move_thread(
        self,
        session: AsyncSession,
        actor: Actor | None,
        thread_id: uuid.UUID,
        category_id: uuid.UUID,
    ) -> Thread:
        thread = await self._moderated(session, actor, thread_id)
        category = await category_repository.get(session, category_id)
        if category is None:
            raise ForumCategoryNotFound()
        thread.category_id = category.id
        await session.flush()
        events.thread_changed(thread)
        return await self._live_thread(session, thread.id)

    async def delete_thread(
        self, session: AsyncSession, actor: Actor | None, thread_id: uuid.UUID
    ) -> Thread:
        """Hide a thread and everything in it (moderators only)."""
        thread = await self._moderated(session, actor, thread_id)
        thread.deleted_at = utcnow()
        await session.flush()
        events.thread_changed(thread)
        return thread

    # -- chat ------------------------------------------------------------------

    async def post_chat_message(
        self, session: AsyncSession, actor: Actor | None, thread_id: uuid.UUID, body: str
    ) -> ChatMessage:
        """Send a chat message to a thread: anyone signed in, while it is open."""
        actor = require_signed_in(actor)
        text = clean_chat_body(body)
        thread = await self._live_thread(session, thread_id)
        self._check_open(actor, thread)
        return await chat_service.post(session, THREAD_CHAT, thread.id, actor.user, text)

    async def chat_history(
        self,
        session: AsyncSession,
        thread_id: uuid.UUID,
        before: uuid.UUID | None = None,
        limit: int = DEFAULT_CHAT_PAGE,
    ) -> list[ChatMessage]:
        """The newest `limit` live messages (before the message `before`), oldest first."""
        limit = clean_chat_limit(limit)
        thread = await self.thread(session, thread_id)
        return await chat_service.history(
            session, THREAD_CHAT, thread.id, before=before, limit=limit
        )

    async def delete_chat_message(
        self, session: AsyncSession, actor: Actor | None, message_id: uuid.UUID
    ) -> ChatMessage:
        """Remove a chat message (its author or a moderator)."""
        actor = require_signed_in(actor)
        message = await chat_service.message(session, THREAD_CHAT, message_id)
        return await chat_service.delete(
            session, THREAD_CHAT, message, actor.id, moderator=is_moderator(actor)
        )

    async def report_chat_message(
        self, session: AsyncSession, actor: Actor | None, message_id: uuid.UUID, reason: str
    ) -> ChatMessage:
        actor = require_signed_in(actor)
        message = await chat_service.message(session, THREAD_CHAT, message_id)
        await moderation_service.report(
            session,
            actor,
            ReportSubject.CHAT_MESSAGE,
            message.id,
            message.author_id,
            reason,
            own=OwnPost("You cannot report your own message."),
        )
        return message

    # -- pages -----------------------------------------------------------------

    async def listing(
        self,
        session: AsyncSession,
        *,
        category_slug: str | None = None,
        query: str | None = None,
        first: int = DEFAULT_PAGE,
        after: str | None = None,
    ) -> ThreadListing:
        """The forum index: the categories, and the latest threads of one category
        (or of all), or the threads whose title matches `query`; authors loaded."""
        categories = await category_repository.all(session)
        category = None
        if category_slug:
            category = next((c for c in categories if c.slug == category_slug), None)
            if category is None:
                raise ForumCategoryNotFound()
        if query is not None:
            found = await self.search_threads(session, query, first=first)
            threads = Page(items=found, cursors=[_thread_cursor(t) for t in found], has_next=False)
        else:
            category_id = category.id if category is not None else None
            threads = await self.threads(session, category_id, first=first, after=after)
        authors = await people(session, (t.author_id for t in threads.items))
        return ThreadListing(categories, category, query, threads, authors)

    async def thread_view(
        self,
        session: AsyncSession,
        actor: Actor | None,
        thread_id: uuid.UUID,
        *,
        first: int = DEFAULT_PAGE,
        after: str | None = None,
    ) -> ThreadView:
        """A thread's page: a page of posts, the latest chat, their authors, what
        the viewer likes; in the same number of queries however long the thread."""
        thread = await self.thread(session, thread_id)
        posts = await self.posts(session, thread.id, first=first, after=after)
        chat = await chat_service.history(session, THREAD_CHAT, thread.id)
        authors = await people(
            session,
            [thread.author_id, *(p.author_id for p in posts.items), *(m.author_id for m in chat)],
        )
        post_ids = [p.id for p in posts.items]
        liked = await post_repository.liked(session, actor.id, post_ids) if actor else set()
        categories = await category_repository.all(session) if is_moderator(actor) else []
        return ThreadView(thread, posts, chat, authors, frozenset(liked), categories)

    async def page_of(
        self, session: AsyncSession, post: Post, *, first: int = DEFAULT_PAGE
    ) -> str | None:
        """The `after` cursor of the page of `posts` (pages of `first`, as the
        thread's "newer posts" links go) that shows `post`; None for the first."""
        start = await post_repository.count_before(session, post) // first * first
        if start == 0:
            return None
        anchor = await post_repository.nth(session, post.thread_id, start - 1)
        return encode_cursor(POST_SORT, anchor.created_at, anchor.id) if anchor else None


forum_service = ForumService()
