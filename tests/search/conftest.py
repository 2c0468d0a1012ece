"""The browser fixtures, for the search box's end-to-end test."""

from __future__ import annotations

from tests.e2e.conftest import (  # noqa: F401 - shared fixtures and the opt-out hook
    browser,
    demo_data_dir,
    live_server,
    page,
    pytest_collection_modifyitems,
)
