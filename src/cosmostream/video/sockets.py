"""The video domain on Socket.IO: the processing-status room `video:<id>`."""

from __future__ import annotations

from cosmostream.realtime import Realtime, register_room
from cosmostream.video.service import authorize_video_room


def install(rt: Realtime) -> None:
    """Register the room where a video's managers follow its processing."""
    register_room("video", authorize_video_room)
