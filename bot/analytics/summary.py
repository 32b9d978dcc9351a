"""The daily summary (``daily_counts``): kept exact as conversations change.

Every change to a conversation moves it from one summary row to another: the recorder reads the
conversation's key before and after (with the same SQL expressions the definitions use), then
takes one off the old row and adds one to the new. ``rebuild`` recomputes the table from the
conversations in one statement (after a bulk load, or to check the incremental upkeep); days
whose detail the retention purge has deleted keep their rows.

A conversation counts on the Copenhagen calendar day it started (``started_at`` is stored in
UTC): in Python with ``astimezone``, in SQL with :func:`bot.analytics.stats.day_of`.
"""

from __future__ import annotations

from datetime import date

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


def conversation_key(session: Session, conversation_id: int) -> Key | None:
    """The summary row a conversation counts in now."""
    row = session.execute(sa.select(*_KEY_COLUMNS).where(C.id == conversation_id)).one_or_none()
    if row is None:
        return None
    municipality, started_at, *rest = row
    return (municipality, started_at.astimezone(TIMEZONE).date(), *rest)  # type: ignore[return-value]


def adjust(session: Session, key: Key, delta: int) -> None:
    """Add ``delta`` to the count of ``key`` (an upsert on both SQLite and PostgreSQL)."""
    values = dict(zip(DailyCount.KEY, key, strict=True), n=delta)
    dialect = session.get_bind().dialect.name
    insert = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(DailyCount)
    statement = insert.values(**values).on_conflict_do_update(
        index_elements=list(DailyCount.KEY),
        set_={"n": DailyCount.n + insert.excluded.n},
    )
    session.execute(statement)


def move(session: Session, before: Key | None, after: Key | None) -> None:
    """Count a conversation under ``after`` instead of ``before``."""
    if before == after:
        return
    if before is not None:
        adjust(session, before, -1)
    if after is not None:
        adjust(session, after, +1)


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
