"""Schema migrations of both stores (Alembic; SQLite and PostgreSQL), one runner for both.

Each store (:mod:`bot.db.stores`) has its revisions in its own script directory, whose
``env.py`` only calls :func:`run_environment`. Three ways in, all the same code:

* ``alembic upgrade head`` (the statistics database) or ``alembic -n review upgrade head``
  from the repository root (``alembic.ini``; ``-x url=...`` for another database than the
  store's URL setting);
* ``python -m bot migrate [--url URL]`` (the statistics database);
* :func:`upgrade`, which :func:`bot.db.engine.get_engine` calls when it first creates the
  engine of a URL, so the web app, the Rasa server's brokers and the command line never work on
  an old schema.

Concurrent upgraders are serialised: on PostgreSQL by a session advisory lock (the store's
``lock_key``), on SQLite by running the whole upgrade in one ``BEGIN IMMEDIATE`` transaction
(SQLite's DDL is transactional once the driver leaves transactions to us), and the threads of
one process by a lock. The one that waits then finds the database current and does nothing.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from functools import cache
from importlib import import_module
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import SQLAlchemyError

from bot.db.stores import Store
from bot.db.types import UTCDateTime

if TYPE_CHECKING:
    from alembic.config import Config

# How long a SQLite upgrader waits for another one (or a long write) to finish, in seconds.
SQLITE_LOCK_WAIT_S = 60
# Alembic's command API keeps the running migration in module globals (alembic.op, .context):
# two threads of one process must not run it at once.
_IN_PROCESS = threading.Lock()


class MigrationError(SQLAlchemyError):
    """A store's schema cannot be brought up to date; the message says why."""


def shown_url(url: str | sa.engine.URL) -> str:
    """``url`` without its password, for messages."""
    try:
        return sa.engine.make_url(url).render_as_string(hide_password=True)
    except sa.exc.ArgumentError:
        return "(not a database URL)"


def alembic_config(store: Store, url: str | None = None) -> Config:
    """An Alembic configuration for ``store`` at ``url`` (no alembic.ini needed)."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(store.migrations))
    config.attributes["url"] = store.url(url)
    return config


@cache
def _script(store: Store) -> Any:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config(store, "sqlite://"))


def head_revision(store: Store) -> str:
    """The newest revision of ``store`` this version of the code knows."""
    head = _script(store).get_current_head()
    if head is None:
        raise MigrationError(f"no revisions in {store.migrations / 'versions'}")
    return str(head)


def known_revisions(store: Store) -> set[str]:
    """Every revision id in the store's ``versions/``."""
    return {script.revision for script in _script(store).walk_revisions()}


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


def _plain_engine(url: str) -> Engine:
    parsed = sa.engine.make_url(url)
    _sqlite_directory(parsed)
    return sa.create_engine(
        parsed, future=True, poolclass=sa.pool.NullPool, connect_args=_connect_args(parsed)
    )


def migration_engine(url: str) -> Engine:
    """An engine for running migrations on ``url`` (no pool; dispose it after use).

    On SQLite the driver's own transaction handling is switched off and every transaction
    starts with ``BEGIN IMMEDIATE``: the write lock is taken before the current revision is
    read, and the DDL of a whole upgrade commits or rolls back as one.
    """
    engine = _plain_engine(url)
    if engine.dialect.name == "sqlite":

        def _no_driver_transactions(dbapi_connection: Any, _: object) -> None:
            dbapi_connection.isolation_level = None

        def _begin_immediate(connection: Connection) -> None:
            connection.exec_driver_sql("BEGIN IMMEDIATE")

        sa.event.listen(engine, "connect", _no_driver_transactions)
        sa.event.listen(engine, "begin", _begin_immediate)
    return engine


@contextmanager
def migration_lock(connection: Connection, key: int) -> Iterator[None]:
    """Hold the migration lock ``key`` on ``connection`` (PostgreSQL; SQLite locks per
    transaction)."""
    if connection.dialect.name != "postgresql":
        yield
        return
    connection.execute(sa.text("SELECT pg_advisory_lock(:key)"), {"key": key})
    connection.commit()
    try:
        yield
    finally:
        try:
            if connection.in_transaction():
                connection.rollback()
            connection.execute(sa.text("SELECT pg_advisory_unlock(:key)"), {"key": key})
            connection.commit()
        except SQLAlchemyError:
            pass  # the connection is gone, and with it the lock


def current_revision(store: Store, url: str | None = None) -> str | None:
    """The revision ``store``'s database at ``url`` is at; None for a new or pre-Alembic one."""
    from alembic.runtime.migration import MigrationContext

    engine = _plain_engine(store.url(url))
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(
                connection, opts={"version_table": store.version_table}
            )
            return context.get_current_revision()
    finally:
        engine.dispose()


def _check_known(store: Store, url: str, revision: str | None) -> None:
    if revision is not None and revision not in known_revisions(store):
        raise MigrationError(
            f"{store.label} {shown_url(url)} is at schema revision {revision!r}, which "
            f"this version of the assistant does not know (its newest is "
            f"{head_revision(store)!r}); was it upgraded by a newer version?"
        )


def upgrade(
    store: Store, url: str | None = None, revision: str = "head"
) -> tuple[str | None, str | None]:
    """Upgrade ``store``'s database at ``url`` (default: its URL setting) to ``revision``.

    Returns the revision before and after. A database already at the newest revision is only
    read (no lock taken). Raises ``SQLAlchemyError`` (``MigrationError`` for a schema problem)
    when the database cannot be reached or upgraded.
    """
    return _migrate(store, "upgrade", url, revision)


def downgrade(store: Store, url: str | None, revision: str) -> tuple[str | None, str | None]:
    """Downgrade ``store``'s database at ``url`` to ``revision`` ("base": no tables at all).

    Returns the revision before and after.
    """
    return _migrate(store, "downgrade", url, revision)


def _migrate(
    store: Store, direction: str, url: str | None, revision: str
) -> tuple[str | None, str | None]:
    """Run alembic's ``upgrade`` or ``downgrade`` to ``revision``; the revisions before/after."""
    from alembic import command
    from alembic.util import CommandError

    url = store.url(url)
    before = current_revision(store, url)
    _check_known(store, url, before)
    if direction == "upgrade" and revision == "head" and before == head_revision(store):
        return before, before
    with _IN_PROCESS:
        try:
            getattr(command, direction)(alembic_config(store, url), revision)
        except CommandError as exc:
            raise MigrationError(f"{store.label} {shown_url(url)}: {exc}") from exc
    return before, current_revision(store, url)


# --- what each store's env.py runs -----------------------------------------------------------


def render_item(type_: str, obj: Any, autogen_context: Any) -> str | bool:
    """Autogenerate writes UTCDateTime columns as what the database has: sa.DateTime()."""
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime()"
    return False


def run_environment(store: Store) -> None:
    """The body of ``store``'s Alembic ``env.py`` (run by ``alembic`` and by :func:`upgrade`).

    The database URL, first found wins: ``alembic -x url=...``; the URL given to
    :func:`upgrade`; the store's URL setting. For ``alembic revision --autogenerate`` the
    section of ``alembic.ini`` names the modules that declare the store's tables
    (``table_modules``); they are imported here, so the comparison sees every table, while
    this layer's code imports none of them. The revisions themselves never read the models.
    """
    from logging.config import fileConfig

    from alembic import context

    config = context.config
    if config.config_file_name is not None:  # the alembic command with alembic.ini
        fileConfig(config.config_file_name, disable_existing_loggers=False)
    for module in (config.get_main_option("table_modules") or "").split():
        import_module(module)
    given = context.get_x_argument(as_dictionary=True).get("url")
    url = store.url(given or config.attributes.get("url"))
    options: dict[str, Any] = {
        "target_metadata": store.base.metadata,
        "render_item": render_item,
        "version_table": store.version_table,
    }
    if context.is_offline_mode():  # alembic upgrade head --sql: print the SQL
        context.configure(url=url, literal_binds=True, **options)
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = migration_engine(url)
    try:
        with engine.connect() as connection, migration_lock(connection, store.lock_key):
            sqlite = connection.dialect.name == "sqlite"
            context.configure(
                connection=connection,
                render_as_batch=sqlite,  # SQLite alters tables by copying them
                # One transaction for the whole upgrade on SQLite too (BEGIN IMMEDIATE).
                transactional_ddl=True if sqlite else None,
                **options,
            )
            with context.begin_transaction():
                context.run_migrations()
    finally:
        engine.dispose()


def tables_made_before(store: Store, tables: Sequence[str]) -> bool:
    """For a baseline revision: whether its ``tables`` exist already (a database made before
    the store had revisions; the baseline then only records its revision).

    False for a database with none of them (and in ``--sql`` mode, which cannot look). Raises
    :class:`MigrationError` naming the database and the missing tables when only some exist:
    such a database was not made by the code the baseline describes, and guessing would lose
    data or leave it half-made.
    """
    from alembic import context, op

    if context.is_offline_mode():
        return False
    bind = op.get_bind()
    present = set(sa.inspect(bind).get_table_names())
    missing = [name for name in tables if name not in present]
    if len(missing) == len(tables):
        return False
    if missing:
        raise MigrationError(
            f"{store.label} {shown_url(bind.engine.url)} has no schema revision and only some "
            f"of its tables: {', '.join(missing)} missing. It was made by an older version or "
            "by hand; refusing to upgrade it. Open it once with the previous release (which "
            f"creates the missing tables), restore a backup, or point {store.url_env} at an "
            "empty database."
        )
    return True
