"""Throwaway statistics databases for the tests and the benchmark.

A SQLite file in a given directory, or a fresh PostgreSQL database on the local server
(``BOT_TEST_POSTGRES_URL``, default the ``postgres`` maintenance database at 127.0.0.1:5432),
dropped afterwards unless kept.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa

from bot.analytics.db import get_engine

PG_ADMIN_URL = os.environ.get(
    "BOT_TEST_POSTGRES_URL", "postgresql+psycopg2://postgres@127.0.0.1:5432/postgres"
)


def postgres_available(admin_url: str = PG_ADMIN_URL) -> bool:
    """Whether the PostgreSQL server answers (within 3 seconds)."""
    try:
        engine = sa.create_engine(admin_url, connect_args={"connect_timeout": 3})
        with engine.connect():
            pass
        engine.dispose()
        return True
    except Exception:
        return False


@contextmanager
def scratch_database(
    kind: str, directory: Path, keep: bool = False, prefix: str = "borger_test"
) -> Iterator[str]:
    """The URL of a new, empty database of ``kind`` ("sqlite" or "postgresql")."""
    if kind == "sqlite":
        url = f"sqlite:///{directory / 'analytics.db'}"
        try:
            yield url
        finally:
            get_engine.cache_clear()
        return
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    try:
        yield url
    finally:
        get_engine(url).dispose()
        get_engine.cache_clear()
        if not keep:
            with admin.connect() as conn:
                conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
