"""End to end: GraphiQL at /graphql (development only) works offline, under the CSP.

The browser may reach nothing but the server: every other request is aborted,
as on a machine without internet. GraphiQL must load from the site's own
bundle, run a query over the signed-out visitor's cookies and show the result.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from tests.e2e.conftest import LiveServer, serve

if TYPE_CHECKING:
    from tests.e2e.conftest import BrowserProblems

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def live_server(
    tmp_path_factory: pytest.TempPathFactory, demo_data_dir: Path
) -> Iterator[LiveServer]:
    """GraphiQL is served only in development; nothing fetches from the network."""
    with serve(
        tmp_path_factory,
        demo_data_dir,
        COSMOSTREAM_ENV="development",
        COSMOSTREAM_SPACE_FETCH_ENABLED="false",
    ) as server:
        yield server


def test_graphiql_runs_a_query_offline(
    page: tuple[Any, BrowserProblems], live_server: LiveServer, artifacts_dir: Path
) -> None:
    from playwright.sync_api import expect

    tab, problems = page
    elsewhere: list[str] = []

    def offline(route: Any) -> None:
        if route.request.url.startswith(live_server.base_url):
            route.continue_()
        else:
            elsewhere.append(route.request.url)
            route.abort("internetdisconnected")

    tab.context.route("**/*", offline)
    response = tab.goto("/graphql", wait_until="load")
    assert response is not None and response.status == 200
    editor = tab.locator(".graphiql-query-editor .CodeMirror")
    expect(editor).to_be_visible()

    # The editor is CodeMirror: set its text as a paste would, then press Run.
    tab.evaluate(
        "(q) => document.querySelector('.graphiql-query-editor .CodeMirror').CodeMirror.setValue(q)",
        "{ categories { slug name } me { id } }",
    )
    tab.locator(".graphiql-execute-button").click()
    result = tab.locator(".graphiql-response .CodeMirror")
    expect(result).to_contain_text('"slug": "planets"')
    expect(result).to_contain_text('"me": null')
    tab.screenshot(path=str(artifacts_dir / "graphiql.png"))
    # Its dialogs add <style> elements at run time: admitted by the page's nonce.
    tab.get_by_role("button", name="Open settings dialog").click()
    expect(tab.get_by_role("dialog")).to_be_visible()
    tab.keyboard.press("Escape")
    expect(tab.get_by_role("dialog")).to_have_count(0)
    assert elsewhere == []
    assert problems.errors == []
