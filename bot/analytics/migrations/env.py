"""Alembic environment of the statistics database: the runner shared by both stores.

Run by ``alembic upgrade head`` (alembic.ini) and by :func:`bot.db.migrate.upgrade`; the URL
and the locking are described in :func:`bot.db.migrate.run_environment`.
"""

from __future__ import annotations

from bot.db.migrate import run_environment
from bot.db.stores import STATISTICS

run_environment(STATISTICS)
