# ruff: noqa: F811 - the S3 fixtures of test_s3 are imported by name
"""Premium previews and the 4K rung with STORAGE_BACKEND=s3 (moto's server on loopback):
grant-carrying playlists keep every URI on the app, so each segment is checked
before its short presigned redirect; plain public videos still go to the bucket."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from cosmostream.config import Settings
from cosmostream.db import Database
from cosmostream.kit.time import utcnow
from cosmostream.models import Role, SubscriptionStatus, User, Video
from cosmostream.storage import S3Storage
from tests.factories import gql, login, make_user, make_video
from tests.premium_helpers import SMALL, UHD, build_ladder, segments, set_subscription, subscribe
from tests.video.test_s3 import (  # noqa: F401 - fixtures
    bucket_http,
    moto_url,
    s3_app,
    s3_client,
    s3_db,
    s3_settings,
    storage,
)

VIDEO = """query($id: ID!) { video(id: $id) { previewOnly hlsUrl } }"""


@pytest.fixture(scope="session")
def ladder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_ladder(tmp_path_factory.mktemp("ladder-s3"))


async def bucket_video(
    db: Database, storage: S3Storage, ladder: Path, owner: User, *, premium: bool
) -> Video:
    from cosmostream.media import transcode

    video = await make_video(db, owner, duration=10.0)
    for path in sorted(p for p in ladder.rglob("*") if p.is_file()):
        # put_file may move the file away: upload a copy.
        storage.put_bytes(
            f"hls/{video.id}/{path.relative_to(ladder).as_posix()}", path.read_bytes()
        )
    async with db.unit_of_work() as session:
        row = await session.get(Video, video.id)
        assert row is not None
        row.premium = premium
        row.preview_seconds = 3
        row.renditions = transcode.probe_output(ladder)
        row.width, row.height = 3840, 2160
    return video


async def url_for(client: httpx.AsyncClient, db: Database, video: Video, user: User) -> str:
    token = str((await login(db, user)).access_token)
    body = (await gql(client, VIDEO, {"id": str(video.id)}, token=token)).json()
    return str(body["data"]["video"]["hlsUrl"])


def uris(text: str) -> list[str]:
    return [line for line in text.splitlines() if line and not line.startswith("#")]


async def test_preview_and_entitlement_on_s3(
    s3_client: httpx.AsyncClient,
    s3_db: Database,
    s3_settings: Settings,
    storage: S3Storage,
    bucket_http: httpx.AsyncClient,
    ladder: Path,
) -> None:
    owner = await make_user(s3_db, role=Role.CREATOR)
    video = await bucket_video(s3_db, storage, ladder, owner, premium=True)
    base = f"/media/hls/{video.id}/"

    free = await make_user(s3_db)
    url = await url_for(s3_client, s3_db, video, free)
    assert "preview.m3u8" in url
    token = urlsplit(url).query
    master = await s3_client.get(url)
    assert master.status_code == 200
    assert uris(master.text) == [f"{SMALL}/preview.m3u8?{token}"]  # on the app, not the bucket
    variant = await s3_client.get(base + uris(master.text)[0])
    listed = uris(variant.text)
    assert [u.split("?")[0] for u in listed] == segments(ladder, SMALL)[:2]
    assert all(u.endswith(token) and "://" not in u for u in listed)
    first = await s3_client.get(f"{base}{SMALL}/{listed[0]}")
    assert first.status_code == 302
    assert "X-Amz-Expires=300" in first.headers["location"]
    fetched = await bucket_http.get(first.headers["location"])
    assert (
        fetched.status_code == 200
        and fetched.content == (ladder / SMALL / segments(ladder, SMALL)[0]).read_bytes()
    )
    later = await s3_client.get(f"{base}{SMALL}/{segments(ladder, SMALL)[2]}?{token}")
    assert later.status_code == 403
    assert (await s3_client.get(base + "master.m3u8")).status_code == 404

    viewer = await make_user(s3_db)
    sub = await subscribe(s3_db, viewer)
    url = await url_for(s3_client, s3_db, video, viewer)
    token = urlsplit(url).query
    assert parse_qs(token)["g"] == [f"u{viewer.id}"]
    master = await s3_client.get(url)
    assert "RESOLUTION=3840x2160" in master.text
    uhd_segment = f"{base}{UHD}/{segments(ladder, UHD)[-1]}?{token}"
    assert (await s3_client.get(uhd_segment)).status_code == 302
    await set_subscription(s3_db, sub, status=SubscriptionStatus.CANCELED, ended_at=utcnow())
    assert (await s3_client.get(uhd_segment)).status_code == 403


async def test_public_4k_video_on_s3_lists_no_4k_for_free_viewers(
    s3_client: httpx.AsyncClient,
    s3_db: Database,
    s3_settings: Settings,
    storage: S3Storage,
    ladder: Path,
) -> None:
    owner = await make_user(s3_db, role=Role.CREATOR)
    video = await bucket_video(s3_db, storage, ladder, owner, premium=False)
    free = await make_user(s3_db)
    url = await url_for(s3_client, s3_db, video, free)
    assert url == f"/media/hls/{video.id}/master.m3u8"
    master = await s3_client.get(url)
    assert "3840x2160" not in master.text
    [variant] = uris(master.text)
    assert variant.startswith("http") and f"/hls/{video.id}/{SMALL}/index.m3u8" in variant
    refused = await s3_client.get(f"/media/hls/{video.id}/{UHD}/{segments(ladder, UHD)[0]}")
    assert refused.status_code == 404
