"""The events queue keeps no citizen text for long, on a real RabbitMQ (127.0.0.1:5672).

The real publisher (:class:`bot.rasa_server.queue_broker.QueueEventBroker`, what the Rasa server
loads) publishes to a queue of its own (a unique name, deleted afterwards) in the events' own
vhost, as their own user (scripts/ensure_services.sh makes both), while no consumer runs, with
the bounds set through the settings (``BOT_EVENT_QUEUE_TTL_SECONDS``,
``BOT_EVENT_QUEUE_MAX_LENGTH``):

* a published event is gone from RabbitMQ after the TTL;
* the queue holds at most the maximum length, the oldest dropped (RabbitMQ reports the
  arguments: ``rabbitmqctl list_queues``);
* a queue an older version declared without bounds is replaced when empty, and refused with
  what to do when it holds events; the consumer (``python -m bot events``) then records those
  events and replaces it.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from bot.events.queue import EventQueueMismatch, declare_event_queue, queue_arguments
from bot.settings import get_settings
from testkit.production_stack import RABBITMQ_URL, RABBITMQ_VHOST
from tests.integration.test_event_queue import ensure_rabbitmq

pytestmark = pytest.mark.integration

CPR_FREE_TEXT = "hvornår har borgerservice åbent?"


@pytest.fixture
def queue_name() -> Iterator[str]:
    ensure_rabbitmq()
    name = f"test_bounds_{uuid.uuid4().hex[:12]}"
    yield name
    subprocess.run(
        ["rabbitmqctl", "-q", "delete_queue", "-p", RABBITMQ_VHOST, name],
        capture_output=True,
        check=False,
    )
    asyncio.run(_delete_exchange(name))


async def _delete_exchange(name: str) -> None:
    import aio_pika

    connection = await aio_pika.connect(RABBITMQ_URL)
    async with connection:
        channel = await connection.channel()
        await channel.exchange_delete(name)


@pytest.fixture
def bounds(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """Set the queue's bounds through the environment, as an operator would."""

    def set_bounds(ttl_seconds: int, max_length: int) -> None:
        monkeypatch.setenv("BOT_EVENT_QUEUE_TTL_SECONDS", str(ttl_seconds))
        monkeypatch.setenv("BOT_EVENT_QUEUE_MAX_LENGTH", str(max_length))
        get_settings.cache_clear()

    yield set_bounds
    get_settings.cache_clear()


def _event(number: int) -> dict[str, Any]:
    return {
        "event": "user",
        "sender_id": "bounds-test",
        "timestamp": 1_700_000_000 + number,
        "text": f"{CPR_FREE_TEXT} #{number}",
        "message_id": f"m{number}",
        "parse_data": {"intent": {"name": "ask_hours", "confidence": 0.99}},
    }


def _publish(queue: str, count: int) -> int:
    """Publish ``count`` events with the real broker; how many RabbitMQ confirmed."""
    from rasa.utils.endpoints import EndpointConfig

    from bot.rasa_server.queue_broker import QueueEventBroker

    config = EndpointConfig(url=RABBITMQ_URL, queues=[queue], exchange_name=queue)

    async def scenario() -> int:
        broker = await QueueEventBroker.from_endpoint_config(config)
        assert broker is not None
        for number in range(count):
            broker.publish(_event(number))
        deadline = time.monotonic() + 20
        while broker.published < count and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        await broker.close()
        return broker.published

    return asyncio.run(scenario())


def _waiting(queue: str) -> list[str]:
    """The texts of the events in ``queue`` (taken with basic.get, requeued: nothing consumed
    for good)."""

    async def peek() -> list[str]:
        import aio_pika

        connection = await aio_pika.connect(RABBITMQ_URL)
        async with connection:
            channel = await connection.channel()
            declared = await channel.declare_queue(queue, passive=True)
            texts = []
            taken = []
            while (message := await declared.get(no_ack=False, fail=False)) is not None:
                texts.append(json.loads(message.body)["text"])
                taken.append(message)
            for message in taken:
                await message.nack(requeue=True)
            return texts

    return asyncio.run(peek())


def _listed_arguments(queue: str) -> str:
    out = subprocess.run(
        ["rabbitmqctl", "-q", "list_queues", "-p", RABBITMQ_VHOST, "name", "arguments"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    lines = [line for line in out.splitlines() if line.split("\t", 1)[0] == queue]
    assert lines, out
    return lines[0]


def test_a_stopped_consumer_keeps_no_text_past_the_ttl(queue_name: str, bounds: Any) -> None:
    bounds(ttl_seconds=2, max_length=1000)
    assert _publish(queue_name, 3) == 3
    assert len(_waiting(queue_name)) == 3  # on RabbitMQ, nobody consuming
    listed = _listed_arguments(queue_name)
    assert "x-message-ttl" in listed and "2000" in listed, listed
    time.sleep(3)
    assert _waiting(queue_name) == []


def test_the_queue_holds_at_most_its_maximum_length_dropping_the_oldest(
    queue_name: str, bounds: Any
) -> None:
    bounds(ttl_seconds=300, max_length=3)
    assert _publish(queue_name, 5) == 5  # never refused: the oldest are dropped
    assert _waiting(queue_name) == [f"{CPR_FREE_TEXT} #{n}" for n in (2, 3, 4)]
    listed = _listed_arguments(queue_name)
    assert "x-max-length" in listed and "drop-head" in listed, listed


def _declare_unbounded(queue: str, events: int) -> None:
    """The queue as an older version declared it: durable, no arguments."""

    async def declare() -> None:
        import aio_pika

        connection = await aio_pika.connect(RABBITMQ_URL)
        async with connection:
            channel = await connection.channel(publisher_confirms=True)
            await channel.declare_queue(queue, durable=True)
            for number in range(events):
                body = json.dumps(_event(number)).encode()
                await channel.default_exchange.publish(aio_pika.Message(body), routing_key=queue)

    asyncio.run(declare())


def _declare_bounded(queue: str) -> dict[str, Any]:
    async def declare() -> dict[str, Any]:
        import aio_pika

        connection = await aio_pika.connect(RABBITMQ_URL)
        async with connection:
            return await declare_event_queue(connection, queue, queue_arguments(60, 100))

    return asyncio.run(declare())


def test_an_empty_unbounded_queue_of_an_older_version_is_replaced(queue_name: str) -> None:
    _declare_unbounded(queue_name, 0)
    assert "x-message-ttl" not in _listed_arguments(queue_name)
    _declare_bounded(queue_name)
    listed = _listed_arguments(queue_name)
    assert "x-message-ttl" in listed and "60000" in listed, listed


def test_an_unbounded_queue_holding_events_is_refused_with_what_to_do(queue_name: str) -> None:
    _declare_unbounded(queue_name, 2)
    with pytest.raises(EventQueueMismatch) as refused:
        _declare_bounded(queue_name)
    message = str(refused.value)
    assert queue_name in message and "holds 2 events" in message, message
    assert f"rabbitmqctl delete_queue -p <vhost> {queue_name}" in message, message
    assert "python -m bot events" in message, message
    assert len(_waiting(queue_name)) == 2  # nothing deleted


def _messages(queue: str) -> tuple[str, int] | None:
    """(arguments, ready messages) of ``queue`` as RabbitMQ lists them; None when absent."""
    out = subprocess.run(
        ["rabbitmqctl", "-q", "list_queues", "-p", RABBITMQ_VHOST, "name", "arguments", "messages"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    for line in out.splitlines():
        parts = line.split("\t")
        if parts[0] == queue:
            return "\t".join(parts[1:-1]), int(parts[-1])
    return None


def test_the_consumer_records_an_old_unbounded_queue_then_replaces_it(
    queue_name: str, tmp_path: Any
) -> None:
    import signal
    import sys

    from bot.stack.paths import base_env
    from testkit import ROOT

    _declare_unbounded(queue_name, 3)
    env = base_env(
        {
            "BOT_ENV": "test",
            "BOT_RABBITMQ_URL": RABBITMQ_URL,
            "BOT_EVENT_QUEUE": queue_name,
            "BOT_ANALYTICS_DB_URL": f"sqlite:///{tmp_path / 'analytics.db'}",
            "BOT_REVIEW_DB_URL": f"sqlite:///{tmp_path / 'review.db'}",
        }
    )
    env.pop("BOT_NOW", None)
    log = tmp_path / "events.out"
    with open(log, "wb") as out:
        consumer = subprocess.Popen(
            [sys.executable, "-m", "bot", "events"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 90
        listed = _messages(queue_name)
        while time.monotonic() < deadline:
            listed = _messages(queue_name)
            if listed and "x-message-ttl" in listed[0] and listed[1] == 0:
                break
            assert consumer.poll() is None, log.read_text()
            time.sleep(0.5)
        assert listed and "x-message-ttl" in listed[0] and listed[1] == 0, (listed, log.read_text())
    finally:
        consumer.send_signal(signal.SIGTERM)
        consumer.wait(timeout=60)
    text = log.read_text()
    assert "holds 3 events" in text and "The consumer records its events first" in text, text
    assert "declaring it again with its TTL and maximum length" in text, text
