"""What the retention purge deletes in the statistics database (``python -m bot purge``,
bot.stack.retention, which opens the database and reports; docs/privacy.md).

* **Detail** (conversations, their turns and link events; no message text): whole days at a
  time. A conversation goes when its last event was before the cutoff day; link events without
  a conversation go by their own time. A conversation that ran over midnight into a day that is
  kept keeps the other conversations of the day it started with it (for at most a day more), so
  every day with any detail left has all of it and ``bot.analytics.summary.rebuild`` can
  recompute it exactly.
* **Daily summary** (``daily_counts``): the aggregated days, kept longer than the detail.

The staff login tables in the same database are the web app's (bot.web.retention).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time

import sqlalchemy as sa
from sqlalchemy.orm import Session

from bot.analytics.models import Conversation, DailyCount, LinkEvent, Turn
from bot.db.purge import run_purge_plan
from bot.settings import TIMEZONE


@dataclass
class StatisticsPurge:
    """What a purge deleted (or, dry, would delete) in the statistics database."""

    conversations: int = 0
    turns: int = 0
    link_events: int = 0
    summary_rows: int = 0


def purge_statistics(
    session: Session,
    *,
    cutoff: datetime,
    summary_cutoff: date,
    dry_run: bool,
) -> StatisticsPurge:
    """Delete (or with ``dry_run`` count) in ``session`` the detail of the days before
    ``cutoff`` (a Copenhagen midnight) and the daily rows before ``summary_cutoff``."""
    conversations = Conversation.__table__
    turns = Turn.__table__
    links = LinkEvent.__table__
    daily = DailyCount.__table__
    c = conversations.c
    # Whole days only (see the module docstring): conversations that started before the first
    # day that still has a conversation ending after the cutoff.
    first_kept = session.execute(
        sa.select(sa.func.min(c.started_at)).where(c.last_event_at >= sa.bindparam("cutoff")),
        {"cutoff": cutoff},
    ).scalar_one()
    boundary = cutoff
    if first_kept is not None:
        first_day = first_kept.astimezone(TIMEZONE).date()
        boundary = min(boundary, datetime.combine(first_day, time.min, tzinfo=TIMEZONE))
    params = {"cutoff": cutoff, "boundary": boundary, "summary_cutoff": summary_cutoff}
    stale = sa.select(c.id).where(
        c.last_event_at < sa.bindparam("cutoff"),
        c.started_at < sa.bindparam("boundary"),
    )
    stale_links = sa.or_(
        links.c.conversation_id.in_(stale),
        sa.and_(links.c.conversation_id.is_(None), links.c.at < sa.bindparam("cutoff")),
    )
    # Deleting a conversation makes the database look up its link events (the foreign key):
    # the index ix_link_events_conversation (made by the schema migrations) keeps that linear;
    # without it, 20,000 conversations took 7 s instead of 0.6 s.
    plan = (  # children first, then the conversations
        ("turns", turns, turns.c.conversation_id.in_(stale)),
        ("link_events", links, stale_links),
        ("conversations", conversations, c.id.in_(stale)),
        ("summary_rows", daily, daily.c.day < sa.bindparam("summary_cutoff")),
    )
    return StatisticsPurge(**run_purge_plan(session, plan, params, dry_run=dry_run))
