"""Fixtures for storage tests: an open Store on each backend in turn."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from storage.database import Store


@pytest.fixture
def store(database_url: str) -> Iterator[Store]:
    """A migrated Store on a fresh database (SQLite file, then PostgreSQL when available)."""
    with Store.open(database_url) as opened:
        yield opened
