"""The one fan-out of the assistant's events to its two sinks: statistics and the review inbox.

Both paths of the events use it (docs/statistics.md, "Two paths for the events"):

* the in-process broker (:class:`bot.rasa_server.brokers.AssistantEventBroker`) calls
  :meth:`EventSinks.publish` for every event on the reply path;
* the queue consumer (:class:`bot.events.consumer.EventConsumer`) records its batches with
  :meth:`EventSinks.record_batch` and hands them to the inbox with :meth:`EventSinks.collect`
  and :meth:`EventSinks.submit`.

Neither sink may stall or break a reply:

* statistics (no text): each event is written at once with a short lock wait
  (:data:`REPLY_PATH_LOCK_WAIT_MS`); when the database is locked or down, events queue in
  memory, in order, and a background thread writes them when it is back (the oldest dropped
  beyond :data:`MAX_BACKLOG`);
* review (text): :class:`~bot.review.collector.ReviewCollector` decides in memory which
  messages are worth a look (cheap, per event) and a background thread stores them in the
  review store (``BOT_REVIEW_DB_URL``, the oldest dropped beyond :data:`REVIEW_MAX_BACKLOG`).

Both background writers are :class:`bot.events.retrying.RetryingWriter`. A failure in either
sink is logged by its type, never with message content, and never reaches the conversation.

With several Rasa server replicas, each keeps its own buffers: a conversation whose turns are
served by different replicas may be kept only from the turn that made an item (the tracker
store is shared; the buffers are not). See docs/review-inbox.md.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from bot.analytics import batches
from bot.analytics.event_fields import is_recorded
from bot.analytics.recorder import record_event
from bot.db.engine import get_engine, session_scope
from bot.db.stores import REVIEW, STATISTICS, Store
from bot.events.retrying import Backlog, Backoff, RetryingWriter
from bot.review import writer
from bot.review.collector import ReviewCollector, Write

if TYPE_CHECKING:
    from bot.settings import Settings

logger = logging.getLogger(__name__)

# Statistics events kept while the database is unavailable (a few hours of a busy
# municipality's turns).
MAX_BACKLOG = 20_000
# How long a write on the reply path may wait for a SQLite lock before the event is queued.
REPLY_PATH_LOCK_WAIT_MS = 250
# The background writers wait for a lock this long, and between failed attempts 1 s .. 30 s.
BACKGROUND_LOCK_WAIT_MS = 5_000
MAX_RETRY_S = 30.0
# On shutdown, each backlog gets this long to reach its database.
CLOSE_DRAIN_S = 5.0
# Review batches kept while the review store is unavailable.
REVIEW_MAX_BACKLOG = 5_000


def _write(
    store: Store,
    url: str,
    lock_wait_ms: int,
    work: Callable[[Session], Any],
    failure: str,
) -> bool:
    """Run ``work`` in one transaction of ``store`` at ``url``, waiting at most
    ``lock_wait_ms`` for a SQLite lock; False (``failure`` logged with the error's type) if the
    database is locked or unreachable."""
    try:
        with session_scope(store, url) as session:
            if session.get_bind().dialect.name == "sqlite":
                session.execute(sa.text(f"PRAGMA busy_timeout = {int(lock_wait_ms)}"))
            work(session)
        return True
    except Exception as exc:  # a sink must never break the conversation
        logger.error(failure, type(exc).__name__)
        return False


def _create_tables(store: Store, url: str, failure: str) -> None:
    """Open ``store`` at ``url`` now (which brings its tables up to date); ``failure`` logged
    with the error's type when it is not there."""
    try:
        get_engine(store, url)
    except Exception as exc:
        logger.error(failure, type(exc).__name__)


def _writer(
    name: str, send: Callable[[list[Any]], int], limit: int, full: str, **options: Any
) -> RetryingWriter[Any]:
    """A background writer that drops the oldest item when its backlog is full."""
    return RetryingWriter(
        send,
        Backlog(limit, "oldest", logger, full=full),
        Backoff(1.0, MAX_RETRY_S, logger),
        name=name,
        logger=logger,
        **options,
    )


class EventSinks:
    """Statistics and the review inbox, fed from one place (see the module docstring).

    ``record_directly``: the in-process path writes statistics per event (:meth:`record`);
    the queue path records whole batches itself (:meth:`record_batch`) and has no statistics
    backlog."""

    def __init__(
        self,
        analytics_url: str,
        review_url: str,
        municipality: str,
        idle: timedelta,
        low_confidence: float,
        sample_rate: float,
        record_directly: bool = True,
    ) -> None:
        self.analytics_url = analytics_url
        self.review_url = review_url
        self.municipality = municipality
        self.idle = idle
        self.record_directly = record_directly
        self.collector = ReviewCollector(low_confidence=low_confidence, sample_rate=sample_rate)
        self.statistics: RetryingWriter[dict[str, Any]] = _writer(
            "statistics-backlog",
            lambda window: int(self._record(window[0], BACKGROUND_LOCK_WAIT_MS)),
            MAX_BACKLOG,
            "Statistics backlog full: %(dropped)d events dropped",
            first_attempt=lambda event: self._record(event, REPLY_PATH_LOCK_WAIT_MS),
            drained="Statistics backlog written; recording directly again.",
            left="Stopping with %(left)d statistics events not recorded.",
        )
        self.review_writer: RetryingWriter[Write] = _writer(
            "review-writer",
            lambda window: int(self._store(window[0])),
            REVIEW_MAX_BACKLOG,
            "Review backlog full: %(dropped)d batches dropped",
            left="Stopping with %(left)d review batches not written.",
        )

    @classmethod
    def from_settings(
        cls,
        settings: Settings,
        analytics_url: str | None = None,
        record_directly: bool = True,
    ) -> EventSinks:
        """The sinks of this process's settings and municipality (``analytics_url`` instead of
        ``BOT_ANALYTICS_DB_URL`` when given)."""
        from bot.knowledge.profile import get_profile

        return cls(
            analytics_url=analytics_url or settings.analytics_db_url,
            review_url=settings.review_db_url,
            municipality=get_profile().municipality.id,
            idle=timedelta(minutes=settings.session_idle_minutes),
            low_confidence=settings.review_low_confidence,
            sample_rate=settings.review_sample_rate,
            record_directly=record_directly,
        )

    def open(self) -> EventSinks:
        """Create the tables now where the databases are there; say which is not (its events
        wait in memory until it is)."""
        if self.record_directly:
            _create_tables(
                STATISTICS,
                self.analytics_url,
                "The statistics database (BOT_ANALYTICS_DB_URL) is not reachable: %s. "
                "Statistics are queued in memory until it is.",
            )
        _create_tables(
            REVIEW,
            self.review_url,
            "The review store (BOT_REVIEW_DB_URL) is not reachable: %s. Review items are "
            "queued in memory until it is.",
        )
        return self

    # -- the in-process path ---------------------------------------------------------

    def publish(self, event: dict[str, Any]) -> None:
        """One event on the reply path: statistics, then the review inbox; never raises."""
        self.record(event)
        try:
            self.submit(self.collect([event]))
        except Exception as exc:  # collecting must never break the conversation
            logger.error("Could not collect a review item: %s", type(exc).__name__)

    def record(self, event: dict[str, Any]) -> None:
        """Write the event's statistics at once, or queue them while the database is away."""
        if is_recorded(event):  # most events (actions, bot messages) change nothing
            self.statistics.submit(event)

    def _record(self, event: dict[str, Any], lock_wait_ms: int) -> bool:
        return _write(
            STATISTICS,
            self.analytics_url,
            lock_wait_ms,
            lambda session: record_event(session, event, self.municipality, self.idle),
            "Could not record a statistics event: %s",
        )

    # -- both paths ------------------------------------------------------------------

    def collect(self, events: Iterable[dict[str, Any]]) -> list[Write]:
        """Feed the review collector, in order; the batches it wants stored."""
        writes: list[Write] = []
        for event in events:
            try:
                writes.extend(self.collector.feed(event))
            except Exception as exc:  # the inbox must never stop the statistics
                logger.error("Could not collect a review item: %s", type(exc).__name__)
        return writes

    def submit(self, writes: list[Write]) -> None:
        """Queue review batches for the background writer; returns at once."""
        self.review_writer.submit_all(writes)

    def _store(self, write: Write) -> bool:
        return _write(
            REVIEW,
            self.review_url,
            BACKGROUND_LOCK_WAIT_MS,
            lambda session: writer.store(session, write),
            "Could not write to the review store: %s",
        )

    def record_batch(self, session: Session, events: list[dict[str, Any]], now: datetime) -> int:
        """Record a batch of queued events in ``session``'s transaction, each event once
        (:func:`bot.analytics.batches.record_batch`); how many were recorded."""
        return batches.record_batch(session, events, self.municipality, self.idle, now)

    def close(self) -> None:
        """Give each backlog a few seconds to reach its database; say what is lost."""
        if self.record_directly:
            self.statistics.close(CLOSE_DRAIN_S)
        self.review_writer.close(CLOSE_DRAIN_S)

    def status(self) -> dict[str, int]:
        """What waits in memory (for a health answer): counters only, no content."""
        status = {"review_backlog": self.review_writer.backlog}
        if self.record_directly:
            status = {"statistics_backlog": self.statistics.backlog, **status}
        return status
