"""The statistics' event queue in a stack: the endpoints section and the consumer's service.

With ``BOT_RABBITMQ_URL`` set, the Rasa server publishes its events to a durable RabbitMQ queue
(:class:`bot.analytics.queue_broker.QueueEventBroker`, a small subclass of Rasa's own
``PikaEventBroker``) instead of recording statistics in its own process, and
``python -m bot events`` (:mod:`bot.ops.event_consumer`) records them in batches. Unset, the
in-process broker (``bot.review.broker.AssistantEventBroker``) does it as before.

:func:`rabbitmq_broker_section` is the one place that writes the endpoints file's
``event_broker:`` section for the queue; every stack layout (the runner's stacks, the
production topology) uses it. See docs/statistics.md, "Two paths for the events".
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.ops.runner import Service

# The Rasa-side broker class of the queue path.
QUEUE_BROKER = "bot.analytics.queue_broker.QueueEventBroker"
# The endpoints reference that makes Rasa read the URL (and its password) from the environment
# when it loads the file, so the file itself holds no secret.
URL_FROM_ENVIRONMENT = "${BOT_RABBITMQ_URL}"
# A YAML plain scalar Rasa's loader reads back unchanged (and expands ``${...}`` in).
_PLAIN = re.compile(r"^[A-Za-z0-9${}_.:/@%?=&+\-]+$")
# A queue name as BOT_EVENT_QUEUE allows it, without RabbitMQ's reserved prefix.
_QUEUE = re.compile(r"(?!amq\.)[A-Za-z0-9_.:-]{1,200}")


def _scalar(value: str) -> str:
    return value if _PLAIN.match(value) else json.dumps(value)


def rabbitmq_broker_section(url: str, queue: str) -> str:
    """The ``event_broker:`` section of an endpoints file that publishes to RabbitMQ.

    ``url`` is an ``amqp://`` / ``amqps://`` URL, or better :data:`URL_FROM_ENVIRONMENT`
    (``${BOT_RABBITMQ_URL}``): Rasa expands it when it reads the file, and the password stays
    out of the file. ``queue`` is the durable queue the consumer reads (``BOT_EVENT_QUEUE``); the
    fanout exchange the broker publishes to has the same name, so stacks with different queues
    on one RabbitMQ never see each other's events.
    """
    if not _QUEUE.fullmatch(queue):
        raise ValueError(f"not a usable RabbitMQ queue name: {queue!r}")
    return (
        "event_broker:\n"
        f"  type: {QUEUE_BROKER}\n"
        f"  url: {_scalar(url)}\n"
        "  queues:\n"
        f"    - {queue}\n"
        f"  exchange_name: {queue}\n"
    )


def consumer_service(health_port: int, log_path: Path | None = None) -> Service:
    """The consumer (``python -m bot events``) as a supervised service; it answers on
    ``http://127.0.0.1:<health_port>/health`` once it consumes the queue."""
    from bot.ops.runner import Service

    return Service(
        "events consumer",
        [sys.executable, "-m", "bot", "events", "--health-port", str(health_port)],
        f"http://127.0.0.1:{health_port}/health",
        log_path,
    )
