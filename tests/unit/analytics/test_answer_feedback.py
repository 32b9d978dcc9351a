"""A "did it help?" verdict belongs to the answer it judges (bot/analytics/recorder.py).

The rule: a verdict is recorded on the answer its button names, in the sender's open
conversation; a later verdict on the same answer replaces the earlier one (the last one
counts), the same verdict again changes nothing, and no verdict touches another answer. An id
that is no answer of the conversation is recorded against nothing. Typed feedback names no
answer and judges the latest one. The staff figure "Hjalp svaret?" counts judged answers.

Every test records through the real recorder (one transaction per event, as the embedded event
broker does, and the whole conversation as one batch, as the queue consumer may) into a fresh
SQLite, then PostgreSQL, database and reads the tables and the staff overview back.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta

import pytest
import sqlalchemy as sa

from bot.analytics.batches import record_batch
from bot.analytics.models import Conversation, Turn
from bot.analytics.stats import Period, overview
from bot.analytics.summary import rebuild
from bot.db.engine import session_scope
from bot.db.migrate import downgrade, head_revision, upgrade
from bot.db.stores import STATISTICS
from bot.knowledge.profile_model import Profile
from bot.settings import TIMEZONE
from testkit.events import IDLE, Chat, feed

DAY = date(2026, 11, 23)
AT = datetime(2026, 11, 23, 10, tzinfo=TIMEZONE)
PERIOD = Period(DAY, DAY)


def _one_by_one(url: str, chats: list[Chat]) -> None:
    feed(url, chats)


def _one_batch(url: str, chats: list[Chat]) -> None:
    events = sorted((e for chat in chats for e in chat.events), key=lambda e: e["timestamp"])
    with session_scope(STATISTICS, url) as session:
        record_batch(session, events, chats[0].municipality, IDLE, AT + timedelta(days=1))


WAYS: dict[str, Callable[[str, list[Chat]], None]] = {
    "event by event": _one_by_one,
    "one batch": _one_batch,
}


@pytest.fixture(params=list(WAYS))
def record(request: pytest.FixtureRequest) -> Callable[[str, list[Chat]], None]:
    return WAYS[str(request.param)]


def two_answers(sender: str, profile: Profile) -> Chat:
    """Two answered questions (messages 0 and 1)."""
    return (
        Chat(sender, profile=profile)
        .ask("opening_hours", at=AT)
        .answered()
        .ask("self_service")
        .answered("self_service:moving")
    )


def verdicts(url: str, sender: str) -> list[tuple[str | None, bool | None]]:
    """(intent, verdict) of the sender's answer turns, in order."""
    with session_scope(STATISTICS, url) as session:
        rows = session.execute(
            sa.select(Turn.intent, Turn.helpful)
            .join(Conversation)
            .where(
                Conversation.sender_id == sender,
                Turn.kind.in_(["information", "self_service_link"]),
            )
            .order_by(Turn.id)
        ).all()
    return [tuple(r) for r in rows]  # type: ignore[misc]


def figures(url: str, profile: Profile) -> tuple[int, int, dict[str, int]]:
    """The overview's "Hjalp svaret? ja N, nej M" and outcomes; the summary is checked against
    a rebuild on the way."""
    with session_scope(STATISTICS, url) as session:
        o = overview(session, profile, PERIOD)
        rebuild(session)
        again = overview(session, profile, PERIOD)
    assert (again.helpful_yes, again.helpful_no, again.outcomes) == (
        o.helpful_yes,
        o.helpful_no,
        o.outcomes,
    )
    return o.helpful_yes, o.helpful_no, o.outcomes


def test_a_stale_no_judges_the_old_answer_only(
    database_url: str, testrup: Profile, record: Callable[[str, list[Chat]], None]
) -> None:
    chat = two_answers("stale", testrup)
    chat.feedback(helpful=True, answer=1)  # "Ja" on the latest answer
    chat.feedback(helpful=False, answer=0).answered("contact")  # then the old "Nej"
    record(database_url, [chat])
    assert verdicts(database_url, "stale") == [("opening_hours", False), ("self_service", True)]
    yes, no, outcomes = figures(database_url, testrup)
    assert (yes, no) == (1, 1)  # the "Ja" is not erased by the old "Nej"
    # The conversation's verdict is its latest judged answer's: the second one helped.
    assert outcomes["resolved"] == 1


def test_ja_on_one_then_a_stale_nej_on_it_after_a_second_answer(
    database_url: str, testrup: Profile, record: Callable[[str, list[Chat]], None]
) -> None:
    chat = Chat("issue", profile=testrup).ask("opening_hours", at=AT).answered()
    chat.feedback(helpful=True, answer=0)
    chat.ask("self_service").answered("self_service:moving")
    chat.feedback(helpful=False, answer=0).answered("contact")
    record(database_url, [chat])
    # The last verdict on answer 1 counts; answer 2 has none.
    assert verdicts(database_url, "issue") == [("opening_hours", False), ("self_service", None)]
    assert figures(database_url, testrup)[:2] == (0, 1)


def test_a_double_click_counts_once_and_a_changed_verdict_replaces_it(
    database_url: str, testrup: Profile, record: Callable[[str, list[Chat]], None]
) -> None:
    double = Chat("double", profile=testrup).ask("opening_hours", at=AT).answered()
    double.feedback(helpful=True, answer=0).feedback(helpful=True, answer=0)
    changed = Chat("changed", profile=testrup).ask("opening_hours", at=AT).answered()
    changed.feedback(helpful=True, answer=0).feedback(helpful=False, answer=0)
    record(database_url, [double, changed])
    assert verdicts(database_url, "double") == [("opening_hours", True)]
    assert verdicts(database_url, "changed") == [("opening_hours", False)]
    yes, no, outcomes = figures(database_url, testrup)
    assert (yes, no) == (1, 1)
    # The outcome reads the verdict on the latest judged answer: resolved, and abandoned.
    assert (outcomes["resolved"], outcomes["abandoned"]) == (1, 1)


def test_an_id_of_another_conversation_or_a_made_up_one_is_not_recorded(
    database_url: str, testrup: Profile, record: Callable[[str, list[Chat]], None]
) -> None:
    mine = two_answers("mine", testrup)
    other = Chat("other", profile=testrup).ask("opening_hours", at=AT).answered()
    other.feedback(helpful=False, answer=mine.answer_ids[0])
    other.feedback(helpful=False, answer="0123456789abcdef")
    other.feedback(helpful=False, answer="not an id")
    record(database_url, [mine, other])
    assert verdicts(database_url, "mine") == [("opening_hours", None), ("self_service", None)]
    assert verdicts(database_url, "other") == [("opening_hours", None)]
    assert figures(database_url, testrup)[:2] == (0, 0)


def test_a_verdict_on_a_question_that_was_not_answered_is_not_recorded(
    database_url: str, testrup: Profile, record: Callable[[str, list[Chat]], None]
) -> None:
    chat = Chat("miss", profile=testrup).ask("opening_hours", at=AT).answered()
    chat.ask("nlu_fallback").answered("fallback")
    chat.feedback(helpful=False, answer=1)  # message 1 got no answer to judge
    record(database_url, [chat])
    assert verdicts(database_url, "miss") == [("opening_hours", None)]
    assert figures(database_url, testrup)[:2] == (0, 0)


def test_typed_feedback_judges_the_latest_answer(
    database_url: str, testrup: Profile, record: Callable[[str, list[Chat]], None]
) -> None:
    chat = two_answers("typed", testrup)
    chat.feedback(helpful="nej")  # "nej, det hjalp ikke": no answer id
    record(database_url, [chat])
    assert verdicts(database_url, "typed") == [("opening_hours", None), ("self_service", False)]
    assert figures(database_url, testrup)[:2] == (0, 1)


def test_a_verdict_after_the_conversation_ended_is_not_recorded(
    database_url: str, testrup: Profile, record: Callable[[str, list[Chat]], None]
) -> None:
    chat = Chat("late", profile=testrup).ask("opening_hours", at=AT).answered()
    chat.feedback(helpful=True, answer=0, at=AT + IDLE + timedelta(minutes=5))
    record(database_url, [chat])
    assert verdicts(database_url, "late") == [("opening_hours", None)]
    assert figures(database_url, testrup)[:2] == (0, 0)


def test_a_helpful_entity_outside_feedback_is_no_verdict(
    database_url: str, testrup: Profile, record: Callable[[str, list[Chat]], None]
) -> None:
    """A button of another conversation reaches the model as plain text; whatever it makes of
    it, only a message of the feedback intent gives a verdict."""
    chat = Chat("text", profile=testrup).ask("opening_hours", at=AT).answered()
    chat.ask("nlu_fallback", entities={"helpful": "nej"}).answered("fallback")
    record(database_url, [chat])
    assert verdicts(database_url, "text") == [("opening_hours", None)]
    assert figures(database_url, testrup)[:2] == (0, 0)


# -- migration 0006 ---------------------------------------------------------------------------

PREVIOUS = "0005_recorded_events"


def test_upgrading_keeps_each_conversations_one_verdict_as_one_answers(
    database_url: str, testrup: Profile
) -> None:
    """Before 0006 a conversation had one verdict; it counts as one judged answer, so the
    staff figure is the same after the upgrade, and downgrading works."""
    assert upgrade(STATISTICS, database_url, PREVIOUS) == (None, PREVIOUS)
    engine = sa.create_engine(database_url)
    conversations = sa.table(
        "conversations",
        *(sa.column(c) for c in ("sender_id", "municipality", "started_at", "last_event_at")),
        *(sa.column(f"n_{c}") for c in ("turns", "answers", "links", "referrals", "fallbacks")),
        sa.column("helpful"),
    )
    key = {
        "municipality": "testrup",
        "day": DAY,
        "outcome": "resolved",
        "otherwise": "",
        "topic": "opening_hours",
        "area": "Borgerservice",
        "channel": "selvbetjening",
        "language": "da",
    }
    daily = sa.table("daily_counts", *(sa.column(c) for c in (*key, "helpful", "n")))
    at = datetime(2026, 11, 23, 9, 0)  # naive UTC, as stored
    counts = {f"n_{c}": 1 for c in ("turns", "answers")} | {
        f"n_{c}": 0 for c in ("links", "referrals", "fallbacks")
    }
    with engine.begin() as conn:
        for sender, helpful in (("yes", True), ("no", False), ("none", None)):
            conn.execute(
                conversations.insert(),
                dict(
                    sender_id=sender,
                    municipality="testrup",
                    started_at=at,
                    last_event_at=at,
                    helpful=helpful,
                    **counts,
                ),
            )
        for helpful, n in (("yes", 4), ("no", 2), ("", 7)):
            conn.execute(daily.insert(), dict(key, helpful=helpful, n=n))
    engine.dispose()

    assert upgrade(STATISTICS, database_url) == (PREVIOUS, head_revision(STATISTICS))
    with session_scope(STATISTICS, database_url) as session:
        rows = session.execute(
            sa.select(
                Conversation.sender_id, Conversation.n_helpful_yes, Conversation.n_helpful_no
            ).order_by(Conversation.sender_id)
        ).all()
        assert [tuple(r) for r in rows] == [("no", 0, 1), ("none", 0, 0), ("yes", 1, 0)]
        o = overview(session, testrup, PERIOD)
    assert (o.helpful_yes, o.helpful_no) == (4, 2)  # what the overview showed before
    assert downgrade(STATISTICS, database_url, PREVIOUS) == (head_revision(STATISTICS), PREVIOUS)
    assert upgrade(STATISTICS, database_url) == (PREVIOUS, head_revision(STATISTICS))
