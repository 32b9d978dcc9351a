"""Real databases for the statistics tests: a SQLite file, and PostgreSQL when it is reachable.

PostgreSQL runs on these machines at 127.0.0.1:5432 (`make test` starts it if it is down). Each
test database is created fresh and dropped afterwards, so runs are repeatable.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from bot.analytics.scratch import postgres_available, scratch_database

__all__ = ["fresh_database", "postgres_available"]


@contextmanager
def fresh_database(kind: str, tmp_path: Path) -> Iterator[str]:
    """The URL of a new, empty database of ``kind`` ("sqlite" or "postgresql")."""
    with scratch_database(kind, tmp_path) as url:
        yield url
