"""The domain's expected failures: `AppError` subclasses with a 4xx status."""

from __future__ import annotations

from cosmostream.errors import ValidationFailed


class BadSkeletonTopic(ValidationFailed):
    message = "That topic is not valid."
