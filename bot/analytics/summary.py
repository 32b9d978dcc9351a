"""The daily summary (``daily_counts``): kept exact as conversations change.

Every change to a conversation moves it from one summary row to another. The recorder records a
batch of events at a time (bot/analytics/recorder.py): it reads the key of every conversation
the batch changes with one SELECT before writing (:func:`conversation_keys`, with the same SQL
expressions the definitions use) and one after, nets the moves (one off the old row, one onto
the new) per key, and applies only the nonzero ones with one upsert (:func:`adjust_counts`). A
conversation that comes back to the row it started in costs nothing, and no row is touched more
than once per batch. Each row also sums its conversations' judged answers (``helpful_yes``,
``helpful_no``: the staff figure "Hjalp svaret?"), moved the same way. ``rebuild`` recomputes
the table from the conversations in one statement (after a bulk load, or to check the
incremental upkeep); days whose detail the retention purge has deleted keep their rows.

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
# What a conversation adds to its summary row: (conversations, answers judged helpful, not
# helpful), i.e. (1, n_helpful_yes, n_helpful_no).
Counts = tuple[int, int, int]
# The key of each of a list of conversations, with its id and its judged answers.
_SELECT_KEYS = sa.select(C.id, C.n_helpful_yes, C.n_helpful_no, *_KEY_COLUMNS).where(
    C.id.in_(sa.bindparam("ids", expanding=True))
)


def conversation_rows(session: Session, ids: Iterable[int]) -> dict[int, tuple[Key, Counts]]:
    """The summary row each of the conversations ``ids`` counts in now and what it adds to it
    (one SELECT; ids that do not exist are left out)."""
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    rows: dict[int, tuple[Key, Counts]] = {}
    for conversation_id, yes, no, municipality, started_at, *rest in session.execute(
        _SELECT_KEYS, {"ids": wanted}
    ):
        day = started_at.astimezone(TIMEZONE).date()
        key: Key = (municipality, day, *rest)  # type: ignore[assignment]
        rows[conversation_id] = (key, (1, int(yes or 0), int(no or 0)))
    return rows


def conversation_keys(session: Session, ids: Iterable[int]) -> dict[int, Key]:
    """The summary row each of the conversations ``ids`` counts in now (one SELECT; ids
    that do not exist are left out)."""
    return {i: key for i, (key, _) in conversation_rows(session, ids).items()}


@lru_cache(maxsize=4)
def _upsert(dialect: str) -> sa.sql.Insert:
    """``INSERT ... ON CONFLICT DO UPDATE n = n + excluded.n`` of a ``daily_counts`` row, its
    key columns and ``n`` given as parameters (one statement object per dialect)."""
    insert = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(DailyCount)
    return insert.on_conflict_do_update(
        index_elements=list(DailyCount.KEY),
        set_={
            "n": DailyCount.n + insert.excluded.n,
            "helpful_yes": DailyCount.helpful_yes + insert.excluded.helpful_yes,
            "helpful_no": DailyCount.helpful_no + insert.excluded.helpful_no,
        },
    )


def _counts(delta: int | Counts) -> Counts:
    return (delta, 0, 0) if isinstance(delta, int) else delta


def _row(key: Key, delta: Counts) -> dict[str, Any]:
    n, yes, no = delta
    return dict(zip(DailyCount.KEY, key, strict=True), n=n, helpful_yes=yes, helpful_no=no)


def adjust_counts(session: Session, deltas: Mapping[Key, int | Counts]) -> int:
    """Add each nonzero delta of ``deltas`` to its key's row: a number of conversations, or
    (conversations, answers judged helpful, not helpful). One upsert (on both SQLite and
    PostgreSQL), run once with a row per key (in key order, so that concurrent writers take
    the rows' locks in the same order). Returns how many keys changed."""
    rows = [
        _row(key, _counts(delta)) for key, delta in sorted(deltas.items()) if any(_counts(delta))
    ]
    if rows:
        session.execute(_upsert(session.get_bind().dialect.name), rows)
    return len(rows)


def rebuild(session: Session) -> int:
    """Recompute the summary of every day that still has conversations; returns the number of
    rows in the table.

    Days before the oldest conversation keep their rows: their detail has been deleted by the
    retention purge (bot/stack/retention.py), which removes whole days only, so every day from the
    oldest conversation on still has all of its conversations.
    """
    first = session.execute(sa.select(sa.func.min(C.started_at))).scalar_one()
    if first is not None:
        since = first.astimezone(TIMEZONE).date()
        session.execute(sa.delete(DailyCount).where(DailyCount.day >= since))
        day = day_of(C.started_at, session.get_bind().dialect.name)
        columns = (C.municipality, day, *_KEY_COLUMNS[2:])
        select = sa.select(
            *columns,
            sa.func.count(),
            sa.func.sum(C.n_helpful_yes),
            sa.func.sum(C.n_helpful_no),
        ).group_by(*columns)
        session.execute(
            sa.insert(DailyCount).from_select(
                [*DailyCount.KEY, "n", "helpful_yes", "helpful_no"], select
            )
        )
    return int(session.execute(sa.select(sa.func.count()).select_from(DailyCount)).scalar())
