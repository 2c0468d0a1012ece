"""GraphQL discovery: connections, categories, trending, staff picks, up next;
constant query counts and the pin/unpin authorization matrix."""

from __future__ import annotations

from typing import Any

import pytest

from cosmostream.catalog.service import catalog_service
from cosmostream.kit.time import utcnow
from cosmostream.models import Category, Follow, Role, VideoDailyStats
from tests.catalog.conftest import HANDMADE_CURSORS, ROLES, People, error_code, set_video
from tests.factories import make_user, make_video, recorded_queries, selects

VIDEO_FIELDS = "id title durationSeconds viewCount publishedAt tags owner { displayName } category { slug name }"

VIDEOS = f"""
query($filter: VideoFilter, $sort: VideoSort, $first: Int, $after: String) {{
  videos(filter: $filter, sort: $sort, first: $first, after: $after) {{
    edges {{ cursor node {{ {VIDEO_FIELDS} }} }}
    pageInfo {{ hasNextPage endCursor }}
  }}
}}"""


def node_titles(body: Any, field: str = "videos") -> list[str]:
    return [e["node"]["title"] for e in body["data"][field]["edges"]]


async def test_videos_connection_pages_with_cursors(
    people: People, categories: dict[str, Category]
) -> None:
    creator = people.users["creator"]
    for n in range(5):
        await make_video(people.db, creator, title=f"Clip {n}", category="planets", tags=["moon"])
    await make_video(people.db, creator, title="Hidden", visibility="unlisted")
    body = await people.gql("anonymous", VIDEOS, {"first": 2})
    assert "errors" not in body, body
    conn = body["data"]["videos"]
    assert node_titles(body) == ["Clip 4", "Clip 3"]
    assert conn["pageInfo"] == {"hasNextPage": True, "endCursor": conn["edges"][-1]["cursor"]}
    node = conn["edges"][0]["node"]
    assert node["owner"] == {"displayName": "Vera Nebula"}
    assert node["category"] == {"slug": "planets", "name": "Planets"} and node["tags"] == ["moon"]
    seen = node_titles(body)
    after = conn["pageInfo"]["endCursor"]
    while after:
        body = await people.gql("anonymous", VIDEOS, {"first": 2, "after": after})
        seen += node_titles(body)
        info = body["data"]["videos"]["pageInfo"]
        after = info["endCursor"] if info["hasNextPage"] else None
    assert seen == [f"Clip {n}" for n in range(4, -1, -1)]


async def test_videos_filters_and_sorts(people: People, categories: dict[str, Category]) -> None:
    creator = people.users["creator"]
    other = await make_user(people.db, role=Role.CREATOR)
    a = await make_video(people.db, creator, title="A", category="planets", duration=100)
    b = await make_video(people.db, other, title="B", category="stars", duration=1500)
    await set_video(people.db, a.id, view_count=3)
    await set_video(people.db, b.id, view_count=9)

    async def run(variables: dict[str, Any], who: str = "anonymous") -> list[str]:
        body = await people.gql(who, VIDEOS, variables)
        assert "errors" not in body, body
        return node_titles(body)

    assert await run({"sort": "MOST_VIEWED"}) == ["B", "A"]
    assert await run({"sort": "LONGEST"}) == ["B", "A"]
    assert await run({"filter": {"category": "planets"}}) == ["A"]
    assert await run({"filter": {"duration": "LONG"}}) == ["B"]
    assert await run({"filter": {"uploaded": "TODAY"}, "sort": "TRENDING"}) == ["B", "A"]
    assert await run({"filter": {"ownerIds": [str(other.id), "junk"]}}) == ["B"]
    assert await run({"filter": {"following": True}}, "viewer") == []
    async with people.db.unit_of_work() as session:
        session.add(Follow(follower_id=people.users["viewer"].id, followee_id=other.id))
    assert await run({"filter": {"following": True}}, "viewer") == ["B"]
    body = await people.gql("anonymous", VIDEOS, {"filter": {"following": True}})
    assert error_code(body) == "not_authenticated"
    body = await people.gql("anonymous", VIDEOS, {"filter": {"category": "nope"}})
    assert error_code(body) == "validation_failed"


async def test_bad_cursor_and_first(people: People, categories: dict[str, Category]) -> None:
    await make_video(people.db, people.users["creator"])
    body = await people.gql("anonymous", VIDEOS, {"after": "garbage"})
    assert error_code(body) == "bad_cursor"
    assert "cursor" in body["errors"][0]["message"]
    body = await people.gql("anonymous", VIDEOS, {"first": 0})
    assert error_code(body) == "validation_failed"
    body = await people.gql("anonymous", VIDEOS, {"first": 100000})
    assert node_titles(body) and "errors" not in body


async def test_handmade_cursors_are_bad_cursor(
    people: People, categories: dict[str, Category]
) -> None:
    await make_video(people.db, people.users["creator"], category="planets")
    in_category = """query($sort: VideoSort, $after: String) {
      category(slug: "planets") { videos(sort: $sort, after: $after) { edges { cursor } } }
    }"""
    cases = [(name, cursor) for _, name, cursor in HANDMADE_CURSORS] + [("NEWEST", "")]
    for query in (VIDEOS, in_category):
        for sort, cursor in cases:
            body = await people.gql("anonymous", query, {"sort": sort, "after": cursor})
            assert error_code(body) == "bad_cursor", (sort, cursor, body)
            assert body["errors"][0]["extensions"]["status"] == 422


async def _count(people: People, query: str, variables: dict[str, Any], who: str) -> int:
    with recorded_queries(people.db) as statements:
        body = await people.gql(who, query, variables)
    assert "errors" not in body, body
    return len(selects(statements))


async def _many_videos(people: People, n: int = 22) -> None:
    creators = [people.users["creator"], await make_user(people.db, role=Role.CREATOR)]
    stats = []
    for i in range(n):
        video = await make_video(
            people.db,
            creators[i % 2],
            category=["planets", "stars", "rockets"][i % 3],
            tags=["moon", f"t{i % 4}"],
        )
        stats.append(VideoDailyStats(video_id=video.id, day=utcnow().date(), views=i + 1))
    async with people.db.unit_of_work() as session:
        session.add_all(stats)


@pytest.mark.parametrize("who", ["anonymous", "viewer"])
async def test_lists_use_a_constant_number_of_queries(
    people: People, categories: dict[str, Category], who: str
) -> None:
    await _many_videos(people)
    async with people.db.read() as session:
        from cosmostream.catalog.service import catalog_service

        picks = (await catalog_service.list_videos(session, first=20)).videos
    async with people.db.unit_of_work() as session:
        from cosmostream.models import StaffPick

        session.add_all(StaffPick(video_id=v.id) for v in picks)
    target = picks[0].id

    queries = {
        "videos": (VIDEOS, {}),
        "trending": (f"query($first: Int) {{ trending(first: $first) {{ {VIDEO_FIELDS} }} }}", {}),
        "staffPicks": (
            f"query($first: Int) {{ staffPicks(first: $first) {{ {VIDEO_FIELDS} }} }}",
            {},
        ),
        "category videos": (
            f"""query($first: Int) {{ category(slug: "planets") {{ name videoCount coverUrl
                videos(first: $first, sort: MOST_VIEWED) {{ edges {{ node {{ {VIDEO_FIELDS} }} }} }} }} }}""",
            {},
        ),
        "upNext": (
            f"""query($first: Int, $id: ID!) {{ video(id: $id) {{ title
                upNext(first: $first) {{ {VIDEO_FIELDS} }} }} }}""",
            {"id": str(target)},
        ),
        "videos with upNext": (
            f"""query($first: Int) {{ videos(first: $first) {{ edges {{ node {{ id
                upNext(first: 3) {{ {VIDEO_FIELDS} }} }} }} }} }}""",
            {},
        ),
        "categories": ("{ categories { slug videoCount coverUrl } }", {}),
        "risingCreators": (
            "query($first: Int) { risingCreators(first: $first) { score user { displayName followerCount } } }",
            {},
        ),
    }
    for name, (query, variables) in queries.items():
        small = await _count(people, query, {**variables, "first": 2}, who)
        large = await _count(people, query, {**variables, "first": 20}, who)
        assert small == large, (name, small, large)
        assert small <= 12, (name, small)


async def test_categories_have_counts_covers_and_videos(
    people: People, categories: dict[str, Category]
) -> None:
    creator = people.users["creator"]
    low = await make_video(people.db, creator, title="Low", category="planets")
    top = await make_video(people.db, creator, title="Top", category="planets")
    await make_video(people.db, creator, title="Private", category="planets", visibility="private")
    await make_video(people.db, creator, title="Star", category="stars")
    await set_video(people.db, low.id, view_count=5)
    await set_video(people.db, top.id, view_count=50)
    body = await people.gql("anonymous", "{ categories { slug videoCount coverUrl } }")
    by_slug = {c["slug"]: c for c in body["data"]["categories"]}
    assert by_slug["planets"]["videoCount"] == 2
    assert by_slug["planets"]["coverUrl"] == f"/media/images/{top.id}/poster_card.webp"
    assert by_slug["stars"]["videoCount"] == 1
    assert by_slug["rockets"] == {"slug": "rockets", "videoCount": 0, "coverUrl": None}

    query = """query($slug: String!) { category(slug: $slug) { name description videoCount
        videos(sort: MOST_VIEWED, first: 1) { edges { node { title } } pageInfo { hasNextPage } } } }"""
    body = await people.gql("anonymous", query, {"slug": "planets"})
    category = body["data"]["category"]
    assert category["name"] == "Planets" and category["videoCount"] == 2
    assert [e["node"]["title"] for e in category["videos"]["edges"]] == ["Top"]
    assert category["videos"]["pageInfo"]["hasNextPage"] is True
    body = await people.gql("anonymous", query, {"slug": "no-such"})
    assert body["data"]["category"] is None and "errors" not in body


async def test_trending_and_staff_picks_lists(
    people: People, categories: dict[str, Category]
) -> None:
    creator = people.users["creator"]
    cold = await make_video(people.db, creator, title="Cold")
    hot = await make_video(people.db, creator, title="Hot")
    hidden = await make_video(people.db, creator, title="Hidden", visibility="unlisted")
    await set_video(people.db, cold.id, trending_score=1.0)
    await set_video(people.db, hot.id, trending_score=10.0)
    await set_video(people.db, hidden.id, trending_score=99.0)
    body = await people.gql("anonymous", "{ trending(first: 5) { title } }")
    assert [v["title"] for v in body["data"]["trending"]] == ["Hot", "Cold"]


PIN = "mutation($id: ID!) { pinVideo(videoId: $id) { id title } }"
UNPIN = "mutation($id: ID!) { unpinVideo(videoId: $id) { id } }"
PICKS = "{ staffPicks { title } }"


@pytest.mark.parametrize("who", ROLES)
async def test_pin_and_unpin_are_for_admins_only(
    people: People, categories: dict[str, Category], who: str
) -> None:
    # The creator owns the video: owning it is not enough to pick it.
    video = await make_video(people.db, people.users["creator"], title="Pick me")
    expected = {"anonymous": "not_authenticated", "viewer": "forbidden", "creator": "forbidden"}
    body = await people.gql(who, PIN, {"id": str(video.id)})
    if who == "admin":
        assert body["data"]["pinVideo"]["title"] == "Pick me"
        assert (await people.gql("anonymous", PICKS))["data"]["staffPicks"] == [
            {"title": "Pick me"}
        ]
    else:
        assert error_code(body) == expected[who]
        assert (await people.gql("anonymous", PICKS))["data"]["staffPicks"] == []
        # Let the admin pin it, then check the same person cannot unpin it.
        await people.gql("admin", PIN, {"id": str(video.id)})
    body = await people.gql(who, UNPIN, {"id": str(video.id)})
    picks = (await people.gql("anonymous", PICKS))["data"]["staffPicks"]
    if who == "admin":
        assert "errors" not in body and picks == []
    else:
        assert error_code(body) == expected[who] and picks == [{"title": "Pick me"}]


async def test_pinning_rules(people: People, categories: dict[str, Category]) -> None:
    creator = people.users["creator"]
    first = await make_video(people.db, creator, title="First")
    second = await make_video(people.db, creator, title="Second")
    unlisted = await make_video(people.db, creator, visibility="unlisted")
    draft = await make_video(people.db, creator, ready=False)
    for video in (unlisted, draft):
        body = await people.gql("admin", PIN, {"id": str(video.id)})
        assert error_code(body) == "not_pickable"
    body = await people.gql("admin", PIN, {"id": "6f1c1f4e-0000-7000-8000-000000000000"})
    assert error_code(body) == "video_not_found"
    body = await people.gql("admin", PIN, {"id": "junk"})
    assert error_code(body) == "video_not_found"
    for video in (first, second, first):  # pinning again changes nothing
        assert "errors" not in await people.gql("admin", PIN, {"id": str(video.id)})
    picks = (await people.gql("anonymous", PICKS))["data"]["staffPicks"]
    assert picks == [{"title": "Second"}, {"title": "First"}]
    # A picked video that goes private drops out of the list.
    await set_video(people.db, second.id, listed=False)
    assert (await people.gql("anonymous", PICKS))["data"]["staffPicks"] == [{"title": "First"}]
    # Unpinning something never pinned is fine.
    assert "errors" not in await people.gql("admin", UNPIN, {"id": str(unlisted.id)})


async def test_rising_creators_query(people: People, categories: dict[str, Category]) -> None:
    from datetime import timedelta

    video = await make_video(people.db, people.users["creator"])
    async with people.db.unit_of_work() as session:
        session.add(VideoDailyStats(video_id=video.id, day=utcnow().date(), views=40))
        session.add(
            VideoDailyStats(video_id=video.id, day=utcnow().date() - timedelta(days=8), views=10)
        )
    async with people.db.unit_of_work() as session:
        await catalog_service.recompute_rising_creators(session)
    body = await people.gql(
        "anonymous",
        "{ risingCreators { viewsThisWeek viewsLastWeek newFollowers score user { displayName } } }",
    )
    assert body["data"]["risingCreators"] == [
        {
            "viewsThisWeek": 40,
            "viewsLastWeek": 10,
            "newFollowers": 0,
            "score": 30.0,
            "user": {"displayName": "Vera Nebula"},
        }
    ]


async def test_private_videos_are_absent_from_every_graphql_list(
    people: People, categories: dict[str, Category]
) -> None:
    creator = people.users["creator"]
    public = await make_video(people.db, creator, title="Public", category="planets", tags=["x"])
    for visibility in ("private", "unlisted"):
        v = await make_video(
            people.db,
            creator,
            title=visibility,
            category="planets",
            tags=["x"],
            visibility=visibility,
        )
        await set_video(people.db, v.id, trending_score=100.0, view_count=100)
    await make_video(people.db, creator, title="draft", category="planets", tags=["x"], ready=False)
    query = """query($id: ID!) {
      videos(first: 50) { edges { node { title } } }
      trending(first: 50) { title }
      staffPicks { title }
      category(slug: "planets") { videoCount videos(first: 50) { edges { node { title } } } }
      video(id: $id) { upNext(first: 20) { title } }
    }"""
    for who in ("anonymous", "viewer", "creator", "admin"):
        body = await people.gql(who, query, {"id": str(public.id)})
        data = body["data"]
        assert node_titles(body) == ["Public"]
        assert [v["title"] for v in data["trending"]] == ["Public"]
        assert data["category"]["videoCount"] == 1
        assert [e["node"]["title"] for e in data["category"]["videos"]["edges"]] == ["Public"]
        assert data["video"]["upNext"] == []
