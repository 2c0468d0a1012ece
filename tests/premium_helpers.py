"""Premium fixtures shared by the video, learning and e2e tests: a real two-rung HLS
ladder with a 2160p rung (made once per session by the project's own ffmpeg
command), videos that use it, and subscriptions that grant or take away plans."""

from __future__ import annotations

import shutil
import subprocess
import uuid
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import imageio_ffmpeg

from cosmostream.config import Settings
from cosmostream.db import Database
from cosmostream.kit.time import utcnow
from cosmostream.media import transcode
from cosmostream.media.ladder import Rung
from cosmostream.media.probe import probe
from cosmostream.models import Subscription, SubscriptionStatus, User, Video
from tests.factories import make_video

CLIP_SECONDS = 10
SEGMENT_SECONDS = 2
UHD, SMALL = "v0", "v1"  # the rung directories: 2160p first, as the ladder orders them


def build_ladder(root: Path) -> Path:
    """A real ladder of a 10 s 4K clip (5 fps, so it stays cheap): 2160p and 180p
    rungs of 2 s segments, finished (VOD), with its master playlist."""
    source = root / "uhd.mp4"
    ffmpeg = imageio_ffmpeg.get_ffmpeg_exe()
    subprocess.run(
        [
            ffmpeg, "-hide_banner", "-loglevel", "error", "-y",
            "-f", "lavfi", "-i", f"testsrc2=size=3840x2160:rate=5:duration={CLIP_SECONDS}",
            "-f", "lavfi", "-i", f"sine=frequency=440:duration={CLIP_SECONDS}",
            "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p",
            "-c:a", "aac", "-shortest", str(source),
        ],
        check=True,
        timeout=120,
    )  # fmt: skip
    info = probe(source)
    fps = float(info.fps)
    rungs = [
        Rung("2160p", 2160, 3840, 16_000_000, 32_000_000, 30, 128_000, fps),
        Rung("180p", 180, 320, 400_000, 800_000, 30, 96_000, fps),
    ]
    out = root / "hls"
    out.mkdir()
    cmd = transcode.build_command(
        ffmpeg, source, info, rungs, out, segment_seconds=SEGMENT_SECONDS, preset="ultrafast"
    )
    transcode.run_transcode(cmd, duration=info.duration, on_progress=lambda _: None, timeout=300)
    transcode.finalize_playlists(out)
    transcode.write_master_playlist(out, rungs, info)
    return out


def segments(ladder: Path, rung: str) -> list[str]:
    text = (ladder / rung / transcode.PLAYLIST).read_text()
    return [line for line in text.splitlines() if line and not line.startswith("#")]


async def laddered_video(
    db: Database,
    settings: Settings,
    ladder: Path,
    owner: User,
    *,
    premium: bool = False,
    visibility: str = "public",
    preview_seconds: int | None = None,
) -> Video:
    """A READY video whose media is the real ladder, as the pipeline leaves it."""
    video = await make_video(db, owner, visibility=visibility, duration=float(CLIP_SECONDS))
    shutil.copytree(ladder, settings.media_dir / "hls" / str(video.id))
    renditions = transcode.probe_output(ladder)
    async with db.unit_of_work() as session:
        row = await session.get(Video, video.id)
        assert row is not None
        row.premium = premium
        row.preview_seconds = preview_seconds
        row.renditions = renditions
        row.width, row.height = 3840, 2160
    return video


async def subscribe(
    db: Database,
    user: User,
    *,
    plan: str = "premium",
    status: SubscriptionStatus = SubscriptionStatus.ACTIVE,
    payment_failed_at: datetime | None = None,
) -> uuid.UUID:
    """A subscription row as the billing side keeps it (no Stripe involved)."""
    async with db.unit_of_work() as session:
        sub = Subscription(
            stripe_subscription_id=f"sub_{uuid.uuid4().hex[:14]}",
            stripe_customer_id=f"cus_{uuid.uuid4().hex[:14]}",
            user_id=user.id,
            plan=plan,
            status=status,
            current_period_end=utcnow() + timedelta(days=30),
            payment_failed_at=payment_failed_at,
        )
        session.add(sub)
        await session.flush()
        return sub.id


async def set_subscription(db: Database, sub_id: uuid.UUID, **fields: Any) -> None:
    """Change a subscription row (a cancellation that took effect, a failed payment)."""
    async with db.unit_of_work() as session:
        sub = await session.get(Subscription, sub_id)
        assert sub is not None
        for name, value in fields.items():
            setattr(sub, name, value)
