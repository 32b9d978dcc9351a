"""One way to delete what is past its retention, for every store's purge (or count it, dry).

Each owner of tables (analytics, review, the web app's staff login) describes its purge as a
plan: which table, which rows, children before parents. This runs the plan in the caller's
transaction, so a failed purge deletes nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

# (name of the count, table, which rows); a name of None is deleted but not reported.
Step = tuple[str | None, sa.Table, Any]


def run_purge_plan(
    session: Session, plan: Iterable[Step], params: Mapping[str, Any], *, dry_run: bool
) -> dict[str, int]:
    """Delete (or with ``dry_run`` count) the rows of each step, in order; the counts by name."""
    counts: dict[str, int] = {}
    for name, table, where in plan:
        if dry_run:
            statement = sa.select(sa.func.count()).select_from(table).where(where)
            count = session.execute(statement, params).scalar_one()
        else:
            count = session.execute(sa.delete(table).where(where), params).rowcount
        if name:
            counts[name] = int(count)
    return counts
