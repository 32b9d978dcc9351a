"""The statistics database: one engine per URL, created when first needed.

Creating the engine brings the database's schema up to date with the Alembic revisions in
``bot/analytics/migrations`` (once per process and URL: the engine is cached).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from functools import lru_cache
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from bot.settings import TIMEZONE
from bot.sqlite_files import apply_sqlite_pragmas

# SQL function registered on every SQLite connection: the Copenhagen calendar day
# ('YYYY-MM-DD') of a stored naive-UTC timestamp. PostgreSQL uses AT TIME ZONE instead.
SQLITE_LOCAL_DAY = "bot_copenhagen_day"


def copenhagen_day(stored: str | None) -> str | None:
    """The Copenhagen calendar day of a timestamp as SQLite stores it (naive UTC text)."""
    if stored is None:
        return None
    moment = datetime.fromisoformat(str(stored)).replace(tzinfo=timezone.utc)
    return moment.astimezone(TIMEZONE).date().isoformat()


@lru_cache(maxsize=4)
def get_engine(url: str | None = None) -> Engine:
    """The engine for ``url`` (default: BOT_ANALYTICS_DB_URL).

    The first call for a URL upgrades its schema to the newest revision (a new database gets
    every table); raises ``SQLAlchemyError`` when the database cannot be reached or upgraded.
    """
    from bot.analytics.migrations import upgrade
    from bot.settings import get_settings

    url = url or get_settings().analytics_db_url
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    # A PostgreSQL server that does not answer is given up on quickly: the broker then queues
    # statistics and the web app answers with an error page, instead of hanging.
    connect_args = {"connect_timeout": 3} if url.startswith("postgresql") else {}
    engine = sa.create_engine(url, future=True, pool_pre_ping=True, connect_args=connect_args)
    if engine.dialect.name == "sqlite":
        sa.event.listen(engine, "connect", _sqlite_pragmas)
    upgrade(url)
    return engine


def _sqlite_pragmas(dbapi_connection: object, record: object) -> None:
    apply_sqlite_pragmas(dbapi_connection, record)
    dbapi_connection.create_function(  # type: ignore[attr-defined]
        SQLITE_LOCAL_DAY, 1, copenhagen_day, deterministic=True
    )


@contextmanager
def session_scope(url: str | None = None) -> Iterator[Session]:
    """A transaction: commit on success, roll back on error, always close."""
    session = sessionmaker(bind=get_engine(url), future=True)()
    try:
        yield session
        session.commit()
    except Exception:
        session.rollback()
        raise
    finally:
        session.close()
