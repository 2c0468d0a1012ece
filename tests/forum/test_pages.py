"""Forum pages without JavaScript: every form, who may use it, safe Markdown, query counts."""

from __future__ import annotations

import re
import uuid
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from cosmostream.forum.service import forum_service
from cosmostream.models import ChatMessage, Post, PostLike, Report, Thread
from tests.factories import actor, make_user, recorded_queries, selects, sign_in
from tests.forum.conftest import Forum

XSS = '<script>alert("x")</script><img src=x onerror=alert(1)>'


async def as_user(forum: Forum, who: str) -> str:
    return await sign_in(forum.client, forum.users.get(who))


async def post(forum: Forum, path: str, token: str, **fields: str) -> httpx.Response:
    return await forum.client.post(path, data={"csrf_token": token, **fields})


async def follow(forum: Forum, response: httpx.Response) -> str:
    """The page a 303 leads to (where its notice shows)."""
    assert response.status_code == 303, response.text
    page = await forum.client.get(response.headers["location"])
    assert page.status_code == 200, page.text
    return page.text


async def start(
    forum: Forum, who: str = "author", title: str = "Best first telescope?", body: str = "Hi"
) -> Thread:
    async with forum.db.unit_of_work() as session:
        return await forum_service.create_thread(
            session, actor(forum.users[who]), forum.general.id, title, body
        )


async def reply(forum: Forum, thread: Thread, who: str, body: str = "A Dobsonian.") -> Post:
    async with forum.db.unit_of_work() as session:
        return await forum_service.reply(session, actor(forum.users[who]), thread.id, body)


async def count(forum: Forum, model: Any) -> int:
    async with forum.db.read() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def opening(forum: Forum, thread: Thread) -> Post:
    async with forum.db.read() as session:
        return (await forum_service.posts(session, thread.id)).items[0]


async def load(forum: Forum, model: Any, ident: uuid.UUID) -> Any:
    async with forum.db.read() as session:
        return await session.get(model, ident)


# -- reading ----------------------------------------------------------------------


async def test_index_for_anonymous_and_signed_in_visitors(forum: Forum) -> None:
    first = await start(forum, title="Seeing Saturn's rings")
    await reply(forum, first, "viewer")
    await start(forum, "other", title="Light pollution filters")
    async with forum.db.unit_of_work() as session:
        pinned = await forum_service.create_thread(
            session, actor(forum.users["admin"]), forum.help.id, "Read me first", "Rules"
        )
        await forum_service.pin_thread(session, actor(forum.users["admin"]), pinned.id, True)
        await forum_service.lock_thread(session, actor(forum.users["admin"]), pinned.id, True)

    await as_user(forum, "anonymous")
    page = (await forum.client.get("/forums")).text
    assert '<a href="/forums" aria-current="page">Forums</a>' in page  # the nav entry
    assert "General" in page and "About General" in page and "Help" in page
    titles = re.findall(r'<a href="/forums/[^"]+">([^<]+)</a>', page)
    assert titles == ["Read me first", "Light pollution filters", "Seeing Saturn&#39;s rings"]
    assert "Pinned</span>" in page and "Locked</span>" in page
    assert re.search(r"data-reply-count>1<", page)
    assert "by Tom Author" in page and "by Otto Other" in page
    assert "Log in to start a thread" in page and 'action="/forums/new"' not in page

    general = (await forum.client.get("/forums?category=general")).text
    assert "Threads in General" in general and "Read me first" not in general
    assert (await forum.client.get("/forums?category=nope")).status_code == 404

    await as_user(forum, "viewer")
    page = (await forum.client.get("/forums?category=help")).text
    assert 'action="/forums/new"' in page and "Log in to start a thread" not in page
    assert re.search(rf'<option value="{forum.help.id}" selected>Help</option>', page)


async def test_thread_page_for_anonymous_visitors(forum: Forum) -> None:
    thread = await start(forum, body="What **aperture** should I get?")
    post = await reply(forum, thread, "viewer")
    await as_user(forum, "anonymous")
    response = await forum.client.get(f"/forums/{thread.id}")
    assert response.status_code == 200
    page = response.text
    assert "Best first telescope?" in page
    assert "What <strong>aperture</strong> should I get?" in page
    assert f'id="post-{post.id}"' in page and "Started the thread</span>" in page
    assert f'href="/login?next=/forums/{thread.id}%23reply">Log in</a> to reply' in page
    assert "data-chat-messages" in page and "data-chat-presence" in page
    assert "data-chat-typing" in page and "data-chat-form" not in page
    assert "/like" not in page and "/edit" not in page and "/delete" not in page
    assert "forum-thread.js" in page
    for path in (f"/forums/{uuid.uuid4()}", "/forums/not-a-thread"):
        assert (await forum.client.get(path)).status_code == 404


async def test_forms_need_csrf_and_an_account(forum: Forum) -> None:
    thread = await start(forum)
    token = await as_user(forum, "anonymous")
    response = await post(forum, f"/forums/{thread.id}/reply", token, body="Hi")
    assert response.status_code == 303
    assert response.headers["location"] == f"/login?next=/forums/{thread.id}#reply"
    await as_user(forum, "viewer")
    for path in ("/forums/new", f"/forums/{thread.id}/reply", f"/forums/{thread.id}/chat"):
        refused = await forum.client.post(
            path, data={"title": "A title", "body": "x", "category_id": str(forum.general.id)}
        )
        assert refused.status_code == 403, path
    assert await count(forum, Thread) == await count(forum, Post) == 1
    assert await count(forum, ChatMessage) == 0


# -- threads and posts --------------------------------------------------------------


async def test_new_thread_form(forum: Forum) -> None:
    token = await as_user(forum, "viewer")
    response = await post(
        forum,
        "/forums/new",
        token,
        category_id=str(forum.help.id),
        title="  How do I   collimate?  ",
        body="My stars look like *comets*.",
    )
    async with forum.db.read() as session:
        thread = await session.scalar(select(Thread))
    assert thread is not None
    assert response.headers["location"] == f"/forums/{thread.id}"
    assert thread.title == "How do I collimate?" and thread.category_id == forum.help.id
    page = await follow(forum, response)
    assert "Your thread is started." in page
    assert "My stars look like <em>comets</em>." in page
    assert f'action="/forums/{thread.id}/reply"' in page and "data-chat-form" in page


@pytest.mark.parametrize(
    ("title", "body", "message"),
    [
        ("", "Some text", "Titles are 3-200 characters long."),
        ("ab", "Some text", "Titles are 3-200 characters long."),
        ("A fine title", "   ", "Write something first."),
    ],
)
async def test_new_thread_bad_input_shows_the_form_again(
    forum: Forum, title: str, body: str, message: str
) -> None:
    token = await as_user(forum, "viewer")
    response = await post(
        forum, "/forums/new", token, category_id=str(forum.help.id), title=title, body=body
    )
    assert response.status_code == 422
    assert message in response.text
    assert 'aria-invalid="true"' in response.text
    assert '<details class="forum-new action-panel" id="new-thread" open>' in response.text
    if body.strip():
        assert f">{body}</textarea>" in response.text  # what was typed is not lost
    assert re.search(rf'<option value="{forum.help.id}" selected>', response.text)
    assert await count(forum, Thread) == await count(forum, Post) == 0

    unknown = await post(
        forum, "/forums/new", token, category_id=str(uuid.uuid4()), title="Title", body="Body"
    )
    assert unknown.status_code == 404 and "That forum does not exist." in unknown.text
    assert await count(forum, Thread) == 0


async def test_reply_like_and_unlike(forum: Forum) -> None:
    thread = await start(forum)
    token = await as_user(forum, "viewer")
    response = await post(forum, f"/forums/{thread.id}/reply", token, body="Get a 8-inch *Dob*.")
    async with forum.db.read() as session:
        mine = await session.scalar(select(Post).where(Post.opening.is_(False)))
    assert mine is not None
    assert response.headers["location"] == f"/forums/{thread.id}#post-{mine.id}"
    page = await follow(forum, response)
    assert "Get a 8-inch <em>Dob</em>." in page
    assert f'action="/forums/posts/{mine.id}/edit"' in page
    assert f'action="/forums/posts/{mine.id}/delete"' in page
    assert f'action="/forums/posts/{mine.id}/report"' not in page  # not one's own

    first = await opening(forum, thread)
    here = f"/forums/{thread.id}#post-{first.id}"
    liked = await post(forum, f"/forums/posts/{first.id}/like", token, next=here)
    assert liked.headers["location"] == here
    page = await follow(forum, liked)
    assert f'action="/forums/posts/{first.id}/unlike"' in page
    assert (await load(forum, Post, first.id)).like_count == 1
    assert await count(forum, PostLike) == 1
    await post(forum, f"/forums/posts/{first.id}/unlike", token, next=here)
    assert (await load(forum, Post, first.id)).like_count == 0
    assert (await load(forum, Thread, thread.id)).reply_count == 1


async def test_edit_own_post_but_not_others(forum: Forum) -> None:
    thread = await start(forum)
    theirs = await reply(forum, thread, "other", "Otto's words")
    mine = await reply(forum, thread, "viewer", "Frist")
    token = await as_user(forum, "viewer")
    page = (await forum.client.get(f"/forums/{thread.id}")).text
    assert f'action="/forums/posts/{mine.id}/edit"' in page
    assert f'action="/forums/posts/{theirs.id}/edit"' not in page
    assert f'action="/forums/posts/{theirs.id}/report"' in page

    here = f"/forums/{thread.id}#post-{mine.id}"
    edited = await post(forum, f"/forums/posts/{mine.id}/edit", token, body="First!", next=here)
    assert edited.headers["location"] == here
    page = await follow(forum, edited)
    assert "Your post is updated." in page and "<p>First!</p>" in page
    assert (await load(forum, Post, mine.id)).edited_at is not None

    refused = await post(
        forum, f"/forums/posts/{theirs.id}/edit", token, body="Mine now", next=here
    )
    page = await follow(forum, refused)
    assert "Only its author can edit a post." in page
    assert (await load(forum, Post, theirs.id)).body == "Otto's words"

    empty = await post(forum, f"/forums/posts/{mine.id}/edit", token, body="  ", next=here)
    assert "Write something first." in await follow(forum, empty)
    assert (await load(forum, Post, mine.id)).body == "First!"


async def test_delete_own_post_or_as_moderator(forum: Forum) -> None:
    thread = await start(forum)
    mine = await reply(forum, thread, "viewer", "Oops")
    theirs = await reply(forum, thread, "other", "Spam spam spam")
    token = await as_user(forum, "viewer")
    refused = await post(forum, f"/forums/posts/{theirs.id}/delete", token)
    assert "You can only delete your own posts." in await follow(forum, refused)
    assert (await load(forum, Post, theirs.id)).deleted_at is None

    deleted = await post(forum, f"/forums/posts/{mine.id}/delete", token)
    assert deleted.headers["location"] == f"/forums/{thread.id}#post-{mine.id}"
    page = await follow(forum, deleted)
    assert "The post is deleted." in page and "This post was deleted." in page
    assert "Oops" not in page
    assert (await post(forum, f"/forums/posts/{mine.id}/delete", token)).status_code == 404
    assert (await post(forum, "/forums/posts/junk/delete", token)).status_code == 404

    admin = await as_user(forum, "admin")
    page = (await forum.client.get(f"/forums/{thread.id}")).text
    assert f'action="/forums/posts/{theirs.id}/delete"' in page
    assert f'action="/forums/posts/{theirs.id}/edit"' not in page  # moderators delete, not edit
    await post(forum, f"/forums/posts/{theirs.id}/delete", admin)
    assert (await load(forum, Post, theirs.id)).deleted_at is not None
    assert (await load(forum, Thread, thread.id)).reply_count == 0


async def test_report_a_post_once(forum: Forum) -> None:
    thread = await start(forum)
    first = await opening(forum, thread)
    token = await as_user(forum, "viewer")
    reported = await post(forum, f"/forums/posts/{first.id}/report", token, reason="Rude")
    assert "the moderators will have a look" in await follow(forum, reported)
    again = await post(forum, f"/forums/posts/{first.id}/report", token, reason="Rude")
    assert "You have already reported this." in await follow(forum, again)
    author = await as_user(forum, "author")
    own = await post(forum, f"/forums/posts/{first.id}/report", author)
    assert "You cannot report your own post." in await follow(forum, own)
    assert await count(forum, Report) == 1


async def test_markdown_is_sanitised_on_output(forum: Forum) -> None:
    thread = await start(forum)
    token = await as_user(forum, "viewer")
    body = f"{XSS}\n\n[click](javascript:alert(1)) and [NASA](https://nasa.gov)"
    await post(forum, f"/forums/{thread.id}/reply", token, body=body)
    page = (await forum.client.get(f"/forums/{thread.id}")).text
    assert "<script>alert" not in page and "<img src=x" not in page
    assert "&lt;script&gt;alert" in page
    assert 'href="javascript:' not in page
    assert '<a href="https://nasa.gov" rel="nofollow noopener ugc" target="_blank">NASA</a>' in page
    # The source in the edit box is escaped text, not markup.
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in page


async def test_long_threads_page_and_a_reply_lands_on_its_page(forum: Forum) -> None:
    thread = await start(forum)
    for n in range(24):
        await reply(forum, thread, "other", f"Reply number {n:02d}")
    token = await as_user(forum, "viewer")
    first = (await forum.client.get(f"/forums/{thread.id}")).text
    assert "Reply number 18" in first and "Reply number 19" not in first
    newer = re.search(r'href="(/forums/[^"]+\?after=[^"]+)" data-posts-newer', first)
    assert newer is not None
    second = (await forum.client.get(newer.group(1).replace("&amp;", "&"))).text
    assert "Reply number 19" in second and "Reply number 23" in second
    assert "Reply number 18" not in second and "First posts" in second

    response = await post(forum, f"/forums/{thread.id}/reply", token, body="Late to the party")
    location = response.headers["location"]
    assert location.startswith(newer.group(1).replace("&amp;", "&").split("#")[0])
    assert "Late to the party" in await follow(forum, response)


# -- moderation -------------------------------------------------------------------


@pytest.mark.parametrize("who", ["anonymous", "viewer", "author", "admin"])
async def test_moderation_forms(forum: Forum, who: str) -> None:
    thread = await start(forum)
    token = await as_user(forum, who)
    page = (await forum.client.get(f"/forums/{thread.id}")).text
    assert ("data-thread-moderation" in page) is (who == "admin")
    responses = [
        await post(forum, f"/forums/{thread.id}/pin", token),
        await post(forum, f"/forums/{thread.id}/lock", token),
        await post(forum, f"/forums/{thread.id}/move", token, category_id=str(forum.help.id)),
    ]
    after = await load(forum, Thread, thread.id)
    if who == "admin":
        assert after.pinned and after.locked and after.category_id == forum.help.id
        page = await follow(forum, responses[-1])
        assert "The thread is moved." in page and "Unpin</button>" in page
        assert "Unlock</button>" in page and f'<option value="{forum.help.id}" selected>' in page
        await post(forum, f"/forums/{thread.id}/unpin", token)
        await post(forum, f"/forums/{thread.id}/unlock", token)
        after = await load(forum, Thread, thread.id)
        assert not after.pinned and not after.locked
        deleted = await post(forum, f"/forums/{thread.id}/delete", token)
        assert deleted.headers["location"] == "/forums"
        assert "The thread is deleted." in await follow(forum, deleted)
        assert (await forum.client.get(f"/forums/{thread.id}")).status_code == 404
    else:
        assert not after.pinned and not after.locked and after.category_id == forum.general.id
        if who == "anonymous":
            assert all(r.headers["location"].startswith("/login?next=") for r in responses)
        else:
            assert "Only moderators can do that." in await follow(forum, responses[0])
        await post(forum, f"/forums/{thread.id}/delete", token)
        assert (await load(forum, Thread, thread.id)).deleted_at is None


async def test_locked_thread_refuses_replies_and_chat(forum: Forum) -> None:
    thread = await start(forum)
    async with forum.db.unit_of_work() as session:
        await forum_service.lock_thread(session, actor(forum.users["admin"]), thread.id, True)
    token = await as_user(forum, "viewer")
    page = (await forum.client.get(f"/forums/{thread.id}")).text
    assert "it takes no new replies" in page
    assert f'action="/forums/{thread.id}/reply"' not in page
    assert "data-chat-form" not in page
    refused = await post(forum, f"/forums/{thread.id}/reply", token, body="Let me in")
    assert "This thread is locked" in await follow(forum, refused)
    chat = await post(forum, f"/forums/{thread.id}/chat", token, body="Hello?")
    assert "This thread is locked" in await follow(forum, chat)
    assert await count(forum, Post) == 1 and await count(forum, ChatMessage) == 0

    admin = await as_user(forum, "admin")
    page = (await forum.client.get(f"/forums/{thread.id}")).text
    assert "as a moderator you can still reply" in page
    await post(forum, f"/forums/{thread.id}/reply", admin, body="Locked for a reason.")
    assert await count(forum, Post) == 2


# -- search, chat -------------------------------------------------------------------


async def test_thread_search(forum: Forum) -> None:
    await start(forum, title="Best 100% safe solar filter")
    await start(forum, title="Which solar telescope?")
    await start(forum, title="Messier marathon tips")
    await as_user(forum, "anonymous")
    page = (await forum.client.get("/forums", params={"q": "  solar "})).text
    assert "Threads matching “solar”" in page
    titles = re.findall(r'<a href="/forums/[^"]+">([^<]+)</a>', page)
    assert titles == ["Which solar telescope?", "Best 100% safe solar filter"]
    literal = (await forum.client.get("/forums", params={"q": "100%"})).text
    assert re.findall(r'<a href="/forums/[^"]+">([^<]+)</a>', literal) == [
        "Best 100% safe solar filter"
    ]
    none = (await forum.client.get("/forums", params={"q": "galaxy"})).text
    assert "No thread titles match “galaxy”." in none
    blank = (await forum.client.get("/forums", params={"q": "   "})).text
    assert "Latest threads" in blank and "Messier marathon tips" in blank


async def test_chat_form_stores_a_message_and_deletes_it(forum: Forum) -> None:
    thread = await start(forum)
    token = await as_user(forum, "viewer")
    sent = await post(forum, f"/forums/{thread.id}/chat", token, body=f"Clear skies! {XSS}")
    assert sent.headers["location"] == f"/forums/{thread.id}#chat"
    async with forum.db.read() as session:
        message = await session.scalar(select(ChatMessage))
    assert message is not None and message.author_id == forum.users["viewer"].id
    page = await follow(forum, sent)
    assert f'data-message-id="{message.id}"' in page
    assert "Clear skies! &lt;script&gt;" in page and "<script>alert" not in page
    delete = f'action="/forums/{thread.id}/chat/{message.id}/delete"'
    assert delete in page

    empty = await post(forum, f"/forums/{thread.id}/chat", token, body="  ")
    assert "Write something first." in await follow(forum, empty)
    assert await count(forum, ChatMessage) == 1

    other = await as_user(forum, "other")
    assert delete not in (await forum.client.get(f"/forums/{thread.id}")).text
    refused = await post(forum, f"/forums/{thread.id}/chat/{message.id}/delete", other)
    assert "You can only delete your own messages." in await follow(forum, refused)
    token = await as_user(forum, "viewer")
    deleted = await post(forum, f"/forums/{thread.id}/chat/{message.id}/delete", token)
    page = await follow(forum, deleted)
    assert "The message is deleted." in page and f'data-message-id="{message.id}"' not in page


# -- query counts -----------------------------------------------------------------


async def test_index_query_count_is_constant(forum: Forum) -> None:
    async def fill(n: int) -> None:
        for i in range(n):
            author = await make_user(forum.db, name=f"Poster {i}")
            async with forum.db.unit_of_work() as session:
                await forum_service.create_thread(
                    session, actor(author), forum.general.id, f"Thread {i} {author.id}", "Body"
                )

    async def queries(who: str, path: str) -> int:
        await as_user(forum, who)
        with recorded_queries(forum.db) as statements:
            response = await forum.client.get(path)
        assert response.status_code == 200
        return len(selects(statements))

    paths = ["/forums", "/forums?category=general", "/forums?q=Thread"]
    await fill(2)
    few = [await queries(who, path) for who in ("anonymous", "viewer") for path in paths]
    await fill(20)
    many = [await queries(who, path) for who in ("anonymous", "viewer") for path in paths]
    assert few == many
    page = (await forum.client.get("/forums")).text
    assert page.count('<li class="thread-row') == 20 and "More threads" in page
    more = re.search(r'href="(/forums\?after=[^"]+)"', page)
    assert more is not None
    rest = (await forum.client.get(more.group(1).replace("&amp;", "&"))).text
    assert rest.count('<li class="thread-row') == 2 and "More threads" not in rest


async def test_thread_page_query_count_is_constant(forum: Forum) -> None:
    thread = await start(forum)

    async def fill(n: int) -> None:
        for i in range(n):
            author = await make_user(forum.db, name=f"Replier {i}")
            async with forum.db.unit_of_work() as session:
                post = await forum_service.reply(session, actor(author), thread.id, f"Reply {i}")
                await forum_service.like_post(session, actor(forum.users["viewer"]), post.id)
                await forum_service.post_chat_message(session, actor(author), thread.id, "Hi")

    async def queries(who: str) -> int:
        await as_user(forum, who)
        with recorded_queries(forum.db) as statements:
            response = await forum.client.get(f"/forums/{thread.id}")
        assert response.status_code == 200
        return len(selects(statements))

    await fill(2)
    few = [await queries(who) for who in ("anonymous", "viewer", "admin")]
    await fill(20)
    many = [await queries(who) for who in ("anonymous", "viewer", "admin")]
    assert few == many
    page = (await forum.client.get(f"/forums/{thread.id}")).text
    assert page.count('<li class="post') == 20 and page.count("data-message-id=") == 22
