"""The tracker store's database as endpoints.yml configures it (Rasa's SQL tracker store, or
bot.rasa_server.tracker_store's cached one over the same table).

Used before startup, to refuse to start with a clear message when the database cannot be
reached (Rasa itself would retry forever), and by the retention purge (bot.stack.retention),
which deletes old conversations here: whole conversations (sender ids) whose *newest* event is
older than the cutoff, so one still going on is never cut in half.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from bot.stack.endpoints import TRACKER_STORE

if TYPE_CHECKING:
    from rasa.utils.endpoints import EndpointConfig


class TrackerStoreConfigError(Exception):
    """The tracker store in endpoints.yml is missing, of another type, or not reachable."""


@contextmanager
def quiet_rasa_imports() -> Iterator[None]:
    """Rasa's imports without the SQLAlchemy 2.0 and setuptools deprecation notices they print
    on the terminal."""
    from sqlalchemy.util import deprecations

    from bot.rasa_server.internal import assign
    from bot.rasa_server.internals import SILENCE_UBER_WARNING

    # What SQLALCHEMY_SILENCE_UBER_WARNING=1 does; the notice bypasses warning filters that
    # libraries reset while Rasa is imported.
    assign(SILENCE_UBER_WARNING, deprecations, True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield


def tracker_store_config(endpoints: Path) -> EndpointConfig | None:
    """The ``tracker_store`` section of ``endpoints``, read by Rasa's own reader."""
    with quiet_rasa_imports():
        from rasa.utils.endpoints import read_endpoint_config

        return read_endpoint_config(str(endpoints), "tracker_store")


def sql_url(config: EndpointConfig, endpoints: Path, *, login: bool = False) -> str:
    """The SQLAlchemy URL of a SQL tracker store, built by Rasa's ``SQLTrackerStore.get_db_url``
    from the same fields Rasa reads: the database that holds the events, or with ``login`` the
    ``login_db`` Rasa first connects to (to create that database) when one is configured."""
    kwargs = dict(config.kwargs)
    port = kwargs.get("port")
    try:
        port = int(port) if port not in (None, "") else None
    except (TypeError, ValueError):
        raise TrackerStoreConfigError(
            f"{endpoints}: tracker_store.port: {port!r} is not a number"
        ) from None
    with quiet_rasa_imports():
        from rasa.core.tracker_store import SQLTrackerStore

        url = SQLTrackerStore.get_db_url(
            kwargs.get("dialect", "sqlite"),
            config.url,
            port,
            kwargs.get("db", "rasa.db"),
            kwargs.get("username"),
            kwargs.get("password"),
            kwargs.get("login_db") if login else None,
            kwargs.get("query"),
        )
    return str(url)


def is_sql_store(store_type: object) -> bool:
    """Whether an endpoints ``tracker_store.type`` keeps the events in Rasa's SQL table: Rasa's
    ``SQL`` store or our cached one over the same table (bot/rasa_server/tracker_store.py)."""
    return str(store_type).lower() == "sql" or store_type == TRACKER_STORE


def tracker_store_url(endpoints: Path, *, login: bool = False) -> str:
    """The URL of the SQL tracker store configured in ``endpoints`` (see :func:`sql_url`)."""
    config = tracker_store_config(endpoints)
    if config is None or config.type is None:
        raise TrackerStoreConfigError(
            f"{endpoints}: tracker_store: missing; configure Rasa's SQL tracker store "
            "(without it Rasa keeps conversations in memory only)"
        )
    if not is_sql_store(config.type):
        raise TrackerStoreConfigError(
            f"{endpoints}: tracker_store.type: {config.type!r} is not supported; use "
            f"{TRACKER_STORE} (Rasa's SQL tracker store, faster) or SQL"
        )
    return sql_url(config, endpoints, login=login)


def db_error_reason(exc: BaseException) -> str:
    """The first line of a database error, without SQLAlchemy's statement and parameters
    (which may quote a conversation)."""
    orig = getattr(exc, "orig", None) or exc
    text = str(orig).strip().splitlines()
    return text[0] if text else type(orig).__name__


def check_tracker_store(endpoints: Path, timeout_s: int = 5) -> str:
    """Connect once to the tracker store's database; return its URL without the password.

    A SQLite file's folder is created, as the database file itself would be.
    """
    url = sa.engine.make_url(tracker_store_url(endpoints, login=True))
    shown = url.render_as_string(hide_password=True)
    connect_args: dict[str, object] = {}
    if url.get_backend_name() == "sqlite":
        if url.database:
            Path(url.database).parent.mkdir(parents=True, exist_ok=True)
        connect_args["timeout"] = timeout_s
    elif url.get_backend_name() == "postgresql":
        connect_args["connect_timeout"] = timeout_s
    engine = sa.create_engine(url, connect_args=connect_args, poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as connection:
            connection.execute(sa.text("SELECT 1"))
    except (sa.exc.SQLAlchemyError, OSError) as exc:
        raise TrackerStoreConfigError(
            f"{endpoints}: tracker_store: cannot connect to {shown}: {db_error_reason(exc)}"
        ) from None
    finally:
        engine.dispose()
    return shown


# --- retention --------------------------------------------------------------------------------


@dataclass
class TrackerPurge:
    """What a purge of the tracker store deleted (or would delete)."""

    conversations: int = 0
    events: int = 0
    note: str | None = None  # e.g. "not purged: type redis"; None when purged


def tracker_engine(endpoints: Path) -> tuple[Engine | None, str | None]:
    """An engine on the tracker store of ``endpoints`` (None and a note when there is none).
    Read exactly as Rasa reads it; TrackerStoreConfigError names the file and field."""
    if not endpoints.is_file():
        raise TrackerStoreConfigError(f"{endpoints}: file not found (give it with --endpoints)")
    try:
        config = tracker_store_config(endpoints)
    except Exception as exc:  # Rasa raises its own YAML and environment-variable errors
        raise TrackerStoreConfigError(f"{endpoints}: tracker_store: cannot read: {exc}") from exc
    if config is None or config.type is None:
        return None, (
            f"not purged: {endpoints} has no tracker_store (Rasa keeps conversations in memory "
            "only; nothing on disk)"
        )
    if not is_sql_store(config.type):
        return None, (
            f"not purged: type {config.type} (only Rasa's SQL table of events is supported; "
            "delete old conversations with that store's own tools)"
        )
    url = sa.engine.make_url(sql_url(config, endpoints))  # the events' database, not login_db
    with quiet_rasa_imports():
        from rasa.core.tracker_store import create_engine_kwargs
    if url.get_backend_name() == "sqlite":
        database = url.database or ""
        if database and database != ":memory:" and not Path(database).exists():
            # Relative to the working directory, as for Rasa.
            return None, f"no database file {database}"
    kwargs = create_engine_kwargs(url)
    if url.get_backend_name() == "postgresql":
        kwargs.setdefault("connect_args", {}).setdefault("connect_timeout", 10)
    try:
        return sa.create_engine(url, future=True, **kwargs), None
    except (SQLAlchemyError, ImportError, ValueError) as exc:
        raise TrackerStoreConfigError(
            f"{endpoints}: tracker_store: cannot use {url.render_as_string(hide_password=True)}: "
            f"{db_error_reason(exc)}"
        ) from exc


def purge_tracker_store(endpoints: Path, cutoff: datetime, *, dry_run: bool) -> TrackerPurge:
    """Delete (or with ``dry_run`` count) every conversation of the tracker store of
    ``endpoints`` whose newest event is older than ``cutoff``."""
    engine, note = tracker_engine(endpoints)
    done = TrackerPurge(note=note)
    if engine is None:
        return done
    with quiet_rasa_imports():
        from rasa.core.tracker_store import SQLTrackerStore
    events = SQLTrackerStore.SQLEvent.__table__
    params = {"cutoff": cutoff.timestamp()}
    # Conversations whose newest event is older than the cutoff (Rasa's timestamps are epoch s).
    stale = (
        sa.select(events.c.sender_id)
        .group_by(events.c.sender_id)
        .having(sa.func.max(events.c.timestamp) < sa.bindparam("cutoff"))
    )
    where = events.c.sender_id.in_(stale)
    shown = engine.url.render_as_string(hide_password=True)
    try:
        conn = engine.connect()
    except SQLAlchemyError as exc:
        engine.dispose()
        raise TrackerStoreConfigError(
            f"{endpoints}: tracker_store: cannot connect to {shown}: {db_error_reason(exc)}"
        ) from exc
    try:
        with conn, conn.begin():
            if not sa.inspect(conn).has_table(events.name):
                done.note = f"no {events.name} table yet"
                return done
            done.conversations = int(
                conn.execute(
                    sa.select(sa.func.count()).select_from(stale.subquery()), params
                ).scalar_one()
            )
            if dry_run:
                statement = sa.select(sa.func.count()).select_from(events).where(where)
                done.events = int(conn.execute(statement, params).scalar_one())
            else:
                done.events = int(conn.execute(sa.delete(events).where(where), params).rowcount)
    except SQLAlchemyError as exc:
        raise TrackerStoreConfigError(
            f"{endpoints}: tracker_store: cannot purge {shown}: {db_error_reason(exc)}"
        ) from exc
    finally:
        engine.dispose()
    return done
