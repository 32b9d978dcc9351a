"""Publish the Rasa server's events to RabbitMQ for the statistics consumer.

The queue path of the statistics (docs/statistics.md, "Two paths for the events"): the Rasa
server only publishes, and ``python -m bot events`` records in batches, off the reply path.
Written by :func:`bot.stack.endpoints.rabbitmq_broker_section`::

    event_broker:
      type: bot.rasa_server.queue_broker.QueueEventBroker
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
  CPR-redacted again (:func:`bot.events.queue.queued_event`): the queue is on disk. Errors are
  logged by type, never with an event (Rasa's broker logs the failed event, text included);
* the queue holds citizen text, so it is bounded (:func:`queue_arguments`): RabbitMQ deletes an
  event nobody consumed within ``BOT_EVENT_QUEUE_TTL_SECONDS`` (``x-message-ttl``, at most the
  review store's retention) and drops the oldest beyond ``BOT_EVENT_QUEUE_MAX_LENGTH``
  (``x-max-length``, ``x-overflow: drop-head``). :func:`declare_event_queue` declares it the
  same way on both sides, and replaces an empty queue declared with other arguments (an older
  version's); a non-empty one is refused with what to do (docs/statistics.md).

What waits and how it is retried is the one retrying writer's (:mod:`bot.events.retrying`): a
:class:`~bot.events.retrying.Backlog` that drops the newest event when full and a
:class:`~bot.events.retrying.Backoff`, driven from the publisher's own asyncio loop.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from asyncio import AbstractEventLoop
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from rasa.core.brokers.pika import PikaEventBroker
from rasa.utils.endpoints import EndpointConfig

from bot.events.queue import (
    EventQueueMismatch,
    declare_event_queue,
    queue_arguments,
    queued_event,
)
from bot.events.retrying import Backlog, Backoff
from bot.rasa_server.internal import get, put
from bot.rasa_server.internals import (
    PIKA_BIND_QUEUE,
    PIKA_CONNECT,
    PIKA_CONNECTION,
    PIKA_EXCHANGE,
    PIKA_LOOP,
    PIKA_MESSAGE,
    PIKA_PUBLISH_UNPUBLISHED,
    PIKA_SET_UP_EXCHANGE,
)

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
        # Full: new events are lost (counted); what waits keeps its order.
        self._backlog: Backlog[dict[str, Any]] = Backlog(
            max_buffer,
            "newest",
            logger,
            full="RabbitMQ away and the statistics event buffer full (%(limit)d): %(lost)d "
            "events lost so far.",
        )
        self._backoff = Backoff(
            0.5,
            MAX_RETRY_S,
            logger,
            went_away="RabbitMQ not taking statistics events (%(error)s): they wait in memory "
            "(at most %(limit)d) and are published when it is back; replies go on.",
            still_away="RabbitMQ still not taking statistics events (%(error)s) after "
            "%(seconds).0f s: %(waiting)d waiting, %(lost)d lost.",
            back="RabbitMQ takes statistics events again after %(seconds).0f s: %(waited)d "
            "events waited and are published, %(lost)d lost.",
            report_every_s=REPORT_EVERY_S,
            details=lambda: {
                "limit": self.max_buffer,
                "waiting": len(self._backlog),
                "lost": self._backlog.lost,
            },
        )
        self._wake: asyncio.Event | None = None  # made on the publisher's loop
        self._thread: threading.Thread | None = None
        self.published = 0

    @property
    def max_buffer(self) -> int:
        """Events kept in memory at most while RabbitMQ is away."""
        return self._backlog.limit

    @max_buffer.setter
    def max_buffer(self, limit: int) -> None:
        self._backlog.limit = limit

    @property
    def waited(self) -> int:
        """Events that had to wait because RabbitMQ was away (since it went away)."""
        return self._backlog.waited

    @property
    def lost(self) -> int:
        """Events dropped: the buffer was full, or at shutdown."""
        return self._backlog.lost

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
                target=get(PIKA_LOOP, self).run_until_complete,
                args=(self._run(),),
                name="statistics-publisher",
                daemon=True,
            )
            self._thread.start()

    def _wake_up(self) -> None:
        """From any thread: the publisher has something to do."""
        try:
            get(PIKA_LOOP, self).call_soon_threadsafe(self._set_wake)
        except RuntimeError:  # the publisher's loop is closed: nothing to wake
            pass

    def _set_wake(self) -> None:
        if self._wake is not None:
            self._wake.set()

    async def connect(self) -> None:
        """Connect (Rasa's robust connection), declare the durable exchange and queues.

        Unroutable messages raise (``on_return_raises``) so they stay in the buffer instead of
        being confirmed and lost."""
        connection = await get(PIKA_CONNECT, self)()
        put(PIKA_CONNECTION, self, connection)
        connection.reconnect_callbacks.add(get(PIKA_PUBLISH_UNPUBLISHED, self))
        channel = await connection.channel(on_return_raises=True)
        put(PIKA_EXCHANGE, self, await get(PIKA_SET_UP_EXCHANGE, self)(channel))
        logger.info("Publishing statistics events to RabbitMQ queue %s.", ", ".join(self.queues))

    async def _set_up_exchange(self, channel: Any) -> Any:
        """The queues (with their TTL and maximum length, :func:`declare_event_queue`) bound
        to the exchange; returns the exchange on the publishing ``channel``."""
        import aio_pika

        for queue in self.queues:
            if queue == self.exchange_name:
                await declare_event_queue(get(PIKA_CONNECTION, self), queue, queue_arguments())
        exchange = await channel.declare_exchange(
            self.exchange_name, type=aio_pika.ExchangeType.FANOUT, durable=True
        )
        for queue in self.queues:
            if queue != self.exchange_name:
                await get(PIKA_BIND_QUEUE, self)(queue, channel, exchange)
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
            if queued is not None and self._backlog.put(queued):
                self._wake_up()
        except Exception as exc:  # publishing must never break the conversation
            self._backlog.lose()
            logger.error("Could not queue a statistics event: %s", type(exc).__name__)

    async def _run(self) -> None:
        """Connect and publish until closing and drained (or closing and away)."""
        self._wake = asyncio.Event()
        try:
            while True:
                try:
                    if get(PIKA_EXCHANGE, self) is None:
                        await asyncio.wait_for(self.connect(), CONNECT_TIMEOUT_S)
                    if not len(self._backlog):
                        if self._backlog.closed:
                            return
                        self._wake.clear()
                        if not len(self._backlog):
                            await self._wake.wait()
                        continue
                    await self._send_window()
                except Exception as exc:
                    if (
                        get(PIKA_EXCHANGE, self) is None
                        and get(PIKA_CONNECTION, self) is not None
                    ):
                        await self._drop_connection()
                    delay = self._went_away(exc)
                    if self._backlog.closed:
                        return
                    self._wake.clear()
                    try:
                        await asyncio.wait_for(self._wake.wait(), delay)
                    except asyncio.TimeoutError:
                        pass
        finally:
            await self._drop_connection()

    async def _send_window(self) -> None:
        """Publish the first events of the buffer (in order) and drop those RabbitMQ
        confirmed; raise when any was not."""
        window = self._backlog.peek(WINDOW)
        exchange = get(PIKA_EXCHANGE, self)
        message = get(PIKA_MESSAGE, self)
        results = await asyncio.wait_for(
            asyncio.gather(
                *(exchange.publish(message(e, None), "") for e in window),
                return_exceptions=True,
            ),
            CONFIRM_TIMEOUT_S,
        )
        confirmed = 0
        for result in results:
            if isinstance(result, BaseException):
                break
            confirmed += 1
        self._backlog.confirm(confirmed)
        self.published += confirmed
        if confirmed < len(window):
            failed = next(r for r in results if isinstance(r, BaseException))
            raise failed if isinstance(failed, Exception) else RuntimeError("publish failed")
        # Back (logged) if it was away; the waits start again at 0.5 s either way.
        self._backoff.succeeded(waited=self._backlog.release())

    async def _drop_connection(self) -> None:
        connection = get(PIKA_CONNECTION, self)
        put(PIKA_CONNECTION, self, None)
        put(PIKA_EXCHANGE, self, None)
        if connection is None:
            return
        try:
            await connection.close()
        except Exception:  # noqa: S110 - it is going away anyway
            pass

    def _went_away(self, exc: BaseException) -> float:
        """Count what waits from now on, log as due; the seconds before the next attempt."""
        if not self._backoff.away:
            self._backlog.hold()
        delay = self._backoff.failed(exc)
        if isinstance(exc, EventQueueMismatch) and self._backoff.reported:
            logger.error("%s", exc)  # names the queue and what to do; never an event
        return delay

    @property
    def backlog(self) -> int:
        """Events waiting to be confirmed by RabbitMQ."""
        return len(self._backlog)

    async def close(self) -> None:
        """Give waiting events a few seconds to reach RabbitMQ; count what does not."""
        self._backlog.close()
        self._wake_up()
        thread = self._thread
        if thread is not None:
            deadline = time.monotonic() + CLOSE_DRAIN_S
            while thread.is_alive() and time.monotonic() < deadline:
                await asyncio.sleep(0.05)
            if thread.is_alive():  # RabbitMQ away: stop waiting for it
                get(PIKA_LOOP, self).call_soon_threadsafe(self._cancel_all)
                await asyncio.get_running_loop().run_in_executor(None, thread.join, 5.0)
        left = self._backlog.abandon()
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
        for task in asyncio.all_tasks(get(PIKA_LOOP, self)):
            task.cancel()


def _quiet_amqp_frames() -> None:
    """aiormq logs every frame it sends at DEBUG, message bodies included: keep its logger
    (and aio_pika's) at WARNING or above whatever LOG_LEVEL_LIBRARIES says."""
    for name in ("aiormq", "aio_pika"):
        library = logging.getLogger(name)
        if library.getEffectiveLevel() < logging.WARNING:
            library.setLevel(logging.WARNING)
