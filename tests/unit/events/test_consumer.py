"""The events consumer's batch handling (bot/events/consumer.py), without RabbitMQ.

Messages are stand-ins with the three things the consumer uses (body, redelivered, ack); the
statistics and review databases are real (SQLite). The cases RabbitMQ cannot be made to hit on
purpose: killed between commit and ack (the batch comes again and nothing is counted twice),
the statistics database away (the batch waits, is acknowledged only after its commit) and
stopping while it is away (nothing acknowledged).
"""

from __future__ import annotations

import asyncio
import json
import logging
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from bot.analytics.models import Conversation, Turn
from bot.db.engine import session_scope
from bot.db.stores import STATISTICS
from bot.events.consumer import EventConsumer, _GiveUp
from bot.events.fanout import EventSinks
from bot.settings import TIMEZONE
from bot.stack.ports import free_port
from testkit.events import IDLE, Chat

AT = datetime(2026, 11, 23, 10, tzinfo=TIMEZONE)


class Message:
    """What the consumer uses of an aio_pika incoming message."""

    def __init__(self, event: dict[str, Any], redelivered: bool = False) -> None:
        self.body = json.dumps(event).encode()
        self.redelivered = redelivered
        self.acked = False
        self.fail_ack = False

    async def ack(self, multiple: bool = False) -> None:
        assert multiple
        if self.fail_ack:
            raise ConnectionError("the channel closed")
        self.acked = True


def make_consumer(tmp_path: Path) -> EventConsumer:
    sinks = EventSinks(
        analytics_url=f"sqlite:///{tmp_path / 'analytics.db'}",
        review_url=f"sqlite:///{tmp_path / 'review.db'}",
        municipality="testrup",
        idle=IDLE,
        low_confidence=0.85,
        sample_rate=0.0,
        record_directly=False,
    )
    return EventConsumer(
        rabbitmq_url="amqp://guest:guest@127.0.0.1:5672/",
        queue="q",
        sinks=sinks,
        batch_size=50,
        batch_ms=10,
    )


def events() -> list[dict[str, Any]]:
    chat = (
        Chat("c1")
        .ask("opening_hours", at=AT)
        .answered()
        .ask("self_service")
        .answered("self_service:moving")
    )
    return json.loads(json.dumps(chat.events))


def figures(tmp_path: Path) -> tuple:
    with session_scope(STATISTICS, f"sqlite:///{tmp_path / 'analytics.db'}") as session:
        conversation = session.execute(sa.select(Conversation)).scalar_one()
        turns = session.execute(sa.select(sa.func.count()).select_from(Turn)).scalar_one()
        return conversation.n_turns, conversation.n_answers, conversation.n_links, turns


def test_a_batch_delivered_again_after_a_crash_between_commit_and_ack_counts_once(
    tmp_path: Path,
) -> None:
    async def scenario() -> tuple[EventConsumer, list[Message]]:
        first = make_consumer(tmp_path)
        batch = [Message(e) for e in events()]
        batch[-1].fail_ack = True  # committed, then the connection went
        with pytest.raises(ConnectionError):
            await first._process(batch)
        first.close()
        # A new consumer process gets the whole batch again.
        second = make_consumer(tmp_path)
        again = [Message(e, redelivered=True) for e in events()]
        await second._process(again)
        second.close()
        return second, again

    second, again = asyncio.run(scenario())
    assert again[-1].acked
    assert figures(tmp_path) == (2, 2, 1, 2)
    assert second.counts["recorded"] == 0
    assert second.counts["duplicates"] == len(again) == second.counts["redelivered"]


def test_the_same_event_twice_in_one_process_reaches_statistics_and_inbox_once(
    tmp_path: Path,
) -> None:
    async def scenario() -> EventConsumer:
        consumer = make_consumer(tmp_path)
        await consumer._process([Message(e) for e in events()])
        await consumer._process([Message(e) for e in events()])  # a publish retried
        consumer.close()
        return consumer

    consumer = asyncio.run(scenario())
    assert figures(tmp_path) == (2, 2, 1, 2)
    assert consumer.counts["duplicates"] == len(events())


def test_a_batch_waits_for_the_statistics_database_and_is_acknowledged_after_the_commit(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    consumer = make_consumer(tmp_path)
    working = consumer.analytics_url
    consumer.analytics_url = f"postgresql+psycopg2://nobody@127.0.0.1:{free_port()}/stats"
    batch = [Message(e) for e in events()]
    acked_while_down: list[bool] = []

    async def database_comes_back(seconds: float) -> None:
        acked_while_down.append(batch[-1].acked)
        consumer.analytics_url = working

    consumer._sleep = database_comes_back  # type: ignore[method-assign]

    async def scenario() -> None:
        await consumer._process(batch)
        consumer.close()

    asyncio.run(scenario())
    assert acked_while_down == [False] and batch[-1].acked
    assert figures(tmp_path) == (2, 2, 1, 2)
    assert "Could not record a batch of 4 statistics events: OperationalError" in caplog.text
    assert "The statistics database is back" in caplog.text


def test_stopping_while_the_database_is_away_acknowledges_nothing(tmp_path: Path) -> None:
    consumer = make_consumer(tmp_path)
    consumer.analytics_url = f"postgresql+psycopg2://nobody@127.0.0.1:{free_port()}/stats"
    batch = [Message(e) for e in events()]

    async def stop_now(seconds: float) -> None:
        consumer.stopping.set()

    consumer._sleep = stop_now  # type: ignore[method-assign]

    async def scenario() -> None:
        with pytest.raises(_GiveUp):
            await consumer._process(batch)
        consumer.close()

    asyncio.run(scenario())
    assert not any(m.acked for m in batch)


def test_a_message_that_is_not_an_event_is_skipped_and_acknowledged(tmp_path: Path) -> None:
    consumer = make_consumer(tmp_path)
    broken = Message({})
    broken.body = b"not json"
    batch = [broken, *(Message(e) for e in events())]

    async def scenario() -> None:
        await consumer._process(batch)
        consumer.close()

    asyncio.run(scenario())
    assert batch[-1].acked and consumer.counts["skipped"] == 1
    assert figures(tmp_path) == (2, 2, 1, 2)


def test_an_event_the_recorder_refuses_is_skipped_and_the_queue_goes_on(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    consumer = make_consumer(tmp_path)
    bad = {**events()[0], "timestamp": "not a time", "message_id": "x"}
    batch = [Message(bad), *(Message(e) for e in events())]

    async def scenario() -> None:
        await consumer._process(batch)
        consumer.close()

    asyncio.run(scenario())
    assert batch[-1].acked and consumer.counts["skipped"] == 1
    assert figures(tmp_path) == (2, 2, 1, 2)
    assert "Skipping an event the statistics cannot take: TypeError" in caplog.text
