"""GraphQL shares the event loop: big answers are built in slices, big documents
parsed in a thread, and the answer is the same as when built in one go.

Every test starts with answers built in one go (tests/conftest.py) and sets a
slice of no time at all, where every object waits for a turn of the loop."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import httpx
import pytest

from cosmostream.db import Database
from cosmostream.graphql import execution
from cosmostream.models import Role
from tests.factories import gql, make_user, make_video

NESTED = (
    "{ videos(first: 10) { nodes { id title owner { displayName } "
    "category { slug } upNext(first: 10) { id title owner { id } } } } "
    'nothing: video(id: "00000000-0000-0000-0000-000000000000") { id } }'
)
INTROSPECTION = "{ __schema { types { name fields { name type { name } } } } }"


async def _catalogue(db: Database) -> None:
    owner = await make_user(db, role=Role.CREATOR)
    for i in range(6):
        await make_video(db, owner, title=f"Saturn {i}", tags=["saturn", "rings"])


async def _answer_with_turns(client: httpx.AsyncClient, query: str) -> tuple[Any, int]:
    """The answer, and how many turns another task had while it was built."""
    turns = 0
    done = False

    async def other_task() -> None:
        nonlocal turns
        while not done:
            turns += 1
            await asyncio.sleep(0)

    ticker = asyncio.create_task(other_task())
    await asyncio.sleep(0)
    turns = 0
    response = await gql(client, query)
    done = True
    await ticker
    assert response.status_code == 200, response.text
    return response.json(), turns


async def test_sliced_execution_gives_the_same_answer(
    client: httpx.AsyncClient, db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    await _catalogue(db)
    whole, _ = await _answer_with_turns(client, NESTED)
    assert len(whole["data"]["videos"]["nodes"]) == 6
    assert all(len(v["upNext"]) == 5 for v in whole["data"]["videos"]["nodes"])

    # A slice of no time at all: every object waits for a turn of the loop.
    monkeypatch.setattr(execution, "SLICE_SECONDS", 0.0)
    sliced, _ = await _answer_with_turns(client, NESTED)
    assert sliced == whole


async def test_a_large_answer_lets_other_tasks_run_while_it_is_built(
    client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Introspection never waits for I/O: built in one go, nobody else runs.
    whole, turns = await _answer_with_turns(client, INTROSPECTION)
    fields = sum(len(t["fields"] or ()) for t in whole["data"]["__schema"]["types"])
    assert fields > 300
    assert turns < 20

    monkeypatch.setattr(execution, "SLICE_SECONDS", 0.0)
    sliced, turns = await _answer_with_turns(client, INTROSPECTION)
    assert sliced == whole
    assert turns >= fields  # at least one turn for every field object


async def test_errors_inside_sliced_objects_are_answered_as_before(
    client: httpx.AsyncClient, db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    await _catalogue(db)
    # An error deep inside: its null spreads up to the nearest nullable field.
    bad = '{ categories { slug } videos(first: 1) { nodes { id comments(after: "nope") { edges { cursor } } } } }'
    whole = (await gql(client, bad)).json()
    monkeypatch.setattr(execution, "SLICE_SECONDS", 0.0)
    assert (await gql(client, bad)).json() == whole
    assert whole["errors"][0]["path"][:3] == ["videos", "nodes", 0]
    assert whole["data"] is None or whole["data"].get("videos") is None


async def test_mutations_run_in_slices_too(
    client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(execution, "SLICE_SECONDS", 0.0)
    response = await gql(
        client,
        "mutation($i: SignupInput!) { signup(input: $i) { user { displayName email } } }",
        {
            "i": {
                "email": "sliced@example.com",
                "password": "correct horse 42",
                "displayName": "Sliced",
            }
        },
    )
    body = response.json()
    assert "errors" not in body, body
    assert body["data"]["signup"]["user"] == {
        "displayName": "Sliced",
        "email": "sliced@example.com",
    }


async def test_large_documents_are_parsed_off_the_event_loop(
    client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    threads: list[threading.Thread] = []
    real_parse = execution.parse

    def recording_parse(*args: Any, **kwargs: Any) -> Any:
        threads.append(threading.current_thread())
        return real_parse(*args, **kwargs)

    monkeypatch.setattr(execution, "parse", recording_parse)
    small = "{ categories { slug } }"
    assert "errors" not in (await gql(client, small)).json()
    assert threads == []  # parsed in place

    large = "# " + "x" * execution.INLINE_PARSE_CHARS + "\n" + small
    body = (await gql(client, large)).json()
    assert "errors" not in body, body
    assert len(threads) == 1 and threads[0] is not threading.main_thread()

    response = await gql(client, large + " }")
    assert response.status_code == 400  # like a small document's syntax error
    assert response.json()["errors"][0]["message"].startswith("Syntax Error")
    assert len(threads) == 2
