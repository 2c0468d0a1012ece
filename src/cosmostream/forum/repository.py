"""SQL for the forums.

Counters (replies, likes) change with SQL arithmetic so concurrent requests
never lose an update; likes are inserted with ON CONFLICT DO NOTHING so a
repeat is a no-op the service can detect. Lists are keyset paginated and
load their rows in a fixed number of queries.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, delete, func, or_, select, true, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from cosmostream.kit.sql import free_slug, insert_ignore
from cosmostream.models import ForumCategory, Post, PostLike, Thread

# (pinned, last activity, id) of the last thread a client saw.
ThreadKeyset = tuple[bool, datetime, uuid.UUID]
# (created at, id) of the last post a client saw.
PostKeyset = tuple[datetime, uuid.UUID]


def escape_like(text: str) -> str:
    """`text` matched literally inside a LIKE pattern escaped with a backslash."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _after_thread(after: ThreadKeyset | None) -> ColumnElement[bool]:
    """Threads after `after` in (pinned DESC, last activity DESC, id DESC) order."""
    if after is None:
        return true()
    pinned, at, last_id = after
    same_pin = and_(
        Thread.pinned.is_(pinned),
        or_(
            Thread.last_activity_at < at,
            and_(Thread.last_activity_at == at, Thread.id < last_id),
        ),
    )
    # Booleans compared as values differ across backends; spell the order out.
    return or_(Thread.pinned.is_(False), same_pin) if pinned else same_pin


class CategoryRepository:
    async def all(self, session: AsyncSession) -> list[ForumCategory]:
        return list(
            await session.scalars(
                select(ForumCategory).order_by(ForumCategory.position, ForumCategory.name)
            )
        )

    async def get(self, session: AsyncSession, category_id: uuid.UUID) -> ForumCategory | None:
        return await session.get(ForumCategory, category_id)

    async def by_slug(self, session: AsyncSession, slug: str) -> ForumCategory | None:
        return await session.scalar(select(ForumCategory).where(ForumCategory.slug == slug))

    async def add(
        self, session: AsyncSession, *, base_slug: str, name: str, description: str, position: int
    ) -> ForumCategory:
        """A new category under `base_slug` or the first free numbered form of it."""
        slug = await free_slug(session, ForumCategory.slug, base_slug)
        category = ForumCategory(slug=slug, name=name, description=description, position=position)
        session.add(category)
        await session.flush()
        return category


class ThreadRepository:
    async def get(
        self, session: AsyncSession, thread_id: uuid.UUID, *, for_update: bool = False
    ) -> Thread | None:
        query = (
            select(Thread)
            .where(Thread.id == thread_id)
            .options(selectinload(Thread.category))
            .execution_options(populate_existing=True)
        )
        if for_update:
            query = query.with_for_update()
        return await session.scalar(query)

    async def page(
        self,
        session: AsyncSession,
        category_id: uuid.UUID | None,
        *,
        limit: int,
        after: ThreadKeyset | None,
    ) -> list[Thread]:
        """Live threads of one category (or of every one), pinned first."""
        where = [Thread.deleted_at.is_(None), _after_thread(after)]
        if category_id is not None:
            where.append(Thread.category_id == category_id)
        return list(
            await session.scalars(
                select(Thread)
                .where(*where)
                .order_by(Thread.pinned.desc(), Thread.last_activity_at.desc(), Thread.id.desc())
                .options(selectinload(Thread.category))
                .limit(limit)
            )
        )

    async def search(self, session: AsyncSession, text: str, limit: int) -> list[Thread]:
        pattern = f"%{escape_like(text)}%"
        return list(
            await session.scalars(
                select(Thread)
                .where(Thread.deleted_at.is_(None), Thread.title.ilike(pattern, escape="\\"))
                .order_by(Thread.last_activity_at.desc(), Thread.id.desc())
                .options(selectinload(Thread.category))
                .limit(limit)
            )
        )

    async def change_replies(
        self, session: AsyncSession, thread_id: uuid.UUID, delta: int, active_at: datetime | None
    ) -> int:
        """Add `delta` to the thread's reply count in SQL; the new count."""
        values: dict[str, Any] = {"reply_count": Thread.reply_count + delta}
        if active_at is not None:
            values["last_activity_at"] = active_at
        count = await session.scalar(
            update(Thread)
            .where(Thread.id == thread_id)
            .values(**values)
            .returning(Thread.reply_count)
            .execution_options(synchronize_session=False)
        )
        return int(count or 0)


class PostRepository:
    async def get(
        self, session: AsyncSession, post_id: uuid.UUID, *, for_update: bool = False
    ) -> Post | None:
        query = select(Post).where(Post.id == post_id).execution_options(populate_existing=True)
        if for_update:
            query = query.with_for_update()
        return await session.scalar(query)

    async def page(
        self, session: AsyncSession, thread_id: uuid.UUID, *, limit: int, after: PostKeyset | None
    ) -> list[Post]:
        query = select(Post).where(Post.thread_id == thread_id)
        if after is not None:
            at, last_id = after
            query = query.where(
                or_(Post.created_at > at, and_(Post.created_at == at, Post.id > last_id))
            )
        return list(await session.scalars(query.order_by(Post.created_at, Post.id).limit(limit)))

    async def change_likes(self, session: AsyncSession, post_id: uuid.UUID, delta: int) -> None:
        await session.execute(
            update(Post)
            .where(Post.id == post_id)
            .values(like_count=Post.like_count + delta)
            .execution_options(synchronize_session=False)
        )

    async def add_like(
        self, session: AsyncSession, user_id: uuid.UUID, post_id: uuid.UUID, now: datetime
    ) -> bool:
        """True when the like is new (a second like changes nothing)."""
        return await insert_ignore(
            session, PostLike, user_id=user_id, post_id=post_id, created_at=now
        )

    async def remove_like(
        self, session: AsyncSession, user_id: uuid.UUID, post_id: uuid.UUID
    ) -> bool:
        stmt = (
            delete(PostLike)
            .where(PostLike.user_id == user_id, PostLike.post_id == post_id)
            .returning(PostLike.post_id)
        )
        return (await session.execute(stmt)).first() is not None

    async def count_before(self, session: AsyncSession, post: Post) -> int:
        """How many posts of its thread come before `post` (placeholders included)."""
        found = await session.scalar(
            select(func.count())
            .select_from(Post)
            .where(
                Post.thread_id == post.thread_id,
                or_(
                    Post.created_at < post.created_at,
                    and_(Post.created_at == post.created_at, Post.id < post.id),
                ),
            )
        )
        return int(found or 0)

    async def nth(self, session: AsyncSession, thread_id: uuid.UUID, index: int) -> Post | None:
        """The post at `index` (from 0) of a thread, in page order."""
        return await session.scalar(
            select(Post)
            .where(Post.thread_id == thread_id)
            .order_by(Post.created_at, Post.id)
            .offset(index)
            .limit(1)
        )

    async def liked(
        self, session: AsyncSession, user_id: uuid.UUID, post_ids: Sequence[uuid.UUID]
    ) -> set[uuid.UUID]:
        """Which of `post_ids` the user likes."""
        if not post_ids:
            return set()
        return set(
            await session.scalars(
                select(PostLike.post_id).where(
                    PostLike.user_id == user_id, PostLike.post_id.in_(post_ids)
                )
            )
        )


category_repository = CategoryRepository()
thread_repository = ThreadRepository()
post_repository = PostRepository()
