"""The forum over GraphQL: who may do what, lists, pagination, query counts, safe HTML."""

from __future__ import annotations

from typing import Any

import pytest

from tests.factories import recorded_queries, selects
from tests.forum.conftest import ROLES, Forum, error_code

CREATE = """
mutation($category: ID!, $title: String!, $body: String!) {
  createThread(categoryId: $category, title: $title, body: $body) {
    id title replyCount category { slug } author { displayName }
  }
}"""
REPLY = """
mutation($thread: ID!, $body: String!) {
  replyToThread(threadId: $thread, body: $body) {
    id body bodyHtml viewerCanEdit viewerCanDelete author { displayName }
  }
}"""
THREAD = """
query($id: ID!, $first: Int!, $after: String) {
  thread(id: $id) {
    title replyCount locked pinned viewerCanModerate category { slug }
    posts(first: $first, after: $after) {
      pageInfo { hasNextPage endCursor }
      nodes { id body bodyHtml deleted likeCount opening author { displayName } }
    }
  }
}"""
CATEGORY = """
query($slug: String!, $first: Int!, $after: String) {
  forumCategory(slug: $slug) {
    name
    threads(first: $first, after: $after) {
      pageInfo { hasNextPage endCursor }
      nodes { id title pinned replyCount author { displayName } category { slug } }
    }
  }
}"""


async def create(forum: Forum, who: str = "author", title: str = "Best eyepiece?") -> str:
    body = await forum.gql(
        who, CREATE, {"category": str(forum.general.id), "title": title, "body": "Which one?"}
    )
    assert error_code(body) is None, body
    return str(body["data"]["createThread"]["id"])


async def reply(forum: Forum, thread: str, who: str = "author", body: str = "This one") -> str:
    result = await forum.gql(who, REPLY, {"thread": thread, "body": body})
    assert error_code(result) is None, result
    return str(result["data"]["replyToThread"]["id"])


async def test_categories_in_order(forum: Forum) -> None:
    body = await forum.gql("anonymous", "{ forumCategories { slug name description } }")
    assert [c["slug"] for c in body["data"]["forumCategories"]] == ["general", "help"]
    missing = await forum.gql("anonymous", CATEGORY, {"slug": "nope", "first": 5})
    assert missing["data"]["forumCategory"] is None


@pytest.mark.parametrize("who", ROLES)
async def test_create_and_reply_authorization(forum: Forum, who: str) -> None:
    thread = await create(forum)
    variables = {"category": str(forum.general.id), "title": "My question", "body": "Hi"}
    created = await forum.gql(who, CREATE, variables)
    replied = await forum.gql(who, REPLY, {"thread": thread, "body": "Me too"})
    if who == "anonymous":
        assert error_code(created) == error_code(replied) == "not_authenticated"
        return
    assert error_code(created) is None and error_code(replied) is None
    assert created["data"]["createThread"]["author"]["displayName"] == (
        forum.users[who].display_name
    )
    assert replied["data"]["replyToThread"]["viewerCanEdit"] is True


# Mutations on someone's post: (mutation, variables builder, who may).
POST_MUTATIONS: dict[str, tuple[str, set[str]]] = {
    "edit": (
        'mutation($id: ID!) { editPost(id: $id, body: "changed") { body } }',
        {"author"},
    ),
    "delete": ("mutation($id: ID!) { deletePost(id: $id) { deleted } }", {"author", "admin"}),
    "like": (
        "mutation($id: ID!) { likePost(id: $id) { likeCount } }",
        {"author", "viewer", "other", "admin"},
    ),
    "unlike": (
        "mutation($id: ID!) { unlikePost(id: $id) { likeCount } }",
        {"author", "viewer", "other", "admin"},
    ),
    "report": (
        'mutation($id: ID!) { reportPost(id: $id, reason: "spam") }',
        {"viewer", "other", "admin"},
    ),
}


@pytest.mark.parametrize("who", ROLES)
@pytest.mark.parametrize("action", sorted(POST_MUTATIONS))
async def test_post_mutation_authorization(forum: Forum, action: str, who: str) -> None:
    thread = await create(forum)
    post = await reply(forum, thread, "author")
    query, allowed = POST_MUTATIONS[action]
    result = await forum.gql(who, query, {"id": post})
    if who == "anonymous":
        assert error_code(result) == "not_authenticated"
    elif who in allowed:
        assert error_code(result) is None, result
    else:
        assert error_code(result) in ("forbidden", "own_post"), result
    # A bad id is a not-found, never a crash.
    if who != "anonymous":
        missing = await forum.gql(who, query, {"id": "not-an-id"})
        assert error_code(missing) == "post_not_found"


THREAD_MUTATIONS = {
    "pin": "mutation($id: ID!) { pinThread(id: $id) { pinned } }",
    "lock": "mutation($id: ID!) { lockThread(id: $id) { locked } }",
    "move": "mutation($id: ID!, $c: ID!) { moveThread(id: $id, categoryId: $c) { category { slug } } }",
    "delete": "mutation($id: ID!) { deleteThread(id: $id) }",
}


@pytest.mark.parametrize("who", ROLES)
@pytest.mark.parametrize("action", sorted(THREAD_MUTATIONS))
async def test_moderation_authorization(forum: Forum, action: str, who: str) -> None:
    thread = await create(forum)
    result = await forum.gql(who, THREAD_MUTATIONS[action], {"id": thread, "c": str(forum.help.id)})
    if who == "anonymous":
        assert error_code(result) == "not_authenticated"
    elif who == "admin":
        assert error_code(result) is None, result
    else:
        assert error_code(result) == "forbidden"


@pytest.mark.parametrize("who", ROLES)
async def test_chat_authorization_and_history(forum: Forum, who: str) -> None:
    thread = await create(forum)
    send = "mutation($t: ID!, $b: String!) { postChatMessage(threadId: $t, body: $b) { body } }"
    result = await forum.gql(who, send, {"t": thread, "b": f"hello from {who}"})
    history = await forum.gql(
        "anonymous",
        "query($t: ID!) { chatHistory(threadId: $t) { body author { displayName } } }",
        {"t": thread},
    )
    messages = history["data"]["chatHistory"]
    if who == "anonymous":
        assert error_code(result) == "not_authenticated" and messages == []
    else:
        assert error_code(result) is None
        assert messages == [
            {"body": f"hello from {who}", "author": {"displayName": forum.users[who].display_name}}
        ]
    too_long = await forum.gql(who, send, {"t": thread, "b": "x" * 2001})
    assert error_code(too_long) in ("not_authenticated", "validation_failed")


async def test_locked_thread_refuses_replies(forum: Forum) -> None:
    thread = await create(forum)
    lock = "mutation($id: ID!) { lockThread(id: $id) { locked } }"
    assert error_code(await forum.gql("admin", lock, {"id": thread})) is None
    refused = await forum.gql("author", REPLY, {"thread": thread, "body": "But..."})
    assert error_code(refused) == "thread_locked"
    await reply(forum, thread, "admin", "Closed.")
    body = await forum.gql("viewer", THREAD, {"id": thread, "first": 10})
    assert body["data"]["thread"]["locked"] is True
    assert body["data"]["thread"]["replyCount"] == 1


async def test_body_html_is_safe(forum: Forum) -> None:
    thread = await create(forum)
    evil = "<script>alert(1)</script> [x](javascript:alert(1)) <b onclick=x>raw</b> **ok**"
    await reply(forum, thread, "other", evil)
    body = await forum.gql("viewer", THREAD, {"id": thread, "first": 10})
    html = body["data"]["thread"]["posts"]["nodes"][1]["bodyHtml"]
    assert "<script" not in html
    assert 'href="javascript' not in html and "<b " not in html
    assert "&lt;script&gt;" in html and "<strong>ok</strong>" in html


async def test_posts_paginate_oldest_first_and_show_deleted_as_placeholders(forum: Forum) -> None:
    thread = await create(forum)
    ids = [await reply(forum, thread, "viewer", f"reply {n}") for n in range(5)]
    delete = "mutation($id: ID!) { deletePost(id: $id) { deleted } }"
    assert error_code(await forum.gql("viewer", delete, {"id": ids[1]})) is None
    seen: list[Any] = []
    after = None
    while True:
        body = await forum.gql("anonymous", THREAD, {"id": thread, "first": 2, "after": after})
        posts = body["data"]["thread"]["posts"]
        seen += posts["nodes"]
        if not posts["pageInfo"]["hasNextPage"]:
            break
        after = posts["pageInfo"]["endCursor"]
    assert [p["body"] for p in seen] == [
        "Which one?",
        "reply 0",
        None,
        "reply 2",
        "reply 3",
        "reply 4",
    ]
    assert seen[2]["deleted"] is True and seen[2]["author"] is None and seen[2]["bodyHtml"] is None
    assert body["data"]["thread"]["replyCount"] == 4
    bad = await forum.gql("anonymous", THREAD, {"id": thread, "first": 2, "after": "garbage"})
    assert error_code(bad) == "bad_cursor"


async def test_search_threads(forum: Forum) -> None:
    await create(forum, title="50% off binoculars")
    await create(forum, title="500 binoculars")
    query = "query($q: String!) { searchThreads(query: $q, first: 10) { title } }"
    body = await forum.gql("anonymous", query, {"q": "50%"})
    assert [t["title"] for t in body["data"]["searchThreads"]] == ["50% off binoculars"]


async def test_thread_list_query_count_is_constant(forum: Forum) -> None:
    authors = ["viewer", "author", "other", "admin"]
    for n in range(22):
        await create(forum, authors[n % 4], title=f"Thread number {n}")
    counts = {}
    for first in (2, 20):
        with recorded_queries(forum.db) as queries:
            body = await forum.gql("viewer", CATEGORY, {"slug": "general", "first": first})
        assert len(body["data"]["forumCategory"]["threads"]["nodes"]) == first
        counts[first] = len(selects(queries))
    assert counts[2] == counts[20], counts
    # Actor, category, threads, their categories, authors.
    assert counts[20] <= 6, counts


async def test_post_list_query_count_is_constant(forum: Forum) -> None:
    thread = await create(forum)
    authors = ["viewer", "author", "other", "admin"]
    for n in range(21):
        await reply(forum, thread, authors[n % 4], f"reply {n}")
    counts = {}
    for first in (2, 20):
        with recorded_queries(forum.db) as queries:
            body = await forum.gql("viewer", THREAD, {"id": thread, "first": first})
        assert len(body["data"]["thread"]["posts"]["nodes"]) == first
        counts[first] = len(selects(queries))
    assert counts[2] == counts[20], counts
    # Actor, thread, its category, posts, authors.
    assert counts[20] <= 6, counts


async def test_thread_listing_pinned_first(forum: Forum) -> None:
    first = await create(forum, title="Rules of the forum")
    await create(forum, title="Newer question")
    pin = "mutation($id: ID!) { pinThread(id: $id) { pinned } }"
    assert error_code(await forum.gql("admin", pin, {"id": first})) is None
    body = await forum.gql("anonymous", CATEGORY, {"slug": "general", "first": 10})
    titles = [t["title"] for t in body["data"]["forumCategory"]["threads"]["nodes"]]
    assert titles == ["Rules of the forum", "Newer question"]
