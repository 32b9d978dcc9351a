"""The conversation's language in the statistics: recorded from the ``language`` slot events,
summed in SQL for the overview, added to existing databases by migration 0004.

Every database test runs on SQLite and on PostgreSQL (the ``database_url`` fixture).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import sqlalchemy as sa

from bot.analytics.event_fields import is_recorded
from bot.analytics.models import Conversation, DailyCount
from bot.analytics.report import overview_text
from bot.analytics.stats import Period, overview
from bot.analytics.summary import rebuild
from bot.db.engine import session_scope
from bot.db.migrate import current_revision, downgrade, head_revision, upgrade
from bot.db.stores import STATISTICS
from bot.knowledge.profile_model import Profile
from bot.settings import TIMEZONE
from testkit.events import Chat, feed

DAY = date(2026, 11, 23)
AT = datetime(2026, 11, 23, 10, tzinfo=TIMEZONE)
PERIOD = Period(DAY, DAY)


def language_event(sender: str, value: Any, at: datetime) -> dict[str, Any]:
    """The slot event Rasa's action_extract_slots emits after a message it could tell."""
    return {
        "event": "slot",
        "sender_id": sender,
        "timestamp": at.timestamp(),
        "name": "language",
        "value": value,
    }


def said_in(chat: Chat, language: Any) -> Chat:
    """The language slot event of the chat's last message (right after it, before its
    outcome)."""
    at = datetime.fromtimestamp(chat.events[-1]["timestamp"], TIMEZONE)
    chat.events.append(language_event(chat.sender, language, at + timedelta(milliseconds=10)))
    return chat


def languages(url: str) -> dict[str, str]:
    with session_scope(STATISTICS, url) as session:
        rows = session.execute(sa.select(Conversation.sender_id, Conversation.language)).all()
    return dict(rows)  # type: ignore[arg-type]


def summary_rows(url: str) -> set[tuple]:
    with session_scope(STATISTICS, url) as session:
        columns = [DailyCount.__table__.c[name] for name in DailyCount.KEY]
        rows = session.execute(sa.select(*columns, DailyCount.n).where(DailyCount.n != 0)).all()
    return {tuple(str(value) for value in row) for row in rows}


# -- the recorder ------------------------------------------------------------------------


def test_language_slot_events_are_recorded_and_others_are_not() -> None:
    assert is_recorded(language_event("s", "en", AT))
    assert is_recorded(language_event("s", "da", AT))
    assert not is_recorded(language_event("s", None, AT))  # reset: nothing to count
    assert not is_recorded(language_event("s", "de", AT))  # not a language of the assistant
    assert not is_recorded({**language_event("s", "en", AT), "sender_id": None})


def test_the_language_is_the_last_citizen_turns(database_url: str) -> None:
    english = Chat("english").ask("opening_hours", at=AT)
    said_in(english, "en").answered()
    # A message whose language cannot be told sets no slot: the conversation stays English.
    english.ask("thank").answered()

    switched = Chat("switched").ask("opening_hours", at=AT)
    said_in(switched, "en").answered()
    said_in(switched.ask("appointment"), "da").answered()

    danish = Chat("danish").ask("opening_hours", at=AT)
    said_in(danish, "da").answered()
    unknown = Chat("unknown").ask("opening_hours", at=AT).answered()

    feed(database_url, [english, switched, danish, unknown])
    assert languages(database_url) == {
        "english": "en",
        "switched": "da",
        "danish": "da",
        "unknown": "da",  # no slot event: the slot's initial value
    }


def test_a_language_event_alone_starts_no_conversation(database_url: str) -> None:
    feed(database_url, language_event("nobody", "en", AT))
    assert languages(database_url) == {}
    # An English sender's next conversation (after the idle time) starts Danish again.
    first = Chat("back").ask("opening_hours", at=AT)
    said_in(first, "en").answered()
    second = Chat("back").ask("opening_hours", at=AT + timedelta(hours=2)).answered()
    feed(database_url, [first, second])
    with session_scope(STATISTICS, database_url) as session:
        rows = session.execute(
            sa.select(Conversation.language).order_by(Conversation.started_at)
        ).scalars()
        assert list(rows) == ["en", "da"]


# -- the summary and the overview ------------------------------------------------------------


def test_the_overview_counts_conversations_in_english(database_url: str, testrup: Profile) -> None:
    chats = []
    for i in range(4):
        chat = Chat(f"c{i}", profile=testrup).ask("opening_hours", at=AT + timedelta(minutes=i))
        said_in(chat, "en" if i == 0 else "da").answered()
        chats.append(chat)
    # One that turned English in its second turn, after its outcome was recorded.
    late = Chat("late", profile=testrup).ask("opening_hours", at=AT).answered()
    said_in(late.ask("appointment"), "en").answered()
    chats.append(late)
    feed(database_url, chats)

    incremental = summary_rows(database_url)
    with session_scope(STATISTICS, database_url) as session:
        o = overview(session, testrup, PERIOD)
        rebuild(session)
        elsewhere = overview(session, testrup, Period(DAY + timedelta(days=1), DAY))
    assert summary_rows(database_url) == incremental  # the upkeep equals a rebuild
    assert o.conversations == 5
    assert o.english == 2
    assert o.english_rate == 0.4
    assert elsewhere.conversations == 0 and elsewhere.english_rate == 0.0

    lines = overview_text(o, testrup).splitlines()
    assert lines[1:3] == ["Samtaler: 5", "Samtaler på engelsk: 2 (40,0\u00a0%)"]


# -- migration 0004 ---------------------------------------------------------------------------

PREVIOUS = "0003_staff_logins"
KEY = {
    "municipality": "testrup",
    "day": DAY,
    "outcome": "resolved",
    "helpful": "",
    "otherwise": "",
    "topic": "opening_hours",
    "area": "Borgerservice",
    "channel": "selvbetjening",
}


def test_upgrading_a_database_makes_its_conversations_danish(database_url: str) -> None:
    assert upgrade(STATISTICS, database_url, PREVIOUS) == (None, PREVIOUS)
    engine = sa.create_engine(database_url)
    conversations = sa.table(
        "conversations",
        *(sa.column(c) for c in ("sender_id", "municipality", "started_at", "last_event_at")),
        *(sa.column(f"n_{c}") for c in ("turns", "answers", "links", "referrals", "fallbacks")),
    )
    daily = sa.table("daily_counts", *(sa.column(c) for c in (*KEY, "n")))
    at = datetime(2026, 11, 23, 9, 0)  # naive UTC, as stored
    with engine.begin() as conn:
        conn.execute(
            conversations.insert(),
            dict(
                sender_id="old",
                municipality="testrup",
                started_at=at,
                last_event_at=at,
                n_turns=1,
                n_answers=1,
                n_links=0,
                n_referrals=0,
                n_fallbacks=0,
            ),
        )
        conn.execute(daily.insert(), dict(KEY, n=1))
    engine.dispose()

    assert upgrade(STATISTICS, database_url) == (PREVIOUS, head_revision(STATISTICS))
    assert languages(database_url) == {"old": "da"}
    assert summary_rows(database_url) == {
        tuple(str(v) for v in (*KEY.values(), "da", 1)),
    }

    # Both languages now count under the same other key; downgrading adds them up again.
    with session_scope(STATISTICS, database_url) as session:
        session.add(DailyCount(**KEY, language="en", n=2))
        session.add(DailyCount(**{**KEY, "topic": "appointment"}, language="en", n=3))
    assert downgrade(STATISTICS, database_url, PREVIOUS) == (head_revision(STATISTICS), PREVIOUS)
    engine = sa.create_engine(database_url)
    with engine.connect() as conn:
        rows = conn.execute(sa.select(daily.c.topic, daily.c.n).order_by(daily.c.topic)).all()
        columns = {c["name"] for c in sa.inspect(conn).get_columns("conversations")}
    engine.dispose()
    assert [tuple(r) for r in rows] == [("appointment", 3), ("opening_hours", 3)]
    assert "language" not in columns
    assert current_revision(STATISTICS, database_url) == PREVIOUS
    assert upgrade(STATISTICS, database_url) == (PREVIOUS, head_revision(STATISTICS))
