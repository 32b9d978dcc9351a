"""The tracker store's database as endpoints.yml configures it (Rasa's SQL tracker store).

Used before startup, to refuse to start with a clear message when the database cannot be
reached (Rasa itself would retry forever), and by the retention purge.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import sqlalchemy as sa


class TrackerStoreConfigError(Exception):
    """The tracker store in endpoints.yml is missing, of another type, or not reachable."""


def tracker_store_url(endpoints: Path) -> str:
    """The SQLAlchemy URL of the SQL tracker store configured in ``endpoints``.

    Built by Rasa's own ``SQLTrackerStore.get_db_url`` from the same fields Rasa reads.
    """
    with warnings.catch_warnings():
        # Rasa's imports announce SQLAlchemy 2.0 and setuptools deprecations on the terminal.
        warnings.simplefilter("ignore")
        from rasa.core.tracker_store import SQLTrackerStore
        from rasa.utils.endpoints import read_endpoint_config

    config = read_endpoint_config(str(endpoints), "tracker_store")
    if config is None:
        raise TrackerStoreConfigError(
            f"{endpoints}: tracker_store: missing; configure Rasa's SQL tracker store "
            "(without it Rasa keeps conversations in memory only)"
        )
    if str(config.type).lower() != "sql":
        raise TrackerStoreConfigError(
            f"{endpoints}: tracker_store.type: {config.type!r} is not supported; use SQL"
        )
    kwargs = config.kwargs
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "URL() is deprecated" inside Rasa
        url = SQLTrackerStore.get_db_url(
            kwargs.get("dialect", "sqlite"),
            config.url,
            kwargs.get("port"),
            kwargs.get("db", "rasa.db"),
            kwargs.get("username"),
            kwargs.get("password"),
            kwargs.get("login_db"),
            kwargs.get("query"),
        )
    return str(url)


def check_tracker_store(endpoints: Path, timeout_s: int = 5) -> str:
    """Connect once to the tracker store's database; return its URL without the password.

    A SQLite file's folder is created, as the database file itself would be.
    """
    url = sa.engine.make_url(tracker_store_url(endpoints))
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
        reason = str(getattr(exc, "orig", exc) or type(exc).__name__).strip().splitlines()
        raise TrackerStoreConfigError(
            f"{endpoints}: tracker_store: cannot connect to {shown}: "
            f"{reason[0] if reason else type(exc).__name__}"
        ) from None
    finally:
        engine.dispose()
    return shown
