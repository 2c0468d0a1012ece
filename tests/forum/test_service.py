"""Forum rules through the service: counts, locking, likes, reports, search, chat, Markdown."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import func, select

from cosmostream.errors import NotAuthenticated, PermissionDenied, ValidationFailed
from cosmostream.forum.errors import (
    ChatMessageNotFound,
    OwnPost,
    PostNotFound,
    ThreadLocked,
    ThreadNotFound,
)
from cosmostream.forum.markdown import render_markdown
from cosmostream.forum.service import forum_service
from cosmostream.models import Post, PostLike, Report, Thread
from cosmostream.moderation.errors import AlreadyReported
from tests.factories import actor
from tests.forum.conftest import Forum


async def start(forum: Forum, who: str = "author", title: str = "Best telescope?") -> Thread:
    async with forum.db.unit_of_work() as session:
        return await forum_service.create_thread(
            session, actor(forum.users[who]), forum.general.id, title, "What do you use?"
        )


async def reply(forum: Forum, thread: Thread, who: str, body: str = "A Dobsonian.") -> Post:
    async with forum.db.unit_of_work() as session:
        return await forum_service.reply(session, actor(forum.users[who]), thread.id, body)


async def reload(forum: Forum, thread: Thread) -> Thread:
    async with forum.db.read() as session:
        found = await session.get(Thread, thread.id)
    assert found is not None
    return found


async def test_create_thread_validates_title_and_body(forum: Forum) -> None:
    who = actor(forum.users["viewer"])
    async with forum.db.unit_of_work() as session:
        for title, body in (("  ab  ", "body"), ("x" * 201, "body"), ("Fine title", "   ")):
            with pytest.raises(ValidationFailed):
                await forum_service.create_thread(session, who, forum.general.id, title, body)
        with pytest.raises(NotAuthenticated):
            await forum_service.create_thread(session, None, forum.general.id, "Title", "b")
        thread = await forum_service.create_thread(
            session, who, forum.general.id, "  Spaced   out  title ", "First!"
        )
    assert thread.title == "Spaced out title"
    assert thread.reply_count == 0
    async with forum.db.read() as session:
        page = await forum_service.posts(session, thread.id)
    assert [(p.body, p.opening) for p in page.items] == [("First!", True)]


async def test_post_body_limit(forum: Forum) -> None:
    thread = await start(forum)
    async with forum.db.unit_of_work() as session:
        with pytest.raises(ValidationFailed):
            await forum_service.reply(
                session, actor(forum.users["viewer"]), thread.id, "x" * 20_001
            )
    assert (await reply(forum, thread, "viewer", "x" * 20_000)).body == "x" * 20_000


async def test_reply_counts_and_activity_are_exact(forum: Forum) -> None:
    thread = await start(forum)
    posts = [await reply(forum, thread, who) for who in ("viewer", "other", "viewer")]
    after = await reload(forum, thread)
    assert after.reply_count == 3
    assert after.last_activity_at == posts[-1].created_at
    async with forum.db.unit_of_work() as session:
        await forum_service.delete_post(session, actor(forum.users["viewer"]), posts[0].id)
        with pytest.raises(PostNotFound):
            await forum_service.delete_post(session, actor(forum.users["viewer"]), posts[0].id)
    assert (await reload(forum, thread)).reply_count == 2
    # Deleting the opening post leaves the reply count alone.
    async with forum.db.read() as session:
        opening = (await forum_service.posts(session, thread.id)).items[0]
    async with forum.db.unit_of_work() as session:
        deleted = await forum_service.delete_post(session, actor(forum.users["author"]), opening.id)
    assert deleted.body == "" and deleted.deleted_at is not None
    assert (await reload(forum, thread)).reply_count == 2


async def test_locked_thread_refuses_replies_edits_and_chat_except_moderators(
    forum: Forum,
) -> None:
    thread = await start(forum)
    post = await reply(forum, thread, "viewer")
    async with forum.db.unit_of_work() as session:
        await forum_service.lock_thread(session, actor(forum.users["admin"]), thread.id, True)
    viewer = actor(forum.users["viewer"])
    async with forum.db.unit_of_work() as session:
        with pytest.raises(ThreadLocked) as caught:
            await forum_service.reply(session, viewer, thread.id, "Too late")
        assert caught.value.status == 409
        with pytest.raises(ThreadLocked):
            await forum_service.edit_post(session, viewer, post.id, "Changed")
        with pytest.raises(ThreadLocked):
            await forum_service.post_chat_message(session, viewer, thread.id, "hi")
    await reply(forum, thread, "admin", "Locked because it is answered.")
    assert (await reload(forum, thread)).reply_count == 2
    async with forum.db.unit_of_work() as session:
        await forum_service.lock_thread(session, actor(forum.users["admin"]), thread.id, False)
    await reply(forum, thread, "viewer", "Open again")


async def test_likes_are_idempotent_and_exact(forum: Forum) -> None:
    thread = await start(forum)
    post = await reply(forum, thread, "author")
    for who in ("viewer", "viewer", "other", "author"):
        async with forum.db.unit_of_work() as session:
            liked = await forum_service.like_post(session, actor(forum.users[who]), post.id)
    assert liked.like_count == 3
    for who in ("viewer", "viewer", "admin"):
        async with forum.db.unit_of_work() as session:
            liked = await forum_service.unlike_post(session, actor(forum.users[who]), post.id)
    assert liked.like_count == 2
    async with forum.db.read() as session:
        rows = await session.scalar(
            select(func.count()).select_from(PostLike).where(PostLike.post_id == post.id)
        )
    assert rows == 2


async def test_reports_once_and_never_your_own(forum: Forum) -> None:
    thread = await start(forum)
    post = await reply(forum, thread, "author")
    async with forum.db.unit_of_work() as session:
        with pytest.raises(OwnPost):
            await forum_service.report_post(session, actor(forum.users["author"]), post.id, "")
    async with forum.db.unit_of_work() as session:
        await forum_service.report_post(session, actor(forum.users["viewer"]), post.id, "spam")
    async with forum.db.unit_of_work() as session:
        with pytest.raises(AlreadyReported):
            await forum_service.report_post(session, actor(forum.users["viewer"]), post.id, "x")
    async with forum.db.unit_of_work() as session:
        await forum_service.report_post(session, actor(forum.users["other"]), post.id, "")
    async with forum.db.read() as session:
        reasons = list(await session.scalars(select(Report.reason).order_by(Report.id)))
    assert reasons == ["spam", ""]


async def test_moderation_is_for_admins(forum: Forum) -> None:
    thread = await start(forum)
    for who in ("author", "viewer"):
        async with forum.db.unit_of_work() as session:
            with pytest.raises(PermissionDenied):
                await forum_service.pin_thread(session, actor(forum.users[who]), thread.id, True)
            with pytest.raises(PermissionDenied):
                await forum_service.delete_thread(session, actor(forum.users[who]), thread.id)
            with pytest.raises(PermissionDenied):
                await forum_service.move_thread(
                    session, actor(forum.users[who]), thread.id, forum.help.id
                )
    admin = actor(forum.users["admin"])
    async with forum.db.unit_of_work() as session:
        moved = await forum_service.move_thread(session, admin, thread.id, forum.help.id)
    assert moved.category.slug == "help"
    async with forum.db.unit_of_work() as session:
        await forum_service.delete_thread(session, admin, thread.id)
    async with forum.db.unit_of_work() as session:
        with pytest.raises(ThreadNotFound):
            await forum_service.thread(session, thread.id)
        with pytest.raises(ThreadNotFound):
            await forum_service.reply(session, admin, thread.id, "hello?")


async def test_listing_puts_pinned_first_then_latest_activity(forum: Forum) -> None:
    old, middle, _new = [await start(forum, title=f"Thread {n}") for n in ("old", "middle", "new")]
    await reply(forum, middle, "viewer")  # now the most recently active
    async with forum.db.unit_of_work() as session:
        await forum_service.pin_thread(session, actor(forum.users["admin"]), old.id, True)
    titles: list[str] = []
    after = None
    while True:
        async with forum.db.read() as session:
            page = await forum_service.threads(session, forum.general.id, first=1, after=after)
        titles += [t.title for t in page.items]
        if not page.has_next:
            break
        after = page.end_cursor
    assert titles == ["Thread old", "Thread middle", "Thread new"]


async def test_search_escapes_wildcards(forum: Forum) -> None:
    for title in ("100% aperture", "1000 aperture", "f_8 optics", "fx8 optics", "Back\\slash"):
        await start(forum, title=title)
    async with forum.db.read() as session:
        percent = await forum_service.search_threads(session, "100%")
        underscore = await forum_service.search_threads(session, "f_8")
        case = await forum_service.search_threads(session, "APERTURE")
        backslash = await forum_service.search_threads(session, "k\\s")
        with pytest.raises(ValidationFailed):
            await forum_service.search_threads(session, "   ")
    assert [t.title for t in percent] == ["100% aperture"]
    assert [t.title for t in underscore] == ["f_8 optics"]
    assert sorted(t.title for t in case) == ["100% aperture", "1000 aperture"]
    assert [t.title for t in backslash] == ["Back\\slash"]


async def test_chat_is_stored_and_paged_oldest_first(forum: Forum) -> None:
    thread = await start(forum)
    viewer = actor(forum.users["viewer"])
    ids = []
    for n in range(5):
        async with forum.db.unit_of_work() as session:
            ids.append(
                (await forum_service.post_chat_message(session, viewer, thread.id, f"m{n}")).id
            )
    async with forum.db.unit_of_work() as session:
        with pytest.raises(ValidationFailed):
            await forum_service.post_chat_message(session, viewer, thread.id, "x" * 2001)
        with pytest.raises(NotAuthenticated):
            await forum_service.post_chat_message(session, None, thread.id, "hi")
        with pytest.raises(PermissionDenied):
            await forum_service.delete_chat_message(session, actor(forum.users["other"]), ids[4])
        await forum_service.delete_chat_message(session, actor(forum.users["admin"]), ids[4])
    async with forum.db.read() as session:
        latest = await forum_service.chat_history(session, thread.id, limit=2)
        earlier = await forum_service.chat_history(session, thread.id, before=latest[0].id, limit=2)
        with pytest.raises(ChatMessageNotFound):
            await forum_service.chat_history(session, thread.id, before=uuid.uuid4())
        with pytest.raises(ValidationFailed):
            await forum_service.chat_history(session, thread.id, limit=0)
    assert [m.body for m in latest] == ["m2", "m3"]
    assert [m.body for m in earlier] == ["m0", "m1"]


@pytest.mark.parametrize(
    ("source", "forbidden"),
    [
        ("<script>alert(1)</script>", "<script"),
        ("[click](javascript:alert(1))", 'href="javascript'),
        ("[click](JaVaScRiPt:alert(1))", "href="),
        ("[click](data:text/html;base64,PHNjcmlwdD4=)", "href="),
        ('<img src=x onerror="alert(1)">', "<img"),
        ("<a href='javascript:alert(1)'>x</a>", "<a "),
        ("![x](https://tracker.example/pixel.png)", "<img"),
    ],
)
def test_markdown_is_rendered_safely(source: str, forbidden: str) -> None:
    assert forbidden.lower() not in render_markdown(source).lower()


def test_markdown_links_are_marked_as_user_content() -> None:
    html = render_markdown("**Bold** and [a site](https://example.com) `code`")
    assert "<strong>Bold</strong>" in html and "<code>code</code>" in html
    assert '<a href="https://example.com" rel="nofollow noopener ugc" target="_blank">' in html
