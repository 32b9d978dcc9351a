"""Throwaway statistics databases for the tests and the statistics benchmark.

A SQLite file in a given directory, or a new PostgreSQL database on the local server
(``BOT_TEST_POSTGRES_URL``, default the ``postgres`` maintenance database at 127.0.0.1:5432),
dropped afterwards unless kept. The tables are not created here: the first
``bot.db.engine.get_engine(store, url)`` migrates the empty database to the store's newest
schema, as in production.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.exc import SQLAlchemyError

from bot.db.engine import get_engine
from bot.db.stores import STATISTICS

PG_ADMIN_URL = os.environ.get(
    "BOT_TEST_POSTGRES_URL", "postgresql+psycopg2://postgres@127.0.0.1:5432/postgres"
)
# The kinds fresh_database makes; the tests run every database test on each one available.
DATABASE_KINDS: tuple[str, ...] = ("sqlite", "postgresql")
SQLITE_FILE = "analytics.db"


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


def available(kind: str) -> bool:
    """Whether ``fresh_database(kind, ...)`` can make a database here."""
    if kind not in DATABASE_KINDS:
        raise ValueError(f"unknown database kind {kind!r}; use one of {DATABASE_KINDS}")
    return kind == "sqlite" or postgres_available()


def database_name(url: str) -> str:
    """The database name of a URL from :func:`fresh_database` (the file path for SQLite)."""
    return str(sa.engine.make_url(url).database)


@contextmanager
def fresh_database(
    kind: str, directory: Path, keep: bool = False, prefix: str = "borger_test"
) -> Iterator[str]:
    """The URL of a new, empty database of ``kind`` ("sqlite" or "postgresql").

    SQLite: ``<directory>/analytics.db``, which must not exist yet (the directory is the
    caller's to remove). PostgreSQL: a database ``<prefix>_<random>`` on the server of
    :data:`PG_ADMIN_URL`, dropped afterwards (even with connections still open) unless ``keep``.
    Either way the cached engines of ``bot.db.engine.get_engine`` are cleared afterwards.
    """
    if kind not in DATABASE_KINDS:
        raise ValueError(f"unknown database kind {kind!r}; use one of {DATABASE_KINDS}")
    if kind == "sqlite":
        path = Path(directory) / SQLITE_FILE
        if path.exists():
            raise FileExistsError(f"{path} exists: give each fresh database its own directory")
        try:
            yield f"sqlite:///{path}"
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
        with suppress(SQLAlchemyError):
            get_engine(STATISTICS, url).dispose()
        get_engine.cache_clear()
        if not keep:
            with admin.connect() as conn:
                conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
