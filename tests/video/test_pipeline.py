"""Upload → probe → one-pass ladder → images → playback URLs, through the real queue."""

from __future__ import annotations

import asyncio
import base64
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest

from cosmostream.config import Settings
from cosmostream.db import Database
from cosmostream.models import Role, Video, VideoStatus
from tests.factories import gql, login, make_user
from tests.video.conftest import make_clip

TUS = {"Tus-Resumable": "1.0.0"}
CREATE = """mutation($input: CreateVideoInput!) { createVideo(input: $input) {
  video { id } upload { url videoId } } }"""
VIDEO = """query($id: ID!) { video(id: $id) { status statusMessage statusCode playable
  processingProgress hlsUrl posterUrl durationSeconds storyboardVttUrl thumbnailCandidates
  renditions { height width bandwidth } } }"""


async def upload_file(
    client: httpx.AsyncClient, token: str, data: bytes, filename: str, **extra: Any
) -> str:
    body = (
        await gql(
            client,
            CREATE,
            {"input": {"title": "Test clip", "size": len(data), "filename": filename, **extra}},
            token=token,
        )
    ).json()
    video_id = body["data"]["createVideo"]["video"]["id"]
    meta = f"videoId {base64.b64encode(video_id.encode()).decode()}"
    auth = {**TUS, "Authorization": f"Bearer {token}"}
    created = await client.post(
        "/uploads/", headers={**auth, "Upload-Length": str(len(data)), "Upload-Metadata": meta}
    )
    url = created.headers["location"].removeprefix("http://testserver")
    done = await client.patch(
        url,
        content=data,
        headers={**auth, "Upload-Offset": "0", "Content-Type": "application/offset+octet-stream"},
    )
    assert done.status_code == 204, done.text
    return str(video_id)


async def wait_for_status(
    db: Database, video_id: str, *statuses: VideoStatus, timeout: float = 90
) -> Video:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        async with db.read() as session:
            video = await session.get(Video, uuid.UUID(video_id), populate_existing=True)
        if video is not None and video.status in statuses:
            return video
        await asyncio.sleep(0.2)
    raise AssertionError(f"video never reached {statuses}")


@pytest.fixture
async def creator(db: Database) -> str:
    user = await make_user(db, role=Role.CREATOR)
    return str((await login(db, user)).access_token)


async def test_upload_is_processed_and_served(
    client: httpx.AsyncClient,
    db: Database,
    settings: Settings,
    creator: str,
    clip: Path,
    task_worker: object,
) -> None:
    video_id = await upload_file(client, creator, clip.read_bytes(), "clip.mp4")
    video = await wait_for_status(
        db, video_id, VideoStatus.READY, VideoStatus.FAILED, VideoStatus.REJECTED
    )
    assert video.status is VideoStatus.READY, video.status_message
    body = (await gql(client, VIDEO, {"id": video_id})).json()["data"]["video"]
    assert body["playable"] is True
    assert body["processingProgress"] == 1.0
    assert body["durationSeconds"] == pytest.approx(2.0, abs=0.2)
    assert [r["height"] for r in body["renditions"]] == [180]
    assert body["hlsUrl"] == f"/media/hls/{video_id}/master.m3u8"
    master = await client.get(body["hlsUrl"])
    assert master.status_code == 200
    assert master.headers["content-type"] == "application/vnd.apple.mpegurl"
    assert "#EXT-X-STREAM-INF" in master.text and "CODECS=" in master.text
    assert master.headers["access-control-allow-origin"] == "*"
    variant_path = next(line for line in master.text.splitlines() if line.endswith(".m3u8"))
    variant = await client.get(f"/media/hls/{video_id}/{variant_path}")
    assert "#EXT-X-ENDLIST" in variant.text
    assert "immutable" not in variant.headers["cache-control"]
    segment = next(line for line in variant.text.splitlines() if line.endswith(".m4s"))
    base = variant_path.rsplit("/", 1)[0]
    seg = await client.get(f"/media/hls/{video_id}/{base}/{segment}")
    assert seg.status_code == 200
    assert seg.headers["content-type"] == "video/iso.segment"
    assert "immutable" in seg.headers["cache-control"]
    ranged = await client.get(
        f"/media/hls/{video_id}/{base}/{segment}", headers={"Range": "bytes=0-99"}
    )
    assert ranged.status_code == 206 and len(ranged.content) == 100
    for url in (body["posterUrl"], body["storyboardVttUrl"], *body["thumbnailCandidates"]):
        assert (await client.get(url)).status_code == 200, url
    assert len(body["thumbnailCandidates"]) == 3
    # The job directory is gone; only the original and the outputs remain.
    assert not (settings.work_dir / video_id).exists()


@pytest.mark.parametrize(
    ("content", "name", "code"),
    [
        (b"#EXTM3U\n#EXTINF:1,\n/etc/passwd\n", "evil.mp4", "unsupported_media"),
        (b"just some text, not a video at all\n" * 20, "notes.mp4", None),
    ],
    ids=["hls-playlist", "text"],
)
async def test_bad_files_are_rejected_and_deleted(
    client: httpx.AsyncClient,
    db: Database,
    settings: Settings,
    creator: str,
    task_worker: object,
    content: bytes,
    name: str,
    code: str | None,
) -> None:
    video_id = await upload_file(client, creator, content, name)
    video = await wait_for_status(
        db, video_id, VideoStatus.REJECTED, VideoStatus.FAILED, VideoStatus.READY
    )
    assert video.status is VideoStatus.REJECTED
    assert video.status_message
    if code:
        assert video.status_code == code
    assert not (settings.media_dir / "originals" / video_id).exists()
    assert video.source_key is None
    body = (await gql(client, VIDEO, {"id": video_id}, token=creator)).json()["data"]["video"]
    assert body["status"] == "REJECTED" and body["hlsUrl"] is None


async def test_private_media_needs_a_signed_url(
    client: httpx.AsyncClient,
    db: Database,
    creator: str,
    clip: Path,
    task_worker: object,
) -> None:
    video_id = await upload_file(
        client, creator, clip.read_bytes(), "clip.mp4", visibility="PRIVATE"
    )
    await wait_for_status(db, video_id, VideoStatus.READY)
    # Strangers see nothing: neither the video nor its files.
    assert (await gql(client, VIDEO, {"id": video_id})).json()["data"]["video"] is None
    assert (await client.get(f"/media/hls/{video_id}/master.m3u8")).status_code == 404
    body = (await gql(client, VIDEO, {"id": video_id}, token=creator)).json()["data"]["video"]
    signed = body["hlsUrl"]
    assert "md5=" in signed and "expires=" in signed
    master = await client.get(signed)
    assert master.status_code == 200
    assert "private" in master.headers["cache-control"]
    query = signed.split("?", 1)[1]
    for line in master.text.splitlines():
        if line and not line.startswith("#"):
            assert line.endswith(query)
    variant_url = next(x for x in master.text.splitlines() if ".m3u8" in x)
    variant = await client.get(f"/media/hls/{video_id}/{variant_url}")
    assert variant.status_code == 200
    assert 'URI="' in variant.text and query in variant.text
    tampered = signed.replace("md5=", "md5=x")
    assert (await client.get(tampered)).status_code == 404


async def test_delete_removes_every_file(
    client: httpx.AsyncClient,
    db: Database,
    settings: Settings,
    creator: str,
    clip: Path,
    task_worker: object,
) -> None:
    video_id = await upload_file(client, creator, clip.read_bytes(), "clip.mp4")
    await wait_for_status(db, video_id, VideoStatus.READY)
    for kind in ("originals", "hls", "images"):
        assert (settings.media_dir / kind / video_id).exists()
    body = (
        await gql(
            client, "mutation($id: ID!) { deleteVideo(id: $id) }", {"id": video_id}, token=creator
        )
    ).json()
    assert body["data"]["deleteVideo"] is True
    for kind in ("originals", "hls", "images"):
        assert not (settings.media_dir / kind / video_id).exists()


async def test_originals_are_never_served(
    client: httpx.AsyncClient, db: Database, settings: Settings, creator: str, clip: Path
) -> None:
    """Only avatars are plain files under /media; an original is never downloadable."""
    video_id = await upload_file(client, creator, clip.read_bytes(), "clip.mp4")
    async with db.read() as session:
        video = await session.get(Video, uuid.UUID(video_id))
    assert video is not None and video.source_key
    print("KEY", video.source_key, list((settings.media_dir / "originals" / video_id).iterdir()))
    assert (settings.media_dir / video.source_key).exists()
    for path in (
        f"/media/originals/{video_id}/source.mp4",
        "/media/originals/",
        f"/media/hls/{video_id}/../../originals/{video_id}/source.mp4",
    ):
        response = await client.get(path, headers={"Authorization": f"Bearer {creator}"})
        assert response.status_code == 404, path


async def test_segment_fast_path_sends_files_itself(
    client: httpx.AsyncClient,
    app: Any,
    db: Database,
    settings: Settings,
    creator: str,
    clip: Path,
    task_worker: object,
) -> None:
    """With ASGI pathsend (Granian) a segment GET skips routing; others fall through."""
    from cosmostream.video.media import SegmentFastPath

    video_id = await upload_file(client, creator, clip.read_bytes(), "clip.mp4")
    await wait_for_status(db, video_id, VideoStatus.READY)
    segment = next((settings.media_dir / "hls" / video_id).glob("v*/seg_*.m4s"))
    rel = segment.relative_to(settings.media_dir / "hls" / video_id).as_posix()
    fell_through: list[str] = []

    async def inner(scope: Any, receive: Any, send: Any) -> None:
        fell_through.append(scope["path"])

    fast = SegmentFastPath(inner, db)

    async def call(path: str, headers: list[tuple[bytes, bytes]] | None = None) -> list[Any]:
        sent: list[Any] = []

        async def send(message: Any) -> None:
            sent.append(message)

        scope = {
            "type": "http",
            "method": "GET",
            "path": path,
            "query_string": b"",
            "headers": headers or [],
            "extensions": {"http.response.pathsend": {}},
        }
        await fast(scope, None, send)
        return sent

    sent = await call(f"/media/hls/{video_id}/{rel}")
    assert sent[0]["status"] == 200
    headers = dict(sent[0]["headers"])
    assert headers[b"content-type"] == b"video/iso.segment"
    assert b"immutable" in headers[b"cache-control"]
    assert headers[b"content-length"] == str(segment.stat().st_size).encode()
    assert sent[1] == {"type": "http.response.pathsend", "path": str(segment)}
    # Ranges, playlists, other videos and private videos go to the app.
    assert await call(f"/media/hls/{video_id}/{rel}", [(b"range", b"bytes=0-9")]) == []
    assert await call(f"/media/hls/{video_id}/master.m3u8") == []
    assert await call(f"/media/hls/0190a0c0-0000-7000-8000-000000000000/{rel}") == []
    assert len(fell_through) == 3


async def run_job(video_id: str) -> str:
    """The processing job, run here to its end (no queue, no polling)."""
    from cosmostream.video.tasks import process_video

    return str(await asyncio.to_thread(process_video.call_local, video_id))


async def test_file_cut_short_is_rejected_and_nothing_of_it_stays(
    client: httpx.AsyncClient,
    db: Database,
    settings: Settings,
    creator: str,
    tmp_path: Path,
) -> None:
    """The first 30 % of a valid 7 s Matroska file: its header still says 7 s and
    its first frames decode, but what it holds is a fraction of a second."""
    whole = make_clip(tmp_path / "whole.mkv", seconds=7)
    data = whole.read_bytes()
    video_id = await upload_file(client, creator, data[: len(data) * 3 // 10], "cut.mkv")
    assert await run_job(video_id) == "rejected"
    body = (await gql(client, VIDEO, {"id": video_id}, token=creator)).json()["data"]["video"]
    assert body["status"] == "REJECTED"
    assert body["statusCode"] == "unreadable_media"
    assert "cut short" in body["statusMessage"]
    assert body["playable"] is False and body["hlsUrl"] is None
    assert body["renditions"] == [] and body["posterUrl"] is None
    for kind in ("originals", "hls", "images"):
        assert not (settings.media_dir / kind / video_id).exists(), kind
    # Final: a retry is refused rather than failing the same way again.
    retried = (
        await gql(
            client,
            "mutation($id: ID!) { retryVideo(id: $id) { status } }",
            {"id": video_id},
            token=creator,
        )
    ).json()
    assert retried["errors"][0]["extensions"]["code"] == "invalid_video_state"


async def test_failed_video_shows_nothing_and_keeps_its_original_for_a_retry(
    client: httpx.AsyncClient,
    db: Database,
    settings: Settings,
    creator: str,
    clip: Path,
) -> None:
    # The wall-clock limit is a real final failure: ffmpeg is stopped part-way.
    settings.transcode_min_timeout_seconds = 0
    settings.transcode_timeout_factor = 0.0
    video_id = await upload_file(client, creator, clip.read_bytes(), "clip.mp4")
    assert await run_job(video_id) == "failed"
    body = (await gql(client, VIDEO, {"id": video_id}, token=creator)).json()["data"]["video"]
    assert (body["status"], body["statusCode"]) == ("FAILED", "transcode_timeout")
    assert body["playable"] is False and body["hlsUrl"] is None
    assert not (settings.media_dir / "hls" / video_id).exists()
    assert not (settings.media_dir / "images" / video_id).exists()
    assert (settings.media_dir / "originals" / video_id).exists()
    retried = (
        await gql(
            client,
            "mutation($id: ID!) { retryVideo(id: $id) { status } }",
            {"id": video_id},
            token=creator,
        )
    ).json()
    assert retried["data"]["retryVideo"]["status"] == "PROCESSING"


async def test_failed_video_whose_original_is_gone_cannot_be_retried(
    client: httpx.AsyncClient,
    db: Database,
    settings: Settings,
    creator: str,
    clip: Path,
) -> None:
    video_id = await upload_file(client, creator, clip.read_bytes(), "clip.mp4")
    for path in (settings.media_dir / "originals" / video_id).iterdir():
        path.unlink()  # lost from the disk (an operator, a failed volume)
    assert await run_job(video_id) == "failed"
    body = (await gql(client, VIDEO, {"id": video_id}, token=creator)).json()["data"]["video"]
    assert (body["status"], body["statusCode"]) == ("FAILED", "original_missing")
    assert (
        body["statusMessage"] == "Processing failed and the uploaded file is gone. Upload it again."
    )
    async with db.read() as session:
        video = await session.get(Video, uuid.UUID(video_id))
    assert video is not None and video.source_key is None
    page = await client.get("/content", headers={"Authorization": f"Bearer {creator}"})
    assert f"/content/{video_id}/retry" not in page.text
