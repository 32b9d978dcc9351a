"""Publish the Rasa server's events to RabbitMQ for the statistics consumer.

The queue path of the statistics (docs/statistics.md, "Two paths for the events"): the Rasa
server only publishes, and ``python -m bot events`` records in batches, off the reply path.
Written by :func:`bot.ops.events.rabbitmq_broker_section`::

    event_broker:
      type: bot.analytics.queue_broker.QueueEventBroker
      url: ${BOT_RABBITMQ_URL}
      queues: [rasa_events]
      exchange_name: rasa_events

:class:`QueueEventBroker` is Rasa's own ``PikaEventBroker`` (its URL handling, TLS options,
robust connection that reconnects by itself, durable queue bound to a fanout exchange,
persistent JSON messages) with what a municipality's assistant needs on top:

* it never stalls or fails a reply: :meth:`publish` only puts the event in memory; a thread of
  its own (with its own event loop and connection) publishes in order, in windows, with
  publisher confirms, and keeps what RabbitMQ has not confirmed. On Rasa's loop the publishing
  waited behind the models' predictions: seconds of lag under load;
* RabbitMQ away (at startup too, where Rasa's broker would stop the server after 20 attempts):
  events wait in memory, in order, at most :data:`MAX_BUFFER`, and are published when it is
  back; the log says when it went away, how many events wait, how many were lost (buffer full,
  or still waiting at shutdown) and when it is back. Rasa's broker drops events silently before
  its first connection and keeps an unbounded, unordered backlog;
* the exchange is durable too, so the binding outlives a RabbitMQ restart;
* only the events the consumer reads are published, reduced to the fields it reads and
  CPR-redacted again (:func:`queued_event`): the queue is on disk. Errors are logged by type,
  never with an event (Rasa's broker logs the failed event, text included);
* the queue holds citizen text, so it is bounded (:func:`queue_arguments`): RabbitMQ deletes an
  event nobody consumed within ``BOT_EVENT_QUEUE_TTL_SECONDS`` (``x-message-ttl``, at most the
  review store's retention) and drops the oldest beyond ``BOT_EVENT_QUEUE_MAX_LENGTH``
  (``x-max-length``, ``x-overflow: drop-head``). :func:`declare_event_queue` declares it the
  same way on both sides, and replaces an empty queue declared with other arguments (an older
  version's); a non-empty one is refused with what to do (docs/statistics.md).
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import threading
import time
from asyncio import AbstractEventLoop
from collections import deque
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from rasa.core.brokers.pika import PikaEventBroker
from rasa.utils.endpoints import EndpointConfig

from bot.analytics.queue_bounds import EventQueueMismatch, declare_event_queue, queue_arguments

logger = logging.getLogger(__name__)

# Events kept in memory while RabbitMQ is away (about 10,000 turns).
MAX_BUFFER = 50_000
# Events published at once before waiting for RabbitMQ's confirms.
WINDOW = 100
CONNECT_TIMEOUT_S = 10.0
CONFIRM_TIMEOUT_S = 10.0
# Between failed attempts: 0.5 s, doubling up to this.
MAX_RETRY_S = 10.0
# While RabbitMQ is away, the log says how many events wait at most this often.
REPORT_EVERY_S = 30.0
# On shutdown, what waits gets this long to reach RabbitMQ.
CLOSE_DRAIN_S = 5.0

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


def _without_credentials(url: str) -> tuple[str, str, str, int]:
    """``url`` without user and password (Rasa logs the host it connects to), and those two
    (still percent-encoded, as Rasa puts them back into the URL) and the port."""
    parts = urlsplit(url)
    port = parts.port or (5671 if parts.scheme == "amqps" else 5672)
    host = parts.hostname or "localhost"
    netloc = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    bare = urlunsplit((parts.scheme, netloc, parts.path, parts.query, ""))
    user = parts.username or "guest"
    password = parts.password or "guest"
    return bare, user, password, port


class QueueEventBroker(PikaEventBroker):
    """Rasa's Pika broker that never stalls a reply and counts what it buffers or loses.

    The connection lives on a thread of its own with its own event loop: Rasa's event loop
    runs the models' predictions between its awaits, and a publish that needs a few loop
    iterations per message would wait behind them (seconds under load). :meth:`publish`, on
    Rasa's loop, only appends to a buffer shared under a lock.
    """

    def __init__(
        self,
        host: str,
        username: str,
        password: str,
        port: int | str = 5672,
        queues: list[str] | tuple[str, ...] | str | None = None,
        event_loop: AbstractEventLoop | None = None,  # Rasa's; not used (see above)
        max_buffer: int = MAX_BUFFER,
        **kwargs: Any,
    ) -> None:
        kwargs.pop("should_keep_unpublished_messages", None)
        kwargs.pop("raise_on_failure", None)
        kwargs["connection_attempts"] = 1  # retried (with back-off) by self._run
        kwargs["retry_delay_in_seconds"] = 0
        super().__init__(
            host,
            username,
            password,
            port=port,
            queues=queues,
            should_keep_unpublished_messages=False,
            raise_on_failure=False,
            # The publisher's own loop (see the class docstring), not Rasa's ``event_loop``.
            event_loop=asyncio.new_event_loop(),
            **kwargs,
        )
        _quiet_amqp_frames()
        self.max_buffer = max_buffer
        self._buffer: deque[dict[str, Any]] = deque()
        self._lock = threading.Lock()
        self._wake: asyncio.Event | None = None  # made on the publisher's loop
        self._thread: threading.Thread | None = None
        self._closing = False
        self.published = 0
        self.waited = 0  # events that had to wait because RabbitMQ was away
        self.lost = 0  # events dropped: the buffer was full, or at shutdown
        self._down_since: float | None = None
        self._reported_at = 0.0

    @classmethod
    async def from_endpoint_config(
        cls,
        broker_config: EndpointConfig | None,
        event_loop: AbstractEventLoop | None = None,
    ) -> QueueEventBroker | None:
        """The broker of the endpoints section; returns at once, connecting in the background
        (the Rasa server starts and answers even when RabbitMQ is away)."""
        if broker_config is None:
            return None
        host, user, password, port = _without_credentials(str(broker_config.url or ""))
        kwargs = {
            k: v
            for k, v in broker_config.kwargs.items()
            if k not in ("username", "password", "port")
        }
        broker = cls(host, user, password, port=port, **kwargs)
        broker.start()
        return broker

    # -- the publisher thread -------------------------------------------------------

    def start(self) -> None:
        """Start the thread that connects and publishes."""
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._loop.run_until_complete,
                args=(self._run(),),
                name="statistics-publisher",
                daemon=True,
            )
            self._thread.start()

    def _wake_up(self) -> None:
        """From any thread: the publisher has something to do."""
        try:
            self._loop.call_soon_threadsafe(self._set_wake)
        except RuntimeError:  # the publisher's loop is closed: nothing to wake
            pass

    def _set_wake(self) -> None:
        if self._wake is not None:
            self._wake.set()

    async def connect(self) -> None:
        """Connect (Rasa's robust connection), declare the durable exchange and queues.

        Unroutable messages raise (``on_return_raises``) so they stay in the buffer instead of
        being confirmed and lost."""
        connection = await self._connect()
        self._connection = connection
        connection.reconnect_callbacks.add(self._publish_unpublished_messages)
        channel = await connection.channel(on_return_raises=True)
        self._exchange = await self._set_up_exchange(channel)
        logger.info("Publishing statistics events to RabbitMQ queue %s.", ", ".join(self.queues))

    async def _set_up_exchange(self, channel: Any) -> Any:
        """The queues (with their TTL and maximum length, :func:`declare_event_queue`) bound
        to the exchange; returns the exchange on the publishing ``channel``."""
        import aio_pika

        for queue in self.queues:
            if queue == self.exchange_name:
                await declare_event_queue(self._connection, queue, queue_arguments())
        exchange = await channel.declare_exchange(
            self.exchange_name, type=aio_pika.ExchangeType.FANOUT, durable=True
        )
        for queue in self.queues:
            if queue != self.exchange_name:
                await self._bind_queue(queue, channel, exchange)
        return exchange

    @staticmethod
    async def _bind_queue(queue_name: str, channel: Any, exchange: Any) -> None:
        """A queue of another name than the exchange, with the same bounds."""
        queue = await channel.declare_queue(queue_name, durable=True, arguments=queue_arguments())
        await queue.bind(exchange, "")

    def _publish_unpublished_messages(self, *_: Any, **__: Any) -> None:
        """Rasa calls this when the robust connection is back: wake the sender."""
        self._set_wake()

    def is_ready(self) -> bool:
        """Always: the broker takes events whether RabbitMQ is there or not."""
        return True

    # -- publishing -----------------------------------------------------------------

    def publish(self, event: dict[str, Any], headers: dict[str, str] | None = None) -> None:
        """Keep the event for the publisher thread; returns at once, never raises."""
        try:
            queued = queued_event(event)
            if queued is None:
                return
            with self._lock:
                if self._closing or len(self._buffer) >= self.max_buffer:
                    self.lost += 1
                    lost = self.lost
                else:
                    self._buffer.append(queued)
                    if self._down_since is not None:
                        self.waited += 1
                    lost = 0
            if lost and (lost == 1 or lost % 1000 == 0):
                logger.error(
                    "RabbitMQ away and the statistics event buffer full (%d): %d events lost "
                    "so far.",
                    self.max_buffer,
                    lost,
                )
            elif not lost:
                self._wake_up()
        except Exception as exc:  # publishing must never break the conversation
            self.lost += 1
            logger.error("Could not queue a statistics event: %s", type(exc).__name__)

    async def _run(self) -> None:
        """Connect and publish until closing and drained (or closing and away)."""
        self._wake = asyncio.Event()
        delay = 0.5
        try:
            while True:
                try:
                    if self._exchange is None:
                        await asyncio.wait_for(self.connect(), CONNECT_TIMEOUT_S)
                    if not self._buffer:
                        if self._closing:
                            return
                        self._wake.clear()
                        if not self._buffer:
                            await self._wake.wait()
                        continue
                    await self._send_window()
                    delay = 0.5
                except Exception as exc:
                    if self._exchange is None and self._connection is not None:
                        await self._drop_connection()
                    self._went_away(exc)
                    if self._closing:
                        return
                    self._wake.clear()
                    try:
                        await asyncio.wait_for(self._wake.wait(), delay)
                    except asyncio.TimeoutError:
                        pass
                    delay = min(MAX_RETRY_S, delay * 2)
        finally:
            await self._drop_connection()

    async def _send_window(self) -> None:
        """Publish the first events of the buffer (in order) and drop those RabbitMQ
        confirmed; raise when any was not."""
        with self._lock:
            window = list(itertools.islice(self._buffer, WINDOW))
        exchange = self._exchange
        results = await asyncio.wait_for(
            asyncio.gather(
                *(exchange.publish(self._message(e, None), "") for e in window),  # type: ignore[union-attr]
                return_exceptions=True,
            ),
            CONFIRM_TIMEOUT_S,
        )
        confirmed = 0
        for result in results:
            if isinstance(result, BaseException):
                break
            confirmed += 1
        with self._lock:
            for _ in range(confirmed):
                self._buffer.popleft()
            self.published += confirmed
        if confirmed < len(window):
            failed = next(r for r in results if isinstance(r, BaseException))
            raise failed if isinstance(failed, Exception) else RuntimeError("publish failed")
        if self._down_since is not None:
            self._came_back()

    async def _drop_connection(self) -> None:
        connection, self._connection, self._exchange = self._connection, None, None
        if connection is None:
            return
        try:
            await connection.close()
        except Exception:  # noqa: S110 - it is going away anyway
            pass

    def _went_away(self, exc: BaseException) -> None:
        now = time.monotonic()
        with self._lock:
            waiting, lost = len(self._buffer), self.lost
            first = self._down_since is None
            if first:
                self._down_since, self._reported_at = now, now
                self.waited += waiting
        if isinstance(exc, EventQueueMismatch) and (first or now - self._reported_at >= 30):
            logger.error("%s", exc)  # names the queue and what to do; never an event
        if first:
            logger.error(
                "RabbitMQ not taking statistics events (%s): they wait in memory (at most %d) "
                "and are published when it is back; replies go on.",
                type(exc).__name__,
                self.max_buffer,
            )
        elif now - self._reported_at >= REPORT_EVERY_S:
            self._reported_at = now
            logger.error(
                "RabbitMQ still not taking statistics events (%s) after %.0f s: %d waiting, "
                "%d lost.",
                type(exc).__name__,
                now - (self._down_since or now),
                waiting,
                lost,
            )

    def _came_back(self) -> None:
        with self._lock:
            seconds = time.monotonic() - (self._down_since or time.monotonic())
            waited, lost = self.waited, self.lost
            self._down_since = None
            self.waited = 0
        logger.warning(
            "RabbitMQ takes statistics events again after %.0f s: %d events waited and are "
            "published, %d lost.",
            seconds,
            waited,
            lost,
        )

    @property
    def backlog(self) -> int:
        """Events waiting to be confirmed by RabbitMQ."""
        return len(self._buffer)

    async def close(self) -> None:
        """Give waiting events a few seconds to reach RabbitMQ; count what does not."""
        with self._lock:
            self._closing = True
        self._wake_up()
        thread = self._thread
        if thread is not None:
            deadline = time.monotonic() + CLOSE_DRAIN_S
            while thread.is_alive() and time.monotonic() < deadline:
                await asyncio.sleep(0.05)
            if thread.is_alive():  # RabbitMQ away: stop waiting for it
                self._loop.call_soon_threadsafe(self._cancel_all)
                await asyncio.get_running_loop().run_in_executor(None, thread.join, 5.0)
        with self._lock:
            left = len(self._buffer)
            self.lost += left
            self._buffer.clear()
        if left:
            logger.error(
                "Stopping with %d statistics events not published to RabbitMQ: lost "
                "(%d lost in all).",
                left,
                self.lost,
            )
        logger.info(
            "Statistics events: %d published to RabbitMQ, %d lost.", self.published, self.lost
        )

    def _cancel_all(self) -> None:
        for task in asyncio.all_tasks(self._loop):
            task.cancel()


def _quiet_amqp_frames() -> None:
    """aiormq logs every frame it sends at DEBUG, message bodies included: keep its logger
    (and aio_pika's) at WARNING or above whatever LOG_LEVEL_LIBRARIES says."""
    for name in ("aiormq", "aio_pika"):
        library = logging.getLogger(name)
        if library.getEffectiveLevel() < logging.WARNING:
            library.setLevel(logging.WARNING)
