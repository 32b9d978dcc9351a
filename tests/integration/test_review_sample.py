"""A share of confident answers goes into the web team's inbox for review (BOT_REVIEW_SAMPLE_RATE),
through the real thing: an assistant started with the share at 1 (every confident message),
questions on its REST endpoint, the items in its review store.

A confident answer can still be the wrong one (a relative asking for an elderly parent got the
general rule): such a message is neither a fallback nor of low confidence, so only the sample
brings it to the web team. The draw itself (deterministic per message, about the share of all)
is tested in tests/unit/review/test_collector.py.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from testkit.senders import stored_sender
from tests.integration.conftest import Assistant, new_sender, start_assistant

pytestmark = pytest.mark.integration

QUESTIONS = ("skal min mor på 92 have digital post", "hvornår har borgerservice åbent")
# Low enough that the questions above are confident (DIET's confidences are peaked).
LOW_CONFIDENCE = "0.5"


@pytest.fixture(scope="module")
def sampled_all(tmp_path_factory: pytest.TempPathFactory, model_path: Path) -> Iterator[Assistant]:
    yield from start_assistant(
        tmp_path_factory,
        model_path,
        "taarnby",
        {"BOT_REVIEW_SAMPLE_RATE": "1", "BOT_REVIEW_LOW_CONFIDENCE": LOW_CONFIDENCE},
    )


def items(assistant: Assistant, sender: str, wait: float) -> list[tuple[str, str, float]]:
    """(text, reason, confidence) of the sender's review items, waiting up to ``wait`` s."""
    path = assistant.workdir / "review.db"
    deadline = time.monotonic() + wait
    found: list[tuple[str, str, float]] = []
    while time.monotonic() < deadline:
        if path.exists():
            with sqlite3.connect(path) as conn:
                found = conn.execute(
                    "SELECT i.text, i.reason, i.confidence FROM review_items i "
                    "JOIN review_conversations c ON c.id = i.conversation_id "
                    "WHERE c.sender_id = ? ORDER BY i.id",
                    (stored_sender(sender),),
                ).fetchall()
        if len(found) >= len(QUESTIONS):
            break
        time.sleep(0.2)
    return found


def test_at_share_one_every_confident_answer_is_sampled(sampled_all: Assistant) -> None:
    sender = new_sender()
    for question in QUESTIONS:
        assert sampled_all.ask(question, sender)
    found = items(sampled_all, sender, wait=20)
    assert [(text, reason) for text, reason, _ in found] == [(q, "sample") for q in QUESTIONS]
    assert all(confidence >= float(LOW_CONFIDENCE) for _, _, confidence in found)
