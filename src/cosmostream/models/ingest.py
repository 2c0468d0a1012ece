"""What every fetcher of third-party data remembers between runs."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, text
from sqlalchemy.orm import Mapped, mapped_column

from cosmostream.models.base import Base


class IngestState(Base):
    """Per upstream source (`ll2`, `snapi`, `feed:nasa`, `celestrak`,
    `horizons:-170`, …): the request budget of the current window, when it last
    ran, and when it may run again (after a refresh period or a back-off). Kept
    in the database so every worker process and restart sees the same state."""

    __tablename__ = "ingest_states"

    source: Mapped[str] = mapped_column(String(100), primary_key=True)
    window_started_at: Mapped[datetime | None]
    requests_in_window: Mapped[int] = mapped_column(default=0, server_default=text("0"))
    # Not before this: a back-off after errors, a 429's Retry-After, or a refresh period.
    blocked_until: Mapped[datetime | None]
    failures: Mapped[int] = mapped_column(default=0, server_default=text("0"))
    last_attempt_at: Mapped[datetime | None]
    last_success_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(String(500))
