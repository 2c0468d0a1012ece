"""STORAGE_BACKEND=s3 against a real S3 HTTP endpoint on loopback (moto's server mode).

Covers the storage backend, presigned multipart uploads through GraphQL (parts
PUT over real HTTP), their clean-up, the pipeline writing to the bucket and
media served from it.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

import httpx
import pytest
import sqlalchemy as sa
from moto.server import ThreadedMotoServer

from cosmostream import worker
from cosmostream.config import Settings, use_settings
from cosmostream.db import Database
from cosmostream.kit.ids import uuid7
from cosmostream.main import create_app
from cosmostream.models import Role, Upload, Video, VideoStatus
from cosmostream.storage import S3Storage, storage_from_settings
from cosmostream.video import public_cache
from cosmostream.video.s3_uploads import max_part_number, part_size_for
from cosmostream.video.tasks import purge_uploads
from cosmostream.worker import huey
from tests.conftest import free_port, running_consumer, wait_until
from tests.factories import gql, login, make_user, shift_time
from tests.video.test_pipeline import VIDEO, wait_for_status

MIB = 1 << 20
CREATE = """mutation($input: CreateVideoInput!) { createVideo(input: $input) {
  video { id status } upload { protocol url videoId maxChunkSize } } }"""
PRESIGN = """mutation($id: ID!, $parts: [Int!]!) {
  presignVideoUploadParts(videoId: $id, partNumbers: $parts) { partNumber url expiresAt } }"""
COMPLETE = """mutation($id: ID!) { completeVideoUpload(videoId: $id) { id status } }"""
ABORT = """mutation($id: ID!) { abortVideoUpload(videoId: $id) }"""


# ---------------------------------------------------------------- fixtures


@pytest.fixture(scope="session")
def moto_url() -> Iterator[str]:
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


@pytest.fixture
def s3_settings(settings: Settings, moto_url: str) -> Settings:
    """The test settings with a fresh bucket whose media prefixes are publicly readable."""
    bucket = f"cosmostream-{uuid.uuid4().hex[:16]}"
    s3 = settings.model_copy(
        update={
            "storage_backend": "s3",
            "s3_bucket_name": bucket,
            "s3_endpoint_url": moto_url,
            "aws_access_key_id": "testing",
            "aws_secret_access_key": "testing",
            "aws_region": "us-east-1",
        }
    )
    storage = storage_from_settings(s3)
    assert isinstance(storage, S3Storage)
    storage.client.create_bucket(Bucket=bucket)
    # What an operator sets up for public media (or CloudFront does): originals stay private.
    public = [f"arn:aws:s3:::{bucket}/{p}/*" for p in ("hls", "images", "avatars")]
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": public}
        ],
    }
    storage.client.put_bucket_policy(Bucket=bucket, Policy=json.dumps(policy))
    use_settings(s3)  # the settings fixture resets it afterwards
    return s3


@pytest.fixture
def storage(s3_settings: Settings) -> S3Storage:
    found = storage_from_settings(s3_settings)
    assert isinstance(found, S3Storage)
    return found


@pytest.fixture
async def s3_app(s3_settings: Settings) -> AsyncIterator[Any]:
    application = create_app(s3_settings, embedded_worker=False)
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture
async def s3_client(s3_app: Any) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=s3_app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        yield c


@pytest.fixture
def s3_db(s3_app: Any) -> Database:
    database: Database = s3_app.state.db
    return database


@pytest.fixture
async def bucket_http() -> AsyncIterator[httpx.AsyncClient]:
    """A plain HTTP client for presigned and public bucket URLs."""
    async with httpx.AsyncClient(timeout=30) as c:
        yield c


@pytest.fixture
def s3_worker(s3_app: Any) -> Iterator[worker.EmbeddedConsumer]:
    """A real consumer, started after the S3 app so that it uses the S3 settings."""
    with running_consumer(workers=1) as consumer:
        yield consumer


async def token_for(db: Database, role: Role = Role.CREATOR) -> str:
    user = await make_user(db, role=role)
    return str((await login(db, user)).access_token)


async def create_draft(
    client: httpx.AsyncClient, token: str, size: int, filename: str = "orion.mp4", **extra: Any
) -> dict[str, Any]:
    body = (
        await gql(
            client,
            CREATE,
            {"input": {"title": "Orion", "size": size, "filename": filename, **extra}},
            token=token,
        )
    ).json()
    assert "errors" not in body, body
    payload: dict[str, Any] = body["data"]["createVideo"]
    return payload


async def presign(
    client: httpx.AsyncClient, token: str, video_id: str, parts: list[int]
) -> dict[str, Any]:
    result: dict[str, Any] = (
        await gql(client, PRESIGN, {"id": video_id, "parts": parts}, token=token)
    ).json()
    return result


async def put_parts(
    client: httpx.AsyncClient,
    bucket_http: httpx.AsyncClient,
    token: str,
    video_id: str,
    chunks: dict[int, bytes],
) -> None:
    body = await presign(client, token, video_id, sorted(chunks))
    assert "errors" not in body, body
    for part in body["data"]["presignVideoUploadParts"]:
        response = await bucket_http.put(part["url"], content=chunks[part["partNumber"]])
        assert response.status_code == 200, response.text


def error_of(body: dict[str, Any]) -> dict[str, Any]:
    assert body.get("errors"), body
    extensions: dict[str, Any] = body["errors"][0]["extensions"]
    return {**extensions, "message": body["errors"][0]["message"]}


# ---------------------------------------------------------------- storage


async def test_storage_operations(
    storage: S3Storage, s3_settings: Settings, moto_url: str, tmp_path: Path
) -> None:
    bucket = s3_settings.s3_bucket_name
    assert storage_from_settings(s3_settings) is storage  # one client per configuration
    assert not storage.is_local
    storage.put_bytes("avatars/u1/a.webp", b"RIFFwebp")
    assert storage.exists("avatars/u1/a.webp")
    assert not storage.exists("avatars/u1/missing.webp")
    assert storage.read_bytes("avatars/u1/a.webp") == b"RIFFwebp"
    head = storage.client.head_object(Bucket=bucket, Key="avatars/u1/a.webp")
    assert head["ContentType"] == "image/webp"
    assert storage.url("avatars/u1/a.webp") == f"{moto_url}/{bucket}/avatars/u1/a.webp"
    async with httpx.AsyncClient() as c:
        assert (await c.get(storage.url("avatars/u1/a.webp"))).content == b"RIFFwebp"
        storage.put_bytes("originals/v1/source.mp4", b"secret")
        # Originals are private: only a presigned URL reads them.
        assert (await c.get(storage.url("originals/v1/source.mp4"))).status_code == 403
        signed = storage.presigned_get("originals/v1/source.mp4", 60)
        assert "X-Amz-Signature=" in signed
        assert (await c.get(signed)).content == b"secret"
    with pytest.raises(FileNotFoundError):
        storage.read_text("hls/nope/master.m3u8")
    with pytest.raises(ValueError, match="bad storage key"):
        storage.put_bytes("../escape", b"x")

    # put_file moves: the local file is gone afterwards; download brings it back.
    local = tmp_path / "upload.bin"
    local.write_bytes(b"0123456789")
    storage.put_file("originals/v2/source.mkv", local)
    assert not local.exists()
    storage.download("originals/v2/source.mkv", tmp_path / "back.mkv")
    assert (tmp_path / "back.mkv").read_bytes() == b"0123456789"

    for i in range(5):
        storage.put_bytes(f"hls/v3/v0/seg_{i}.m4s", b"s")
    storage.put_bytes("hls/v30/keep.m4s", b"k")  # a sibling prefix is not touched
    storage.delete_prefix("hls/v3")
    assert storage.list_keys("hls/v3/") == []
    assert storage.exists("hls/v30/keep.m4s")
    storage.delete("hls/v30/keep.m4s")
    assert not storage.exists("hls/v30/keep.m4s")

    cdn = S3Storage.from_settings(s3_settings.model_copy(update={"cloudfront_domain": "cdn.x.io"}))
    assert cdn.url("hls/v/master.m3u8") == "https://cdn.x.io/hls/v/master.m3u8"
    aws = S3Storage.from_settings(
        s3_settings.model_copy(update={"s3_endpoint_url": None, "aws_region": "eu-west-1"})
    )
    assert (
        aws.url("images/v/p.webp") == f"https://{bucket}.s3.eu-west-1.amazonaws.com/images/v/p.webp"
    )


async def test_sync_dir_uploads_new_files_with_types_and_caching(
    storage: S3Storage, s3_settings: Settings, tmp_path: Path
) -> None:
    bucket = s3_settings.s3_bucket_name
    out = tmp_path / "hls"
    (out / "v0").mkdir(parents=True)
    (out / "v0" / "init_0.mp4").write_bytes(b"init")
    (out / "v0" / "seg_00000.m4s").write_bytes(b"seg0")
    (out / "v0" / "seg_00001.m4s.tmp").write_bytes(b"half")  # ffmpeg still writing
    (out / "v0" / "index.m3u8").write_text("#EXTM3U\n#EXTINF:4,\nseg_00000.m4s\n")
    (out / "master.m3u8").write_text("#EXTM3U\nv0/index.m3u8\n")
    state: dict[str, tuple[int, int]] = {}
    first = storage.sync_dir(out, "hls/vid", skip=("*.tmp",), state=state)
    # Segments first, then playlists from the deepest up: never a dangling URI.
    assert first == [
        "hls/vid/v0/init_0.mp4",
        "hls/vid/v0/seg_00000.m4s",
        "hls/vid/v0/index.m3u8",
        "hls/vid/master.m3u8",
    ]
    assert not storage.exists("hls/vid/v0/seg_00001.m4s.tmp")
    expected = {
        "v0/init_0.mp4": ("video/mp4", "immutable"),
        "v0/seg_00000.m4s": ("video/iso.segment", "immutable"),
        "v0/index.m3u8": ("application/vnd.apple.mpegurl", "no-cache"),
    }
    for rel, (ctype, cache) in expected.items():
        head = storage.client.head_object(Bucket=bucket, Key=f"hls/vid/{rel}")
        assert head["ContentType"] == ctype
        assert cache in head["CacheControl"]
    # Nothing changed: nothing uploaded. A new segment and the grown playlist are.
    assert storage.sync_dir(out, "hls/vid", skip=("*.tmp",), state=state) == []
    (out / "v0" / "seg_00001.m4s.tmp").rename(out / "v0" / "seg_00001.m4s")
    (out / "v0" / "index.m3u8").write_text(
        "#EXTM3U\n#EXTINF:4,\nseg_00000.m4s\n#EXTINF:4,\nseg_00001.m4s\n#EXT-X-ENDLIST\n"
    )
    assert storage.sync_dir(out, "hls/vid", skip=("*.tmp",), state=state) == [
        "hls/vid/v0/seg_00001.m4s",
        "hls/vid/v0/index.m3u8",
    ]
    assert "#EXT-X-ENDLIST" in storage.read_text("hls/vid/v0/index.m3u8")
    images = tmp_path / "images"
    images.mkdir()
    (images / "poster.webp").write_bytes(b"w")
    (images / "storyboard.vtt").write_text("WEBVTT\n")
    storage.sync_dir(images, "images/vid")
    head = storage.client.head_object(Bucket=bucket, Key="images/vid/storyboard.vtt")
    assert head["ContentType"].startswith("text/vtt")
    assert "immutable" in head["CacheControl"]


def test_part_size_rules() -> None:
    assert part_size_for(12 * MIB, 16 * MIB) == 16 * MIB
    assert part_size_for(1, 1 * MIB) == 5 * MIB  # never below S3's minimum
    # A 1 TiB file needs bigger parts to stay within 10,000, rounded to whole MiB.
    big = part_size_for(1 << 40, 16 * MIB)
    assert big % MIB == 0 and (1 << 40) / big <= 10_000
    assert max_part_number(12 * MIB) == 3  # 5 + 5 + 2 MiB at most
    assert max_part_number(1) == 1
    assert max_part_number(1 << 45) == 10_000


# ---------------------------------------------------------------- uploads


async def test_multipart_upload_through_graphql(
    s3_client: httpx.AsyncClient,
    s3_db: Database,
    storage: S3Storage,
    bucket_http: httpx.AsyncClient,
) -> None:
    token = await token_for(s3_db)
    data = os.urandom(12 * MIB)
    payload = await create_draft(s3_client, token, len(data))
    video_id = payload["video"]["id"]
    assert payload["video"]["status"] == "UPLOADING"
    assert payload["upload"] == {
        "protocol": "s3-multipart",
        "url": "",
        "videoId": video_id,
        "maxChunkSize": 16 * MIB,
    }
    # The server picked the key and started the upload.
    [(key, upload_id, _)] = storage.list_multipart_uploads(f"originals/{video_id}/")
    assert key == f"originals/{video_id}/source.mp4"
    async with s3_db.read() as session:
        row = (await session.execute(sa.select(Upload))).scalar_one()
    assert (row.backend, row.s3_key, row.s3_upload_id) == ("s3", key, upload_id)
    assert row.length == len(data)

    body = await presign(s3_client, token, video_id, [1, 2])
    parts = body["data"]["presignVideoUploadParts"]
    assert [p["partNumber"] for p in parts] == [1, 2]
    expires = datetime.fromisoformat(parts[0]["expiresAt"])
    assert timedelta(0) < expires - datetime.now(UTC) <= timedelta(seconds=900)
    half = len(data) // 2
    # Only part 2 arrives: completing names what is missing.
    put = await bucket_http.put(parts[1]["url"], content=data[half:])
    assert put.status_code == 200
    missing = error_of((await gql(s3_client, COMPLETE, {"id": video_id}, token=token)).json())
    assert missing["code"] == "upload_incomplete"
    assert missing["status"] == 409
    assert "1" in missing["message"]
    put = await bucket_http.put(parts[0]["url"], content=data[:half])
    assert put.status_code == 200
    done = (await gql(s3_client, COMPLETE, {"id": video_id}, token=token)).json()
    assert "errors" not in done, done
    assert done["data"]["completeVideoUpload"] == {"id": video_id, "status": "PROCESSING"}
    assert hashlib.sha256(storage.read_bytes(key)).digest() == hashlib.sha256(data).digest()
    assert storage.list_multipart_uploads("originals/") == []
    async with s3_db.read() as session:
        video = await session.get(Video, uuid.UUID(video_id))
        upload = await session.get(Upload, row.id, populate_existing=True)
    assert video is not None and video.source_key == key and video.source_size == len(data)
    assert upload is not None and upload.completed_at is not None
    assert huey.pending_count() == 1  # processing was queued
    again = error_of((await gql(s3_client, COMPLETE, {"id": video_id}, token=token)).json())
    assert again["code"] == "already_uploaded"


async def test_sizes_must_add_up(
    s3_client: httpx.AsyncClient,
    s3_db: Database,
    bucket_http: httpx.AsyncClient,
) -> None:
    token = await token_for(s3_db)
    size = 12 * MIB
    video_id = (await create_draft(s3_client, token, size))["video"]["id"]
    await put_parts(s3_client, bucket_http, token, video_id, {1: b"a" * (6 * MIB)})
    short = error_of((await gql(s3_client, COMPLETE, {"id": video_id}, token=token)).json())
    assert short["code"] == "upload_incomplete"
    assert f"{6 * MIB} of {size} bytes" in short["message"]
    await put_parts(s3_client, bucket_http, token, video_id, {2: b"b" * (7 * MIB)})
    over = error_of((await gql(s3_client, COMPLETE, {"id": video_id}, token=token)).json())
    assert (over["code"], over["status"]) == ("upload_too_large", 413)
    # A small part that is not the last one is refused by us, not by S3.
    await put_parts(
        s3_client, bucket_http, token, video_id, {1: b"a" * (1 * MIB), 2: b"b" * (5 * MIB)}
    )
    await put_parts(s3_client, bucket_http, token, video_id, {3: b"c" * (6 * MIB)})
    small = error_of((await gql(s3_client, COMPLETE, {"id": video_id}, token=token)).json())
    assert (small["code"], small["status"]) == ("part_too_small", 409)


async def test_presign_rules_and_authorization(
    s3_client: httpx.AsyncClient, s3_db: Database
) -> None:
    owner = await token_for(s3_db)
    other = await token_for(s3_db)
    admin = await token_for(s3_db, Role.ADMIN)
    video_id = (await create_draft(s3_client, owner, 12 * MIB))["video"]["id"]
    for token in (other,):
        for query, variables in (
            (PRESIGN, {"id": video_id, "parts": [1]}),
            (COMPLETE, {"id": video_id}),
            (ABORT, {"id": video_id}),
        ):
            body = (await gql(s3_client, query, variables, token=token)).json()
            assert error_of(body)["code"] == "video_not_found", query
    anonymous = (await gql(s3_client, PRESIGN, {"id": video_id, "parts": [1]})).json()
    assert error_of(anonymous)["code"] == "not_authenticated"
    assert "errors" not in await presign(s3_client, admin, video_id, [1])
    for parts in ([0], [10_001], [4], [], list(range(1, 102))):
        body = await presign(s3_client, owner, video_id, parts)
        assert error_of(body)["code"] == "validation_failed", parts
    ok = await presign(s3_client, owner, video_id, [3, 1, 1])
    assert [p["partNumber"] for p in ok["data"]["presignVideoUploadParts"]] == [3, 1]
    unknown = await presign(s3_client, owner, str(uuid7()), [1])
    assert error_of(unknown)["code"] == "video_not_found"


async def test_abort_and_tus_refusal(
    s3_client: httpx.AsyncClient, s3_db: Database, storage: S3Storage
) -> None:
    token = await token_for(s3_db)
    video_id = (await create_draft(s3_client, token, 6 * MIB))["video"]["id"]
    tus = await s3_client.post(
        "/uploads/",
        headers={
            "Tus-Resumable": "1.0.0",
            "Authorization": f"Bearer {token}",
            "Upload-Length": "10",
        },
    )
    assert tus.status_code == 409
    assert "S3" in tus.json()["error"]["message"]
    assert storage.list_multipart_uploads(f"originals/{video_id}/")
    body = (await gql(s3_client, ABORT, {"id": video_id}, token=token)).json()
    assert body["data"]["abortVideoUpload"] is True
    assert storage.list_multipart_uploads(f"originals/{video_id}/") == []
    async with s3_db.read() as session:
        video = await session.get(Video, uuid.UUID(video_id))
        uploads = (await session.execute(sa.select(Upload))).all()
    assert video is not None and video.status is VideoStatus.UPLOADING
    assert uploads == []
    after = await presign(s3_client, token, video_id, [1])
    assert error_of(after)["code"] == "upload_not_found"


async def test_cleanup_aborts_expired_and_orphaned_uploads(
    s3_client: httpx.AsyncClient, s3_db: Database, storage: S3Storage, s3_settings: Settings
) -> None:
    token = await token_for(s3_db)
    stale = (await create_draft(s3_client, token, 6 * MIB))["video"]["id"]
    orphan_key = f"originals/{uuid7()}/source.mp4"
    storage.create_multipart(orphan_key, "application/octet-stream")
    with shift_time(timedelta(seconds=s3_settings.upload_expiry_seconds + 60)):
        fresh = (await create_draft(s3_client, token, 6 * MIB))["video"]["id"]
        async with s3_db.unit_of_work() as session:
            assert await purge_uploads(session) == 2
    left = storage.list_multipart_uploads("originals/")
    assert [key for key, _, _ in left] == [f"originals/{fresh}/source.mp4"]
    async with s3_db.read() as session:
        rows = (await session.execute(sa.select(Upload))).scalars().all()
    assert [str(r.video_id) for r in rows] == [fresh]
    assert stale != fresh


# ---------------------------------------------------------------- processing and serving


async def test_processing_and_serving_from_the_bucket(
    s3_client: httpx.AsyncClient,
    s3_db: Database,
    s3_settings: Settings,
    storage: S3Storage,
    bucket_http: httpx.AsyncClient,
    moto_url: str,
    clip: Path,
    s3_worker: object,
) -> None:
    token = await token_for(s3_db)
    data = clip.read_bytes()
    assert len(data) < 5 * MIB  # one part, which is also the last: allowed
    video_id = (await create_draft(s3_client, token, len(data), "clip.mp4"))["video"]["id"]
    await put_parts(s3_client, bucket_http, token, video_id, {1: data})
    done = (await gql(s3_client, COMPLETE, {"id": video_id}, token=token)).json()
    assert done["data"]["completeVideoUpload"]["status"] == "PROCESSING", done
    started = time.monotonic()
    video = await wait_for_status(
        s3_db, video_id, VideoStatus.READY, VideoStatus.FAILED, VideoStatus.REJECTED, timeout=60
    )
    assert video.status is VideoStatus.READY, video.status_message
    assert time.monotonic() - started < 45
    # The worker removes its scratch directory just after it marks the video ready.
    wait_until(lambda: not (s3_settings.work_dir / video_id).exists())
    assert not (s3_settings.media_dir / "hls" / video_id).exists()  # nothing served locally
    keys = storage.list_keys(f"hls/{video_id}/")
    assert f"hls/{video_id}/master.m3u8" in keys
    assert not [k for k in keys if k.endswith(".tmp")]
    assert storage.list_keys(f"images/{video_id}/")

    body = (await gql(s3_client, VIDEO, {"id": video_id})).json()["data"]["video"]
    assert body["hlsUrl"] == f"/media/hls/{video_id}/master.m3u8"
    master = await s3_client.get(body["hlsUrl"])
    assert master.status_code == 200
    assert master.headers["content-type"] == "application/vnd.apple.mpegurl"
    assert master.headers["access-control-allow-origin"] == "*"
    bucket_base = f"{moto_url}/{s3_settings.s3_bucket_name}/hls/{video_id}/"
    uris = [line for line in master.text.splitlines() if line and not line.startswith("#")]
    assert uris and all(u.startswith(bucket_base) for u in uris), master.text
    variant = await bucket_http.get(uris[0])
    assert variant.status_code == 200 and "#EXT-X-ENDLIST" in variant.text
    segment_uri = next(x for x in variant.text.splitlines() if x.endswith(".m4s"))
    segment = await bucket_http.get(urljoin(uris[0], segment_uri))
    assert segment.status_code == 200 and segment.content
    assert segment.headers["content-type"] == "video/iso.segment"
    assert "immutable" in segment.headers["cache-control"]
    # The app's own segment and image URLs send players to the bucket.
    variant_dir = uris[0].removeprefix(bucket_base).rsplit("/", 1)[0]
    redirect = await s3_client.get(f"/media/hls/{video_id}/{variant_dir}/{segment_uri}")
    assert redirect.status_code == 302
    assert redirect.headers["location"] == f"{bucket_base}{variant_dir}/{segment_uri}"
    poster = await s3_client.get(body["posterUrl"])
    assert poster.status_code == 302
    assert (await bucket_http.get(poster.headers["location"])).status_code == 200

    # Made private: strangers get nothing; the owner's signed URL gives presigned URIs.
    update = """mutation($id: ID!) { updateVideo(id: $id, input: {visibility: PRIVATE}) { id } }"""
    assert "errors" not in (await gql(s3_client, update, {"id": video_id}, token=token)).json()
    public_cache.forget(uuid.UUID(video_id))
    assert (await s3_client.get(f"/media/hls/{video_id}/master.m3u8")).status_code == 404
    assert (await s3_client.get(f"/media/hls/{video_id}/v0/init_0.mp4")).status_code == 404
    signed_url = (await gql(s3_client, VIDEO, {"id": video_id}, token=token)).json()["data"][
        "video"
    ]["hlsUrl"]
    query = signed_url.split("?", 1)[1]
    signed_master = await s3_client.get(signed_url)
    assert signed_master.status_code == 200
    variant_uris = [x for x in signed_master.text.splitlines() if x and not x.startswith("#")]
    assert variant_uris and all(u.endswith(f"?{query}") for u in variant_uris)
    signed_variant = await s3_client.get(f"/media/hls/{video_id}/{variant_uris[0]}")
    assert signed_variant.status_code == 200
    presigned = [x for x in signed_variant.text.splitlines() if x and not x.startswith("#")]
    assert presigned and all("X-Amz-Signature=" in u for u in presigned)
    assert 'URI="http' in signed_variant.text  # the init segment too
    assert (await bucket_http.get(presigned[0])).status_code == 200
    signed_segment = await s3_client.get(
        f"/media/hls/{video_id}/{variant_dir}/{segment_uri}?{query}"
    )
    assert signed_segment.status_code == 302
    assert "X-Amz-Signature=" in signed_segment.headers["location"]

    # Deleting the video removes every object it had.
    deleted = await gql(
        s3_client, "mutation($id: ID!) { deleteVideo(id: $id) }", {"id": video_id}, token=token
    )
    assert deleted.json()["data"]["deleteVideo"] is True
    for prefix in ("originals", "hls", "images"):
        assert storage.list_keys(f"{prefix}/{video_id}/") == [], prefix


async def test_rejected_upload_is_deleted_from_the_bucket(
    s3_client: httpx.AsyncClient,
    s3_db: Database,
    storage: S3Storage,
    bucket_http: httpx.AsyncClient,
    s3_worker: object,
) -> None:
    token = await token_for(s3_db)
    data = b"just some text, not a video at all\n" * 20
    video_id = (await create_draft(s3_client, token, len(data), "notes.mp4"))["video"]["id"]
    await put_parts(s3_client, bucket_http, token, video_id, {1: data})
    assert "errors" not in (await gql(s3_client, COMPLETE, {"id": video_id}, token=token)).json()
    video = await wait_for_status(
        s3_db, video_id, VideoStatus.REJECTED, VideoStatus.FAILED, VideoStatus.READY, timeout=30
    )
    assert video.status is VideoStatus.REJECTED
    assert video.source_key is None
    for _ in range(100):  # removed right after the status is committed
        if not storage.list_keys(f"originals/{video_id}/"):
            break
        await asyncio.sleep(0.1)
    assert storage.list_keys(f"originals/{video_id}/") == []


async def test_avatars_live_in_the_bucket(
    s3_db: Database, storage: S3Storage, bucket_http: httpx.AsyncClient
) -> None:
    import io

    from PIL import Image

    from cosmostream.account.schemas import Actor
    from cosmostream.account.service import account_service, avatar_url

    def png(color: str) -> bytes:
        out = io.BytesIO()
        Image.new("RGB", (64, 64), color).save(out, "PNG")
        return out.getvalue()

    user = await make_user(s3_db)
    actor = Actor(user=user, session_id=uuid7())
    async with s3_db.unit_of_work() as session:
        first = await account_service.set_avatar(session, actor, png("blue"))
        first_key = str(first.avatar_key)
    url = avatar_url(first)
    assert url == storage.url(first_key)
    fetched = await bucket_http.get(str(url))
    assert fetched.status_code == 200
    assert fetched.headers["content-type"] == "image/webp"
    async with s3_db.unit_of_work() as session:
        second = await account_service.set_avatar(session, actor, png("red"))
    assert storage.list_keys(f"avatars/{user.id}/") == [second.avatar_key]
