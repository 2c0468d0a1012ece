"""Local disk's answers to the `Storage` protocol's backend questions, and what of it
`/media/` serves."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from cosmostream.config import Settings
from cosmostream.db import Database
from cosmostream.models import Role
from cosmostream.storage import LocalStorage
from tests.factories import make_user, make_video


def test_local_fetch_links_the_original(tmp_path: Path) -> None:
    storage = LocalStorage(tmp_path / "media")
    storage.put_bytes("originals/v/source.mp4", b"movie")
    dest = tmp_path / "job" / "input.mp4"
    dest.parent.mkdir()
    storage.fetch("originals/v/source.mp4", dest)
    assert dest.read_bytes() == b"movie"
    assert dest.stat().st_ino == storage.path("originals/v/source.mp4").stat().st_ino
    with pytest.raises(FileNotFoundError):
        storage.fetch("originals/missing/source.mp4", tmp_path / "job" / "other.mp4")


def test_local_sync_dir_copies_only_from_elsewhere(tmp_path: Path) -> None:
    storage = LocalStorage(tmp_path / "media")
    assert storage.s3_bucket() is None
    served = storage.local_path("hls/v")
    served.mkdir(parents=True)
    (served / "index.m3u8").write_text("#EXTM3U\n")
    # Written in place (as the pipeline does): already stored.
    assert storage.sync_dir(served, "hls/v") == []
    elsewhere = tmp_path / "job" / "images"
    (elsewhere / "sub").mkdir(parents=True)
    (elsewhere / "poster.webp").write_bytes(b"img")
    (elsewhere / "sub" / "sheet.jpg").write_bytes(b"jpg")
    (elsewhere / "half.tmp").write_bytes(b"partial")
    copied = storage.sync_dir(elsewhere, "images/v", skip=("*.tmp",))
    assert copied == ["images/v/poster.webp", "images/v/sub/sheet.jpg"]
    assert storage.path("images/v/sub/sheet.jpg").read_bytes() == b"jpg"
    assert not storage.exists("images/v/half.tmp")


async def test_originals_are_never_served_and_the_operations_guide_says_so(
    client: httpx.AsyncClient, db: Database, settings: Settings
) -> None:
    owner = await make_user(db, role=Role.CREATOR)
    video = await make_video(db, owner)  # public: its HLS needs no token
    for key in (f"originals/{video.id}/source.mp4", f"hls/{video.id}/master.m3u8"):
        path = settings.media_dir / key
        path.parent.mkdir(parents=True)
        path.write_text("#EXTM3U\n#EXT-X-ENDLIST\n")
    assert (await client.get(f"/media/hls/{video.id}/master.m3u8")).status_code == 200
    assert (await client.get(f"/media/originals/{video.id}/source.mp4")).status_code == 404
    guide = (Path(__file__).parents[2] / "docs" / "operations.md").read_text()
    [row] = [line for line in guide.splitlines() if line.startswith("| `media/` |")]
    served = row.split("served at `/media/`", 1)[0]
    assert "hls/" in served and "originals/" not in served, row
