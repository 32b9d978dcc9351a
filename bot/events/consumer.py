"""``python -m bot events``: record statistics from the durable RabbitMQ queue, in batches.

The consumer of the queue path (docs/statistics.md, "Two paths for the events"). The Rasa
servers publish their events (:class:`bot.rasa_server.queue_broker.QueueEventBroker`); this
process

* consumes the durable queue ``BOT_EVENT_QUEUE`` with a prefetch of two batches (what it holds
  in memory is bounded), one consumer, so every conversation's events stay in order;
* records statistics in batches: up to ``BOT_EVENT_BATCH_SIZE`` events or
  ``BOT_EVENT_BATCH_MS`` after the first, in one transaction
  (:func:`bot.analytics.batches.record_batch`, the same recorder as the in-process path), and
  acknowledges the batch (one multiple ack up to its last delivery tag) only after the commit.
  A batch delivered again (the consumer killed between commit and ack) is skipped event by
  event (keys in ``recorded_events``), so nothing is lost and nothing counted twice;
* feeds the web team's review inbox through the same fan-out as the in-process broker
  (:class:`bot.events.fanout.EventSinks`), each event once;
* keeps going: RabbitMQ away → reconnects with back-off (what was not acknowledged is
  delivered again); the statistics database away → the batch waits and is retried with
  back-off while the rest waits in RabbitMQ (:class:`bot.events.retrying.Backoff`). Both are
  logged when they start and end, by error type only, never with an event's content;
* answers ``GET /health`` on ``127.0.0.1:--health-port`` (200 with its counters once it
  consumes, 503 before) for the supervisor;
* on SIGTERM or Ctrl-C finishes the batch in hand (commit, ack) and stops; what it had
  prefetched goes back to the queue.
"""

from __future__ import annotations

import asyncio
import json
import logging
import signal
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from bot.events.batching import Batcher, RecentKeys
from bot.events.fanout import EventSinks
from bot.events.health import ConsumerHealth, answer
from bot.events.queue import EventQueueMismatch, queue_arguments
from bot.events.retrying import Backoff

if TYPE_CHECKING:
    from bot.settings import Settings

logger = logging.getLogger("bot.events")

CONNECT_TIMEOUT_S = 10.0
MAX_RETRY_S = 15.0
# Keys of the events handed to the review collector, against duplicate deliveries.
RECENT_KEYS = 100_000
# How often old keys of recorded events are deleted.
PRUNE_EVERY_S = 3600.0


def database_away(exc: BaseException) -> bool:
    """Whether an error means the statistics database is unavailable (locked, down, the
    connection lost): worth retrying, unlike an event the recorder cannot take."""
    import sqlalchemy.exc

    if isinstance(exc, (OSError, sqlalchemy.exc.OperationalError, sqlalchemy.exc.InterfaceError)):
        return True
    if isinstance(exc, sqlalchemy.exc.TimeoutError):  # no connection from the pool in time
        return True
    return bool(getattr(exc, "connection_invalidated", False))


_RECONNECTING = (
    "RabbitMQ connection lost or not reachable (%(error)s); reconnecting in %(delay).0f s. "
    "Unacknowledged events will be delivered again."
)
_BATCH_WAITS = (
    "Could not record a batch of %(events)d statistics events: %(error)s. It waits (the rest "
    "in RabbitMQ); retrying in %(delay).0f s."
)


class _GiveUp(Exception):
    """Stopping while the statistics database is away: the batch stays in the queue."""


class _OldQueueDrained(Exception):
    """The unbounded queue of an older version is empty now: declare the bounded one."""


class EventConsumer:
    """Consumes the events queue and records statistics (see the module docstring)."""

    def __init__(
        self,
        rabbitmq_url: str,
        queue: str,
        sinks: EventSinks,
        batch_size: int,
        batch_ms: int,
        queue_arguments: dict[str, Any] | None = None,
    ) -> None:
        self.rabbitmq_url = rabbitmq_url
        self.queue = queue
        # TTL, maximum length, overflow (bot.events.queue.queue_arguments).
        self.queue_arguments = queue_arguments
        self.sinks = sinks
        self.analytics_url = sinks.analytics_url  # this process's statistics transactions
        self.batch_size = batch_size
        self.batch_s = batch_ms / 1000.0
        self.prefetch = 2 * batch_size
        self.recent = RecentKeys(RECENT_KEYS)
        self.stopping = asyncio.Event()
        self.consuming = False
        self.health_state = ConsumerHealth()
        self.counts = self.health_state.counts
        # The statistics database away: the batch waits and is retried (see _commit).
        self._database = Backoff(
            1.0,
            MAX_RETRY_S,
            logger,
            went_away=_BATCH_WAITS,
            still_away=_BATCH_WAITS,
            back="The statistics database is back after %(seconds).0f s; recording again.",
        )
        self._pruned_at = 0.0
        self._keeper: Any = None
        self._db = ThreadPoolExecutor(max_workers=1, thread_name_prefix="statistics-db")

    @classmethod
    def from_settings(cls, settings: Settings) -> EventConsumer:
        """The consumer of this process's settings; the review store's tables brought up to
        date now if it is there."""
        return cls(
            rabbitmq_url=settings.rabbitmq_url,
            queue=settings.event_queue,
            sinks=EventSinks.from_settings(settings, record_directly=False).open(),
            batch_size=settings.event_batch_size,
            batch_ms=settings.event_batch_ms,
            queue_arguments=queue_arguments(
                settings.event_queue_ttl_seconds, settings.event_queue_max_length
            ),
        )

    # -- the loop -------------------------------------------------------------------

    async def run(self) -> None:
        """Consume until :attr:`stopping` is set, reconnecting with back-off."""
        rabbitmq = Backoff(
            1.0, MAX_RETRY_S, logger, went_away=_RECONNECTING, still_away=_RECONNECTING
        )
        while not self.stopping.is_set():
            try:
                await self._consume()
                rabbitmq.succeeded()
            except _GiveUp:
                break
            except _OldQueueDrained:
                self.consuming = False
                logger.warning(
                    "RabbitMQ queue %s of an older version is empty: declaring it again with "
                    "its TTL and maximum length.",
                    self.queue,
                )
            except Exception as exc:  # RabbitMQ away, or anything unexpected: start over
                self.consuming = False
                if self.stopping.is_set():
                    break
                await self._sleep(rabbitmq.failed(exc))
        self.consuming = False

    async def _sleep(self, seconds: float) -> None:
        try:
            await asyncio.wait_for(self.stopping.wait(), seconds)
        except asyncio.TimeoutError:
            pass

    async def _consume(self) -> None:
        import aio_pika

        from bot.events.queue import declare_event_queue

        connection = await aio_pika.connect(self.rabbitmq_url, timeout=CONNECT_TIMEOUT_S)
        lost = asyncio.Event()
        connection.close_callbacks.add(lambda *_: lost.set())
        try:
            channel = await connection.channel()
            await channel.set_qos(prefetch_count=self.prefetch)
            # The same declarations as the Rasa side (QueueEventBroker): whichever starts first;
            # the queue with its TTL and maximum length (it holds citizen text).
            draining = False
            try:
                arguments = await declare_event_queue(connection, self.queue, self.queue_arguments)
                queue = await channel.declare_queue(self.queue, durable=True, arguments=arguments)
            except EventQueueMismatch as exc:
                # An older version's queue without bounds, with events in it: record them
                # first; once it is empty it is replaced (_OldQueueDrained). The Rasa servers
                # keep their events in memory meanwhile.
                logger.warning("%s The consumer records its events first.", exc)
                queue = await channel.declare_queue(self.queue, passive=True)
                draining = True
            inbox: asyncio.Queue = asyncio.Queue()
            await queue.consume(inbox.put, no_ack=False)
            self.consuming = True
            logger.info(
                "Consuming RabbitMQ queue %s: batches of up to %d events or %.0f ms.",
                self.queue,
                self.batch_size,
                self.batch_s * 1000,
            )
            batcher: Batcher = Batcher(self.batch_size, self.batch_s)
            while True:
                if lost.is_set():
                    raise ConnectionError("the RabbitMQ connection closed")
                if self.stopping.is_set():
                    if len(batcher):
                        await self._process(batcher.take())
                    return
                wait = batcher.wait(time.monotonic())
                timeout = 1.0 if wait is None else min(wait, 1.0)
                try:
                    if timeout > 0:
                        message = await asyncio.wait_for(inbox.get(), timeout)
                        batcher.add(message, time.monotonic())
                    while len(batcher) < self.batch_size and not inbox.empty():
                        batcher.add(inbox.get_nowait(), time.monotonic())
                except asyncio.TimeoutError:
                    pass
                if batcher.due(time.monotonic()):
                    await self._process(batcher.take())
                if draining and not len(batcher) and inbox.empty():
                    left = await channel.declare_queue(self.queue, passive=True)
                    if not left.declaration_result.message_count:
                        raise _OldQueueDrained()
                await self._housekeeping()
        finally:
            self.consuming = False
            try:
                await connection.close()
            except Exception:  # noqa: S110 - closing a connection that is gone
                pass

    # -- one batch ------------------------------------------------------------------

    async def _process(self, messages: list[Any]) -> None:
        """Record a batch, feed the review inbox, then acknowledge it."""
        from bot.analytics.batches import event_key

        events: list[dict[str, Any]] = []
        keys: list[str] = []
        for message in messages:
            if message.redelivered:
                self.counts["redelivered"] += 1
            try:
                event = json.loads(message.body)
            except ValueError as exc:
                self.counts["skipped"] += 1
                logger.error("Skipping a message that is not an event: %s", type(exc).__name__)
                continue
            if not isinstance(event, dict):
                self.counts["skipped"] += 1
                logger.error("Skipping a message that is not an event: %s", type(event).__name__)
                continue
            key = event_key(event)
            if key in self.recent:  # this process has handled it already
                self.counts["duplicates"] += 1
                continue
            events.append(event)
            keys.append(key)
        writes = self.sinks.collect(events)
        recorded = await self._commit(events)
        for key in keys:
            self.recent.add(key)
        self.sinks.submit(writes)
        await messages[-1].ack(multiple=True)
        self.health_state.count(events, recorded)

    async def _commit(self, events: list[dict[str, Any]]) -> int:
        """Record the batch in one transaction, retrying with back-off until it commits."""
        while True:
            try:
                try:
                    recorded = await self._in_db_thread(self._record, events)
                except Exception as exc:
                    if database_away(exc):
                        raise
                    # An event the recorder cannot take: retrying would stop the queue.
                    logger.error(
                        "Could not record a batch of %d statistics events: %s; recording them "
                        "one by one.",
                        len(events),
                        type(exc).__name__,
                    )
                    recorded = await self._in_db_thread(self._record_each, events)
            except Exception as exc:
                await self._sleep(self._database.failed(exc, events=len(events)))
                if self.stopping.is_set():
                    logger.error(
                        "Stopping with a batch of %d events not recorded: it stays in the "
                        "queue for the next start.",
                        len(events),
                    )
                    raise _GiveUp from None
                continue
            self._database.succeeded()
            return recorded

    def _record(self, events: list[dict[str, Any]]) -> int:
        from bot.db.engine import session_scope
        from bot.db.stores import STATISTICS

        if not events:
            return 0
        self._keep_open()
        with session_scope(STATISTICS, self.analytics_url) as session:
            return self.sinks.record_batch(session, events, datetime.now(timezone.utc))

    def _record_each(self, events: list[dict[str, Any]]) -> int:
        """Record the events one transaction each, skipping (and counting) those the
        recorder refuses; raise when the database itself is away."""
        recorded = 0
        for event in events:
            try:
                recorded += self._record([event])
            except Exception as exc:
                if database_away(exc):
                    raise
                self.counts["skipped"] += 1
                logger.error("Skipping an event the statistics cannot take: %s", type(exc).__name__)
        return recorded

    async def _in_db_thread(self, work: Callable[..., int], *args: Any) -> int:
        """Run database work on the consumer's one database thread (the event loop keeps
        RabbitMQ's heartbeats going meanwhile)."""
        return await asyncio.get_running_loop().run_in_executor(self._db, work, *args)

    def _keep_open(self) -> None:
        """On SQLite, hold one idle connection for the process's life: SQLAlchemy opens a
        connection per transaction on a SQLite file, and closing the last one checkpoints and
        removes the WAL every time (a batch costs about 15 % less without that)."""
        if self._keeper is None and self.analytics_url.startswith("sqlite"):
            from bot.db.engine import get_engine
            from bot.db.stores import STATISTICS

            self._keeper = get_engine(STATISTICS, self.analytics_url).connect()

    def close(self) -> None:
        """Write what the review writer holds (a few seconds at most); release the database."""
        self.sinks.close()

        def release() -> None:
            if self._keeper is not None:
                self._keeper.close()
                self._keeper = None

        self._db.submit(release).result()
        self._db.shutdown()

    async def _housekeeping(self) -> None:
        now = time.monotonic()
        self.health_state.summarize(now)
        if now - self._pruned_at >= PRUNE_EVERY_S:
            self._pruned_at = now
            try:
                pruned = await self._in_db_thread(self._prune)
                if pruned:
                    logger.info("Deleted %d keys of events recorded long ago.", pruned)
            except Exception as exc:
                logger.error("Could not delete old event keys: %s", type(exc).__name__)

    def _prune(self) -> int:
        from bot.analytics.batches import prune_keys
        from bot.db.engine import session_scope
        from bot.db.stores import STATISTICS

        with session_scope(STATISTICS, self.analytics_url) as session:
            return prune_keys(session, datetime.now(timezone.utc))

    # -- health ---------------------------------------------------------------------

    def status(self) -> dict[str, Any]:
        """What the health endpoint answers: state and counters, no content."""
        return self.health_state.status(
            consuming=self.consuming,
            queue=self.queue,
            database="retrying" if self._database.away else "ok",
            backlogs=self.sinks.status(),
        )

    async def health(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        """Answer one HTTP request (any path): 200 and :meth:`status` while consuming."""
        await answer(reader, writer, lambda: (self.consuming, self.status()))


def run(health_port: int | None = None) -> int:
    """Run the consumer with this process's settings until SIGTERM / Ctrl-C; an exit code."""
    from bot.dialogue.privacy import install_log_redaction
    from bot.settings import get_settings

    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s", force=True
    )
    install_log_redaction()
    # aiormq's frames at DEBUG carry message bodies; alembic says what it checks at INFO.
    for name in ("aiormq", "aio_pika", "alembic"):
        logging.getLogger(name).setLevel(logging.WARNING)
    consumer = EventConsumer.from_settings(get_settings())

    async def main() -> None:
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, consumer.stopping.set)
        server = None
        if health_port:
            server = await asyncio.start_server(consumer.health, "127.0.0.1", health_port)
        try:
            await consumer.run()
        finally:
            if server is not None:
                server.close()

    asyncio.run(main())
    consumer.close()
    counts = consumer.counts
    logger.info(
        "Stopped: %d events in %d batches, %d recorded in the statistics, %d delivered again "
        "(%d of them already recorded).",
        counts["events"],
        counts["batches"],
        counts["recorded"],
        counts["redelivered"],
        counts["duplicates"],
    )
    return 0


def main(argv: list[str] | None = None) -> int:
    """``python -m bot.events.consumer [--health-port N]``: how the local stacks start it."""
    import argparse

    parser = argparse.ArgumentParser(prog="python -m bot.events.consumer", description=__doc__)
    parser.add_argument("--health-port", type=int, default=None, help="answer GET /health here")
    return run(health_port=parser.parse_args(argv).health_port)


if __name__ == "__main__":
    raise SystemExit(main())
