"""A fresh review store (SQLite, then PostgreSQL) for the review tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bot.db.engine import get_engine
from bot.db.stores import REVIEW


@pytest.fixture
def review_url(database_url: str) -> Iterator[str]:
    """A new, empty review store on each database kind (tables made on first use)."""
    get_engine.cache_clear()
    get_engine(REVIEW, database_url)
    yield database_url
    get_engine(REVIEW, database_url).dispose()
    get_engine.cache_clear()
