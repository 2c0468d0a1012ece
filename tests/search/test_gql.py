"""GraphQL `search` and `searchSuggestions`: shapes, paging, privacy and query counts."""

from __future__ import annotations

import httpx

from cosmostream.db import Database
from cosmostream.models import Role
from tests.factories import gql, login, make_user, make_video, recorded_queries, selects
from tests.search.helpers import make_category

SEARCH = """
query($q: String!, $first: Int, $after: String) {
  search(query: $q, first: $first, after: $after) {
    edges {
      cursor titleHighlighted snippetHighlighted
      node { id title tags category { slug } owner { displayName } }
    }
    pageInfo { hasNextPage endCursor }
    totalCount
  }
}
"""

SUGGEST = """
query($p: String!) { searchSuggestions(prefix: $p) { text kind videoId } }
"""


async def test_search_shape_and_highlights(client: httpx.AsyncClient, db: Database) -> None:
    creator = await make_user(db, role=Role.CREATOR, name="Vera Nebula")
    await make_category(db, "planets")
    video = await make_video(
        db,
        creator,
        title="<b>Jupiter</b> & friends",
        description="Long ago. " * 30 + "The Jovian system: Jupiter's moons <script>x</script>.",
        tags=["gas giant"],
        category="planets",
    )
    body = (await gql(client, SEARCH, {"q": "jupiter"})).json()
    assert "errors" not in body, body
    result = body["data"]["search"]
    assert result["totalCount"] == 1
    assert result["pageInfo"] == {"hasNextPage": False, "endCursor": result["edges"][0]["cursor"]}
    edge = result["edges"][0]
    assert edge["node"] == {
        "id": str(video.id),
        "title": "<b>Jupiter</b> & friends",
        "tags": ["gas giant"],
        "category": {"slug": "planets"},
        "owner": {"displayName": "Vera Nebula"},
    }
    assert edge["titleHighlighted"] == "&lt;b&gt;<mark>Jupiter</mark>&lt;/b&gt; &amp; friends"
    snippet = edge["snippetHighlighted"]
    assert snippet.startswith("…")
    assert "<mark>Jupiter</mark>&#39;s moons &lt;script&gt;x&lt;/script&gt;." in snippet
    assert "<script>" not in snippet


async def test_search_pages_with_cursors(client: httpx.AsyncClient, db: Database) -> None:
    creator = await make_user(db, role=Role.CREATOR)
    made = {str((await make_video(db, creator, title=f"Quasar {i}")).id) for i in range(5)}
    seen: list[str] = []
    after = None
    while True:
        body = (await gql(client, SEARCH, {"q": "quasar", "first": 2, "after": after})).json()
        result = body["data"]["search"]
        seen += [e["node"]["id"] for e in result["edges"]]
        assert result["totalCount"] == 5
        if not result["pageInfo"]["hasNextPage"]:
            break
        after = result["pageInfo"]["endCursor"]
    assert len(seen) == 5
    assert set(seen) == made


async def test_search_is_the_same_for_everyone(client: httpx.AsyncClient, db: Database) -> None:
    owner = await make_user(db, role=Role.CREATOR)
    admin = await make_user(db, role=Role.ADMIN)
    viewer = await make_user(db)
    await make_video(db, owner, title="Comet public")
    await make_video(db, owner, title="Comet private", visibility="private")
    await make_video(db, owner, title="Comet unlisted", visibility="unlisted")
    await make_video(db, owner, title="Comet draft", ready=False)
    for user in (None, viewer, owner, admin):
        token = (await login(db, user)).access_token if user else None
        body = (await gql(client, SEARCH, {"q": "comet"}, token=token)).json()
        assert [e["node"]["title"] for e in body["data"]["search"]["edges"]] == ["Comet public"]
        assert body["data"]["search"]["totalCount"] == 1
        suggestions = (await gql(client, SUGGEST, {"p": "com"}, token=token)).json()
        assert [s["text"] for s in suggestions["data"]["searchSuggestions"]] == ["Comet public"]


async def test_search_query_count_is_constant(client: httpx.AsyncClient, db: Database) -> None:
    creators = [await make_user(db, role=Role.CREATOR) for _ in range(3)]
    await make_category(db, "galaxies")
    for i in range(24):
        await make_video(
            db,
            creators[i % 3],
            title=f"Galaxy {i}",
            tags=["spiral", f"tag{i}"],
            category="galaxies" if i % 2 else None,
        )
    counts = []
    for first in (2, 20):
        with recorded_queries(db) as statements:
            body = (await gql(client, SEARCH, {"q": "galaxy", "first": first})).json()
        assert len(body["data"]["search"]["edges"]) == first
        counts.append(len(selects(statements)))
    assert counts[0] == counts[1], counts
    # rank, videos, tags, owners, categories, owners for the API loader, count
    assert counts[0] <= 7, counts


async def test_suggestions_shape(client: httpx.AsyncClient, db: Database) -> None:
    creator = await make_user(db, role=Role.CREATOR, name="Carl Orbit")
    video = await make_video(db, creator, title="Orbital mechanics", tags=["orbits"])
    body = (await gql(client, SUGGEST, {"p": "orbi"})).json()
    assert body["data"]["searchSuggestions"] == [
        {"text": "Orbital mechanics", "kind": "VIDEO", "videoId": str(video.id)},
        {"text": "orbits", "kind": "TAG", "videoId": None},
        {"text": "Carl Orbit", "kind": "CREATOR", "videoId": None},
    ]
    with recorded_queries(db) as statements:
        await gql(client, SUGGEST, {"p": "orbi"})
    assert len(selects(statements)) <= 2


async def test_bad_arguments_are_client_errors(client: httpx.AsyncClient, db: Database) -> None:
    body = (await gql(client, SEARCH, {"q": "x", "after": "not-a-cursor"})).json()
    assert body["errors"][0]["extensions"]["code"] == "bad_cursor"
    body = (await gql(client, SEARCH, {"q": "x", "first": 500})).json()
    assert body["errors"][0]["extensions"]["code"] == "validation_failed"
    body = (await gql(client, SEARCH, {"q": '🚀 " * : ( NEAR'})).json()
    assert body["data"]["search"] == {
        "edges": [],
        "pageInfo": {"hasNextPage": False, "endCursor": None},
        "totalCount": 0,
    }
