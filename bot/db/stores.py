"""The assistant's two databases, described once each: what differs between them is data here.

* :data:`STATISTICS` (``BOT_ANALYTICS_DB_URL``): counts of conversations, turns and links, and
  the staff logins. Its tables are declared on :data:`StatisticsBase` by
  ``bot.analytics.models`` and ``bot.web.auth_models``; its revisions are in
  ``bot/analytics/migrations``.
* :data:`REVIEW` (``BOT_REVIEW_DB_URL``): message text for review, model versions, retraining
  jobs and shadow tests. Its tables are declared on :data:`ReviewBase` by
  ``bot.review.records``, ``bot.mlops.versions``, ``bot.mlops.jobs`` and
  ``bot.mlops.shadow_store``; its revisions are in ``bot/review/migrations``.

The declarative bases live here, below the packages that declare tables on them, so this layer
never imports those packages: the engine and the migrations need no models (the revisions spell
their tables out). The engine code is one for both (:mod:`bot.db.engine`, :mod:`bot.db.migrate`).
Each store has its own Alembic version table and PostgreSQL advisory-lock key, so both stores
may even share one database.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from sqlalchemy.orm import declarative_base

from bot.db.sqlite import apply_sqlite_pragmas
from bot.settings import TIMEZONE

_PACKAGE = Path(__file__).resolve().parents[1]  # bot/

# SQL function registered on every SQLite connection of the statistics store: the Copenhagen
# calendar day ('YYYY-MM-DD') of a stored naive-UTC timestamp. PostgreSQL uses AT TIME ZONE.
SQLITE_LOCAL_DAY = "bot_copenhagen_day"


def copenhagen_day(stored: str | None) -> str | None:
    """The Copenhagen calendar day of a timestamp as SQLite stores it (naive UTC text)."""
    if stored is None:
        return None
    moment = datetime.fromisoformat(str(stored)).replace(tzinfo=timezone.utc)
    return moment.astimezone(TIMEZONE).date().isoformat()


# (name, number of arguments, function): deterministic SQL functions for SQLite connections.
SqliteFunction = tuple[str, int, Callable[..., Any]]


@dataclass(frozen=True, eq=False)  # compared and hashed by identity: one object per database
class Store:
    """One database: where its URL comes from, its tables' base and its migrations."""

    name: str  # the alembic.ini section (``alembic -n review ...``) and the log name
    label: str  # how messages name it: "statistics database", "review store"
    url_setting: str  # the attribute of bot.settings.Settings that holds the URL
    url_env: str  # that setting's environment variable, for messages
    base: Any  # the declarative base its tables are declared on
    migrations: Path  # the Alembic script directory (env.py, versions/)
    version_table: str  # Alembic's table of the current revision
    lock_key: int  # pg_advisory_lock key of "this store's schema is being migrated"
    sqlite_functions: tuple[SqliteFunction, ...] = ()

    def url(self, url: str | None = None) -> str:
        """``url``, or the store's setting when it is None or empty."""
        if url:
            return url
        from bot.settings import get_settings

        return str(getattr(get_settings(), self.url_setting))

    def on_sqlite_connect(self, dbapi_connection: Any, record: object = None) -> None:
        """SQLAlchemy ``connect`` listener: the common pragmas and this store's functions."""
        apply_sqlite_pragmas(dbapi_connection, record)
        for name, arity, function in self.sqlite_functions:
            dbapi_connection.create_function(name, arity, function, deterministic=True)


StatisticsBase = declarative_base()
ReviewBase = declarative_base()

STATISTICS = Store(
    name="statistics",
    label="statistics database",
    url_setting="analytics_db_url",
    url_env="BOT_ANALYTICS_DB_URL",
    base=StatisticsBase,
    migrations=_PACKAGE / "analytics" / "migrations",
    version_table="alembic_version",
    lock_key=0x626F_7267_6D69_6772,  # "borgmigr"
    sqlite_functions=((SQLITE_LOCAL_DAY, 1, copenhagen_day),),
)
REVIEW = Store(
    name="review",
    label="review store",
    url_setting="review_db_url",
    url_env="BOT_REVIEW_DB_URL",
    base=ReviewBase,
    migrations=_PACKAGE / "review" / "migrations",
    version_table="review_alembic_version",
    lock_key=0x626F_7267_7265_7669,  # "borgrevi"
)
STORES = (STATISTICS, REVIEW)
