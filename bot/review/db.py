"""The review store's database: one engine per URL, created when first needed.

Holds four groups of tables, each declared in its own module on :data:`Base`:
``bot.review.records`` (message text, review items, conversation tags),
``bot.review.versions`` (model versions and their promotion history),
``bot.review.jobs`` (retraining jobs and their progress) and ``bot.review.shadow`` (shadow tests
of candidates on recent messages, and the web team's verdicts).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, declarative_base, sessionmaker

from bot.sqlite_files import apply_sqlite_pragmas

Base = declarative_base()

# Modules that declare tables on Base; imported before the schema is created.
TABLE_MODULES = (
    "bot.review.records",
    "bot.review.versions",
    "bot.review.jobs",
    "bot.review.shadow",
)


def _import_tables() -> None:
    from importlib import import_module

    for name in TABLE_MODULES:
        import_module(name)


@lru_cache(maxsize=4)
def get_engine(url: str | None = None) -> Engine:
    """The engine for ``url`` (default: BOT_REVIEW_DB_URL); creates missing tables.

    Raises ``SQLAlchemyError`` when the database cannot be reached.
    """
    from bot.settings import get_settings

    url = url or get_settings().review_db_url
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    connect_args = {"connect_timeout": 3} if url.startswith("postgresql") else {}
    engine = sa.create_engine(url, future=True, pool_pre_ping=True, connect_args=connect_args)
    if engine.dialect.name == "sqlite":
        sa.event.listen(engine, "connect", apply_sqlite_pragmas)
    _import_tables()
    Base.metadata.create_all(engine)
    return engine


@contextmanager
def session_scope(url: str | None = None) -> Iterator[Session]:
    """A transaction on the review store: commit on success, roll back on error, always close."""
    session = sessionmaker(bind=get_engine(url), future=True)()
    try:
        yield session
        session.commit()
    except Exception:
        session.rollback()
        raise
    finally:
        session.close()
