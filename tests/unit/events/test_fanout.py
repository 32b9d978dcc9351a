"""The in-process path of the fan-out (bot/events/fanout.py): with the statistics database away,
publishing stays fast and the events wait in order; when it is back they are written, and the
log says so without any event's content. The old statistics-only broker's class path loads."""

from __future__ import annotations

import importlib
import json
import logging
import time
from datetime import datetime
from pathlib import Path

import pytest
import sqlalchemy as sa

from bot.analytics.models import Conversation, Turn
from bot.db.engine import session_scope
from bot.db.stores import STATISTICS
from bot.events.fanout import EventSinks
from bot.settings import TIMEZONE
from bot.stack.ports import free_port
from testkit.events import IDLE, Chat

AT = datetime(2026, 11, 23, 10, tzinfo=TIMEZONE)


def sinks(tmp_path: Path, analytics_url: str) -> EventSinks:
    return EventSinks(
        analytics_url=analytics_url,
        review_url=f"sqlite:///{tmp_path / 'review.db'}",
        municipality="testrup",
        idle=IDLE,
        low_confidence=0.85,
        sample_rate=0.0,
    )


def test_statistics_wait_in_order_while_the_database_is_away_and_are_written_after(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    out = sinks(tmp_path, f"postgresql+psycopg2://nobody@127.0.0.1:{free_port()}/stats")
    chat = Chat("c1").ask("opening_hours", at=AT).answered().ask("self_service").answered()
    events = json.loads(json.dumps(chat.events))
    out.publish(events[0])  # tried on the reply path: away, so it is queued
    started = time.monotonic()
    for event in events[1:]:
        out.publish(event)  # something waits: queued at once
    assert time.monotonic() - started < 0.05
    assert out.status()["statistics_backlog"] == len(events)
    working = f"sqlite:///{tmp_path / 'analytics.db'}"
    out.analytics_url = working
    deadline = time.monotonic() + 10
    while out.statistics.backlog and time.monotonic() < deadline:
        time.sleep(0.05)
    out.close()
    with session_scope(STATISTICS, working) as session:
        conversation = session.execute(sa.select(Conversation)).scalar_one()
        assert conversation.n_turns == 2
        assert session.execute(sa.select(sa.func.count()).select_from(Turn)).scalar_one() == 2
    assert "Could not record a statistics event: OperationalError" in caplog.text
    assert "Statistics backlog written; recording directly again." in caplog.text
    assert "opening_hours" not in caplog.text


def test_the_old_statistics_broker_class_path_is_the_fan_out_broker() -> None:
    old = importlib.import_module("bot.analytics.broker")
    from bot.rasa_server.brokers import AssistantEventBroker

    assert old.AnalyticsEventBroker is AssistantEventBroker
