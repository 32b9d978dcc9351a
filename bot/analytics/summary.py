"""The daily summary (``daily_counts``): kept exact as conversations change.

Every change to a conversation moves it from one summary row to another. The recorder records a
batch of events at a time (bot/analytics/recorder.py): it reads the key of every conversation
the batch changes with one SELECT before writing (:func:`conversation_keys`, with the same SQL
expressions the definitions use) and one after, nets the moves (one off the old row, one onto
the new) per key, and applies only the nonzero ones with one upsert (:func:`adjust_counts`). A
conversation that comes back to the row it started in costs nothing, and no row is touched more
than once per batch. ``rebuild`` recomputes the table from the conversations in one statement
(after a bulk load, or to check the incremental upkeep); days whose detail the retention purge
has deleted keep their rows.

A row whose count went back to 0 may stay in the table (readers sum the counts, so it adds
nothing); which such rows exist depends on how events were batched, the counts do not.

A conversation counts on the Copenhagen calendar day it started (``started_at`` is stored in
UTC): in Python with ``astimezone``, in SQL with :func:`bot.analytics.stats.day_of`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from functools import lru_cache
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from bot.analytics.models import Conversation as C
from bot.analytics.models import DailyCount
from bot.analytics.stats import CHANNEL, OUTCOME, day_of
from bot.settings import TIMEZONE

Key = tuple[str, date, str, str, str, str, str, str, str]

_HELPFUL = sa.case((C.helpful.is_(True), "yes"), (C.helpful.is_(False), "no"), else_="")
_KEY_COLUMNS = (
    C.municipality,
    C.started_at,
    OUTCOME,
    _HELPFUL,
    sa.func.coalesce(C.otherwise, ""),
    sa.func.coalesce(C.first_topic, ""),
    sa.func.coalesce(C.first_area, ""),
    CHANNEL,
    C.language,
)
# The key of each of a list of conversations, with its id.
_SELECT_KEYS = sa.select(C.id, *_KEY_COLUMNS).where(C.id.in_(sa.bindparam("ids", expanding=True)))


def conversation_keys(session: Session, ids: Iterable[int]) -> dict[int, Key]:
    """The summary row each of the conversations ``ids`` counts in now (one SELECT; ids
    that do not exist are left out)."""
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    keys: dict[int, Key] = {}
    for conversation_id, municipality, started_at, *rest in session.execute(
        _SELECT_KEYS, {"ids": wanted}
    ):
        day = started_at.astimezone(TIMEZONE).date()
        keys[conversation_id] = (municipality, day, *rest)  # type: ignore[assignment]
    return keys


def conversation_key(session: Session, conversation_id: int) -> Key | None:
    """The summary row a conversation counts in now."""
    return conversation_keys(session, [conversation_id]).get(conversation_id)


@lru_cache(maxsize=4)
def _upsert(dialect: str) -> sa.sql.Insert:
    """``INSERT ... ON CONFLICT DO UPDATE n = n + excluded.n`` of a ``daily_counts`` row, its
    key columns and ``n`` given as parameters (one statement object per dialect)."""
    insert = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(DailyCount)
    return insert.on_conflict_do_update(
        index_elements=list(DailyCount.KEY),
        set_={"n": DailyCount.n + insert.excluded.n},
    )


def _row(key: Key, delta: int) -> dict[str, Any]:
    return dict(zip(DailyCount.KEY, key, strict=True), n=delta)


def adjust_counts(session: Session, deltas: Mapping[Key, int]) -> int:
    """Add each nonzero delta of ``deltas`` to the count of its key: one upsert (on both
    SQLite and PostgreSQL), run once with a row per key (in key order, so that concurrent
    writers take the rows' locks in the same order). Returns how many keys changed."""
    rows = [_row(key, delta) for key, delta in sorted(deltas.items()) if delta]
    if rows:
        session.execute(_upsert(session.get_bind().dialect.name), rows)
    return len(rows)


def rebuild(session: Session) -> int:
    """Recompute the summary of every day that still has conversations; returns the number of
    rows in the table.

    Days before the oldest conversation keep their rows: their detail has been deleted by the
    retention purge (bot/ops/retention.py), which removes whole days only, so every day from the
    oldest conversation on still has all of its conversations.
    """
    first = session.execute(sa.select(sa.func.min(C.started_at))).scalar_one()
    if first is not None:
        since = first.astimezone(TIMEZONE).date()
        session.execute(sa.delete(DailyCount).where(DailyCount.day >= since))
        day = day_of(C.started_at, session.get_bind().dialect.name)
        columns = (C.municipality, day, *_KEY_COLUMNS[2:])
        select = sa.select(*columns, sa.func.count()).group_by(*columns)
        session.execute(sa.insert(DailyCount).from_select([*DailyCount.KEY, "n"], select))
    return int(session.execute(sa.select(sa.func.count()).select_from(DailyCount)).scalar())
