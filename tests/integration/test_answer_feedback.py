"""Feedback belongs to the answer it judges, through the real thing: conversations on the REST
endpoint of the running assistant (shared Tårnby stack), the statistics in its real analytics
database, the staff page of its real web app, and the web team's inbox in its review store.

Each "Fik du svar på dit spørgsmål?" reply carries buttons that name their answer
(``/feedback{"helpful": "nej", "answer": "<id>"}``). The rule: the verdict is recorded for that
answer, once; a later verdict on the same answer replaces it (the last one counts); a click
that names no answer of the conversation is recorded against nothing.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Iterator
from datetime import date

import pytest
import sqlalchemy as sa

from bot.analytics.models import Conversation, Turn
from bot.analytics.stats import Period, overview
from bot.db.engine import session_scope
from bot.db.stores import STATISTICS
from bot.knowledge.profile import get_profile
from bot.settings import TIMEZONE
from testkit.senders import stored_sender
from testkit.staff import staff_login
from tests.integration.conftest import Assistant, analytics_url, buttons, new_sender, texts

pytestmark = pytest.mark.integration

Q1 = "hvornår har borgerservice åbent"
Q2 = "hvordan søger jeg boligstøtte"
SORRY = "Det er jeg ked af"
GLAD = "Tak for din tilbagemelding"


def button(reply: list[dict], title: str) -> str:
    """The payload of the reply's button ``title``; it names an answer."""
    (payload,) = [b["payload"] for b in buttons(reply) if b["title"] == title]
    entities = json.loads(payload.removeprefix("/feedback"))
    assert set(entities) == {"helpful", "answer"} and len(entities["answer"]) == 16, payload
    return payload


def judged(assistant: Assistant, sender: str) -> dict[str, bool | None]:
    """intent -> verdict of the sender's answered turns (as the statistics hold them)."""
    with session_scope(STATISTICS, analytics_url(assistant)) as session:
        rows = session.execute(
            sa.select(Turn.intent, Turn.helpful)
            .join(Conversation)
            .where(
                Conversation.sender_id == stored_sender(sender),
                Turn.kind.in_(["information", "self_service_link"]),
            )
            .order_by(Turn.id)
        ).all()
    return dict(rows)  # type: ignore[arg-type]


def counts(assistant: Assistant, sender: str) -> tuple[int, int]:
    with session_scope(STATISTICS, analytics_url(assistant)) as session:
        row = session.execute(
            sa.select(Conversation).where(Conversation.sender_id == stored_sender(sender))
        ).scalar_one()
        return row.n_helpful_yes, row.n_helpful_no


def today(assistant: Assistant) -> date:
    with session_scope(STATISTICS, analytics_url(assistant)) as session:
        latest = session.execute(sa.select(sa.func.max(Conversation.started_at))).scalar()
    return latest.astimezone(TIMEZONE).date()


def figures(assistant: Assistant, day: date) -> tuple[int, int]:
    """The staff overview's "Hjalp svaret? ja N, nej M" of the day."""
    with session_scope(STATISTICS, analytics_url(assistant)) as session:
        o = overview(session, get_profile("taarnby"), Period(day, day))
    return o.helpful_yes, o.helpful_no


def not_helped_items(assistant: Assistant, sender: str, wait: float = 20) -> list[str]:
    """The texts the inbox holds as "Svaret hjalp ikke" for the sender (waits up to ``wait``
    seconds for the writer)."""
    path = assistant.workdir / "review.db"
    deadline = time.monotonic() + wait
    found: list[str] = []
    while time.monotonic() < deadline:
        if path.exists():
            with sqlite3.connect(path) as conn:
                found = [
                    r[0]
                    for r in conn.execute(
                        "SELECT i.text FROM review_items i JOIN review_conversations c "
                        "ON c.id = i.conversation_id WHERE c.sender_id = ? "
                        "AND i.reason = 'not_helped' ORDER BY i.id",
                        (stored_sender(sender),),
                    )
                ]
        if found:
            return found
        time.sleep(0.2)
    return found


@pytest.fixture(scope="module")
def day(taarnby: Assistant) -> Iterator[date]:
    taarnby.ask("hej", new_sender())
    yield today(taarnby)


def test_a_stale_no_judges_its_own_answer_not_the_latest(taarnby: Assistant, day: date) -> None:
    before = figures(taarnby, day)
    sender = new_sender()
    first = taarnby.ask(Q1, sender)
    yes_1, no_1 = button(first, "Ja"), button(first, "Nej")
    assert GLAD in texts(taarnby.ask(yes_1, sender))
    second = taarnby.ask(Q2, sender)
    assert button(second, "Nej") != no_1  # each answer has its own buttons
    stale = taarnby.ask(no_1, sender)  # the old "Nej" of the first answer
    assert SORRY in texts(stale) and "32 76 11 00" in texts(stale)

    # The first answer is "nej" (the last verdict on it counts); the second has none.
    assert judged(taarnby, sender) == {"opening_hours": False, "self_service": None}
    assert counts(taarnby, sender) == (0, 1)
    after = figures(taarnby, day)
    assert (after[0] - before[0], after[1] - before[1]) == (0, 1)
    # The inbox files the first question, whose answer got the "Nej".
    assert not_helped_items(taarnby, sender) == [Q1]


def test_ja_on_the_latest_answer_survives_a_stale_nej(taarnby: Assistant, day: date) -> None:
    before = figures(taarnby, day)
    sender = new_sender()
    no_1 = button(taarnby.ask(Q1, sender), "Nej")
    yes_2 = button(taarnby.ask(Q2, sender), "Ja")
    taarnby.ask(yes_2, sender)
    taarnby.ask(no_1, sender)
    assert judged(taarnby, sender) == {"opening_hours": False, "self_service": True}
    after = figures(taarnby, day)
    assert (after[0] - before[0], after[1] - before[1]) == (1, 1)
    assert not_helped_items(taarnby, sender) == [Q1]


def test_a_double_click_counts_once(taarnby: Assistant, day: date) -> None:
    before = figures(taarnby, day)
    sender = new_sender()
    no = button(taarnby.ask(Q1, sender), "Nej")
    assert SORRY in texts(taarnby.ask(no, sender))
    assert SORRY in texts(taarnby.ask(no, sender))
    assert counts(taarnby, sender) == (0, 1)
    after = figures(taarnby, day)
    assert (after[0] - before[0], after[1] - before[1]) == (0, 1)
    assert not_helped_items(taarnby, sender) == [Q1]  # filed once


def test_a_changed_verdict_replaces_the_earlier_one(taarnby: Assistant, day: date) -> None:
    before = figures(taarnby, day)
    sender = new_sender()
    reply = taarnby.ask(Q1, sender)
    taarnby.ask(button(reply, "Ja"), sender)
    taarnby.ask(button(reply, "Nej"), sender)
    assert judged(taarnby, sender) == {"opening_hours": False}
    assert counts(taarnby, sender) == (0, 1)
    after = figures(taarnby, day)
    assert (after[0] - before[0], after[1] - before[1]) == (0, 1)


def test_a_click_from_another_conversation_is_not_recorded(taarnby: Assistant, day: date) -> None:
    before = figures(taarnby, day)
    theirs, mine = new_sender(), new_sender()
    their_no = button(taarnby.ask(Q1, theirs), "Nej")
    taarnby.ask(Q1, mine)
    made_up = '/feedback{"helpful": "nej", "answer": "0123456789abcdef"}'
    for payload in (their_no, made_up):
        reply = taarnby.ask(payload, mine)
        # Not a button of this conversation: plain text, answered as such (no "sorry, here
        # is the phone number" for a verdict that was not recorded).
        assert reply and SORRY not in texts(reply), reply
    assert judged(taarnby, theirs) == {"opening_hours": None}
    assert judged(taarnby, mine) == {"opening_hours": None}
    assert counts(taarnby, mine) == (0, 0)
    assert figures(taarnby, day) == before
    assert not_helped_items(taarnby, mine, wait=3) == []
    assert not_helped_items(taarnby, theirs, wait=1) == []


def test_the_staff_page_shows_the_figure(taarnby: Assistant, day: date) -> None:
    sender = new_sender()
    reply = taarnby.ask(Q1, sender)
    taarnby.ask(button(reply, "Ja"), sender)
    yes, no = figures(taarnby, day)
    assert yes >= 1
    browser = staff_login(
        taarnby.cfg.web_url, taarnby.cfg.child_env(), "feedback.staff", "a long enough password 2"
    )
    page = browser.get(f"{taarnby.cfg.web_url}/staff/?fra={day}&til={day}", timeout=30)
    assert page.status_code == 200
    assert f"ja {yes}, nej {no}" in page.text
