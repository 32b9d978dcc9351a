"""Recording link clicks (bot/analytics/clicks.py) in a real SQLite statistics database."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from bot.analytics.clicks import record_click
from bot.analytics.db import session_scope
from bot.analytics.models import Conversation, LinkEvent
from bot.settings import TIMEZONE
from bot.testkit.events import Chat, feed

# Monday 23 November 2026, 10:00 in Copenhagen (09:00 UTC).
CLICKED_AT = datetime(2026, 11, 23, 9, 0, tzinfo=timezone.utc)


@pytest.fixture
def db_url(sqlite_url: str) -> str:
    return sqlite_url


def local(*fields: int) -> datetime:
    """A Copenhagen time (the timestamp columns take aware datetimes only)."""
    return datetime(*fields, tzinfo=TIMEZONE)


def add_conversation(url: str, sender_id: str, municipality: str, last_event_at: datetime) -> int:
    """A conversation of ``sender_id`` in ``municipality``: a question answered five minutes
    before ``last_event_at``, then a last message; returns its id."""
    chat = (
        Chat(sender_id)
        .ask("opening_hours", at=last_event_at - timedelta(minutes=5))
        .answered()
        .ask("thank", at=last_event_at)
    )
    feed(url, chat, municipality=municipality)
    with session_scope(url) as db:
        return db.execute(
            sa.select(Conversation.id).where(
                Conversation.sender_id == sender_id,
                Conversation.municipality == municipality,
                Conversation.last_event_at == last_event_at,
            )
        ).scalar_one()


def clicks(url: str) -> list[LinkEvent]:
    with session_scope(url) as db:
        rows = db.execute(sa.select(LinkEvent).order_by(LinkEvent.id)).scalars().all()
        db.expunge_all()
        return list(rows)


def test_a_click_belongs_to_the_senders_latest_conversation(db_url: str) -> None:
    older = add_conversation(db_url, "widget-a", "taarnby", local(2026, 11, 20, 9, 0))
    latest = add_conversation(db_url, "widget-a", "taarnby", local(2026, 11, 23, 9, 55))
    add_conversation(db_url, "widget-a", "ishoj", local(2026, 11, 23, 9, 59))  # other kommune
    add_conversation(db_url, "widget-b", "taarnby", local(2026, 11, 23, 9, 59))
    assert older != latest

    record_click(db_url, "taarnby", "moving", "widget-a", CLICKED_AT)

    [event] = clicks(db_url)
    assert event.conversation_id == latest
    assert (event.municipality, event.link_id, event.event) == ("taarnby", "moving", "clicked")
    assert event.at == CLICKED_AT


@pytest.mark.parametrize("sender_id", [None, "never-seen"])
def test_a_click_without_a_known_conversation_is_still_counted(
    db_url: str, sender_id: str | None
) -> None:
    add_conversation(db_url, "widget-a", "taarnby", local(2026, 11, 23, 9, 55))
    record_click(db_url, "taarnby", "passport", sender_id, CLICKED_AT)
    [event] = clicks(db_url)
    assert event.conversation_id is None
    assert (event.link_id, event.event) == ("passport", "clicked")


def test_the_time_is_stored_as_the_same_instant_whatever_its_zone(db_url: str) -> None:
    copenhagen = CLICKED_AT.astimezone(TIMEZONE)
    summer = datetime(2026, 7, 1, 12, 0, tzinfo=TIMEZONE)  # UTC+2
    for at in (CLICKED_AT, copenhagen, summer):
        record_click(db_url, "taarnby", "moving", None, at)
    assert [e.at for e in clicks(db_url)] == [CLICKED_AT, CLICKED_AT, summer]


def test_a_naive_time_is_refused_with_a_clear_message(db_url: str) -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        record_click(db_url, "taarnby", "moving", None, datetime(2026, 11, 23, 10, 0))
    assert clicks(db_url) == []
