from __future__ import annotations

from cosmostream.errors import ValidationFailed


class UnknownTopic(ValidationFailed):
    code = "unknown_topic"
    message = "That is not a news topic."
