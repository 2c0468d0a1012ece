"""`me { notifications unreadNotificationCount }` and `markNotificationsRead` over GraphQL."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import pytest

from cosmostream.db import Database
from cosmostream.models import Role, User, Visibility
from cosmostream.video.schemas import VideoUpdate
from cosmostream.video.service import video_service
from tests.factories import actor, gql, login, make_user, recorded_queries, selects, shift_time
from tests.notification.conftest import follow, make_category, publish

NOTIFICATIONS = """query($first: Int!, $after: String) { me {
  unreadNotificationCount
  notifications(first: $first, after: $after) {
    edges { cursor node { id kind text url createdAt read
      actor { id displayName avatarUrl followerCount }
      video { id title posterUrl tags category { slug } owner { displayName } } } }
    pageInfo { hasNextPage endCursor } } } }"""
MARK = """mutation($ids: [ID!]) { markNotificationsRead(ids: $ids) { marked unreadCount } }"""


async def token_of(db: Database, user: User) -> str:
    return str((await login(db, user)).access_token)


async def fetch(
    client: httpx.AsyncClient, token: str, first: int = 20, after: str | None = None
) -> dict[str, Any]:
    body = (await gql(client, NOTIFICATIONS, {"first": first, "after": after}, token=token)).json()
    assert "errors" not in body, body
    me: dict[str, Any] = body["data"]["me"]
    return me


async def setup_feed(db: Database, count: int) -> tuple[User, User, list[Any]]:
    """A viewer following two creators who published `count` videos, one an hour."""
    await make_category(db)
    vera = await make_user(db, role=Role.CREATOR, name="Vera Nebula")
    carl = await make_user(db, role=Role.CREATOR, name="Carl Orbit")
    ada = await make_user(db, name="Ada")
    await follow(db, ada, vera)
    await follow(db, ada, carl)
    videos = []
    for i in range(count):
        with shift_time(timedelta(hours=i)):
            videos.append(
                await publish(
                    db,
                    (vera, carl)[i % 2],
                    title=f"Moon {i}",
                    category="planets",
                    tags=["moon", f"n{i}"],
                )
            )
    return ada, vera, videos


async def test_the_feed_is_newest_first_and_pages_without_gaps(
    client: httpx.AsyncClient, db: Database
) -> None:
    ada, vera, videos = await setup_feed(db, 5)
    token = await token_of(db, ada)
    first = await fetch(client, token, first=2)
    assert first["unreadNotificationCount"] == 5
    nodes = [e["node"] for e in first["notifications"]["edges"]]
    assert [n["video"]["title"] for n in nodes] == ["Moon 4", "Moon 3"]
    top = nodes[0]
    assert top["kind"] == "VIDEO_PUBLISHED"
    assert top["text"] == "Vera Nebula published “Moon 4”"
    assert top["url"] == f"/video/{videos[4].id}"
    assert top["read"] is False
    assert top["actor"]["displayName"] == "Vera Nebula"
    assert top["actor"]["id"] == str(vera.id)
    assert top["video"]["tags"] == ["moon", "n4"]
    assert top["video"]["category"]["slug"] == "planets"
    assert top["video"]["owner"]["displayName"] == "Vera Nebula"
    seen = [n["video"]["title"] for n in nodes]
    page = first["notifications"]["pageInfo"]
    while page["hasNextPage"]:
        more = await fetch(client, token, first=2, after=page["endCursor"])
        seen += [e["node"]["video"]["title"] for e in more["notifications"]["edges"]]
        page = more["notifications"]["pageInfo"]
    assert seen == [f"Moon {i}" for i in range(4, -1, -1)]


async def test_feed_query_count_is_constant(client: httpx.AsyncClient, db: Database) -> None:
    ada, _, _ = await setup_feed(db, 12)
    token = await token_of(db, ada)
    counts = []
    for first in (2, 12):
        with recorded_queries(db) as statements:
            me = await fetch(client, token, first=first)
        assert len(me["notifications"]["edges"]) == first
        counts.append(len(selects(statements)))
    assert counts[0] == counts[1], counts


async def test_bad_cursor_and_bad_first(client: httpx.AsyncClient, db: Database) -> None:
    ada = await make_user(db)
    token = await token_of(db, ada)
    body = (await gql(client, NOTIFICATIONS, {"first": 5, "after": "nope"}, token=token)).json()
    assert body["errors"][0]["extensions"]["code"] == "bad_cursor"
    body = (await gql(client, NOTIFICATIONS, {"first": 0}, token=token)).json()
    assert body["errors"][0]["extensions"]["code"] == "validation_failed"


async def test_anonymous_has_no_notifications(client: httpx.AsyncClient) -> None:
    body = (await gql(client, NOTIFICATIONS, {"first": 5})).json()
    assert body["data"]["me"] is None
    marked = (await gql(client, MARK, {"ids": None})).json()
    assert marked["errors"][0]["extensions"]["code"] == "not_authenticated"


async def test_a_video_made_private_loses_its_title(
    client: httpx.AsyncClient, db: Database
) -> None:
    ada, vera, videos = await setup_feed(db, 2)
    async with db.unit_of_work() as session:
        await video_service.update(
            session, actor(vera), videos[0].id, VideoUpdate(visibility=Visibility.PRIVATE)
        )
    me = await fetch(client, await token_of(db, ada))
    hidden = me["notifications"]["edges"][1]["node"]
    assert hidden["video"] is None and hidden["url"] is None
    assert "Moon 0" not in hidden["text"] and "no longer available" in hidden["text"]


@pytest.mark.parametrize("everything", [None, []], ids=["null", "empty"])
async def test_mark_read_all(
    client: httpx.AsyncClient, db: Database, everything: list[str] | None
) -> None:
    ada, _, _ = await setup_feed(db, 3)
    token = await token_of(db, ada)
    body = (await gql(client, MARK, {"ids": everything}, token=token)).json()
    assert body["data"]["markNotificationsRead"] == {"marked": 3, "unreadCount": 0}
    me = await fetch(client, token)
    assert me["unreadNotificationCount"] == 0
    assert all(e["node"]["read"] for e in me["notifications"]["edges"])


async def test_mark_read_touches_only_your_own(client: httpx.AsyncClient, db: Database) -> None:
    ada, vera, _ = await setup_feed(db, 3)
    bob = await make_user(db)
    await follow(db, bob, vera)
    await publish(db, vera, title="Jupiter")
    ada_token, bob_token = await token_of(db, ada), await token_of(db, bob)
    ada_ids = [e["node"]["id"] for e in (await fetch(client, ada_token))["notifications"]["edges"]]
    [bob_id] = [e["node"]["id"] for e in (await fetch(client, bob_token))["notifications"]["edges"]]

    # Someone else's ids are ignored, as if they did not exist, even for admins.
    stolen = (await gql(client, MARK, {"ids": ada_ids}, token=bob_token)).json()
    assert stolen["data"]["markNotificationsRead"] == {"marked": 0, "unreadCount": 1}
    admin = await token_of(db, await make_user(db, role=Role.ADMIN))
    by_admin = (await gql(client, MARK, {"ids": ada_ids}, token=admin)).json()
    assert by_admin["data"]["markNotificationsRead"] == {"marked": 0, "unreadCount": 0}
    by_creator = (await gql(client, MARK, {"ids": ada_ids}, token=await token_of(db, vera))).json()
    assert by_creator["data"]["markNotificationsRead"]["marked"] == 0
    assert (await fetch(client, ada_token))["unreadNotificationCount"] == 4

    one = (await gql(client, MARK, {"ids": [ada_ids[0], bob_id]}, token=ada_token)).json()
    assert one["data"]["markNotificationsRead"] == {"marked": 1, "unreadCount": 3}
    again = (await gql(client, MARK, {"ids": [ada_ids[0]]}, token=ada_token)).json()
    assert again["data"]["markNotificationsRead"] == {"marked": 0, "unreadCount": 3}
    assert (await fetch(client, bob_token))["unreadNotificationCount"] == 1

    bad = (await gql(client, MARK, {"ids": ["not-an-id"]}, token=ada_token)).json()
    assert bad["errors"][0]["extensions"]["code"] == "validation_failed"
    too_many = (await gql(client, MARK, {"ids": [ada_ids[0]] * 501}, token=ada_token)).json()
    assert too_many["errors"][0]["extensions"]["code"] == "validation_failed"
    assert (await fetch(client, ada_token))["unreadNotificationCount"] == 3
