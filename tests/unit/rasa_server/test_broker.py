"""The review part of the event broker never stalls or breaks a reply (bot/rasa_server/brokers.py,
bot/events/fanout.py): with the review store down, publishing is still instant and nothing
with message text is logged; when it is back, the queued items are written."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from bot.db.engine import get_engine, session_scope
from bot.db.stores import REVIEW
from bot.events.fanout import EventSinks
from bot.rasa_server.brokers import AssistantEventBroker
from bot.review.records import ReviewItem, ReviewMessage
from bot.settings import get_settings
from bot.stack.ports import free_port
from tests.unit.review.events import Stream
from tests.unit.review.test_inbox import FALLBACK


@pytest.fixture
def broker_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Path]:
    monkeypatch.setenv("BOT_ENV", "test")
    monkeypatch.setenv("BOT_ANALYTICS_DB_URL", f"sqlite:///{tmp_path / 'analytics.db'}")
    get_settings.cache_clear()
    get_engine.cache_clear()
    yield tmp_path
    get_settings.cache_clear()
    get_engine.cache_clear()


def secret_stream() -> Stream:
    return Stream("w-1").turn(
        "hemmelig tekst om min skat", "nlu_fallback", 0.7, FALLBACK, kind="fallback"
    )


def items(url: str) -> list[str]:
    with session_scope(REVIEW, url) as session:
        return list(session.execute(sa.select(ReviewItem.text)).scalars())


def test_items_reach_the_store(broker_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    url = f"sqlite:///{broker_env / 'review.db'}"
    monkeypatch.setenv("BOT_REVIEW_DB_URL", url)
    broker = AssistantEventBroker()
    for event in secret_stream().events:
        broker.publish(event)
    deadline = time.monotonic() + 10
    while not items(url) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert items(url) == ["hemmelig tekst om min skat"]
    with session_scope(REVIEW, url) as session:
        assert session.execute(sa.select(sa.func.count()).select_from(ReviewMessage)).scalar() == 2


def test_a_review_store_that_is_down_does_not_stall_or_leak(
    broker_env: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    url = f"postgresql+psycopg2://nobody@127.0.0.1:{free_port()}/review"
    monkeypatch.setenv("BOT_REVIEW_DB_URL", url)
    caplog.set_level(logging.DEBUG)
    broker = AssistantEventBroker()
    # Time the review part only: the statistics part has its own bounded wait (250 ms).
    monkeypatch.setattr(EventSinks, "record", lambda self, event: None)
    slowest = 0.0
    for _ in range(20):
        for event in secret_stream().events:
            started = time.monotonic()
            broker.publish(event)
            slowest = max(slowest, time.monotonic() - started)
    assert slowest < 0.05, slowest
    failed = "Could not write to the review store: OperationalError"
    deadline = time.monotonic() + 10
    while failed not in caplog.text and time.monotonic() < deadline:
        time.sleep(0.05)
    assert broker.review_writer.backlog >= 1
    assert failed in caplog.text
    assert "hemmelig" not in caplog.text and "skat" not in caplog.text
