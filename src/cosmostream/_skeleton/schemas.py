"""What the service takes and returns (no ORM objects leave a transport)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class SkeletonSummary(BaseModel):
    model_config = ConfigDict(frozen=True)

    topic: str
    category_count: int
