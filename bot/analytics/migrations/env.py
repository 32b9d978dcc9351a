"""Alembic environment of the statistics database (run by ``alembic`` and by ``upgrade()``).

The database URL, first found wins: ``alembic -x url=...``; the URL given to
:func:`bot.analytics.migrations.upgrade`; BOT_ANALYTICS_DB_URL (bot.settings).
"""

from __future__ import annotations

from logging.config import fileConfig
from typing import Any

from alembic import context

from bot.analytics.migrations import migration_engine, migration_lock, resolve_url
from bot.analytics.models import Base, UTCDateTime

config = context.config
if config.config_file_name is not None:  # the alembic command with alembic.ini
    fileConfig(config.config_file_name, disable_existing_loggers=False)

# For `alembic revision --autogenerate` and `compare_metadata`; the revisions themselves spell
# their tables out and never read the models.
target_metadata = Base.metadata


def database_url() -> str:
    given = context.get_x_argument(as_dictionary=True).get("url")
    return resolve_url(given or config.attributes.get("url"))


def render_item(type_: str, obj: Any, autogen_context: Any) -> str | bool:
    """Autogenerate writes UTCDateTime columns as what the database has: sa.DateTime()."""
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime()"
    return False


def run_migrations_offline() -> None:
    """``alembic upgrade head --sql``: print the SQL instead of running it."""
    context.configure(
        url=database_url(),
        target_metadata=target_metadata,
        literal_binds=True,
        render_item=render_item,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    engine = migration_engine(database_url())
    try:
        with engine.connect() as connection, migration_lock(connection):
            sqlite = connection.dialect.name == "sqlite"
            context.configure(
                connection=connection,
                target_metadata=target_metadata,
                render_item=render_item,
                render_as_batch=sqlite,  # SQLite alters tables by copying them
                # One transaction for the whole upgrade on SQLite too (BEGIN IMMEDIATE).
                transactional_ddl=True if sqlite else None,
            )
            with context.begin_transaction():
                context.run_migrations()
    finally:
        engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
