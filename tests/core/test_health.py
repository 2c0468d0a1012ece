from __future__ import annotations

import httpx


async def test_healthz(client: httpx.AsyncClient) -> None:
    response = await client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


async def test_readyz_checks_database(client: httpx.AsyncClient) -> None:
    response = await client.get("/readyz")
    assert response.status_code == 200
    assert response.json()["checks"]["database"] == "ok"


async def test_unknown_page_renders_html_404(client: httpx.AsyncClient) -> None:
    response = await client.get("/no-such-page", headers={"accept": "text/html"})
    assert response.status_code == 404
    assert "We could not find that page" in response.text
    assert "<header" in response.text


async def test_pages_answer_head_like_get_without_a_body(client: httpx.AsyncClient) -> None:
    for path in ("/", "/healthz", "/robots.txt", "/sky-map", "/forums"):
        got = await client.get(path)
        head = await client.head(path)
        assert head.status_code == got.status_code == 200, path
        assert head.headers["content-type"] == got.headers["content-type"], path
        assert head.content == b"", path
    # Routes with their own HEAD handler keep it: tus answers with the offset.
    tus = await client.head("/uploads/0190a0c0-0000-7000-8000-000000000000")
    assert tus.status_code != 405
    # A method no route answers is still refused.
    assert (await client.request("PUT", "/")).status_code == 405
