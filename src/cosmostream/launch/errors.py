from __future__ import annotations

from cosmostream.errors import NotFound


class LaunchNotFound(NotFound):
    code = "launch_not_found"
    message = "That launch does not exist."
