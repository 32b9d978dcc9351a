"""The queue path's pure parts: what goes to RabbitMQ, event keys, batches, recording each
event once, the endpoints section and the settings.

Database tests run on SQLite and PostgreSQL (``database_url``); RabbitMQ itself is exercised by
tests/integration/test_event_queue.py.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from bot.analytics.batches import event_key, prune_keys, record_batch
from bot.analytics.models import Conversation, DailyCount, RecordedEvent, Turn
from bot.db.engine import session_scope
from bot.db.stores import STATISTICS
from bot.events.batching import Batcher, RecentKeys
from bot.events.queue import queued_event
from bot.settings import TIMEZONE, SettingsError, load_settings
from bot.stack.endpoints import URL_FROM_ENVIRONMENT, rabbitmq_broker_section
from testkit.events import IDLE, Chat, feed

AT = datetime(2026, 11, 23, 10, tzinfo=TIMEZONE)
CPR = "010190-1234"


def _json(event: dict) -> dict:
    """An event as the consumer receives it (through JSON)."""
    return json.loads(json.dumps(event))


# -- event keys ------------------------------------------------------------------------------


def test_an_event_has_the_same_key_on_every_delivery_and_no_readable_content() -> None:
    chat = Chat("c-1").ask("opening_hours", at=AT).answered()
    user, outcome = chat.events
    assert event_key(user) == event_key(_json(user)) == event_key(dict(user))
    key = event_key(user)
    assert len(key) == 32 and int(key, 16) >= 0 and "c-1" not in key
    assert event_key(user) != event_key(outcome)


@pytest.mark.parametrize(
    "change",
    [
        {"sender_id": "other"},
        {"timestamp": AT.timestamp() + 0.000001},
        {"event": "bot"},
        {"message_id": "m2"},
    ],
)
def test_different_events_have_different_keys(change: dict) -> None:
    event = {"event": "user", "sender_id": "c", "timestamp": AT.timestamp(), "message_id": "m1"}
    assert event_key(event) != event_key({**event, **change})


def test_two_slots_set_at_the_same_moment_have_different_keys() -> None:
    slot = {"event": "slot", "sender_id": "c", "timestamp": AT.timestamp(), "name": "language"}
    assert event_key({**slot, "value": "da"}) != event_key({**slot, "value": "en"})
    assert event_key({**slot, "value": "da"}) != event_key({**slot, "name": "turn_outcome"})


# -- batches ---------------------------------------------------------------------------------


def test_a_batch_is_due_when_full() -> None:
    batcher: Batcher[int] = Batcher(max_items=3, max_wait_s=10)
    assert batcher.wait(0.0) is None and not batcher.due(0.0)
    for i in range(3):
        assert not batcher.due(0.0)
        batcher.add(i, 0.0)
    assert batcher.due(0.0)
    assert batcher.take() == [0, 1, 2]
    assert len(batcher) == 0 and not batcher.due(100.0)


def test_a_batch_is_due_when_its_first_item_has_waited_long_enough() -> None:
    batcher: Batcher[str] = Batcher(max_items=100, max_wait_s=0.2)
    batcher.add("a", 5.0)
    batcher.add("b", 5.15)
    assert batcher.wait(5.15) == pytest.approx(0.05)
    assert not batcher.due(5.19)
    assert batcher.due(5.2) and batcher.wait(5.3) == 0.0
    assert batcher.take() == ["a", "b"]
    batcher.add("c", 9.0)  # a new batch: its own clock
    assert batcher.wait(9.0) == pytest.approx(0.2)


def test_a_batch_needs_sensible_bounds() -> None:
    with pytest.raises(ValueError):
        Batcher(0, 1.0)


def test_recent_keys_are_bounded() -> None:
    recent = RecentKeys(size=2)
    for key in ("a", "b", "c"):
        recent.add(key)
    assert "a" not in recent and "b" in recent and "c" in recent


# -- recording each event once ---------------------------------------------------------------


def _conversation_chat(sender: str, start: datetime) -> Chat:
    return (
        Chat(sender)
        .ask("opening_hours", at=start)
        .answered()
        .ask("self_service")
        .answered("self_service:moving")
        .feedback(helpful=True, otherwise="telephone")
    )


def _figures(url: str) -> tuple:
    with session_scope(STATISTICS, url) as session:
        conversations = session.execute(
            sa.select(
                Conversation.sender_id,
                Conversation.n_turns,
                Conversation.n_answers,
                Conversation.n_links,
                Conversation.helpful,
                Conversation.otherwise,
                Conversation.last_kind,
            ).order_by(Conversation.sender_id)
        ).all()
        turns = session.execute(sa.select(sa.func.count()).select_from(Turn)).scalar_one()
        summary = session.execute(
            sa.select(sa.func.sum(DailyCount.n)).where(DailyCount.n != 0)
        ).scalar_one()
    return [tuple(row) for row in conversations], turns, summary


def _record(url: str, events: list[dict], now: datetime = AT) -> int:
    with session_scope(STATISTICS, url) as session:
        return record_batch(session, events, "testrup", IDLE, now)


def test_a_batch_records_what_event_by_event_recording_does(
    database_url: str, tmp_path: Path
) -> None:
    chats = [_conversation_chat(f"c{i}", AT + timedelta(minutes=i)) for i in range(3)]
    events = [_json(e) for chat in chats for e in chat.events]
    assert _record(database_url, events) == len(events)
    reference = f"sqlite:///{tmp_path / 'reference.db'}"
    for chat in chats:
        feed(reference, chat)
    assert _figures(database_url) == _figures(reference)


def test_a_redelivered_batch_is_not_counted_twice(database_url: str) -> None:
    events = [_json(e) for e in _conversation_chat("c1", AT).events]
    _record(database_url, events[:3])
    before = _figures(database_url)
    # The consumer died after the commit: the batch comes again, with what followed.
    assert _record(database_url, events[:3]) == 0
    assert _figures(database_url) == before
    assert _record(database_url, events) == len(events) - 3
    # The same event twice in one batch (a publish retried after a lost confirm).
    again = [_json(e) for e in _conversation_chat("c2", AT).events]
    assert _record(database_url, again + again) == len(again)
    (c1, c2), turns, summary = _figures(database_url)
    assert c1[1:] == c2[1:] and c1[1] == 3 and turns == 6 and summary == 2


def test_events_that_change_no_statistics_leave_no_key(database_url: str) -> None:
    events = [
        {"event": "bot", "sender_id": "c", "timestamp": AT.timestamp(), "text": "Hej"},
        {"event": "action", "sender_id": "c", "timestamp": AT.timestamp(), "name": "action_listen"},
    ]
    assert _record(database_url, events) == 0
    with session_scope(STATISTICS, database_url) as session:
        assert (
            session.execute(sa.select(sa.func.count()).select_from(RecordedEvent)).scalar_one() == 0
        )


def test_old_keys_are_deleted(database_url: str) -> None:
    events = [_json(e) for e in _conversation_chat("c1", AT).events]
    _record(database_url, events[:2], now=AT - timedelta(days=8))
    _record(database_url, events[2:], now=AT)
    with session_scope(STATISTICS, database_url) as session:
        assert prune_keys(session, AT) == 2
    with session_scope(STATISTICS, database_url) as session:
        left = session.execute(sa.select(sa.func.count()).select_from(RecordedEvent)).scalar_one()
    assert left == len(events) - 2


# -- what goes to the queue ------------------------------------------------------------------


def test_only_what_the_consumer_reads_is_queued_and_cpr_numbers_are_removed_again() -> None:
    user = {
        "event": "user",
        "sender_id": "c",
        "timestamp": 1.5,
        "text": f"mit cpr er {CPR}",
        "message_id": "m1",
        "input_channel": "rest",
        "metadata": {"note": CPR},
        "parse_data": {
            "text": f"mit cpr er {CPR}",
            "intent": {"name": "contact", "confidence": 0.9},
            "intent_ranking": [{"name": "contact", "confidence": 0.9}],
            "entities": [{"entity": "task", "value": CPR, "start": 0, "extractor": "x"}],
            "response_selector": {"big": "thing"},
        },
    }
    queued = queued_event(user)
    assert queued is not None
    assert CPR not in json.dumps(queued)
    assert set(queued) == {"event", "sender_id", "timestamp", "text", "message_id", "parse_data"}
    assert set(queued["parse_data"]) == {"intent", "intent_ranking", "entities"}
    assert queued["parse_data"]["intent"] == {"name": "contact", "confidence": 0.9}
    bot = queued_event(
        {
            "event": "bot",
            "sender_id": "c",
            "timestamp": 2.0,
            "text": "Hej",
            "data": {"buttons": [{"title": "Ja", "payload": "/ja", "x": 1}], "custom": {}},
            "metadata": {"utter_action": "x"},
        }
    )
    assert bot == {
        "event": "bot",
        "sender_id": "c",
        "timestamp": 2.0,
        "text": "Hej",
        "data": {"buttons": [{"title": "Ja", "payload": "/ja"}]},
    }
    slot = {
        "event": "slot",
        "sender_id": "c",
        "timestamp": 3.0,
        "name": "turn_outcome",
        "value": {"k": 1},
    }
    assert queued_event(slot) == slot
    assert queued_event({**slot, "name": "task"}) is None
    assert queued_event({"event": "action", "sender_id": "c", "name": "utter_hi"}) is None
    assert queued_event({"event": "action", "sender_id": "c", "name": "action_listen"})
    assert queued_event({"event": "session_started", "sender_id": "c"})
    assert queued_event({"event": "user", "text": "no sender"}) is None


def test_a_queued_chat_records_the_same_statistics(database_url: str, tmp_path: Path) -> None:
    chat = _conversation_chat("c1", AT)
    queued = [_json(q) for q in (queued_event(e) for e in chat.events) if q is not None]
    assert len(queued) == len(chat.events)
    _record(database_url, queued)
    reference = f"sqlite:///{tmp_path / 'reference.db'}"
    feed(reference, chat)
    assert _figures(database_url) == _figures(reference)


# -- the endpoints section and the settings -------------------------------------------------


def test_the_endpoints_section_is_read_by_rasa_with_the_url_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from rasa.utils.endpoints import read_endpoint_config

    monkeypatch.setenv("BOT_RABBITMQ_URL", "amqp://u:secret@127.0.0.1:5672/%2F")
    section = rabbitmq_broker_section(URL_FROM_ENVIRONMENT, "stats_q")
    assert "secret" not in section
    path = tmp_path / "endpoints.yml"
    path.write_text("action_endpoint:\n  url: http://x\n" + section, encoding="utf-8")
    config = read_endpoint_config(str(path), "event_broker")
    assert config is not None
    assert config.type == "bot.rasa_server.queue_broker.QueueEventBroker"
    assert config.url == "amqp://u:secret@127.0.0.1:5672/%2F"
    assert config.kwargs == {"queues": ["stats_q"], "exchange_name": "stats_q"}
    quoted = rabbitmq_broker_section("amqp://u:p#w@h:5672/", "q")
    assert 'url: "amqp://u:p#w@h:5672/"' in quoted
    for bad in ("", "amq.x", "a b", "q\nx: 1"):
        with pytest.raises(ValueError):
            rabbitmq_broker_section(URL_FROM_ENVIRONMENT, bad)


def test_settings_of_the_queue_path() -> None:
    assert not load_settings({}).rabbitmq_configured
    settings = load_settings(
        {"BOT_RABBITMQ_URL": "amqp://guest:guest@127.0.0.1:5672/", "BOT_EVENT_QUEUE": "q1"}
    )
    assert settings.rabbitmq_configured and settings.event_queue == "q1"
    assert (settings.event_batch_size, settings.event_batch_ms) == (200, 50)
    for name, value in (
        ("BOT_EVENT_BATCH_SIZE", "0"),
        ("BOT_EVENT_BATCH_MS", "soon"),
        ("BOT_RABBITMQ_URL", "http://127.0.0.1:5672/"),
        ("BOT_EVENT_QUEUE", "two words"),
    ):
        with pytest.raises(SettingsError, match=name):
            load_settings({name: value})


def test_runner_writes_the_queue_section_only_when_rabbitmq_is_configured(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bot.stack.local import isolated_stack, stack_services

    monkeypatch.delenv("BOT_RABBITMQ_URL", raising=False)
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    embedded = isolated_stack(tmp_path / "a", tmp_path / "model.tar.gz", {})
    assert "AssistantEventBroker" in embedded.endpoints.read_text(encoding="utf-8")
    assert embedded.events_port is None
    assert [s.name for s in stack_services(embedded)] == ["action server", "Rasa server", "web app"]
    queued = isolated_stack(
        tmp_path / "b",
        tmp_path / "model.tar.gz",
        {"BOT_RABBITMQ_URL": "amqp://guest:guest@127.0.0.1:5672/", "BOT_EVENT_QUEUE": "q9"},
    )
    text = queued.endpoints.read_text(encoding="utf-8")
    assert "QueueEventBroker" in text and "AssistantEventBroker" not in text
    assert "${BOT_RABBITMQ_URL}" in text and "guest" not in text
    names = [s.name for s in stack_services(queued)]
    assert names == ["action server", "events consumer", "Rasa server", "web app"]
    consumer = stack_services(queued)[1]
    port = str(queued.events_port)
    assert consumer.command[-3:] == ["bot.events.consumer", "--health-port", port]


# -- the Rasa side with RabbitMQ away --------------------------------------------------------


def test_with_rabbitmq_away_publishing_is_instant_and_what_waits_or_is_lost_is_counted(
    caplog: pytest.LogCaptureFixture,
) -> None:
    import asyncio
    import logging
    import time

    from rasa.utils.endpoints import EndpointConfig

    from bot.rasa_server.queue_broker import QueueEventBroker
    from bot.stack.ports import free_port

    caplog.set_level(logging.INFO)
    closed = free_port()
    config = EndpointConfig(
        url=f"amqp://guest:secret-pw@127.0.0.1:{closed}/", queues=["q"], exchange_name="q"
    )

    async def scenario() -> tuple[float, int, int, int]:
        broker = await QueueEventBroker.from_endpoint_config(config)
        assert broker is not None
        broker.max_buffer = 5
        started = time.monotonic()
        for i in range(8):
            broker.publish(
                {"event": "user", "sender_id": "c", "timestamp": 1.0 + i, "text": f"hej {CPR}"}
            )
        slowest = time.monotonic() - started
        deadline = time.monotonic() + 10
        while "RabbitMQ not taking statistics events" not in caplog.text:
            assert time.monotonic() < deadline, caplog.text
            await asyncio.sleep(0.05)
        waiting, lost = broker.backlog, broker.lost
        await broker.close()
        return slowest, waiting, lost, broker.lost

    slowest, waiting, lost, lost_at_close = asyncio.run(scenario())
    assert slowest < 0.05, slowest
    assert (waiting, lost, lost_at_close) == (5, 3, 8)
    assert "events lost so far" in caplog.text
    assert "Stopping with 5 statistics events not published to RabbitMQ: lost (8 lost in all)" in (
        caplog.text
    )
    assert "secret-pw" not in caplog.text and "1234" not in caplog.text


def test_python_m_bot_run_gets_the_queue_section_in_a_copy_of_its_endpoints(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bot.stack.local import StackConfig, with_event_queue

    monkeypatch.delenv("BOT_RABBITMQ_URL", raising=False)
    endpoints = tmp_path / "endpoints.yml"
    endpoints.write_text(
        "# local\naction_endpoint:\n  url: http://127.0.0.1:5055/webhook\n"
        "event_broker:\n  type: bot.rasa_server.brokers.AssistantEventBroker\n"
        "tracker_store:\n  type: SQL\n",
        encoding="utf-8",
    )
    plain = StackConfig(endpoints=endpoints, env={})
    assert with_event_queue(plain, tmp_path / "run.yml") is plain
    queued = with_event_queue(
        StackConfig(endpoints=endpoints, env={"BOT_RABBITMQ_URL": "amqp://127.0.0.1/"}),
        tmp_path / "run.yml",
    )
    text = (tmp_path / "run.yml").read_text(encoding="utf-8")
    assert queued.endpoints == (tmp_path / "run.yml").resolve() and queued.events_port
    assert "AssistantEventBroker" not in text and "QueueEventBroker" in text
    assert "action_endpoint:" in text and "tracker_store:\n  type: SQL" in text
    assert "AssistantEventBroker" in endpoints.read_text(encoding="utf-8")  # left as it was
