"""The statistics' events queue: what goes into it and its bounds, the same for the publisher
(:mod:`bot.rasa_server.queue_broker`, in the Rasa server) and the consumer
(:mod:`bot.events.consumer`).

Only the events the consumer reads are published, reduced to the fields it reads and
CPR-redacted again (:func:`queued_event`): the queue is on disk.

The queue holds citizen text (CPR-redacted), so RabbitMQ keeps none of it for long:

* ``x-message-ttl``: an event nobody consumed within ``BOT_EVENT_QUEUE_TTL_SECONDS`` (default
  3 days, at most the review store's retention ``BOT_RETENTION_REVIEW_DAYS``) is deleted;
* ``x-max-length`` with ``x-overflow: drop-head``: beyond ``BOT_EVENT_QUEUE_MAX_LENGTH``
  events (default 200,000) RabbitMQ drops the oldest; the publisher is never refused.

No Rasa import here: the consumer loads this without Rasa.
"""

from __future__ import annotations

import logging
from typing import Any

logger = logging.getLogger(__name__)

# The slots the consumer reads: the turn's outcome (statistics, review) and the language.
QUEUED_SLOTS = ("turn_outcome", "language")


def queued_event(event: dict[str, Any]) -> dict[str, Any] | None:
    """What of a Rasa event goes to the queue: None for events the consumer does not read,
    else the fields the statistics recorder and the review collector use, CPR-redacted.

    Published: ``user`` (text, message id, intent, ranking, entities), ``bot`` (text, buttons),
    ``slot`` for :data:`QUEUED_SLOTS`, ``action`` ``action_listen`` (a turn is over) and
    ``session_started``; with ``sender_id`` and ``timestamp``.
    """
    from bot.dialogue.privacy import redact_value

    sender = event.get("sender_id")
    kind = event.get("event")
    if not isinstance(sender, str) or not sender:
        return None
    out: dict[str, Any] = {"event": kind, "sender_id": sender, "timestamp": event.get("timestamp")}
    if kind == "user":
        parse = event.get("parse_data") if isinstance(event.get("parse_data"), dict) else {}
        out["text"] = event.get("text")
        out["message_id"] = event.get("message_id")
        out["parse_data"] = {
            "intent": parse.get("intent"),
            "intent_ranking": parse.get("intent_ranking") or [],
            "entities": [
                {"entity": e.get("entity"), "value": e.get("value")}
                for e in parse.get("entities") or []
                if isinstance(e, dict)
            ],
        }
    elif kind == "bot":
        data = event.get("data") if isinstance(event.get("data"), dict) else {}
        out["text"] = event.get("text")
        out["data"] = {
            "buttons": [
                {"title": b.get("title"), "payload": b.get("payload")}
                for b in data.get("buttons") or []
                if isinstance(b, dict)
            ]
        }
    elif kind == "slot" and event.get("name") in QUEUED_SLOTS:
        out["name"] = event.get("name")
        out["value"] = event.get("value")
    elif kind == "action" and event.get("name") == "action_listen":
        out["name"] = "action_listen"
    elif kind != "session_started":
        return None
    return redact_value(out)


class EventQueueMismatch(RuntimeError):
    """The queue exists with other arguments and still holds events; the message says what to
    do (it names the queue, never an event)."""


def queue_arguments(
    ttl_seconds: int | None = None, max_length: int | None = None
) -> dict[str, Any]:
    """The arguments of the durable events queue: message TTL, maximum length, overflow.

    Unset values come from the settings (``BOT_EVENT_QUEUE_TTL_SECONDS``,
    ``BOT_EVENT_QUEUE_MAX_LENGTH``)."""
    if ttl_seconds is None or max_length is None:
        from bot.settings import get_settings

        settings = get_settings()
        ttl_seconds = settings.event_queue_ttl_seconds if ttl_seconds is None else ttl_seconds
        max_length = settings.event_queue_max_length if max_length is None else max_length
    return {
        "x-message-ttl": int(ttl_seconds) * 1000,
        "x-max-length": int(max_length),
        "x-overflow": "drop-head",
    }


async def declare_event_queue(
    connection: Any, name: str, arguments: dict[str, Any] | None = None
) -> dict[str, Any]:
    """Declare the durable fanout exchange ``name`` and the durable queue ``name`` with
    ``arguments`` (default :func:`queue_arguments`), bound to it, on a channel of their own.

    A queue of that name declared with other arguments makes RabbitMQ refuse the declaration
    (PRECONDITION_FAILED). Empty, it is deleted (only if still empty) and declared again; with
    events in it, :class:`EventQueueMismatch` says how to empty or delete it. Returns the
    arguments in force."""
    import aio_pika
    from aiormq.exceptions import ChannelPreconditionFailed

    arguments = queue_arguments() if arguments is None else arguments
    channel = await connection.channel()
    try:
        exchange = await channel.declare_exchange(
            name, type=aio_pika.ExchangeType.FANOUT, durable=True
        )
        try:
            queue = await channel.declare_queue(name, durable=True, arguments=arguments)
        except ChannelPreconditionFailed:
            channel = await connection.channel()  # RabbitMQ closed the other one
            exchange = await channel.declare_exchange(
                name, type=aio_pika.ExchangeType.FANOUT, durable=True
            )
            old = await channel.declare_queue(name, passive=True)
            waiting = old.declaration_result.message_count
            if waiting:
                raise EventQueueMismatch(
                    f"RabbitMQ queue {name!r} was declared with other arguments (an older "
                    f"version, or another TTL or maximum length) and holds {waiting} events. "
                    "The events consumer (python -m bot events) records them and then replaces "
                    "the queue; or delete it (its events are lost): rabbitmqctl delete_queue "
                    f"-p <vhost> {name}. See docs/statistics.md."
                ) from None
            try:
                await old.delete(if_unused=False, if_empty=True)
            except ChannelPreconditionFailed:  # an event arrived meanwhile: next attempt
                raise EventQueueMismatch(
                    f"RabbitMQ queue {name!r} was declared with other arguments and got an event "
                    "while being replaced; retrying."
                ) from None
            logger.warning(
                "RabbitMQ queue %s was declared with other arguments and was empty: replaced by "
                "one with a message TTL of %d s and a maximum length of %d.",
                name,
                arguments.get("x-message-ttl", 0) // 1000,
                arguments.get("x-max-length", 0),
            )
            queue = await channel.declare_queue(name, durable=True, arguments=arguments)
        await queue.bind(exchange, "")
    finally:
        try:
            await channel.close()
        except Exception:  # noqa: S110 - a channel RabbitMQ closed already
            pass
    return arguments
