"""Fixtures for tests that run the `cosmostream` command as its own process."""

from __future__ import annotations

import os
from pathlib import Path

import pytest


@pytest.fixture
def cli_env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("COSMOSTREAM_")}
    env.pop("DATABASE_URL", None)
    env.pop("REDIS_URL", None)
    env.update(
        COSMOSTREAM_DATA_DIR=str(tmp_path / "data"),
        JWT_SECRET="cli-test-" + "z" * 40,
        COSMOSTREAM_LOG_LEVEL="WARNING",
    )
    return env
