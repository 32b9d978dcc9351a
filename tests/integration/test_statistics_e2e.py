"""Conversations on the real REST endpoint produce the expected statistics rows and figures."""

from __future__ import annotations

import re
from datetime import date

import pytest
import sqlalchemy as sa

from bot.analytics.models import Conversation, LinkEvent, Turn
from bot.analytics.stats import Period, overview
from bot.db.engine import session_scope
from bot.db.stores import STATISTICS
from bot.knowledge.profile import get_profile
from bot.settings import TIMEZONE
from testkit.senders import stored_sender
from testkit.staff import staff_login
from tests.integration.conftest import Assistant, analytics_url, link_targets, new_sender

pytestmark = pytest.mark.integration


def test_conversations_become_rows_and_figures(taarnby: Assistant) -> None:
    answered, linked, lost = new_sender(), new_sender(), new_sender()
    taarnby.ask("hej", answered)
    taarnby.ask("hvornår har borgerservice åbent", answered)
    taarnby.ask("jeg skal flytte", linked)
    taarnby.ask("mit cpr er 230477-8813", linked)
    taarnby.ask("blablabla qwerty zxcv", lost)
    taarnby.ask("flimflam bork bork", lost)

    url = analytics_url(taarnby)
    with session_scope(STATISTICS, url) as session:
        client_of = {stored_sender(s): s for s in (answered, linked, lost)}
        rows = {
            client_of[c.sender_id]: c
            for c in session.execute(
                sa.select(Conversation).where(Conversation.sender_id.in_(list(client_of)))
            ).scalars()
        }
        assert rows[answered].n_turns == 2
        assert rows[answered].last_kind == "information"
        assert rows[answered].first_topic == "opening_hours"
        assert rows[linked].first_topic == "self_service:moving"
        assert rows[linked].first_area == "Folkeregister"
        assert rows[linked].n_links == 1
        assert rows[lost].n_fallbacks == 2 and rows[lost].n_answers == 0
        intents = (
            session.execute(sa.select(Turn.intent).where(Turn.conversation_id == rows[linked].id))
            .scalars()
            .all()
        )
        assert intents == ["self_service", "personal_data"]
        shown = (
            session.execute(
                sa.select(LinkEvent.link_id).where(LinkEvent.conversation_id == rows[linked].id)
            )
            .scalars()
            .all()
        )
        assert shown == ["moving"]

        today = rows[answered].started_at.astimezone(TIMEZONE).date()
        o = overview(session, get_profile("taarnby"), Period(today, today))
    assert o.outcomes["resolved"] >= 2
    assert o.outcomes["not_understood"] >= 1
    # No message text is kept in the statistics database, CPR or otherwise. The whole number
    # is searched for, in any spelling: a fragment such as "8813" also turns up by chance in
    # the microseconds of a stored timestamp or in a hex answer id.
    raw = b"".join(p.read_bytes() for p in taarnby.workdir.glob("analytics.db*"))
    assert re.search(rb"230477\D{0,4}8813", raw) is None and b"flytte" not in raw
    assert isinstance(today, date)


def test_feedback_buttons_are_recorded(taarnby: Assistant) -> None:
    sender = new_sender()
    reply = taarnby.ask("hvordan søger jeg boligstøtte", sender)
    helpful = next(b for m in reply for b in m.get("buttons", []) if b["title"] == "Ja")
    assert "Fik du svar på dit spørgsmål?" in "\n".join(m.get("text", "") for m in reply)
    asked = taarnby.ask(helpful["payload"], sender)
    phone = next(b for m in asked for b in m.get("buttons", []) if b["title"] == "Telefon")
    thanks = taarnby.ask(phone["payload"], sender)
    assert "Tak for dit svar" in "\n".join(m.get("text", "") for m in thanks)

    with session_scope(STATISTICS, analytics_url(taarnby)) as session:
        row = session.execute(
            sa.select(Conversation).where(Conversation.sender_id == stored_sender(sender))
        ).scalar_one()
        assert (row.helpful, row.otherwise, row.last_kind) == (
            True,
            "telephone",
            "self_service_link",
        )
        day = row.started_at.astimezone(TIMEZONE).date()
        o = overview(session, get_profile("taarnby"), Period(day, day))
    assert o.savings.deflected_known >= 1
    assert o.helpful_yes >= 1


def test_not_helpful_refers_to_the_phone(taarnby: Assistant) -> None:
    sender = new_sender()
    reply = taarnby.ask("hvad er digital post", sender)
    no = next(b for m in reply for b in m.get("buttons", []) if b["title"] == "Nej")
    answer = "\n".join(m.get("text", "") for m in taarnby.ask(no["payload"], sender))
    assert "Det er jeg ked af" in answer and "32 76 11 00" in answer
    with session_scope(STATISTICS, analytics_url(taarnby)) as session:
        row = session.execute(
            sa.select(Conversation).where(Conversation.sender_id == stored_sender(sender))
        ).scalar_one()
        assert (row.helpful, row.last_kind, row.referred_channel) == (
            False,
            "referral_phone",
            "telephone",
        )


def test_a_followed_link_is_counted_as_clicked(taarnby: Assistant) -> None:
    sender = new_sender()
    reply = taarnby.ask("hvor søger jeg folkepension", sender)
    targets = link_targets(reply)
    assert any("foer-du-gaar-paa-folkepension" in t for t in targets)
    with session_scope(STATISTICS, analytics_url(taarnby)) as session:
        events = session.execute(
            sa.select(LinkEvent.link_id, LinkEvent.event)
            .join(Conversation, LinkEvent.conversation_id == Conversation.id)
            .where(Conversation.sender_id == stored_sender(sender))
            .order_by(LinkEvent.id)
        ).all()
    assert events == [("state_pension", "shown"), ("state_pension", "clicked")]


def test_staff_page_shows_the_real_conversations(taarnby: Assistant) -> None:
    """Done-when of the statistics issue: real conversations, then a staff login sees them."""
    for question in ("hvornår har rådhuset åbent", "jeg skal have nyt pas", "asdf qwerty"):
        taarnby.ask(question, new_sender())
    browser = staff_login(
        taarnby.cfg.web_url, taarnby.cfg.child_env(), "e2e.staff", "a long enough password 1"
    )
    with session_scope(STATISTICS, analytics_url(taarnby)) as session:
        latest = session.execute(sa.select(sa.func.max(Conversation.started_at))).scalar()
        day = latest.astimezone(TIMEZONE).date()
        o = overview(session, get_profile("taarnby"), Period(day, day))
    page = browser.get(f"{taarnby.cfg.web_url}/staff/?fra={day}&til={day}", timeout=30)
    assert page.status_code == 200
    assert f"Udfald af {o.conversations} samtaler" in page.text
    for n in o.outcomes.values():
        assert f"<td>{n}</td>" in page.text
    csv_text = browser.get(
        f"{taarnby.cfg.web_url}/staff/komhen.csv?fra={day}&til={day}", timeout=30
    ).text
    assert ";Pas;personligt fremmøde;" in csv_text
