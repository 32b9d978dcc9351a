"""Recording link clicks (bot/analytics/clicks.py) in a real SQLite statistics database: a click
counts once per conversation and link, and only for a link the assistant gave."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from bot.analytics.clicks import record_click
from bot.analytics.models import Conversation, LinkEvent
from bot.db.engine import session_scope
from bot.db.stores import STATISTICS
from bot.settings import TIMEZONE
from testkit.events import Chat, feed

# Monday 23 November 2026, 10:00 in Copenhagen (09:00 UTC).
CLICKED_AT = datetime(2026, 11, 23, 9, 0, tzinfo=timezone.utc)


@pytest.fixture
def db_url(sqlite_url: str) -> str:
    return sqlite_url


def local(*fields: int) -> datetime:
    """A Copenhagen time (the timestamp columns take aware datetimes only)."""
    return datetime(*fields, tzinfo=TIMEZONE)


def add_conversation(
    url: str,
    sender_id: str,
    municipality: str,
    last_event_at: datetime,
    links: tuple[str, ...] = ("moving",),
) -> int:
    """A conversation of ``sender_id`` in ``municipality``: a question answered with
    ``links`` five minutes before ``last_event_at``, then a last message; returns its id."""
    chat = (
        Chat(sender_id)
        .ask("self_service", at=last_event_at - timedelta(minutes=5))
        .answered("self_service:moving", links=links)
        .ask("thank", at=last_event_at)
    )
    feed(url, chat, municipality=municipality)
    with session_scope(STATISTICS, url) as db:
        return db.execute(
            sa.select(Conversation.id).where(
                Conversation.sender_id == sender_id,
                Conversation.municipality == municipality,
                Conversation.last_event_at == last_event_at,
            )
        ).scalar_one()


def clicks(url: str) -> list[LinkEvent]:
    with session_scope(STATISTICS, url) as db:
        rows = (
            db.execute(
                sa.select(LinkEvent).where(LinkEvent.event == "clicked").order_by(LinkEvent.id)
            )
            .scalars()
            .all()
        )
        db.expunge_all()
        return list(rows)


def test_a_click_belongs_to_the_latest_conversation_that_was_given_the_link(db_url: str) -> None:
    older = add_conversation(db_url, "widget-a", "taarnby", local(2026, 11, 20, 9, 0))
    latest = add_conversation(db_url, "widget-a", "taarnby", local(2026, 11, 22, 9, 55))
    add_conversation(db_url, "widget-a", "ishoj", local(2026, 11, 23, 9, 59))  # other kommune
    add_conversation(db_url, "widget-b", "taarnby", local(2026, 11, 23, 9, 59))
    # The sender's newest conversation was not given the link: the click is the earlier one's.
    add_conversation(db_url, "widget-a", "taarnby", local(2026, 11, 23, 9, 58), links=())
    assert older != latest

    assert record_click(db_url, "taarnby", "moving", "widget-a", CLICKED_AT) is True

    [event] = clicks(db_url)
    assert event.conversation_id == latest
    assert (event.municipality, event.link_id, event.event) == ("taarnby", "moving", "clicked")
    assert event.at == CLICKED_AT


def test_a_click_counts_once_per_conversation_and_link(db_url: str) -> None:
    first = add_conversation(
        db_url, "widget-a", "taarnby", local(2026, 11, 23, 9, 0), ("moving", "passport")
    )
    for _ in range(3):
        record_click(db_url, "taarnby", "moving", "widget-a", CLICKED_AT)
    record_click(db_url, "taarnby", "passport", "widget-a", CLICKED_AT)
    assert record_click(db_url, "taarnby", "passport", "widget-a", CLICKED_AT) is False
    assert sorted((e.conversation_id, e.link_id) for e in clicks(db_url)) == [
        (first, "moving"),
        (first, "passport"),
    ]
    # The same link given again in a later conversation counts again, there.
    second = add_conversation(db_url, "widget-a", "taarnby", local(2026, 11, 23, 10, 30))
    record_click(db_url, "taarnby", "moving", "widget-a", CLICKED_AT + timedelta(minutes=1))
    assert [e.conversation_id for e in clicks(db_url) if e.link_id == "moving"] == [
        first,
        second,
    ]


@pytest.mark.parametrize(
    ("link_id", "sender_id", "municipality"),
    [
        ("moving", None, "taarnby"),  # no ?s=
        ("moving", "made-up", "taarnby"),  # no such conversation
        ("passport", "widget-a", "taarnby"),  # not given in the conversation
        ("moving", "widget-a", "ishoj"),  # given in another municipality
    ],
)
def test_a_click_on_a_link_that_was_not_given_does_not_count(
    db_url: str, link_id: str, sender_id: str | None, municipality: str
) -> None:
    add_conversation(db_url, "widget-a", "taarnby", local(2026, 11, 23, 9, 55))
    assert record_click(db_url, municipality, link_id, sender_id, CLICKED_AT) is False
    assert clicks(db_url) == []


def test_the_time_is_stored_as_the_same_instant_whatever_its_zone(db_url: str) -> None:
    copenhagen = CLICKED_AT.astimezone(TIMEZONE)
    summer = datetime(2026, 7, 1, 12, 0, tzinfo=TIMEZONE)  # UTC+2
    for i, at in enumerate((CLICKED_AT, copenhagen, summer)):
        add_conversation(db_url, f"widget-{i}", "taarnby", local(2026, 6, 1, 9, 0))
        record_click(db_url, "taarnby", "moving", f"widget-{i}", at)
    assert [e.at for e in clicks(db_url)] == [CLICKED_AT, CLICKED_AT, summer]


def test_a_naive_time_is_refused_with_a_clear_message(db_url: str) -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        record_click(db_url, "taarnby", "moving", "widget-a", datetime(2026, 11, 23, 10, 0))
    assert clicks(db_url) == []
