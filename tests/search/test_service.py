"""Search over the real index on SQLite FTS5 and PostgreSQL: relevance, safety,
privacy, paging and keeping the index in step with the videos."""

from __future__ import annotations

import base64

import pytest

from cosmostream.account.schemas import ProfileUpdate
from cosmostream.account.service import account_service
from cosmostream.db import Database
from cosmostream.kit.pagination import BadCursor, encode_cursor
from cosmostream.models import Role, Visibility
from cosmostream.search.schemas import SuggestionKind
from cosmostream.search.service import search_service
from cosmostream.video.repository import video_repository
from cosmostream.video.schemas import VideoUpdate
from cosmostream.video.service import video_service
from tests.factories import finish_processing, make_user, make_video
from tests.search.helpers import actor_of, all_ids, search, titles


async def test_title_hit_ranks_above_description_hit(db: Database) -> None:
    creator = await make_user(db, role=Role.CREATOR)
    # The description-only match mentions the word often and is newer: still second.
    await make_video(db, creator, title="Moons of Jupiter", description="A tour.")
    await make_video(
        db,
        creator,
        title="Gas giants",
        description="Jupiter, Jupiter and Jupiter again: Jupiter everywhere.",
    )
    assert await titles(db, "jupiter") == ["Moons of Jupiter", "Gas giants"]


async def test_tags_and_creator_names_are_searched(db: Database) -> None:
    vera = await make_user(db, role=Role.CREATOR, name="Vera Nebula")
    await make_video(db, vera, title="Rotation curves", tags=["dark matter"])
    await make_video(db, vera, title="Spiral arms")
    assert await titles(db, "matter") == ["Rotation curves"]
    assert sorted(await titles(db, "nebula")) == ["Rotation curves", "Spiral arms"]


async def test_every_word_must_match(db: Database) -> None:
    creator = await make_user(db, role=Role.CREATOR)
    await make_video(db, creator, title="Saturn rings", description="Ice and rock")
    await make_video(db, creator, title="Saturn storms", description="The hexagon")
    await make_video(db, creator, title="Uranus rings")
    assert await titles(db, "saturn rings") == ["Saturn rings"]
    assert await titles(db, "rings ice") == ["Saturn rings"]
    assert await titles(db, "saturn nothing") == []


async def test_last_word_matches_as_prefix_while_typing(db: Database) -> None:
    creator = await make_user(db, role=Role.CREATOR)
    await make_video(db, creator, title="Jupiter flyby")
    await make_video(db, creator, title="Juno at work")
    assert await titles(db, "jup") == ["Jupiter flyby"]
    assert await titles(db, "flyby jup") == ["Jupiter flyby"]
    # Only the last word is a prefix; a finished word (followed by a space) is not.
    assert await titles(db, "jup flyby") == []
    assert await titles(db, "jup ") == []


async def test_diacritics_and_case_are_ignored(db: Database) -> None:
    creator = await make_user(db, role=Role.CREATOR)
    await make_video(db, creator, title="Éuropa's ÖCEAN")
    await make_video(db, creator, title="Europa Clipper")
    assert sorted(await titles(db, "europa")) == ["Europa Clipper", "Éuropa's ÖCEAN"]
    assert await titles(db, "EUROPA océan") == ["Éuropa's ÖCEAN"]


# (input, whether it finds "Jupiter and its moons"): the input's words, whatever
# surrounds them, are what must match.
HOSTILE = [
    ('"', False),
    ('"jupiter', True),
    ("jupiter*", True),
    ("*", False),
    ("-jupiter", True),
    ("jupiter -moons", True),
    ("title:jupiter", False),
    ("jupiter:*", True),
    ("jupiter NEAR moons", False),
    ("NEAR(jupiter moons)", False),
    ("jupiter OR saturn", False),
    ("jupiter AND NOT saturn", False),
    ("(jupiter", True),
    ("jupiter)", True),
    ("jupiter & | ! <-> moons", True),
    ("'jupiter'", True),
    ("\\", False),
    ("^jupiter", True),
    ("{title}: jupiter", False),
    ("🚀🪐", False),
    ("jupiter 🚀", True),
    ("\x00jupiter", True),
    ("jupiter; DROP TABLE videos; --", False),
    ("j" * 10_000, False),
    ("jupiter " * 500, True),
    ("moons " * 30 + "jupiter", True),
    (" ", False),
    ("", False),
]


@pytest.mark.parametrize(("hostile", "found"), HOSTILE)
async def test_hostile_input_is_safe(db: Database, hostile: str, found: bool) -> None:
    creator = await make_user(db, role=Role.CREATOR)
    await make_video(db, creator, title="Jupiter and its moons")
    page = await search(db, hostile)
    assert [h.video.title for h in page.hits] == (["Jupiter and its moons"] if found else [])
    async with db.read() as session:
        suggestions = await search_service.suggest(session, hostile)
        assert bool(suggestions) == found
        assert await search_service.count(session, hostile) == int(found)


async def test_hostile_input_is_words_not_operators(db: Database) -> None:
    creator = await make_user(db, role=Role.CREATOR)
    await make_video(db, creator, title="Jupiter")
    await make_video(db, creator, title="Saturn")
    # OR, NOT and NEAR are ordinary words: nothing has all of them.
    assert await titles(db, "jupiter OR saturn") == []
    assert await titles(db, "jupiter NOT saturn") == []
    # Punctuation only separates words.
    assert await titles(db, "-jupiter") == ["Jupiter"]
    assert await titles(db, "title:saturn") == []


async def test_only_listed_videos_are_found_by_anyone(db: Database) -> None:
    owner = await make_user(db, role=Role.CREATOR)
    admin = await make_user(db, role=Role.ADMIN)
    await make_video(db, owner, title="Nebula public")
    await make_video(db, owner, title="Nebula private", visibility="private")
    await make_video(db, owner, title="Nebula unlisted", visibility="unlisted")
    await make_video(db, owner, title="Nebula processing", ready=False)
    async with db.read() as session:
        for actor in (None, actor_of(owner), actor_of(admin)):
            page = await search_service.search(session, actor, "nebula")
            assert [h.video.title for h in page.hits] == ["Nebula public"]
        suggestions = await search_service.suggest(session, "nebu")
        assert [s.text for s in suggestions if s.kind is SuggestionKind.VIDEO] == ["Nebula public"]
        assert await search_service.count(session, "nebula") == 1


async def test_pages_have_no_duplicates_or_gaps(db: Database) -> None:
    creator = await make_user(db, role=Role.CREATOR)
    expected = set()
    for i in range(7):
        # Some title hits, some description hits, some ties.
        title = f"Comet {i}" if i % 2 else f"Visitor {i}"
        video = await make_video(db, creator, title=title, description="A comet passes.")
        expected.add(video.id)
    for first in (1, 2, 3, 7, 20):
        ids = await all_ids(db, "comet", first)
        assert len(ids) == len(set(ids)) == 7, first
        assert set(ids) == expected
    page = await search(db, "comet", 3)
    assert [h.video.title for h in page.hits][:3] == ["Comet 5", "Comet 3", "Comet 1"]


async def test_pagination_stays_stable_while_videos_arrive(db: Database) -> None:
    creator = await make_user(db, role=Role.CREATOR)
    before = {(await make_video(db, creator, title=f"Pulsar {i}")).id for i in range(6)}
    first = await search(db, "pulsar", 3)
    # New videos (which rank first: newest wins ties) and a corpus change.
    for i in range(4):
        await make_video(db, creator, title=f"Pulsar new {i}", description="pulsar pulsar")
    await make_video(db, creator, title="Unrelated", description="Quasar")
    rest: list[object] = []
    after = first.end_cursor
    while after:
        page = await search(db, "pulsar", 3, after)
        rest += [h.video.id for h in page.hits]
        after = page.end_cursor if page.has_next else None
    seen = [h.video.id for h in first.hits] + rest
    assert len(seen) == len(set(seen))
    assert before <= set(seen)


async def test_bad_cursor_and_page_size(db: Database) -> None:
    import uuid

    from cosmostream.errors import ValidationFailed

    for cursor in ("nonsense", encode_cursor("newest", 1.0, uuid.uuid4()), "x" * 600):
        with pytest.raises(BadCursor):
            await search(db, "anything", 5, cursor)
    with pytest.raises(BadCursor):
        await search(db, "anything", 5, encode_cursor("search", "text", uuid.uuid4()))
    handmade = [
        base64.urlsafe_b64encode(f'["search",{key},"{uuid.uuid4()}"]'.encode()).decode().rstrip("=")
        for key in ("NaN", "Infinity", "1e999", str(10**24))
    ]
    for cursor in ["", *handmade]:
        with pytest.raises(BadCursor):
            await search(db, "anything", 5, cursor)
    for first in (0, -1, 51):
        with pytest.raises(ValidationFailed):
            await search(db, "anything", first)


async def test_index_follows_edits_visibility_and_deletion(db: Database) -> None:
    owner = await make_user(db, role=Role.CREATOR)
    actor = actor_of(owner)
    video = await make_video(db, owner, title="Old title", tags=["alpha"])
    assert await titles(db, "old") == ["Old title"]

    async with db.unit_of_work() as session:
        await video_service.update(
            session,
            actor,
            video.id,
            VideoUpdate(title="Fresh title", description="Brand new words", tags=["beta"]),
        )
    assert await titles(db, "old") == []
    assert await titles(db, "alpha") == []
    assert await titles(db, "fresh") == ["Fresh title"]
    assert await titles(db, "brand words") == ["Fresh title"]
    assert await titles(db, "beta") == ["Fresh title"]

    async with db.unit_of_work() as session:
        await video_service.update(
            session, actor, video.id, VideoUpdate(visibility=Visibility.PRIVATE)
        )
    assert await titles(db, "fresh") == []
    async with db.unit_of_work() as session:
        await video_service.update(
            session, actor, video.id, VideoUpdate(visibility=Visibility.PUBLIC)
        )
    assert await titles(db, "fresh") == ["Fresh title"]

    async with db.unit_of_work() as session:
        await video_service.delete(session, actor, video.id)
    assert await titles(db, "fresh") == []
    async with db.read() as session:
        assert await search_service.count(session, "fresh") == 0


async def test_video_becoming_ready_is_indexed(db: Database) -> None:
    owner = await make_user(db, role=Role.CREATOR)
    video = await make_video(db, owner, title="Transit of Venus", ready=False)
    assert await titles(db, "venus") == []
    async with db.unit_of_work() as session:
        locked = await video_repository.get_for_update(session, video.id)
        await finish_processing(session, locked)
    assert await titles(db, "venus") == ["Transit of Venus"]


async def test_owner_rename_reindexes_their_videos(db: Database) -> None:
    owner = await make_user(db, role=Role.CREATOR, name="Carl Orbit")
    other = await make_user(db, role=Role.CREATOR, name="Someone Else")
    await make_video(db, owner, title="Launch day")
    await make_video(db, owner, title="Static fire", visibility="private")
    await make_video(db, other, title="Other launch")
    assert await titles(db, "orbit") == ["Launch day"]
    async with db.unit_of_work() as session:
        await account_service.update_profile(
            session, actor_of(owner), ProfileUpdate(display_name="Carla Apogee")
        )
    assert await titles(db, "orbit") == []
    assert await titles(db, "apogee") == ["Launch day"]
    assert await titles(db, "someone") == ["Other launch"]


async def test_deleting_the_owner_empties_their_index_entries(db: Database) -> None:
    from sqlalchemy import delete

    from cosmostream.models import User

    owner = await make_user(db, role=Role.CREATOR)
    await make_video(db, owner, title="Aurora")
    async with db.unit_of_work() as session:
        await session.execute(delete(User).where(User.id == owner.id))
    async with db.read() as session:
        assert await search_service.count(session, "aurora") == 0
    # The index is still consistent: the same words index again cleanly.
    other = await make_user(db, role=Role.CREATOR)
    await make_video(db, other, title="Aurora again")
    assert await titles(db, "aurora") == ["Aurora again"]


async def test_rebuild_recreates_the_index(db: Database) -> None:
    owner = await make_user(db, role=Role.CREATOR, name="Ada Stargazer")
    await make_video(db, owner, title="Meteor shower", tags=["perseids"], description="August")
    await make_video(db, owner, title="Hidden", visibility="private")
    async with db.unit_of_work() as session:
        assert await search_service.rebuild(session) == 1
    assert await titles(db, "perseids") == ["Meteor shower"]
    assert await titles(db, "stargazer august") == ["Meteor shower"]
    assert await titles(db, "hidden") == []
    # Twice in a row gives the same index.
    async with db.unit_of_work() as session:
        assert await search_service.rebuild(session) == 1
    assert await titles(db, "meteor") == ["Meteor shower"]


async def test_suggestions(db: Database) -> None:
    vera = await make_user(db, role=Role.CREATOR, name="Vera Nebula")
    await make_video(db, vera, title="Nebulae in Orion", tags=["nebula", "orion"])
    await make_video(db, vera, title="Planetary nebulae", tags=["nebula"])
    await make_video(db, vera, title="Star birth", description="Inside a nebula")
    async with db.read() as session:
        suggestions = await search_service.suggest(session, "nebu")
        by_kind = {k: [s.text for s in suggestions if s.kind is k] for k in SuggestionKind}
        assert sorted(by_kind[SuggestionKind.VIDEO]) == ["Nebulae in Orion", "Planetary nebulae"]
        assert by_kind[SuggestionKind.TAG] == ["nebula"]
        assert by_kind[SuggestionKind.CREATOR] == ["Vera Nebula"]
        videos = [s for s in suggestions if s.kind is SuggestionKind.VIDEO]
        assert all(s.video_id for s in videos)
        assert len(await search_service.suggest(session, "nebu", limit=2)) == 2
        assert await search_service.suggest(session, "n") == []
        # Every word must match: only the video has both.
        both = await search_service.suggest(session, "orion nebu")
        assert [(s.text, s.kind) for s in both] == [("Nebulae in Orion", SuggestionKind.VIDEO)]


async def test_broad_queries_rank_a_bounded_pool(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    from cosmostream.search import repository

    creator = await make_user(db, role=Role.CREATOR)
    for i in range(7):
        await make_video(db, creator, title=f"Orbit {i}")
    monkeypatch.setattr(repository, "RANK_POOL", 4)
    monkeypatch.setattr(repository, "PG_RANK_POOL", 4)
    ids = await all_ids(db, "orbit", 3)
    # Only the pool is ranked, and paging through it still ends without repeats.
    assert len(ids) == len(set(ids)) == 4
    async with db.read() as session:
        assert await search_service.count(session, "orbit") == 7
        # A pool smaller than the count cap cannot count: the page counts apart.
        page = await search_service.search(session, None, "orbit", 2, with_total=True)
        assert page.total == 7
    monkeypatch.undo()
    async with db.read() as session:
        page = await search_service.search(session, None, "orbit", 2, with_total=True)
        assert page.total == 7 and len(page.hits) == 2
        page = await search_service.search(
            session, None, "orbit", 2, page.end_cursor, with_total=True
        )
        assert page.total == 7
        empty = await search_service.search(session, None, "nothingmatches", 2, with_total=True)
        assert empty.total == 0 and empty.hits == []
