"""Up next: related listed videos ranked by shared tags, then category, then trending."""

from __future__ import annotations

from cosmostream.catalog.schemas import UpNextRequest
from cosmostream.catalog.service import catalog_service
from cosmostream.db import Database
from cosmostream.models import Category, Role, Video
from tests.catalog.conftest import set_video
from tests.factories import make_user, make_video


async def up_next(db: Database, video: Video, first: int = 8) -> list[str]:
    async with db.read() as session:
        return [v.title for v in await catalog_service.up_next(session, video, first)]


async def test_ranked_by_shared_tags_then_category_then_trending(
    db: Database, categories: dict[str, Category]
) -> None:
    creator = await make_user(db, role=Role.CREATOR)
    other = await make_user(db, role=Role.CREATOR)
    main = await make_video(
        db, creator, title="Main", category="planets", tags=["saturn", "rings", "cassini"]
    )
    three = await make_video(
        db, other, title="Three tags", category="rockets", tags=["saturn", "rings", "cassini"]
    )
    two_same = await make_video(
        db, other, title="Two tags, same category", category="planets", tags=["saturn", "rings"]
    )
    two_other = await make_video(
        db, other, title="Two tags, other category", category="stars", tags=["rings", "cassini"]
    )
    one_hot = await make_video(db, other, title="One tag, hot", category="stars", tags=["saturn"])
    one_cold = await make_video(db, other, title="One tag, cold", category="stars", tags=["rings"])
    cat_hot = await make_video(db, other, title="Category only, hot", category="planets")
    cat_cold = await make_video(db, other, title="Category only, cold", category="planets")
    await make_video(db, other, title="Unrelated", category="rockets", tags=["falcon"])
    await make_video(
        db, other, title="Private twin", category="planets", tags=["saturn"], visibility="private"
    )
    await make_video(
        db, other, title="Unlisted twin", category="planets", tags=["saturn"], visibility="unlisted"
    )
    await make_video(
        db, other, title="Draft twin", category="planets", tags=["saturn"], ready=False
    )
    for video, score in ((one_hot, 9.0), (one_cold, 1.0), (cat_hot, 8.0), (cat_cold, 2.0)):
        await set_video(db, video.id, trending_score=score)
    # Trending never beats relevance.
    await set_video(db, two_other.id, trending_score=0.5)
    await set_video(db, three.id, trending_score=0.0)
    await set_video(db, two_same.id, trending_score=0.0)

    assert await up_next(db, main) == [
        "Three tags",
        "Two tags, same category",
        "Two tags, other category",
        "One tag, hot",
        "One tag, cold",
        "Category only, hot",
        "Category only, cold",
        # what is left is filled from the site's trending videos
        "Unrelated",
    ]
    assert await up_next(db, main, first=2) == ["Three tags", "Two tags, same category"]


async def test_without_tags_or_category_the_site_trending_fills_in(
    db: Database, categories: dict[str, Category]
) -> None:
    creator = await make_user(db, role=Role.CREATOR)
    lonely = await make_video(db, creator, title="Lonely")
    await make_video(db, creator, title="Another lonely one")
    tagged = await make_video(db, creator, title="Tagged", tags=["moon"])
    await make_video(db, creator, title="Also moon", tags=["moon"])
    # Nothing in common: the site's trending videos (all 0 here: newest first) fill in.
    assert await up_next(db, lonely) == ["Also moon", "Tagged", "Another lonely one"]
    assert await up_next(db, tagged) == ["Also moon", "Another lonely one", "Lonely"]
    assert await up_next(db, tagged, first=1) == ["Also moon"]


async def test_a_batch_answers_each_video_on_its_own(
    db: Database, categories: dict[str, Category]
) -> None:
    creator = await make_user(db, role=Role.CREATOR)
    saturn = await make_video(db, creator, title="Saturn", category="planets", tags=["saturn"])
    falcon = await make_video(db, creator, title="Falcon", category="rockets", tags=["falcon"])
    await make_video(db, creator, title="Saturn 2", category="stars", tags=["saturn"])
    await make_video(db, creator, title="Falcon 2", category="stars", tags=["falcon"])
    await make_video(db, creator, title="Rocket", category="rockets")
    requests = [UpNextRequest.of(saturn, 5), UpNextRequest.of(falcon, 1)]
    async with db.read() as session:
        found = await catalog_service.up_next_many(session, requests)
    assert [v.title for v in found[requests[0]]] == ["Saturn 2", "Rocket", "Falcon 2", "Falcon"]
    assert [v.title for v in found[requests[1]]] == ["Falcon 2"]
