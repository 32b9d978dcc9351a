"""Timestamps in UTC: convert naive Copenhagen local time to naive UTC.

Revision ID: 0002_utc_timestamps
Revises: 0001_baseline
Create Date: 2026-11-23

Converts conversations.started_at, conversations.last_event_at, turns.at and link_events.at.
staff_users.created_at was UTC already; daily_counts.day stays the Copenhagen calendar day.
Each column is one UPDATE statement: on PostgreSQL with ``AT TIME ZONE``, on SQLite with a
Python function registered on the migration's connection (Python's zoneinfo, the same rules).

Daylight saving time: winter times move back 1 hour, summer times 2 hours, each by the offset
in force on its own date. Two kinds of wall-clock time are not one instant:

* the repeated hour in October (02:00-02:59 on the last Sunday happens twice, first in summer
  time, then in winter time): the old columns cannot tell the two apart, so both are taken as
  the second, winter-time occurrence (UTC+1), as PostgreSQL does. Rows written during the first
  occurrence come out one hour late;
* the skipped hour in March (02:00-02:59 on the last Sunday never happens; the old recorder
  could not write it): taken as winter time (UTC+1), as PostgreSQL does.

Downgrading converts UTC back to Copenhagen wall-clock time, which is always unambiguous.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from alembic import context, op

revision = "0002_utc_timestamps"
down_revision = "0001_baseline"
branch_labels = None
depends_on = None

ZONE = "Europe/Copenhagen"
COLUMNS = {
    "conversations": ("started_at", "last_event_at"),
    "turns": ("at",),
    "link_events": ("at",),
}
# How SQLAlchemy stores a DateTime in SQLite.
SQLITE_FORMAT = "%Y-%m-%d %H:%M:%S.%f"
TO_UTC, TO_LOCAL = "bot_migrate_local_to_utc", "bot_migrate_utc_to_local"


def local_to_utc(naive: datetime, zone: ZoneInfo) -> datetime:
    """Naive wall-clock time in ``zone`` as naive UTC.

    Of the two candidates of a repeated or skipped wall-clock time (fold 0 and fold 1), the
    later instant: the winter-time reading, as PostgreSQL's ``AT TIME ZONE`` does.
    """
    candidates = (naive.replace(tzinfo=zone, fold=fold) for fold in (0, 1))
    latest = max(moment.astimezone(timezone.utc) for moment in candidates)
    return latest.replace(tzinfo=None)


def utc_to_local(naive: datetime, zone: ZoneInfo) -> datetime:
    """Naive UTC as naive wall-clock time in ``zone``."""
    return naive.replace(tzinfo=timezone.utc).astimezone(zone).replace(tzinfo=None)


Convert = Callable[[datetime, ZoneInfo], datetime]


def _on_text(convert: Convert) -> Callable[[str | None], str | None]:
    """``convert`` as a SQLite function over stored timestamp text."""
    zone = ZoneInfo(ZONE)

    def on_text(stored: str | None) -> str | None:
        if stored is None:
            return None
        return convert(datetime.fromisoformat(stored), zone).strftime(SQLITE_FORMAT)

    return on_text


def _convert(to_utc: bool) -> None:
    dialect = context.get_context().dialect.name
    if dialect == "sqlite":
        if context.is_offline_mode():
            raise RuntimeError(
                "0002_utc_timestamps: SQLite needs a live database (Python converts the times); "
                "run without --sql"
            )
        raw = op.get_bind().connection.driver_connection
        raw.create_function(TO_UTC, 1, _on_text(local_to_utc), deterministic=True)
        raw.create_function(TO_LOCAL, 1, _on_text(utc_to_local), deterministic=True)
    elif dialect != "postgresql":
        raise RuntimeError(f"0002_utc_timestamps: no timestamp conversion for {dialect}")
    for name, columns in COLUMNS.items():
        table = sa.table(name, *(sa.column(c, sa.DateTime()) for c in columns))
        values = {}
        for column in columns:
            value = table.c[column]
            if dialect == "sqlite":
                values[column] = getattr(sa.func, TO_UTC if to_utc else TO_LOCAL)(value)
            elif to_utc:  # wall clock in Copenhagen -> instant -> wall clock in UTC
                values[column] = _at_time_zone(_at_time_zone(value, ZONE), "UTC")
            else:
                values[column] = _at_time_zone(_at_time_zone(value, "UTC"), ZONE)
        op.execute(sa.update(table).values(values))


def _at_time_zone(value: sa.sql.ColumnElement, zone: str) -> sa.sql.ColumnElement:
    return value.op("AT TIME ZONE", return_type=sa.DateTime())(sa.literal(zone, sa.String()))


def upgrade() -> None:
    _convert(to_utc=True)


def downgrade() -> None:
    _convert(to_utc=False)
