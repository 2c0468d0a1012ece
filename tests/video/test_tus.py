"""tus 1.0.0 conformance of /uploads/ and the rules of SECURITY.md for uploads."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import os
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import select

from cosmostream.config import Settings
from cosmostream.db import Database
from cosmostream.models import Role, Upload, Video, VideoStatus
from cosmostream.video.uploads import part_path, upload_service
from tests.factories import gql, login, make_user, shift_time

TUS = {"Tus-Resumable": "1.0.0"}
CREATE = """mutation($input: CreateVideoInput!) { createVideo(input: $input) {
  video { id status } upload { protocol url videoId } } }"""


def b64(value: str) -> str:
    return base64.b64encode(value.encode()).decode()


async def creator_token(db: Database, role: Role = Role.CREATOR) -> str:
    user = await make_user(db, role=role)
    return str((await login(db, user)).access_token)


async def draft(client: httpx.AsyncClient, token: str, size: int, **extra: Any) -> str:
    response = await gql(
        client,
        CREATE,
        {"input": {"title": "Orion timelapse", "size": size, "filename": "orion.mp4", **extra}},
        token=token,
    )
    body = response.json()
    assert "errors" not in body, body
    payload = body["data"]["createVideo"]
    assert payload["upload"]["protocol"] == "tus"
    assert payload["upload"]["url"] == "/uploads/"
    assert payload["video"]["status"] == "UPLOADING"
    return str(payload["video"]["id"])


async def open_upload(
    client: httpx.AsyncClient, token: str, size: int, video_id: str | None = None
) -> str:
    video_id = video_id or await draft(client, token, size)
    response = await client.post(
        "/uploads/",
        headers={
            **TUS,
            "Authorization": f"Bearer {token}",
            "Upload-Length": str(size),
            "Upload-Metadata": f"videoId {b64(video_id)},filename {b64('orion.mp4')},evil {b64('x')}",
        },
    )
    assert response.status_code == 201, response.text
    location = response.headers["location"]
    assert location.startswith("http://testserver/uploads/")
    assert response.headers["upload-expires"]
    return location.removeprefix("http://testserver")


async def patch(
    client: httpx.AsyncClient,
    token: str,
    url: str,
    offset: int,
    data: bytes,
    **headers: str,
) -> httpx.Response:
    return await client.patch(
        url,
        content=data,
        headers={
            **TUS,
            "Authorization": f"Bearer {token}",
            "Upload-Offset": str(offset),
            "Content-Type": "application/offset+octet-stream",
            **headers,
        },
    )


async def test_options_advertise_extensions(client: httpx.AsyncClient, settings: Settings) -> None:
    response = await client.options("/uploads/")
    assert response.status_code == 204
    assert response.headers["tus-version"] == "1.0.0"
    assert set(response.headers["tus-extension"].split(",")) == {
        "creation",
        "termination",
        "checksum",
        "expiration",
    }
    assert response.headers["tus-checksum-algorithm"] == "sha1"
    assert int(response.headers["tus-max-size"]) == settings.max_upload_bytes


async def test_full_upload_starts_processing(
    client: httpx.AsyncClient, db: Database, settings: Settings
) -> None:
    token = await creator_token(db)
    data = os.urandom(300_000)
    url = await open_upload(client, token, len(data))
    head = await client.head(url, headers={**TUS, "Authorization": f"Bearer {token}"})
    assert head.status_code == 200
    assert head.headers["upload-offset"] == "0"
    assert head.headers["upload-length"] == str(len(data))
    assert head.headers["cache-control"] == "no-store"
    first = await patch(client, token, url, 0, data[:100_000])
    assert first.status_code == 204
    assert first.headers["upload-offset"] == "100000"
    assert first.headers["tus-resumable"] == "1.0.0"
    last = await patch(client, token, url, 100_000, data[100_000:])
    assert last.status_code == 204
    assert last.headers["upload-offset"] == str(len(data))
    async with db.read() as session:
        upload = (await session.execute(__import__("sqlalchemy").select(Upload))).scalar_one()
        video = await session.get(Video, upload.video_id)
    assert upload.completed_at is not None
    assert video is not None and video.status is VideoStatus.PROCESSING
    assert video.source_key and video.source_key.endswith("source.mp4")
    stored = (settings.media_dir / video.source_key).read_bytes()
    assert hashlib.sha256(stored).digest() == hashlib.sha256(data).digest()
    assert not part_path(upload.id).exists()


async def test_version_header_is_required(client: httpx.AsyncClient, db: Database) -> None:
    token = await creator_token(db)
    response = await client.post(
        "/uploads/", headers={"Authorization": f"Bearer {token}", "Upload-Length": "10"}
    )
    assert response.status_code == 412
    assert response.headers["tus-version"] == "1.0.0"


async def test_creation_rules(client: httpx.AsyncClient, db: Database, settings: Settings) -> None:
    token = await creator_token(db)
    video_id = await draft(client, token, 1000)
    auth = {**TUS, "Authorization": f"Bearer {token}"}
    meta = f"videoId {b64(video_id)}"
    no_length = await client.post("/uploads/", headers={**auth, "Upload-Metadata": meta})
    assert no_length.status_code == 400
    too_big = await client.post(
        "/uploads/",
        headers={
            **auth,
            "Upload-Metadata": meta,
            "Upload-Length": str(settings.max_upload_bytes + 1),
        },
    )
    assert too_big.status_code == 413
    no_video = await client.post("/uploads/", headers={**auth, "Upload-Length": "1000"})
    assert no_video.status_code == 400
    forwarded = await client.post(
        "/uploads/",
        headers={
            **auth,
            "Upload-Metadata": meta,
            "Upload-Length": "1000",
            "X-Forwarded-Host": "evil.example",
            "Host": "evil.example",
        },
    )
    assert forwarded.status_code == 201
    assert forwarded.headers["location"].startswith("http://testserver/uploads/")
    again = await client.post(
        "/uploads/", headers={**auth, "Upload-Metadata": meta, "Upload-Length": "1000"}
    )
    assert again.status_code == 409


async def test_an_empty_file_is_refused_with_its_own_code(
    client: httpx.AsyncClient, db: Database
) -> None:
    token = await creator_token(db)
    body = (await gql(client, CREATE, {"input": {"title": "x", "size": 0}}, token=token)).json()
    [error] = body["errors"]
    assert error["message"] == "This file is empty."
    assert error["extensions"]["code"] == "empty_upload"
    assert error["extensions"]["field"] == "size"

    video_id = await draft(client, token, 1000)
    empty = await client.post(
        "/uploads/",
        headers={
            **TUS,
            "Authorization": f"Bearer {token}",
            "Upload-Metadata": f"videoId {b64(video_id)}",
            "Upload-Length": "0",
        },
    )
    assert empty.status_code == 400
    assert empty.json()["error"] == {"code": "empty_upload", "message": "This file is empty."}


async def test_only_creators_create_videos(client: httpx.AsyncClient, db: Database) -> None:
    viewer = await creator_token(db, Role.VIEWER)
    body = (await gql(client, CREATE, {"input": {"title": "x", "size": 10}}, token=viewer)).json()
    assert body["errors"][0]["extensions"]["code"] == "forbidden"
    anonymous = (await gql(client, CREATE, {"input": {"title": "x", "size": 10}})).json()
    assert anonymous["errors"][0]["extensions"]["code"] == "not_authenticated"


async def test_quota(client: httpx.AsyncClient, db: Database, settings: Settings) -> None:
    settings.user_quota_bytes = 1_000
    token = await creator_token(db)
    await draft(client, token, 600)  # a draft reserves its declared size, upload or not
    body = (await gql(client, CREATE, {"input": {"title": "x", "size": 600}}, token=token)).json()
    assert body["errors"][0]["extensions"]["code"] == "quota_exceeded"
    assert body["errors"][0]["extensions"]["status"] == 413
    await open_upload(client, token, 400)


async def test_the_upload_is_exactly_the_size_declared_for_the_draft(
    client: httpx.AsyncClient, db: Database, settings: Settings
) -> None:
    # The attack, scaled down: one-byte drafts, then uploads of the largest
    # length allowed, reserving eleven times what the quota holds.
    settings.user_quota_bytes = 200
    settings.max_upload_bytes = 20
    token = await creator_token(db)
    drafts = [await draft(client, token, 1) for _ in range(11)]
    auth = {**TUS, "Authorization": f"Bearer {token}"}
    for video_id in drafts:
        for length in ("20", "2"):
            refused = await client.post(
                "/uploads/",
                headers={
                    **auth,
                    "Upload-Metadata": f"videoId {b64(video_id)}",
                    "Upload-Length": length,
                },
            )
            assert refused.status_code == 409, refused.text
            assert refused.json()["error"]["code"] == "upload_length_mismatch"
            assert "1 bytes" in refused.json()["error"]["message"]
    async with db.read() as session:
        pending = (await session.scalars(select(Upload))).all()
    assert pending == []
    # The declared size itself is accepted, and the upload completes at that length.
    url = await open_upload(client, token, 1, drafts[0])
    done = await patch(client, token, url, 0, b"x")
    assert done.status_code == 204 and done.headers["upload-offset"] == "1"
    assert (await patch(client, token, url, 1, b"y")).status_code == 409


async def test_a_draft_from_before_declared_sizes_reserves_its_upload(
    client: httpx.AsyncClient, db: Database, settings: Settings
) -> None:
    settings.user_quota_bytes = 1_000
    token = await creator_token(db)
    old, other = await draft(client, token, 300), await draft(client, token, 300)
    async with db.unit_of_work() as session:
        for video_id in (old, other):
            video = await session.get(Video, uuid.UUID(video_id))
            assert video is not None and video.source_size == 300
            video.source_size = None  # as the draft of an older version was kept
    auth = {**TUS, "Authorization": f"Bearer {token}"}
    await open_upload(client, token, 900, old)
    over = await client.post(
        "/uploads/",
        headers={**auth, "Upload-Metadata": f"videoId {b64(other)}", "Upload-Length": "200"},
    )
    assert over.status_code == 413 and over.json()["error"]["code"] == "quota_exceeded"


async def test_patch_rules(client: httpx.AsyncClient, db: Database) -> None:
    token = await creator_token(db)
    url = await open_upload(client, token, 1000)
    wrong_type = await client.patch(
        url,
        content=b"abc",
        headers={
            **TUS,
            "Authorization": f"Bearer {token}",
            "Upload-Offset": "0",
            "Content-Type": "application/octet-stream",
        },
    )
    assert wrong_type.status_code == 415
    mismatch = await patch(client, token, url, 5, b"abc")
    assert mismatch.status_code == 409
    assert part_path_size(url) == 0
    overflow = await patch(client, token, url, 0, b"x" * 1001)
    assert overflow.status_code == 409
    assert part_path_size(url) == 0
    head = await client.head(url, headers={**TUS, "Authorization": f"Bearer {token}"})
    assert head.headers["upload-offset"] == "0"


async def test_length_and_offset_are_bounded_ascii_digits(
    client: httpx.AsyncClient, db: Database
) -> None:
    token = await creator_token(db)
    url = await open_upload(client, token, 1000)
    video_id = await draft(client, token, 1000)
    auth = {**TUS, "Authorization": f"Bearer {token}"}
    # "²" is a digit to str.isdigit and int() alike; headers arrive as latin-1.
    odd: list[bytes] = ["²".encode("latin-1"), b"9" * 5000, b"1" * 21, b"0" * 5000, b"1_0", b" 10"]
    for value in odd:
        created = await client.post(
            "/uploads/",
            headers={**auth, "Upload-Metadata": f"videoId {b64(video_id)}", "Upload-Length": value},
        )
        assert created.status_code == 400, (value[:30], created.text)
        assert created.json()["error"]["code"] == "upload_length"
        assert created.headers["tus-resumable"] == "1.0.0"
        patched = await patch(client, token, url, 0, b"abc", **{"Upload-Offset": value})
        assert patched.status_code == 400, (value[:30], patched.text)
        assert patched.json()["error"]["code"] == "upload_offset"
        assert patched.headers["tus-resumable"] == "1.0.0"
    assert part_path_size(url) == 0
    # Twenty digits still parse: too large is 413, not malformed.
    huge = await client.post(
        "/uploads/",
        headers={**auth, "Upload-Metadata": f"videoId {b64(video_id)}", "Upload-Length": "9" * 20},
    )
    assert huge.status_code == 413


def part_path_size(url: str) -> int:
    import uuid

    return part_path(uuid.UUID(url.rsplit("/", 1)[1])).stat().st_size


async def test_checksum(client: httpx.AsyncClient, db: Database) -> None:
    token = await creator_token(db)
    url = await open_upload(client, token, 1000)
    chunk = b"a" * 400
    good = base64.b64encode(hashlib.sha1(chunk).digest()).decode()
    bad = base64.b64encode(hashlib.sha1(b"other").digest()).decode()
    unknown = await patch(client, token, url, 0, chunk, **{"Upload-Checksum": f"md5 {good}"})
    assert unknown.status_code == 400
    wrong = await patch(client, token, url, 0, chunk, **{"Upload-Checksum": f"sha1 {bad}"})
    assert wrong.status_code == 460
    assert part_path_size(url) == 0
    right = await patch(client, token, url, 0, chunk, **{"Upload-Checksum": f"sha1 {good}"})
    assert right.status_code == 204
    assert right.headers["upload-offset"] == "400"


async def test_other_users_and_anonymous_cannot_touch_an_upload(
    client: httpx.AsyncClient, db: Database
) -> None:
    token = await creator_token(db)
    other = await creator_token(db)
    url = await open_upload(client, token, 100)
    head = await client.head(url, headers={**TUS, "Authorization": f"Bearer {other}"})
    assert head.status_code == 404
    assert (await patch(client, other, url, 0, b"x")).status_code == 404
    deleted = await client.delete(url, headers={**TUS, "Authorization": f"Bearer {other}"})
    assert deleted.status_code == 404
    anonymous = await client.patch(
        url,
        content=b"x",
        headers={**TUS, "Upload-Offset": "0", "Content-Type": "application/offset+octet-stream"},
    )
    assert anonymous.status_code == 401
    # Another creator cannot attach an upload to someone else's draft either.
    video_id = await draft(client, token, 100)
    stolen = await client.post(
        "/uploads/",
        headers={
            **TUS,
            "Authorization": f"Bearer {other}",
            "Upload-Length": "100",
            "Upload-Metadata": f"videoId {b64(video_id)}",
        },
    )
    assert stolen.status_code == 404


async def test_termination(client: httpx.AsyncClient, db: Database) -> None:
    token = await creator_token(db)
    url = await open_upload(client, token, 100)
    await patch(client, token, url, 0, b"x" * 10)
    path = part_path(__import__("uuid").UUID(url.rsplit("/", 1)[1]))
    assert path.exists()
    response = await client.delete(url, headers={**TUS, "Authorization": f"Bearer {token}"})
    assert response.status_code == 204
    head = await client.head(url, headers={**TUS, "Authorization": f"Bearer {token}"})
    assert head.status_code == 404
    assert not path.exists()


async def test_concurrent_patches_are_serialized(client: httpx.AsyncClient, db: Database) -> None:
    token = await creator_token(db)
    url = await open_upload(client, token, 2_000_000)
    data = os.urandom(1_000_000)
    results = await asyncio.gather(
        patch(client, token, url, 0, data), patch(client, token, url, 0, data)
    )
    assert sorted(r.status_code for r in results) == [204, 409]
    assert part_path_size(url) == 1_000_000


async def test_restart_mid_upload_loses_no_committed_byte(db: Database, settings: Settings) -> None:
    """A new app process (same data) resumes at the committed offset with the bytes intact."""
    from cosmostream.main import create_app

    data = os.urandom(250_000)
    first_app = create_app(settings, embedded_worker=False)
    async with first_app.router.lifespan_context(first_app):
        transport = httpx.ASGITransport(app=first_app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c1:
            token = await creator_token(first_app.state.db)
            url = await open_upload(c1, token, len(data))
            assert (await patch(c1, token, url, 0, data[:120_000])).status_code == 204
    # Simulate a crash that left uncommitted bytes after the committed offset.
    with open(part_path(__import__("uuid").UUID(url.rsplit("/", 1)[1])), "ab") as fh:
        fh.write(b"garbage that was never acknowledged")
    second_app = create_app(settings, embedded_worker=False)
    async with second_app.router.lifespan_context(second_app):
        transport = httpx.ASGITransport(app=second_app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c2:
            head = await c2.head(url, headers={**TUS, "Authorization": f"Bearer {token}"})
            assert head.headers["upload-offset"] == "120000"
            assert (await patch(c2, token, url, 120_000, data[120_000:])).status_code == 204
        async with second_app.state.db.read() as session:
            video = (await session.execute(__import__("sqlalchemy").select(Video))).scalar_one()
    stored = (settings.media_dir / str(video.source_key)).read_bytes()
    assert stored == data


async def test_expired_uploads_are_purged(
    client: httpx.AsyncClient, db: Database, settings: Settings
) -> None:
    token = await creator_token(db)
    url = await open_upload(client, token, 100)
    path = part_path(__import__("uuid").UUID(url.rsplit("/", 1)[1]))
    with shift_time(timedelta(seconds=settings.upload_expiry_seconds + 60)):
        head = await client.head(url, headers={**TUS, "Authorization": f"Bearer {token}"})
        assert head.status_code == 404
        async with db.unit_of_work() as session:
            assert await upload_service.purge_expired(session) == 1
    assert not path.exists()


async def test_every_answer_of_tus_creation_is_in_the_docs_table(
    client: httpx.AsyncClient, db: Database, settings: Settings
) -> None:
    token = await creator_token(db)
    video_id = await draft(client, token, 1000)
    auth = {**TUS, "Authorization": f"Bearer {token}"}
    meta = {"Upload-Metadata": f"videoId {b64(video_id)}"}
    answers = {}
    for length in ("", "1e3", "0", str(settings.max_upload_bytes + 1), "999", "1000", "1000"):
        headers = {**auth, **meta, **({"Upload-Length": length} if length else {})}
        response = await client.post("/uploads/", headers=headers)
        if response.status_code != 201:
            answers[response.json()["error"]["code"]] = response.status_code
    assert answers == {
        "upload_length": 400,
        "empty_upload": 400,
        "upload_too_large": 413,
        "upload_length_mismatch": 409,
        "upload_exists": 409,
    }
    docs = (Path(__file__).parents[2] / "docs" / "api.md").read_text()
    table = docs.split("### 2. Send the file with tus", 1)[1].split("The committed offset", 1)[0]
    for code, status in answers.items():
        assert f"{status} `{code}`" in table, (code, status)
