"""Account pages: forms without JavaScript, CSRF, cookies, avatars, follows."""

from __future__ import annotations

import io
import struct
import zlib
from pathlib import Path

import httpx
import pytest
from PIL import Image

from cosmostream.config import Settings
from cosmostream.db import Database
from cosmostream.models import Role
from tests.factories import PASSWORD, csrf, gql, make_user


def png_bytes(size: tuple[int, int] = (64, 48), color: str = "#3050c0") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, "PNG")
    return out.getvalue()


def png_bomb(width: int = 50_000, height: int = 50_000) -> bytes:
    """A tiny PNG whose header claims 2.5 gigapixels (IDAT is a few KB)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    row = b"\x00" + b"\x00" * ((width + 7) // 8)
    data = zlib.compress(row * 64, 9)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", data) + chunk(b"IEND", b"")
    )


async def browser_login(client: httpx.AsyncClient, email: str, password: str = PASSWORD) -> None:
    token = await csrf(client)
    response = await client.post(
        "/login",
        data={"email": email, "password": password, "csrf_token": token, "next": "/settings"},
    )
    assert response.status_code == 303, response.text
    assert response.headers["location"] == "/settings"


async def test_signup_form_signs_in_and_goes_to_onboarding(client: httpx.AsyncClient) -> None:
    token = await csrf(client, "/signup")
    response = await client.post(
        "/signup",
        data={
            "display_name": "Luna",
            "email": "luna@example.com",
            "password": "moon over water",
            "csrf_token": token,
        },
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/onboarding"
    cookies = response.headers.get_list("set-cookie")
    access = next(c for c in cookies if c.startswith("cs_access="))
    assert "HttpOnly" in access and "SameSite=lax" in access
    page = await client.get("/onboarding")
    assert page.status_code == 200
    assert "What are you curious about?" in page.text


async def test_signup_form_error_keeps_values(client: httpx.AsyncClient) -> None:
    token = await csrf(client, "/signup")
    response = await client.post(
        "/signup",
        data={
            "display_name": "Luna",
            "email": "luna@example.com",
            "password": "short",
            "csrf_token": token,
        },
    )
    assert response.status_code == 422
    assert 'value="luna@example.com"' in response.text
    assert "Use at least 8 characters." in response.text


@pytest.mark.parametrize("path", ["/login", "/signup", "/forgot-password", "/logout"])
async def test_form_posts_need_csrf(client: httpx.AsyncClient, path: str) -> None:
    await client.get("/login")
    missing = await client.post(path, data={"email": "a@example.com", "password": "whatever1"})
    assert missing.status_code == 403
    assert "form expired" in missing.text
    forged = await client.post(
        path, data={"email": "a@example.com", "password": "whatever1", "csrf_token": "abc.def"}
    )
    assert forged.status_code == 403


async def test_csrf_cookie_must_match_field(client: httpx.AsyncClient, settings: Settings) -> None:
    from cosmostream.web.security import make_csrf_token

    await client.get("/login")
    other = make_csrf_token(settings)  # validly signed, but not this browser's
    response = await client.post(
        "/login", data={"email": "a@example.com", "password": "x" * 9, "csrf_token": other}
    )
    assert response.status_code == 403


@pytest.mark.parametrize("attacker_signed_in", [False, True])
async def test_csrf_token_of_another_browser_is_refused(
    app: object, client: httpx.AsyncClient, db: Database, attacker_signed_in: bool
) -> None:
    """A `cs_csrf` minted for the attacker's browser, planted beside the victim's
    sign-in cookies (cookie tossing), is refused: the token names another session."""
    victim = await make_user(db, name="Victim")
    await browser_login(client, victim.email)
    transport = httpx.ASGITransport(app=app, client=("198.51.100.9", 50000))  # type: ignore[arg-type]
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as attacker:
        if attacker_signed_in:
            await browser_login(attacker, (await make_user(db)).email)
        else:
            await attacker.get("/login")
        planted = attacker.cookies["cs_csrf"]
    forged = {
        "display_name": "Pwned",
        "bio": "",
        "csrf_token": planted,
    }
    own = next(c for c in client.cookies.jar if c.name == "cs_csrf")
    client.cookies.set("cs_csrf", planted, domain=own.domain, path=own.path)
    response = await client.post("/settings/profile", data=forged)
    assert response.status_code == 403
    assert "Pwned" not in (await client.get("/settings")).text
    assert (
        await client.post(
            "/graphql",
            json={"query": "{ me { id } }"},
            headers={"X-CSRF-Token": planted},
        )
    ).status_code == 403

    # The victim's own token still works, and signing out gives a token that a
    # signed-out form accepts.
    token = await csrf(client, "/settings")
    assert token != planted
    ok = await client.post(
        "/settings/profile", data={"display_name": "Still me", "bio": "", "csrf_token": token}
    )
    assert ok.status_code == 303
    assert "Still me" in (await client.get("/settings")).text
    out = await client.post("/logout", data={"csrf_token": client.cookies["cs_csrf"]})
    assert out.status_code == 303
    anonymous = client.cookies["cs_csrf"]
    assert anonymous != token
    again = await client.post(
        "/login",
        data={"email": victim.email, "password": PASSWORD, "csrf_token": anonymous},
    )
    assert again.status_code == 303


async def test_graphql_over_cookies_needs_csrf_header(
    client: httpx.AsyncClient, db: Database
) -> None:
    user = await make_user(db)
    await browser_login(client, user.email)
    without = await client.post("/graphql", json={"query": "{ me { id } }"})
    assert without.status_code == 403
    token = client.cookies.get("cs_csrf")
    with_header = await client.post(
        "/graphql", json={"query": "{ me { id } }"}, headers={"X-CSRF-Token": token or ""}
    )
    assert with_header.json()["data"]["me"]["id"] == str(user.id)


async def test_login_form_and_logout(client: httpx.AsyncClient, db: Database) -> None:
    user = await make_user(db, name="Orion")
    await browser_login(client, user.email)
    settings_page = await client.get("/settings")
    assert settings_page.status_code == 200
    assert "Orion" in settings_page.text
    token = client.cookies.get("cs_csrf")
    out = await client.post("/logout", data={"csrf_token": token})
    assert out.status_code == 303
    client.cookies.delete("cs_access")
    client.cookies.delete("cs_refresh")
    again = await client.get("/settings")
    assert again.status_code == 303
    assert again.headers["location"].startswith("/login")


async def test_wrong_login_form_shows_generic_error(client: httpx.AsyncClient) -> None:
    token = await csrf(client)
    response = await client.post(
        "/login", data={"email": "who@example.com", "password": "nope nope", "csrf_token": token}
    )
    assert response.status_code == 401
    assert "The e-mail address or password is incorrect." in response.text


async def test_expired_access_cookie_is_refreshed_transparently(
    client: httpx.AsyncClient, db: Database
) -> None:
    user = await make_user(db)
    await browser_login(client, user.email)
    old_refresh = client.cookies.get("cs_refresh")
    client.cookies.set("cs_access", "expired-or-garbage", domain="testserver.local")
    page = await client.get("/settings")
    assert page.status_code == 200
    assert client.cookies.get("cs_refresh") != old_refresh
    assert client.cookies.get("cs_access") != "expired-or-garbage"


async def test_login_redirect_rejects_offsite_next(client: httpx.AsyncClient, db: Database) -> None:
    user = await make_user(db)
    token = await csrf(client)
    response = await client.post(
        "/login",
        data={
            "email": user.email,
            "password": PASSWORD,
            "csrf_token": token,
            "next": "//evil.example/x",
        },
    )
    assert response.headers["location"] == "/"


async def test_avatar_upload_and_replace(
    client: httpx.AsyncClient, db: Database, settings: Settings
) -> None:
    user = await make_user(db)
    await browser_login(client, user.email)
    token = client.cookies.get("cs_csrf")
    first = await client.post(
        "/settings/avatar",
        data={"csrf_token": token},
        files={"avatar": ("me.png", png_bytes(), "image/png")},
    )
    assert first.status_code == 303
    stored = sorted((settings.media_dir / "avatars").rglob("*.webp"))
    assert len(stored) == 1
    with Image.open(stored[0]) as img:
        assert img.size == (256, 256)
    page = await client.get("/settings")
    assert f"/media/avatars/{user.id}/" in page.text
    served = await client.get(f"/media/{stored[0].relative_to(settings.media_dir)}")
    assert served.status_code == 200
    second = await client.post(
        "/settings/avatar",
        data={"csrf_token": token},
        files={"avatar": ("me.jpg", png_bytes(color="red"), "image/jpeg")},
    )
    assert second.status_code == 303
    remaining = sorted((settings.media_dir / "avatars").rglob("*.webp"))
    assert len(remaining) == 1 and remaining != stored  # the old file is gone


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"this is not an image at all", "not an image we can use"),
        (b"GIF89a" + b"\x00" * 20, "image"),
        (None, "too large to process"),
    ],
    ids=["text", "truncated", "bomb"],
)
async def test_bad_avatars_are_refused_and_nothing_is_stored(
    client: httpx.AsyncClient, db: Database, settings: Settings, content: bytes | None, message: str
) -> None:
    user = await make_user(db)
    await browser_login(client, user.email)
    token = client.cookies.get("cs_csrf")
    data = content if content is not None else png_bomb()
    response = await client.post(
        "/settings/avatar",
        data={"csrf_token": token},
        files={"avatar": ("evil.png", data, "image/png")},
    )
    assert response.status_code == 422
    assert message in response.text
    assert not list(Path(settings.media_dir).rglob("*.webp"))
    me = await gql(client, "{ me { avatarUrl } }", headers={"X-CSRF-Token": token or ""})
    assert me.json()["data"]["me"]["avatarUrl"] is None


async def test_oversized_bodies_get_413(
    client: httpx.AsyncClient, db: Database, settings: Settings
) -> None:
    big = await client.post(
        "/graphql",
        content=b"x" * (settings.max_request_bytes + 1),
        headers={"content-type": "application/json"},
    )
    assert big.status_code == 413
    assert big.json()["error"]["code"] == "payload_too_large"
    user = await make_user(db)
    await browser_login(client, user.email)
    token = client.cookies.get("cs_csrf")
    huge = await client.post(
        "/settings/avatar",
        data={"csrf_token": token},
        files={
            "avatar": (
                "big.png",
                b"\x89PNG" + b"0" * (settings.max_avatar_bytes + 300_000),
                "image/png",
            )
        },
    )
    assert huge.status_code == 413


async def test_profile_follow_and_counts(client: httpx.AsyncClient, db: Database) -> None:
    creator = await make_user(db, role=Role.CREATOR, name="Vega")
    fan = await make_user(db)
    anonymous = await client.get(f"/profile/{creator.id}")
    assert anonymous.status_code == 200
    assert "Log in to follow" in anonymous.text
    await browser_login(client, fan.email)
    token = client.cookies.get("cs_csrf")
    followed = await client.post(f"/profile/{creator.id}/follow", data={"csrf_token": token})
    assert followed.status_code == 303
    page = await client.get(f"/profile/{creator.id}")
    assert '<strong data-testid="follower-count">1</strong>' in page.text
    assert ">Unfollow<" in page.text
    await client.post(f"/profile/{creator.id}/follow", data={"csrf_token": token})  # idempotent
    await client.post(f"/profile/{creator.id}/unfollow", data={"csrf_token": token})
    page = await client.get(f"/profile/{creator.id}")
    assert '<strong data-testid="follower-count">0</strong>' in page.text


async def test_unknown_profile_is_404(client: httpx.AsyncClient) -> None:
    assert (await client.get("/profile/not-a-uuid")).status_code == 404
    assert (await client.get("/profile/0190a0c0-0000-7000-8000-000000000000")).status_code == 404


async def test_sessions_list_and_revoke(client: httpx.AsyncClient, db: Database) -> None:
    from tests.factories import login

    user = await make_user(db)
    other = await login(db, user)
    await browser_login(client, user.email)
    page = await client.get("/settings")
    assert page.text.count('action="/settings/sessions/') == 2
    token = client.cookies.get("cs_csrf")
    revoked = await client.post(
        f"/settings/sessions/{other.session_id}/revoke", data={"csrf_token": token}
    )
    assert revoked.status_code == 303
    assert (
        await gql(
            httpx.AsyncClient(transport=client._transport, base_url="http://testserver"),
            "{ me { id } }",
            token=other.access_token,
        )
    ).status_code == 401


@pytest.mark.parametrize(
    "path", ["/", "/about", "/login", "/signup", "/forgot-password", "/reset-password?token=x"]
)
async def test_public_pages_render(client: httpx.AsyncClient, path: str) -> None:
    response = await client.get(path)
    assert response.status_code in (200, 400)
    assert '<nav class="nav" aria-label="Main">' in response.text


async def test_admin_page_is_for_admins(client: httpx.AsyncClient, db: Database) -> None:
    viewer = await make_user(db)
    await browser_login(client, viewer.email)
    assert (await client.get("/admin")).status_code == 403
    admin = await make_user(db, role=Role.ADMIN)
    client.cookies.clear()
    await browser_login(client, admin.email)
    page = await client.get("/admin")
    assert page.status_code == 200
    token = client.cookies.get("cs_csrf")
    done = await client.post(
        f"/admin/users/{viewer.id}", data={"csrf_token": token, "action": "role", "role": "creator"}
    )
    assert done.status_code == 303
    assert "creator" in (await client.get("/admin")).text
