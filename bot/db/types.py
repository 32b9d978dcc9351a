"""Column types shared by both stores: one timestamp convention for every table.

Every timestamp column of the statistics and the review store is a :class:`UTCDateTime`: stored
as naive UTC, given and returned as timezone-aware datetimes (shown in Copenhagen time by
whoever displays them). It lives here, below both stores' models, so neither borrows it from
the other.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

import sqlalchemy as sa


class UTCDateTime(sa.types.TypeDecorator):
    """A point in time: timezone-aware in Python, naive UTC in the database.

    Accepts only timezone-aware datetimes (any zone; converted to UTC) and returns them with
    ``tzinfo=timezone.utc``. A naive datetime raises ``ValueError``: it could be local time or
    UTC, and guessing is how the two got mixed up before.
    """

    impl = sa.DateTime
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: sa.engine.Dialect) -> datetime | None:
        if value is None:
            return None
        if not isinstance(value, datetime):
            raise TypeError(
                "UTCDateTime column: expected a timezone-aware datetime, "
                f"got {type(value).__name__}"
            )
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(
                f"UTCDateTime column: naive datetime {value.isoformat()} is ambiguous; give a "
                "timezone-aware one, e.g. datetime.now(timezone.utc) or "
                "datetime(..., tzinfo=bot.settings.TIMEZONE)"
            )
        return value.astimezone(timezone.utc).replace(tzinfo=None)

    def process_result_value(self, value: Any, dialect: sa.engine.Dialect) -> datetime | None:
        if value is None:
            return None
        if isinstance(value, str):  # SQLite, when an expression lost the column type
            value = datetime.fromisoformat(value)
        return value.replace(tzinfo=timezone.utc)


def utcnow() -> datetime:
    """The current time, timezone-aware in UTC (the default of timestamp columns)."""
    return datetime.now(timezone.utc)
