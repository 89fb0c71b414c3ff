"""Shared by the attack tests (test_attack_*.py): they run on SQLite only.

What they try — escaping, CSRF, upload checks, spreadsheet cells, the API's promises — sits before
or above the database, and the conftest's suites run both databases already. Import the fixture
below into a test module to override the conftest's two-database ``database_url`` there.
"""

from __future__ import annotations

import pytest


@pytest.fixture
def database_url(tmp_path):
    """SQLite only (the conftest's fixture of the same name runs both databases)."""
    (tmp_path / "data").mkdir(mode=0o700, exist_ok=True)
    return f"sqlite:///{tmp_path / 'data' / 'zongheng.db'}"
