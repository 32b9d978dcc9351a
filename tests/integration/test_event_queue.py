"""Statistics through RabbitMQ, on the real servers and a real RabbitMQ (127.0.0.1:5672).

One stack with ``BOT_RABBITMQ_URL`` set: the Rasa server publishes its events to a durable
queue of its own (a unique name, deleted afterwards) and the supervised events consumer
(``python -m bot events``) records them in batches.

* replies become statistics rows and review items, and no CPR number reaches RabbitMQ's disk;
* the consumer killed (SIGKILL) in the middle of a load and restarted by the supervisor:
  every turn is recorded exactly once;
* RabbitMQ stopped (``rabbitmqctl stop_app``): replies go on, the Rasa log counts the events
  that waited, and they are recorded when RabbitMQ is back (``start_app``, also in a finally).

RabbitMQ down at the start is started (``rabbitmqctl start_app`` or the service), not skipped.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import socket
import sqlite3
import subprocess
import time
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from bot.stack.local import StackConfig, isolated_stack, running_stack
from bot.stack.supervisor import Service, Supervisor
from testkit.senders import stored_sender
from tests.integration.conftest import FROZEN_NOW, REVIEW_LOW_CONFIDENCE, new_sender, texts

pytestmark = pytest.mark.integration

RABBITMQ_URL = "amqp://guest:guest@127.0.0.1:5672/"
QUESTIONS = ("hvornår har borgerservice åbent?", "hvad kan 1881 hjælpe med?", "tak")
FALLBACK = "min kat er syg"
CPR = "230687-4711"  # synthetic
RABBITMQ_DATA = Path("/var/lib/rabbitmq/mnesia")


# -- RabbitMQ --------------------------------------------------------------------------------


def rabbitmq_listening() -> bool:
    with socket.socket() as s:
        s.settimeout(1)
        return s.connect_ex(("127.0.0.1", 5672)) == 0


def wait_until(check: Callable[[], object], seconds: float, step: float = 0.2) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(step)
    return bool(check())


def ensure_rabbitmq() -> None:
    """Start RabbitMQ when it is not listening (the app, else the service); fail if it cannot
    be started, so CI never silently skips the queue path."""
    if rabbitmq_listening():
        return
    for command in (["rabbitmqctl", "start_app"], ["service", "rabbitmq-server", "start"]):
        try:
            subprocess.run(command, capture_output=True, timeout=90, check=False)
        except (OSError, subprocess.TimeoutExpired):
            continue
        if wait_until(rabbitmq_listening, 30, 0.5):
            return
    pytest.fail("RabbitMQ is not running on 127.0.0.1:5672 and could not be started")


def delete_queue(queue: str) -> None:
    """Delete the test's queue and its exchange."""
    import aio_pika

    async def delete() -> None:
        connection = await aio_pika.connect(RABBITMQ_URL, timeout=10)
        async with connection:
            channel = await connection.channel()
            await channel.queue_delete(queue)
            await channel.exchange_delete(queue)

    asyncio.run(delete())


# -- the stack -------------------------------------------------------------------------------


@dataclass
class QueueStack:
    cfg: StackConfig
    workdir: Path
    supervisor: Supervisor
    queue: str

    @property
    def consumer(self) -> Service:
        return next(s for s in self.supervisor.services if s.name == "events consumer")

    def ask(self, text: str, sender: str) -> tuple[requests.Response, float]:
        started = time.monotonic()
        response = requests.post(
            self.cfg.rest_url, json={"sender": sender, "message": text}, timeout=30
        )
        return response, time.monotonic() - started

    def rows(self, sql: str, db: str = "analytics.db", **params: object) -> list[tuple]:
        path = self.workdir / db
        if not path.exists():
            return []
        with sqlite3.connect(path, timeout=10) as conn:
            return conn.execute(sql, params).fetchall()

    def turns_of(self, senders: list[str]) -> dict[str, tuple]:
        """sender -> (conversations, turns, turns with an outcome) in the statistics."""
        found = {}
        for sender in senders:
            (row,) = self.rows(
                "SELECT count(DISTINCT c.id), count(t.id), count(t.kind) FROM conversations c "
                "LEFT JOIN turns t ON t.conversation_id = c.id WHERE c.sender_id = :sender",
                sender=stored_sender(sender),
            )
            found[sender] = row
        return found

    def log(self, name: str) -> str:
        path = self.cfg.log_dir / f"{name}.log"  # type: ignore[operator]
        return path.read_text(encoding="utf-8", errors="replace") if path.exists() else ""

    def health(self) -> dict:
        with urllib.request.urlopen(self.consumer.health_url, timeout=5) as response:  # noqa: S310
            return json.loads(response.read())


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory, model_path: Path) -> Iterator[QueueStack]:
    ensure_rabbitmq()
    queue = f"test_events_{uuid.uuid4().hex[:10]}"
    workdir = tmp_path_factory.mktemp("event-queue")
    env = {
        "BOT_PROFILE": "taarnby",
        "BOT_ENV": "test",
        "BOT_NOW": FROZEN_NOW,
        "LOG_LEVEL": "DEBUG",
        "BOT_RATE_PER_ADDRESS": "100000",
        "BOT_RATE_PER_CONVERSATION": "1000",
        "BOT_REVIEW_LOW_CONFIDENCE": REVIEW_LOW_CONFIDENCE,
        "BOT_RABBITMQ_URL": RABBITMQ_URL,
        "BOT_EVENT_QUEUE": queue,
        # Longer batches than the default: a kill more likely finds a batch unacknowledged.
        "BOT_EVENT_BATCH_MS": "300",
    }
    cfg = isolated_stack(workdir, model_path, env)
    try:
        with running_stack(cfg) as supervisor:
            yield QueueStack(cfg, workdir, supervisor, queue)
    finally:
        ensure_rabbitmq()
        delete_queue(queue)


# -- the tests -------------------------------------------------------------------------------


def test_replies_become_statistics_rows_and_review_items(stack: QueueStack) -> None:
    assert "QueueEventBroker" in stack.cfg.endpoints.read_text(encoding="utf-8")
    sender, private = new_sender(), new_sender()
    response, _ = stack.ask(QUESTIONS[0], sender)
    assert "Borgerservice har åbent" in texts(response.json())
    stack.ask(FALLBACK, sender)
    stack.ask(f"mit cpr er {CPR} hvornår har I åbent", private)
    # The CPR number is a turn of its own (the privacy warning), then the question's.
    expected = {sender: (1, 2, 2), private: (1, 2, 2)}
    assert wait_until(lambda: stack.turns_of([sender, private]) == expected, 30), stack.turns_of(
        [sender, private]
    )
    kinds = stack.rows(
        "SELECT t.kind FROM turns t JOIN conversations c ON c.id = t.conversation_id "
        "WHERE c.sender_id = :sender ORDER BY t.id",
        sender=stored_sender(sender),
    )
    assert kinds == [("information",), ("fallback",)], kinds

    def items() -> list[tuple]:
        return stack.rows(
            "SELECT i.text, i.reason FROM review_items i JOIN review_conversations c "
            "ON c.id = i.conversation_id WHERE c.sender_id = :sender",
            db="review.db",
            sender=stored_sender(sender),
        )

    assert wait_until(lambda: (FALLBACK, "no_page") in items(), 30), items()
    health = stack.health()
    assert health["consuming"] and health["recorded"] >= 5 and health["database"] == "ok"
    # The Rasa server only published: it recorded nothing itself.
    assert "Could not record a statistics event" not in stack.log("rasa")
    assert "Consuming RabbitMQ queue" in stack.log("events")
    # What RabbitMQ keeps on disk never held the CPR number.
    if RABBITMQ_DATA.is_dir():
        found = subprocess.run(
            ["grep", "-rlaE", "230687.?4711", str(RABBITMQ_DATA)],
            capture_output=True,
            text=True,
            check=False,
        )
        assert found.stdout == "", found.stdout
    for name in ("rasa", "events"):
        assert "4711" not in stack.log(name)


def test_consumer_killed_mid_load_and_restarted_records_every_turn_once(
    stack: QueueStack,
) -> None:
    senders = [new_sender() for _ in range(12)]
    work = [(q, s) for q in QUESTIONS for s in senders]  # each sender: three turns in order
    consumer = stack.consumer
    first_pid = consumer.process.pid  # type: ignore[union-attr]

    def turn(item: tuple[str, str]) -> int:
        return stack.ask(*item)[0].status_code

    with ThreadPoolExecutor(max_workers=4) as pool:
        statuses = list(pool.map(turn, work[: len(senders)]))
        # Some of the load is recorded, some in flight: kill the consumer outright.
        os.killpg(first_pid, signal.SIGKILL)
        statuses += list(pool.map(turn, work[len(senders) :]))
    assert statuses == [200] * len(work)

    def restarted() -> bool:
        stack.supervisor.poll()  # the supervisor notices the crash and restarts it
        process = consumer.process
        return process is not None and process.pid != first_pid and consumer.answers()

    assert wait_until(restarted, 60, 0.5), stack.log("events")[-2000:]
    expected = dict.fromkeys(senders, (1, 3, 3))
    assert wait_until(lambda: stack.turns_of(senders) == expected, 60), stack.turns_of(senders)
    time.sleep(1.0)  # anything delivered twice would be recorded by now
    assert stack.turns_of(senders) == expected
    # The daily summary still counts every conversation once.
    ((summary, conversations),) = stack.rows(
        "SELECT (SELECT sum(n) FROM daily_counts), (SELECT count(*) FROM conversations)"
    )
    assert summary == conversations
    assert stack.log("events").count("Consuming RabbitMQ queue") >= 2


def test_rabbitmq_stopped_replies_go_on_and_the_waiting_events_are_counted(
    stack: QueueStack,
) -> None:
    senders = [new_sender() for _ in range(3)]
    before = stack.log("rasa").count("RabbitMQ takes statistics events again")
    subprocess.run(["rabbitmqctl", "stop_app"], capture_output=True, timeout=90, check=True)
    try:
        assert wait_until(lambda: not rabbitmq_listening(), 30)
        for sender in senders:
            response, seconds = stack.ask(QUESTIONS[0], sender)
            assert response.status_code == 200 and seconds < 2, (response.status_code, seconds)
            assert "Borgerservice har åbent" in texts(response.json())
        assert wait_until(lambda: "RabbitMQ not taking statistics events" in stack.log("rasa"), 15)
    finally:
        subprocess.run(["rabbitmqctl", "start_app"], capture_output=True, timeout=90, check=False)
        ensure_rabbitmq()
    expected = dict.fromkeys(senders, (1, 1, 1))
    assert wait_until(lambda: stack.turns_of(senders) == expected, 90), stack.turns_of(senders)

    def came_back() -> bool:
        return stack.log("rasa").count("RabbitMQ takes statistics events again") > before

    assert wait_until(came_back, 30), stack.log("rasa")[-3000:]
    waited = re.findall(
        r"RabbitMQ takes statistics events again after \d+ s: (\d+) events waited and are "
        r"published, (\d+) lost",
        stack.log("rasa"),
    )
    assert waited and int(waited[-1][0]) >= 3 * len(senders), waited
    assert "reconnecting" in stack.log("events")
