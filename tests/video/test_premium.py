"""Premium videos and the 4K rung, enforced on the media server by entitlement.

A real ladder (2160p + 180p, 2 s segments, 10 s) backs every video here; plans
come from Subscription rows, as the billing side keeps them."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from cosmostream.config import Settings
from cosmostream.db import Database
from cosmostream.kit.time import utcnow
from cosmostream.models import Role, SubscriptionStatus, User, Video
from tests.factories import gql, login, make_user, sign_in
from tests.premium_helpers import (
    SMALL,
    UHD,
    build_ladder,
    laddered_video,
    segments,
    set_subscription,
    subscribe,
)

JSON = {"Accept": "application/json"}
PREVIEW = 3  # seconds: segments starting at 0 s and 2 s are in it, the rest are not

VIDEO = """query($id: ID!) { video(id: $id) { premium previewSeconds previewOnly hlsUrl } }"""
UPDATE = """mutation($id: ID!, $input: UpdateVideoInput!) {
  updateVideo(id: $id, input: $input) { premium previewSeconds } }"""


@pytest.fixture(scope="session")
def ladder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_ladder(tmp_path_factory.mktemp("ladder"))


@pytest.fixture
async def owner(db: Database) -> User:
    return await make_user(db, role=Role.CREATOR)


async def token_of(db: Database, user: User | None) -> str | None:
    return None if user is None else str((await login(db, user)).access_token)


async def hls_url(client: httpx.AsyncClient, db: Database, video: Video, user: User | None) -> Any:
    body = (await gql(client, VIDEO, {"id": str(video.id)}, token=await token_of(db, user))).json()
    assert "errors" not in body, body
    return body["data"]["video"]


def base(video: Video) -> str:
    return f"/media/hls/{video.id}/"


def query_of(url: str) -> str:
    return urlsplit(url).query


def uris(playlist: str) -> list[str]:
    return [line for line in playlist.splitlines() if line and not line.startswith("#")]


async def test_free_viewer_gets_only_the_preview_from_the_server(
    client: httpx.AsyncClient, db: Database, settings: Settings, ladder: Path, owner: User
) -> None:
    video = await laddered_video(db, settings, ladder, owner, premium=True, preview_seconds=PREVIEW)
    free = await make_user(db)
    data = await hls_url(client, db, video, free)
    assert (data["premium"], data["previewSeconds"], data["previewOnly"]) == (True, PREVIEW, True)
    url = data["hlsUrl"]
    assert urlsplit(url).path == base(video) + "preview.m3u8"
    token = query_of(url)
    assert parse_qs(token)["g"] == [f"p{PREVIEW}.h"]

    master = await client.get(url)
    assert master.status_code == 200, master.text
    assert "private" in master.headers["cache-control"]
    # Only the rung they may play (no 2160p), pointing at the cut playlists.
    assert "3840x2160" not in master.text and "RESOLUTION=320x180" in master.text
    assert [u.split("?")[0] for u in uris(master.text)] == [f"{SMALL}/preview.m3u8"]
    variant = await client.get(base(video) + uris(master.text)[0])
    assert variant.status_code == 200
    listed = [u.split("?")[0] for u in uris(variant.text)]
    assert listed == segments(ladder, SMALL)[:2]
    assert variant.text.rstrip().endswith("#EXT-X-ENDLIST")
    assert all(token in u for u in uris(variant.text))
    assert f'URI="init_1.mp4?{token}"' in variant.text

    # The preview's segments are served; nothing after its end, nor the full playlists.
    first = await client.get(f"{base(video)}{SMALL}/{listed[0]}?{token}")
    assert first.status_code == 200 and first.headers["content-type"] == "video/iso.segment"
    assert (await client.get(f"{base(video)}{SMALL}/init_1.mp4?{token}")).status_code == 200
    later = segments(ladder, SMALL)[2]
    refused = await client.get(f"{base(video)}{SMALL}/{later}?{token}", headers=JSON)
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "premium_required"
    for path in ("master.m3u8", f"{SMALL}/index.m3u8", f"{UHD}/preview.m3u8", f"{UHD}/init_0.mp4"):
        answer = await client.get(f"{base(video)}{path}?{token}")
        assert answer.status_code == 403, path
    # The grant is signed: dropping or widening it breaks the token.
    bare = token.replace(f"&g=p{PREVIEW}.h", "")
    assert (await client.get(f"{base(video)}master.m3u8?{bare}")).status_code == 404
    wider = token.replace(f"g=p{PREVIEW}.h", "g=p9999")
    assert (await client.get(f"{base(video)}{SMALL}/{later}?{wider}")).status_code == 404
    # A premium video is never served without a token, even when public.
    for path in ("master.m3u8", "preview.m3u8", f"{SMALL}/{listed[0]}"):
        assert (await client.get(base(video) + path)).status_code == 404, path


async def test_entitled_viewer_gets_all_of_it_and_loses_it_on_the_next_request(
    client: httpx.AsyncClient, db: Database, settings: Settings, ladder: Path, owner: User
) -> None:
    video = await laddered_video(db, settings, ladder, owner, premium=True, preview_seconds=PREVIEW)
    viewer = await make_user(db)
    sub = await subscribe(db, viewer)
    data = await hls_url(client, db, video, viewer)
    assert data["previewOnly"] is False
    url = data["hlsUrl"]
    assert urlsplit(url).path == base(video) + "master.m3u8"
    token = query_of(url)
    assert parse_qs(token)["g"] == [f"u{viewer.id}"]
    master = await client.get(url)
    assert master.status_code == 200
    assert "RESOLUTION=3840x2160" in master.text and "RESOLUTION=320x180" in master.text
    later = segments(ladder, SMALL)[-1]
    uhd_segment = segments(ladder, UHD)[-1]
    wanted = [
        "master.m3u8",
        f"{SMALL}/index.m3u8",
        f"{SMALL}/{later}",
        f"{UHD}/index.m3u8",
        f"{UHD}/{uhd_segment}",
    ]
    for path in wanted:
        assert (await client.get(f"{base(video)}{path}?{token}")).status_code == 200, path

    # A payment failed: still entitled during the grace period...
    await set_subscription(
        db, sub, status=SubscriptionStatus.PAST_DUE, payment_failed_at=utcnow() - timedelta(days=1)
    )
    assert (await client.get(f"{base(video)}{SMALL}/{later}?{token}")).status_code == 200
    # ...and no longer once it ran out: the very next request is refused.
    await set_subscription(db, sub, payment_failed_at=utcnow() - timedelta(days=8))
    gone = await client.get(f"{base(video)}{SMALL}/{later}?{token}", headers=JSON)
    assert gone.status_code == 403 and gone.json()["error"]["code"] == "premium_required"

    # Paid again, then cancelled: the same token stops at once.
    await set_subscription(db, sub, status=SubscriptionStatus.ACTIVE, payment_failed_at=None)
    assert (await client.get(f"{base(video)}{UHD}/{uhd_segment}?{token}")).status_code == 200
    await set_subscription(db, sub, status=SubscriptionStatus.CANCELED, ended_at=utcnow())
    for path in wanted:
        answer = await client.get(f"{base(video)}{path}?{token}")
        assert answer.status_code == 403, path
    # What a free viewer may play stays playable with it (the preview's segments).
    first = segments(ladder, SMALL)[0]
    assert (await client.get(f"{base(video)}{SMALL}/{first}?{token}")).status_code == 200
    # And a fresh look at the video hands out the preview.
    again = await hls_url(client, db, video, viewer)
    assert again["previewOnly"] is True and "preview.m3u8" in again["hlsUrl"]


async def test_4k_rung_only_for_entitled_viewers_of_a_public_video(
    client: httpx.AsyncClient, db: Database, settings: Settings, ladder: Path, owner: User
) -> None:
    video = await laddered_video(db, settings, ladder, owner)
    uhd_segment = segments(ladder, UHD)[0]
    small_segment = segments(ladder, SMALL)[-1]
    for user in (None, await make_user(db)):
        data = await hls_url(client, db, video, user)
        # Free viewers of a public video: plain public URLs, as before.
        assert data["hlsUrl"] == base(video) + "master.m3u8"
        assert data["previewOnly"] is False
        master = await client.get(data["hlsUrl"])
        assert master.status_code == 200 and "public" in master.headers["cache-control"]
        assert "3840x2160" not in master.text and uris(master.text) == [f"{SMALL}/index.m3u8"]
    assert (await client.get(f"{base(video)}{SMALL}/{small_segment}")).status_code == 200
    for path in (f"{UHD}/index.m3u8", f"{UHD}/{uhd_segment}", f"{UHD}/init_0.mp4"):
        assert (await client.get(base(video) + path)).status_code == 404, path

    viewer = await make_user(db)
    sub = await subscribe(db, viewer)
    url = (await hls_url(client, db, video, viewer))["hlsUrl"]
    token = query_of(url)
    assert parse_qs(token)["g"] == [f"u{viewer.id}"]
    master = await client.get(url)
    assert "RESOLUTION=3840x2160" in master.text
    assert (await client.get(f"{base(video)}{UHD}/{uhd_segment}?{token}")).status_code == 200
    await set_subscription(db, sub, status=SubscriptionStatus.CANCELED, ended_at=utcnow())
    refused = await client.get(f"{base(video)}{UHD}/{uhd_segment}?{token}")
    assert refused.status_code == 403
    master = await client.get(url)
    assert master.status_code == 200 and "3840x2160" not in master.text


async def test_4k_rung_of_an_unlisted_video_needs_the_entitlement(
    client: httpx.AsyncClient, db: Database, settings: Settings, ladder: Path, owner: User
) -> None:
    video = await laddered_video(db, settings, ladder, owner, visibility="unlisted")
    free = await make_user(db)
    url = (await hls_url(client, db, video, free))["hlsUrl"]
    token = query_of(url)
    assert parse_qs(token)["g"] == ["h"]
    master = await client.get(url)
    assert "3840x2160" not in master.text
    assert all(token in u for u in uris(master.text))
    uhd_segment = segments(ladder, UHD)[0]
    assert (await client.get(f"{base(video)}{UHD}/{uhd_segment}?{token}")).status_code == 403
    assert (await client.get(f"{base(video)}{UHD}/index.m3u8?{token}")).status_code == 403
    small = segments(ladder, SMALL)[-1]
    assert (await client.get(f"{base(video)}{SMALL}/{small}?{token}")).status_code == 200
    # Without the grant the signature no longer matches.
    plain = token.replace("&g=h", "")
    assert (await client.get(f"{base(video)}{UHD}/{uhd_segment}?{plain}")).status_code == 404


# Who gets what of a premium video with a 4K rung:
# (preview only, full master allowed, 4K in the master)
MATRIX = {
    "anonymous": (True, False, False),
    "free viewer": (True, False, False),
    "premium viewer": (False, True, True),
    "owner creator": (False, True, True),
    "other creator": (True, False, False),
    "admin": (False, True, True),
}


@pytest.mark.parametrize("who", list(MATRIX))
async def test_role_and_entitlement_matrix_for_media_and_fields(
    client: httpx.AsyncClient,
    db: Database,
    settings: Settings,
    ladder: Path,
    owner: User,
    who: str,
) -> None:
    video = await laddered_video(db, settings, ladder, owner, premium=True, preview_seconds=PREVIEW)
    user: User | None = {
        "anonymous": None,
        "owner creator": owner,
    }.get(who)
    if who == "free viewer" or who == "premium viewer":
        user = await make_user(db)
    elif who == "other creator":
        user = await make_user(db, role=Role.CREATOR)
    elif who == "admin":
        user = await make_user(db, role=Role.ADMIN)
    if who == "premium viewer":
        assert user is not None
        await subscribe(db, user)
    preview_only, full, uhd = MATRIX[who]
    data = await hls_url(client, db, video, user)
    assert data["premium"] is True and data["previewOnly"] is preview_only
    url = data["hlsUrl"]
    assert ("preview.m3u8" in url) is preview_only
    token = query_of(url)
    master = await client.get(url)
    assert master.status_code == 200
    assert ("RESOLUTION=3840x2160" in master.text) is uhd
    answer = await client.get(f"{base(video)}master.m3u8?{token}")
    assert answer.status_code == (200 if full else 403)
    later = segments(ladder, SMALL)[-1]
    answer = await client.get(f"{base(video)}{SMALL}/{later}?{token}")
    assert answer.status_code == (200 if full else 403)

    # The watch page: badge for everyone, the paywall only for preview viewers.
    await sign_in(client, user)
    page = await client.get(f"/video/{video.id}")
    assert page.status_code == 200
    assert "video-premium" in page.text
    assert ("data-paywall" in page.text) is preview_only
    if preview_only:
        assert 'href="/pricing"' in page.text and "Premium — see plans" in page.text


@pytest.mark.parametrize(
    ("who", "outcome"),
    [
        ("anonymous", "not_authenticated"),
        ("viewer", "forbidden"),
        ("other creator", "forbidden"),
        ("owner", None),
        ("admin", None),
    ],
)
async def test_update_video_premium_authorization(
    client: httpx.AsyncClient, db: Database, owner: User, who: str, outcome: str | None
) -> None:
    from tests.factories import make_video

    video = await make_video(db, owner)
    user = {
        "anonymous": None,
        "viewer": await make_user(db),
        "other creator": await make_user(db, role=Role.CREATOR),
        "owner": owner,
        "admin": await make_user(db, role=Role.ADMIN),
    }[who]
    body = (
        await gql(
            client,
            UPDATE,
            {"id": str(video.id), "input": {"premium": True, "previewSeconds": 45}},
            token=await token_of(db, user),
        )
    ).json()
    if outcome is None:
        assert body["data"]["updateVideo"] == {"premium": True, "previewSeconds": 45}
    else:
        assert body["errors"][0]["extensions"]["code"] == outcome
        async with db.read() as session:
            row = await session.get(Video, video.id, populate_existing=True)
            assert row is not None and row.premium is False


async def test_bad_preview_length_is_refused_and_nothing_changes(
    client: httpx.AsyncClient, db: Database, owner: User
) -> None:
    from tests.factories import make_video

    video = await make_video(db, owner)
    token = await token_of(db, owner)
    body = (
        await gql(
            client,
            UPDATE,
            {"id": str(video.id), "input": {"premium": True, "previewSeconds": -5}},
            token=token,
        )
    ).json()
    assert body["errors"][0]["extensions"]["code"] == "validation_failed"
    async with db.read() as session:
        row = await session.get(Video, video.id, populate_existing=True)
        assert row is not None and row.premium is False and row.preview_seconds is None


async def test_content_form_marks_a_video_premium(
    client: httpx.AsyncClient, db: Database, owner: User
) -> None:
    from tests.factories import make_video

    video = await make_video(db, owner)
    csrf = await sign_in(client, owner)
    form = {
        "csrf_token": csrf,
        "title": "Premium clip",
        "visibility": "public",
        "premium": "on",
        "preview_seconds": "30",
        "next": f"/content/{video.id}",
    }
    answer = await client.post(f"/content/{video.id}/edit", data=form)
    assert answer.status_code == 303
    async with db.read() as session:
        row = await session.get(Video, video.id, populate_existing=True)
        assert row is not None and row.premium is True and row.preview_seconds == 30
    manage = await client.get(f"/content/{video.id}")
    assert 'name="premium" type="checkbox" checked' in manage.text
    # Unticked: free again.
    del form["premium"]
    await client.post(f"/content/{video.id}/edit", data=form)
    async with db.read() as session:
        row = await session.get(Video, video.id, populate_existing=True)
        assert row is not None and row.premium is False
    # A stranger's form post changes nothing.
    stranger = await make_user(db, role=Role.CREATOR)
    csrf = await sign_in(client, stranger)
    await client.post(
        f"/content/{video.id}/edit", data={**form, "csrf_token": csrf, "premium": "on"}
    )
    async with db.read() as session:
        row = await session.get(Video, video.id, populate_existing=True)
        assert row is not None and row.premium is False


async def test_segment_fast_path_leaves_premium_and_4k_to_the_app(
    client: httpx.AsyncClient, db: Database, settings: Settings, ladder: Path, owner: User
) -> None:
    """Granian's pathsend shortcut must not bypass the premium and 4K rules."""
    from cosmostream.video.media import SegmentFastPath
    from cosmostream.video.media_tokens import token_query

    public = await laddered_video(db, settings, ladder, owner)
    premium = await laddered_video(db, settings, ladder, owner, premium=True)
    fell_through: list[str] = []

    async def inner(scope: Any, receive: Any, send: Any) -> None:
        fell_through.append(scope["path"])

    fast = SegmentFastPath(inner, db)

    async def call(path: str, query: str = "") -> list[Any]:
        sent: list[Any] = []

        async def send(message: Any) -> None:
            sent.append(message)

        scope = {
            "type": "http",
            "method": "GET",
            "path": path,
            "query_string": query.encode(),
            "headers": [],
            "extensions": {"http.response.pathsend": {}},
        }
        await fast(scope, None, send)
        return sent

    small, uhd = segments(ladder, SMALL)[-1], segments(ladder, UHD)[-1]
    # A public video's other rungs still take the shortcut...
    sent = await call(f"{base(public)}{SMALL}/{small}")
    assert sent and sent[0]["status"] == 200
    # ...but not its 4K rung, a premium video, or any token with a grant.
    assert await call(f"{base(public)}{UHD}/{uhd}") == []
    assert await call(f"{base(premium)}{SMALL}/{small}") == []
    preview = token_query(premium.id, grant=f"p{PREVIEW}")
    assert await call(f"{base(premium)}{SMALL}/{small}", preview) == []
    assert len(fell_through) == 3


async def test_plain_token_from_before_premium_no_longer_plays(
    client: httpx.AsyncClient, db: Database, settings: Settings, ladder: Path, owner: User
) -> None:
    video = await laddered_video(db, settings, ladder, owner, visibility="unlisted")
    free = await make_user(db)
    token = query_of((await hls_url(client, db, video, free))["hlsUrl"])
    small = segments(ladder, SMALL)[-1]
    assert (await client.get(f"{base(video)}{SMALL}/{small}?{token}")).status_code == 200
    owner_token = await token_of(db, owner)
    body = (
        await gql(
            client, UPDATE, {"id": str(video.id), "input": {"premium": True}}, token=owner_token
        )
    ).json()
    assert body["data"]["updateVideo"]["premium"] is True
    assert (await client.get(f"{base(video)}{SMALL}/{small}?{token}")).status_code == 403
    assert (await client.get(f"{base(video)}master.m3u8?{token}")).status_code == 403


async def test_user_bound_token_for_a_private_lesson_video(
    client: httpx.AsyncClient, db: Database, settings: Settings, ladder: Path, owner: User
) -> None:
    """A lesson may hand a learner a private video: their user-bound token is judged
    by their plan, not by whether they could open the video's own page."""
    from cosmostream.video.media_tokens import token_query

    video = await laddered_video(db, settings, ladder, owner, visibility="private")
    learner = await make_user(db)
    sub = await subscribe(db, learner)
    token = token_query(video.id, grant=f"u{learner.id}")
    uhd = f"{base(video)}{UHD}/{segments(ladder, UHD)[0]}?{token}"
    assert (await client.get(uhd)).status_code == 200
    await set_subscription(db, sub, status=SubscriptionStatus.CANCELED, ended_at=utcnow())
    assert (await client.get(uhd)).status_code == 403
    small = f"{base(video)}{SMALL}/{segments(ladder, SMALL)[0]}?{token}"
    assert (await client.get(small)).status_code == 200
    # A disabled account's token covers nothing.
    async with db.unit_of_work() as session:
        row = await session.get(User, learner.id)
        assert row is not None
        row.disabled_at = utcnow()
    assert (await client.get(small)).status_code == 403
