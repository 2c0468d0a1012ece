"""Comments: who may write, edit, delete and report; threads, placeholders, counts, lists."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from sqlalchemy import func, select

from cosmostream.kit.pagination import encode_cursor
from cosmostream.kit.time import utcnow
from cosmostream.models import Comment, Report, Video, VideoDailyStats
from tests.engagement.conftest import ROLES, Cast, error_code
from tests.factories import recorded_queries, selects

ADD = """
mutation($video: ID!, $body: String!, $parent: ID) {
  addComment(videoId: $video, body: $body, parentId: $parent) {
    id body parentId replyCount viewerCanEdit viewerCanDelete author { displayName }
  }
}"""
EDIT = (
    "mutation($id: ID!, $body: String!) { editComment(id: $id, body: $body) { id body editedAt } }"
)
DELETE = "mutation($id: ID!) { deleteComment(id: $id) { videoId placeholder } }"
REPORT = "mutation($id: ID!, $reason: String!) { reportComment(id: $id, reason: $reason) }"
LIST = """
query($video: ID!, $first: Int!, $after: String, $sort: CommentSort) {
  video(id: $video) {
    commentCount
    comments(first: $first, after: $after, sort: $sort) {
      pageInfo { hasNextPage endCursor }
      nodes {
        id body deleted replyCount viewerCanEdit viewerCanDelete
        author { displayName }
        replies { id body parentId author { displayName } viewerCanEdit viewerCanDelete }
      }
    }
  }
}"""


async def comment(
    cast: Cast, who: str, body: str, video: Any = None, parent: str | None = None
) -> str:
    variables = {"video": str((video or cast.public).id), "body": body, "parent": parent}
    result = await cast.gql(who, ADD, variables)
    assert error_code(result) is None, result
    return str(result["data"]["addComment"]["id"])


async def counts(cast: Cast, video: Any = None) -> tuple[int, int, int]:
    """(video.comment_count, today's comments statistic, live comment rows)."""
    video_id = (video or cast.public).id
    async with cast.db.read() as session:
        row = await session.get(Video, video_id)
        stats = await session.get(VideoDailyStats, (video_id, utcnow().date()))
        live = await session.scalar(
            select(func.count())
            .select_from(Comment)
            .where(Comment.video_id == video_id, Comment.deleted_at.is_(None))
        )
    assert row is not None
    return row.comment_count, stats.comments if stats else 0, int(live or 0)


# -- authorization -------------------------------------------------------------


@pytest.mark.parametrize("who", ROLES)
async def test_add_comment_authorization(cast: Cast, who: str) -> None:
    public = await cast.gql(who, ADD, {"video": str(cast.public.id), "body": "Hello"})
    private = await cast.gql(who, ADD, {"video": str(cast.private.id), "body": "Hello"})
    if who == "anonymous":
        assert error_code(public) == error_code(private) == "not_authenticated"
        return
    assert error_code(public) is None
    assert public["data"]["addComment"]["author"]["displayName"] == cast.users[who].display_name
    if who in ("owner", "admin"):
        assert error_code(private) is None
    else:
        assert error_code(private) == "video_not_found"
        assert (await counts(cast, cast.private))[0] == 0


@pytest.mark.parametrize("who", ROLES)
async def test_edit_comment_only_by_its_author(cast: Cast, who: str) -> None:
    cid = await comment(cast, "viewer", "First thoughts")
    body = await cast.gql(who, EDIT, {"id": cid, "body": "  Second thoughts  "})
    expected = {
        "anonymous": "not_authenticated",
        "viewer": None,
        "owner": "forbidden",
        "other": "forbidden",
        "admin": "forbidden",
    }[who]
    assert error_code(body) == expected
    async with cast.db.read() as session:
        row = await session.get(Comment, uuid.UUID(cid))
    assert row is not None
    if expected is None:
        assert body["data"]["editComment"]["body"] == "Second thoughts"
        assert body["data"]["editComment"]["editedAt"] is not None
        assert row.body == "Second thoughts" and row.edited_at is not None
    else:
        assert row.body == "First thoughts" and row.edited_at is None


@pytest.mark.parametrize("who", ROLES)
async def test_delete_comment_by_author_creator_or_admin(cast: Cast, who: str) -> None:
    cid = await comment(cast, "viewer", "Delete me maybe")
    body = await cast.gql(who, DELETE, {"id": cid})
    expected = {
        "anonymous": "not_authenticated",
        "viewer": None,
        "owner": None,
        "other": "forbidden",
        "admin": None,
    }[who]
    assert error_code(body) == expected
    if expected is None:
        assert body["data"]["deleteComment"] == {
            "videoId": str(cast.public.id),
            "placeholder": False,
        }
        assert await counts(cast) == (0, 0, 0)
    else:
        assert await counts(cast) == (1, 1, 1)


@pytest.mark.parametrize("who", ROLES)
async def test_report_comment_once_and_never_ones_own(cast: Cast, who: str) -> None:
    cid = await comment(cast, "viewer", "Something debatable")
    body = await cast.gql(who, REPORT, {"id": cid, "reason": "  spam\n and more  "})
    expected = {
        "anonymous": "not_authenticated",
        "viewer": "own_comment",
        "owner": None,
        "other": None,
        "admin": None,
    }[who]
    assert error_code(body) == expected
    if expected is None:
        assert body["data"]["reportComment"] is True
        again = await cast.gql(who, REPORT, {"id": cid, "reason": "again"})
        assert error_code(again) == "already_reported"
    async with cast.db.read() as session:
        reports = list(await session.scalars(select(Report)))
    if expected is None:
        assert [(r.reporter_id, r.reason) for r in reports] == [
            (cast.users[who].id, "spam and more")
        ]
    else:
        assert reports == []


@pytest.mark.parametrize("who", ["viewer", "other"])
async def test_comments_on_private_videos_are_not_found_for_others(cast: Cast, who: str) -> None:
    cid = await comment(cast, "owner", "Notes to self", video=cast.private)
    for query, variables in (
        (DELETE, {"id": cid}),
        (REPORT, {"id": cid, "reason": ""}),
        (EDIT, {"id": cid, "body": "x"}),
        (ADD, {"video": str(cast.private.id), "body": "hi", "parent": cid}),
    ):
        body = await cast.gql(who, query, variables)
        assert error_code(body) in ("comment_not_found", "video_not_found"), body
    listing = await cast.gql(who, LIST, {"video": str(cast.private.id), "first": 5})
    assert listing["data"]["video"] is None
    assert await counts(cast, cast.private) == (1, 1, 1)


# -- rules ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "code"),
    [("", "validation_failed"), (" \n\t ", "validation_failed"), ("x" * 5001, "validation_failed")],
)
async def test_comment_length(cast: Cast, body: str, code: str) -> None:
    result = await cast.gql("viewer", ADD, {"video": str(cast.public.id), "body": body})
    assert error_code(result) == code
    assert result["errors"][0]["extensions"]["field"] == "body"
    assert await counts(cast) == (0, 0, 0)


async def test_longest_comment_and_trimming(cast: Cast) -> None:
    longest = "y" * 5000
    result = await cast.gql("viewer", ADD, {"video": str(cast.public.id), "body": f"  {longest}\n"})
    assert result["data"]["addComment"]["body"] == longest
    lines = await cast.gql("viewer", ADD, {"video": str(cast.public.id), "body": "a\r\nb\rc"})
    assert lines["data"]["addComment"]["body"] == "a\nb\nc"


async def test_a_reply_to_a_reply_joins_the_thread(cast: Cast) -> None:
    top = await comment(cast, "viewer", "Great shot of the Red Spot")
    reply = await comment(cast, "other", "Agreed", parent=top)
    nested = await cast.gql(
        "owner", ADD, {"video": str(cast.public.id), "body": "Thanks both", "parent": reply}
    )
    assert nested["data"]["addComment"]["parentId"] == top
    listing = await cast.gql("anonymous", LIST, {"video": str(cast.public.id), "first": 10})
    threads = listing["data"]["video"]["comments"]["nodes"]
    assert [t["id"] for t in threads] == [top]
    assert threads[0]["replyCount"] == 2
    assert [r["body"] for r in threads[0]["replies"]] == ["Agreed", "Thanks both"]
    assert {r["parentId"] for r in threads[0]["replies"]} == {top}
    assert await counts(cast) == (3, 3, 3)


async def test_replies_must_belong_to_the_same_video(cast: Cast) -> None:
    elsewhere = await comment(cast, "viewer", "On the comet", video=cast.unlisted)
    body = await cast.gql(
        "viewer", ADD, {"video": str(cast.public.id), "body": "Hi", "parent": elsewhere}
    )
    assert error_code(body) == "comment_not_found"
    bogus = await cast.gql(
        "viewer", ADD, {"video": str(cast.public.id), "body": "Hi", "parent": "nope"}
    )
    assert error_code(bogus) == "comment_not_found"


async def test_deleting_a_thread_leaves_a_placeholder_until_its_replies_go(cast: Cast) -> None:
    top = await comment(cast, "viewer", "The original")
    first = await comment(cast, "other", "Reply one", parent=top)
    second = await comment(cast, "owner", "Reply two", parent=top)
    assert await counts(cast) == (3, 3, 3)

    gone = await cast.gql("viewer", DELETE, {"id": top})
    assert gone["data"]["deleteComment"]["placeholder"] is True
    assert await counts(cast) == (2, 2, 2)
    listing = await cast.gql("other", LIST, {"video": str(cast.public.id), "first": 10})
    [thread] = listing["data"]["video"]["comments"]["nodes"]
    assert thread["deleted"] is True and thread["body"] is None and thread["author"] is None
    assert thread["viewerCanEdit"] is False and thread["viewerCanDelete"] is False
    assert [r["body"] for r in thread["replies"]] == ["Reply one", "Reply two"]
    # The placeholder cannot be edited, replied to, reported or deleted again.
    for query, variables in (
        (EDIT, {"id": top, "body": "back"}),
        (DELETE, {"id": top}),
        (REPORT, {"id": top, "reason": ""}),
        (ADD, {"video": str(cast.public.id), "body": "hm", "parent": top}),
    ):
        assert error_code(await cast.gql("viewer", query, variables)) == "comment_not_found"

    await cast.gql("other", DELETE, {"id": first})
    assert await counts(cast) == (1, 1, 1)
    await cast.gql("owner", DELETE, {"id": second})
    assert await counts(cast) == (0, 0, 0)
    async with cast.db.read() as session:
        assert await session.scalar(select(func.count()).select_from(Comment)) == 0


async def test_deleting_a_reply_keeps_the_thread(cast: Cast) -> None:
    top = await comment(cast, "viewer", "Thread")
    reply = await comment(cast, "other", "Reply", parent=top)
    done = await cast.gql("admin", DELETE, {"id": reply})
    assert done["data"]["deleteComment"]["placeholder"] is False
    listing = await cast.gql("viewer", LIST, {"video": str(cast.public.id), "first": 10})
    [thread] = listing["data"]["video"]["comments"]["nodes"]
    assert thread["replyCount"] == 0 and thread["replies"] == []
    assert thread["body"] == "Thread"
    assert await counts(cast) == (1, 1, 1)


async def test_viewer_permissions_on_each_comment(cast: Cast) -> None:
    top = await comment(cast, "viewer", "Mine")
    await comment(cast, "other", "Theirs", parent=top)

    async def flags(who: str) -> list[tuple[bool, bool]]:
        body = await cast.gql(who, LIST, {"video": str(cast.public.id), "first": 5})
        [t] = body["data"]["video"]["comments"]["nodes"]
        [r] = t["replies"]
        return [
            (t["viewerCanEdit"], t["viewerCanDelete"]),
            (r["viewerCanEdit"], r["viewerCanDelete"]),
        ]

    assert await flags("viewer") == [(True, True), (False, False)]
    assert await flags("other") == [(False, False), (True, True)]
    assert await flags("owner") == [(False, True), (False, True)]
    assert await flags("admin") == [(False, True), (False, True)]
    assert await flags("anonymous") == [(False, False), (False, False)]


# -- listing -------------------------------------------------------------------


async def test_pages_newest_first_and_stable_while_comments_arrive(cast: Cast) -> None:
    ids = [await comment(cast, "viewer", f"Comment {i}") for i in range(5)]
    variables: dict[str, Any] = {"video": str(cast.public.id), "first": 2}
    page1 = (await cast.gql("anonymous", LIST, variables))["data"]["video"]["comments"]
    assert [n["body"] for n in page1["nodes"]] == ["Comment 4", "Comment 3"]
    await comment(cast, "other", "A late arrival")
    page2 = await cast.gql(
        "anonymous", LIST, {**variables, "after": page1["pageInfo"]["endCursor"]}
    )
    page2 = page2["data"]["video"]["comments"]
    assert [n["body"] for n in page2["nodes"]] == ["Comment 2", "Comment 1"]
    assert page2["pageInfo"]["hasNextPage"] is True
    page3 = await cast.gql(
        "anonymous", LIST, {**variables, "after": page2["pageInfo"]["endCursor"]}
    )
    page3 = page3["data"]["video"]["comments"]
    assert [n["id"] for n in page3["nodes"]] == [ids[0]]
    assert page3["pageInfo"]["hasNextPage"] is False


async def test_top_sort_puts_the_liveliest_threads_first(cast: Cast) -> None:
    quiet = await comment(cast, "viewer", "Quiet")
    busy = await comment(cast, "viewer", "Busy")
    medium = await comment(cast, "viewer", "Medium")
    for _ in range(3):
        await comment(cast, "other", "reply", parent=busy)
    await comment(cast, "other", "reply", parent=medium)
    variables = {"video": str(cast.public.id), "first": 2, "sort": "TOP"}
    page1 = (await cast.gql("anonymous", LIST, variables))["data"]["video"]["comments"]
    assert [n["id"] for n in page1["nodes"]] == [busy, medium]
    page2 = await cast.gql(
        "anonymous", LIST, {**variables, "after": page1["pageInfo"]["endCursor"]}
    )
    assert [n["id"] for n in page2["data"]["video"]["comments"]["nodes"]] == [quiet]
    # A cursor of one order is refused by the other.
    wrong = await cast.gql(
        "anonymous",
        LIST,
        {**variables, "sort": "NEWEST", "after": page1["pageInfo"]["endCursor"]},
    )
    assert error_code(wrong) == "bad_cursor"


async def test_handmade_comment_cursors_are_bad_cursor(cast: Cast) -> None:
    await comment(cast, "viewer", "Only one")
    row = uuid.uuid4()
    handmade = [
        ("TOP", encode_cursor("comments:top", 2**40, row)),  # reply_count is 32 bits
        ("TOP", encode_cursor("comments:top", "3", row)),
        ("TOP", encode_cursor("comments:top", 1.5, row)),
        ("NEWEST", encode_cursor("comments:newest", 3, row)),
        ("NEWEST", ""),
    ]
    for sort, cursor in handmade:
        variables = {"video": str(cast.public.id), "first": 2, "sort": sort, "after": cursor}
        body = await cast.gql("anonymous", LIST, variables)
        assert error_code(body) == "bad_cursor", (sort, cursor, body)


async def test_comment_list_query_count_is_constant(cast: Cast) -> None:
    others = ["viewer", "other", "owner", "admin"]
    for i in range(20):
        top = await comment(cast, others[i % 4], f"Top {i}")
        if i % 2 == 0:
            await comment(cast, others[(i + 1) % 4], "reply", parent=top)
    counts_by_size = {}
    for first in (2, 20):
        with recorded_queries(cast.db) as queries:
            body = await cast.gql("viewer", LIST, {"video": str(cast.public.id), "first": first})
        assert len(body["data"]["video"]["comments"]["nodes"]) == first
        counts_by_size[first] = len(selects(queries))
    assert counts_by_size[2] == counts_by_size[20], counts_by_size
    # Actor, video, the video's owner/tags/category, the check, comments, replies, authors.
    assert counts_by_size[20] <= 12, counts_by_size
