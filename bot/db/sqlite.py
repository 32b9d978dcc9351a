"""The settings every SQLite database file of ours gets on each new connection.

The embedded default keeps conversations (Rasa's tracker store), statistics and the review
inbox in SQLite files, each written by one process and read by others (the web app, the
retention purge, the review jobs):

- ``journal_mode=WAL``: readers do not block the writer, nor the writer the readers;
- ``synchronous=NORMAL``: with WAL, a commit is not flushed to the disk at once (the WAL is
  synced at checkpoints). A commit survives a crash of the process; only an OS crash or a
  power loss can lose the last commits, and the file is never corrupted. It takes the disk
  flush off every turn (docs/benchmark-chat.md). PostgreSQL, the production path, syncs
  every commit;
- ``foreign_keys=ON``, and ``busy_timeout`` so a writer waits for another one (a purge)
  instead of failing at once.
"""

from __future__ import annotations

BUSY_TIMEOUT_MS = 5000


def apply_sqlite_pragmas(dbapi_connection: object, _record: object = None) -> None:
    """SQLAlchemy ``connect`` listener: the settings above on a new connection."""
    cursor = dbapi_connection.cursor()  # type: ignore[attr-defined]
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    cursor.close()
