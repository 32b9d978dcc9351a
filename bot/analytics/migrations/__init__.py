"""Schema migrations of the statistics database (Alembic; SQLite and PostgreSQL).

The revisions are in ``versions/``; ``env.py`` runs them. Three ways in, all the same code:

* ``alembic upgrade head`` from the repository root (``alembic.ini``; ``-x url=...`` for another
  database than BOT_ANALYTICS_DB_URL);
* ``python -m bot migrate [--url URL]``;
* :func:`upgrade`, which :func:`bot.analytics.db.get_engine` calls when it first creates the
  engine of a URL, so the web app, the Rasa event broker and the command line never work on an
  old schema.

Concurrent upgraders are serialised: on PostgreSQL by a session advisory lock
(:data:`LOCK_KEY`), on SQLite by running the whole upgrade in one ``BEGIN IMMEDIATE``
transaction (SQLite's DDL is transactional once the driver leaves transactions to us), and the
threads of one process by a lock. The one that waits then finds the database current and does
nothing.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import SQLAlchemyError

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS_DIR = Path(__file__).resolve().parent
# pg_advisory_lock key of "the statistics schema is being migrated" (any fixed bigint).
LOCK_KEY = 0x626F_7267_6D69_6772  # "borgmigr"
# How long a SQLite upgrader waits for another one (or a long write) to finish, in seconds.
SQLITE_LOCK_WAIT_S = 60
# Alembic's command API keeps the running migration in module globals (alembic.op, .context):
# two threads of one process must not run it at once.
_IN_PROCESS = threading.Lock()


class MigrationError(SQLAlchemyError):
    """The statistics database's schema cannot be brought up to date; the message says why."""


def shown_url(url: str) -> str:
    """``url`` without its password, for messages."""
    try:
        return sa.engine.make_url(url).render_as_string(hide_password=True)
    except sa.exc.ArgumentError:
        return "(not a database URL)"


def resolve_url(url: str | None) -> str:
    """``url``, or BOT_ANALYTICS_DB_URL when it is None or empty."""
    if url:
        return url
    from bot.settings import get_settings

    return get_settings().analytics_db_url


def alembic_config(url: str | None = None) -> Config:
    """An Alembic configuration for the database at ``url`` (no alembic.ini needed)."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["url"] = resolve_url(url)
    return config


@lru_cache(maxsize=1)
def _script() -> Any:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config("sqlite://"))


def head_revision() -> str:
    """The newest revision this version of the code knows."""
    head = _script().get_current_head()
    if head is None:
        raise MigrationError(f"no revisions in {MIGRATIONS_DIR / 'versions'}")
    return str(head)


def known_revisions() -> set[str]:
    """Every revision id in ``versions/``."""
    return {script.revision for script in _script().walk_revisions()}


def _connect_args(url: sa.engine.URL) -> dict[str, object]:
    if url.get_backend_name() == "sqlite":
        return {"timeout": SQLITE_LOCK_WAIT_S}
    if url.get_backend_name() == "postgresql":
        return {"connect_timeout": 3}  # as get_engine: a server that does not answer fails fast
    return {}


def _sqlite_directory(url: sa.engine.URL) -> None:
    database = url.database or ""
    if url.get_backend_name() == "sqlite" and database and database != ":memory:":
        Path(database).parent.mkdir(parents=True, exist_ok=True)


def migration_engine(url: str) -> Engine:
    """An engine for running migrations on ``url`` (no pool; dispose it after use).

    On SQLite the driver's own transaction handling is switched off and every transaction
    starts with ``BEGIN IMMEDIATE``: the write lock is taken before the current revision is
    read, and the DDL of a whole upgrade commits or rolls back as one.
    """
    parsed = sa.engine.make_url(url)
    _sqlite_directory(parsed)
    engine = sa.create_engine(
        parsed, future=True, poolclass=sa.pool.NullPool, connect_args=_connect_args(parsed)
    )
    if engine.dialect.name == "sqlite":

        def _no_driver_transactions(dbapi_connection: Any, _: object) -> None:
            dbapi_connection.isolation_level = None

        def _begin_immediate(connection: Connection) -> None:
            connection.exec_driver_sql("BEGIN IMMEDIATE")

        sa.event.listen(engine, "connect", _no_driver_transactions)
        sa.event.listen(engine, "begin", _begin_immediate)
    return engine


@contextmanager
def migration_lock(connection: Connection) -> Iterator[None]:
    """Hold the migration lock on ``connection`` (PostgreSQL; SQLite locks per transaction)."""
    if connection.dialect.name != "postgresql":
        yield
        return
    connection.execute(sa.text("SELECT pg_advisory_lock(:key)"), {"key": LOCK_KEY})
    connection.commit()
    try:
        yield
    finally:
        try:
            if connection.in_transaction():
                connection.rollback()
            connection.execute(sa.text("SELECT pg_advisory_unlock(:key)"), {"key": LOCK_KEY})
            connection.commit()
        except SQLAlchemyError:
            pass  # the connection is gone, and with it the lock


def current_revision(url: str | None = None) -> str | None:
    """The revision the database at ``url`` is at; None for a new or pre-Alembic database."""
    from alembic.runtime.migration import MigrationContext

    parsed = sa.engine.make_url(resolve_url(url))
    _sqlite_directory(parsed)
    engine = sa.create_engine(
        parsed, future=True, poolclass=sa.pool.NullPool, connect_args=_connect_args(parsed)
    )
    try:
        with engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()
    finally:
        engine.dispose()


def _check_known(url: str, revision: str | None) -> None:
    if revision is not None and revision not in known_revisions():
        raise MigrationError(
            f"statistics database {shown_url(url)} is at schema revision {revision!r}, which "
            f"this version of the assistant does not know (its newest is {head_revision()!r}); "
            "was it upgraded by a newer version?"
        )


def upgrade(url: str | None = None, revision: str = "head") -> tuple[str | None, str | None]:
    """Upgrade the database at ``url`` (default BOT_ANALYTICS_DB_URL) to ``revision``.

    Returns the revision before and after. A database already at the newest revision is only
    read (no lock taken). Raises ``SQLAlchemyError`` (``MigrationError`` for a schema problem)
    when the database cannot be reached or upgraded.
    """
    return _migrate("upgrade", url, revision)


def downgrade(url: str | None, revision: str) -> tuple[str | None, str | None]:
    """Downgrade the database at ``url`` to ``revision`` ("base": no tables at all).

    Returns the revision before and after.
    """
    return _migrate("downgrade", url, revision)


def _migrate(direction: str, url: str | None, revision: str) -> tuple[str | None, str | None]:
    """Run alembic's ``upgrade`` or ``downgrade`` to ``revision``; the revisions before/after."""
    from alembic import command
    from alembic.util import CommandError

    url = resolve_url(url)
    before = current_revision(url)
    _check_known(url, before)
    if direction == "upgrade" and revision == "head" and before == head_revision():
        return before, before
    with _IN_PROCESS:
        try:
            getattr(command, direction)(alembic_config(url), revision)
        except CommandError as exc:
            raise MigrationError(f"statistics database {shown_url(url)}: {exc}") from exc
    return before, current_revision(url)
