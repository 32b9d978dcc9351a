"""Alembic revisions of the statistics database; the runner is :mod:`bot.db.migrate`."""
