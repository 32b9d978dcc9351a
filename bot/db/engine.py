"""Engines and transactions of both stores: one factory, one engine per URL, made when needed.

Creating the engine of a URL brings that database's schema up to date with the store's Alembic
revisions (:func:`bot.db.migrate.upgrade`), once per process and URL since the engine is
cached: the web app, the Rasa server's brokers and the command line never work on an old
schema. Each engine has one ``sessionmaker``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from bot.db.stores import Store

# Engines kept at once (both stores, a few URLs each: the tests use many).
CACHED_ENGINES = 8


@lru_cache(maxsize=CACHED_ENGINES)
def get_engine(store: Store, url: str | None = None) -> Engine:
    """The engine of ``store`` for ``url`` (default: the store's URL setting).

    The first call for a URL upgrades its schema to the newest revision (a new database gets
    every table); raises ``SQLAlchemyError`` when the database cannot be reached or upgraded.
    """
    from bot.db.migrate import upgrade

    url = store.url(url)
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    # A PostgreSQL server that does not answer is given up on quickly: the brokers then queue
    # what they write and the web app answers with an error page, instead of hanging.
    connect_args = {"connect_timeout": 3} if url.startswith("postgresql") else {}
    engine = sa.create_engine(url, future=True, pool_pre_ping=True, connect_args=connect_args)
    if engine.dialect.name == "sqlite":
        sa.event.listen(engine, "connect", store.on_sqlite_connect)
    upgrade(store, url)
    return engine


@lru_cache(maxsize=CACHED_ENGINES)
def _sessions(engine: Engine) -> sessionmaker:
    return sessionmaker(bind=engine, future=True)


@contextmanager
def session_scope(store: Store, url: str | None = None) -> Iterator[Session]:
    """A transaction on ``store``: commit on success, roll back on error, always close."""
    session = _sessions(get_engine(store, url))()
    try:
        yield session
        session.commit()
    except Exception:
        session.rollback()
        raise
    finally:
        session.close()
