from __future__ import annotations

from cosmostream.errors import Conflict


class AlreadyReported(Conflict):
    code = "already_reported"
    message = "You have already reported this."
