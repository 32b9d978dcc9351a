"""Feedback belongs to the answer it judges also on the queue path: the Rasa server publishes to
RabbitMQ and the events consumer (``python -m bot events``) records in batches, through the
same recorder function as the embedded broker (bot.analytics.recorder.record_events). The stack
is test_event_queue.py's (a real RabbitMQ and a queue of its own, deleted afterwards).
"""

from __future__ import annotations

import json

import pytest

from testkit.senders import stored_sender
from tests.integration.conftest import buttons, new_sender, texts
from tests.integration.test_event_queue import QueueStack, stack, wait_until

pytestmark = pytest.mark.integration

__all__ = ["stack"]  # the fixture: one queue stack for this module

Q1 = "hvornår har borgerservice åbent?"
Q2 = "hvordan søger jeg boligstøtte"


def payload(reply: list[dict], title: str) -> str:
    (found,) = [b["payload"] for b in buttons(reply) if b["title"] == title]
    assert "answer" in json.loads(found.removeprefix("/feedback")), found
    return found


def test_a_stale_no_judges_its_own_answer_through_rabbitmq(stack: QueueStack) -> None:
    sender = new_sender()
    first, _ = stack.ask(Q1, sender)
    yes_1, no_1 = payload(first.json(), "Ja"), payload(first.json(), "Nej")
    stack.ask(yes_1, sender)
    stack.ask(Q2, sender)
    stale, _ = stack.ask(no_1, sender)
    assert "Det er jeg ked af" in texts(stale.json())

    def verdicts() -> list[tuple]:
        return stack.rows(
            "SELECT t.intent, t.helpful FROM turns t JOIN conversations c "
            "ON c.id = t.conversation_id WHERE c.sender_id = :sender "
            "AND t.kind IN ('information', 'self_service_link') ORDER BY t.id",
            sender=stored_sender(sender),
        )

    expected = [("opening_hours", 0), ("self_service", None)]
    assert wait_until(lambda: verdicts() == expected, 30), verdicts()
    counts = stack.rows(
        "SELECT n_helpful_yes, n_helpful_no FROM conversations WHERE sender_id = :sender",
        sender=stored_sender(sender),
    )
    assert counts == [(0, 1)]

    def not_helped() -> list[tuple]:
        return stack.rows(
            "SELECT i.text FROM review_items i JOIN review_conversations c "
            "ON c.id = i.conversation_id WHERE c.sender_id = :sender "
            "AND i.reason = 'not_helped'",
            db="review.db",
            sender=stored_sender(sender),
        )

    assert wait_until(lambda: not_helped() == [(Q1,)], 30), not_helped()
