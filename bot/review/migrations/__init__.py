"""Alembic revisions of the review store; the runner is :mod:`bot.db.migrate`."""
