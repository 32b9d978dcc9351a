"""A Rasa event broker that records statistics as events happen.

Enable it in endpoints.yml::

    event_broker:
      type: bot.analytics.broker.AnalyticsEventBroker
      url: sqlite:///var/analytics.db     # optional; default BOT_ANALYTICS_DB_URL

Recording never breaks or stalls a conversation. While the statistics database answers, each
event is written at once (a short lock wait at most). When it is locked or down, events queue
in memory, in order, and a background thread writes them when it is back; the queue is bounded
(:data:`MAX_BACKLOG`), and what overflows is counted in the log. Errors are logged by type
only, never with message content.
"""

from __future__ import annotations

import logging
import threading
import time
from asyncio import AbstractEventLoop
from collections import deque
from datetime import timedelta
from typing import Any

from rasa.core.brokers.broker import EventBroker
from rasa.utils.endpoints import EndpointConfig

logger = logging.getLogger(__name__)

# Events kept while the database is unavailable (a few hours of a busy municipality's turns).
MAX_BACKLOG = 20_000
# How long a write on the reply path may wait for a SQLite lock before the event is queued.
REPLY_PATH_LOCK_WAIT_MS = 250
# The background writer waits for a lock this long, and between failed attempts 1 s .. 30 s.
BACKGROUND_LOCK_WAIT_MS = 5_000
MAX_RETRY_S = 30.0
# On shutdown, the backlog gets this long to reach the database.
CLOSE_DRAIN_S = 5.0


class AnalyticsEventBroker(EventBroker):
    """Writes conversations, turns and links handed out to the statistics database."""

    def __init__(self, url: str | None = None) -> None:
        from bot.knowledge.profile import get_profile
        from bot.settings import get_settings

        settings = get_settings()
        self.url = url or settings.analytics_db_url
        self.idle = timedelta(minutes=settings.session_idle_minutes)
        self.municipality = get_profile().municipality.id
        self._backlog: deque[dict[str, Any]] = deque()
        self._dropped = 0
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._writer: threading.Thread | None = None
        self._closing = False
        try:
            from bot.analytics.db import get_engine

            get_engine(self.url)  # create the tables now if the database is there
        except Exception as exc:
            logger.error(
                "The statistics database (BOT_ANALYTICS_DB_URL) is not reachable: %s. "
                "Statistics are queued in memory until it is.",
                type(exc).__name__,
            )

    @classmethod
    async def from_endpoint_config(
        cls,
        broker_config: EndpointConfig,
        event_loop: AbstractEventLoop | None = None,
    ) -> AnalyticsEventBroker:
        return cls(url=broker_config.url)

    # -- writing -------------------------------------------------------------------

    def _record(self, event: dict[str, Any], lock_wait_ms: int) -> bool:
        """Write one event; False (logged) if the database is locked or unreachable."""
        import sqlalchemy as sa

        from bot.analytics.db import session_scope
        from bot.analytics.recorder import record_event

        try:
            with session_scope(self.url) as session:
                if session.get_bind().dialect.name == "sqlite":
                    session.execute(sa.text(f"PRAGMA busy_timeout = {int(lock_wait_ms)}"))
                record_event(session, event, self.municipality, self.idle)
            return True
        except Exception as exc:  # recording must never break the conversation
            logger.error("Could not record a statistics event: %s", type(exc).__name__)
            return False

    def publish(self, event: dict[str, Any]) -> None:
        from bot.analytics.recorder import is_recorded

        if not is_recorded(event):  # most events (actions, bot messages) change nothing
            return
        with self._lock:
            # In order: once anything is queued, everything after it queues too.
            if not self._backlog and self._record(event, REPLY_PATH_LOCK_WAIT_MS):
                return
            if len(self._backlog) >= MAX_BACKLOG:
                self._backlog.popleft()
                self._dropped += 1
                if self._dropped == 1 or self._dropped % 1000 == 0:
                    logger.error("Statistics backlog full: %d events dropped", self._dropped)
            self._backlog.append(event)
            self._start_writer()
        self._wake.set()

    def _start_writer(self) -> None:
        if self._writer is None or not self._writer.is_alive():
            self._writer = threading.Thread(
                target=self._drain, name="statistics-backlog", daemon=True
            )
            self._writer.start()

    def _drain(self) -> None:
        """Write the backlog in order, retrying with back-off while the database is away."""
        delay = 1.0
        while True:
            with self._lock:
                if not self._backlog:
                    return
                event = self._backlog[0]
            if self._record(event, BACKGROUND_LOCK_WAIT_MS):
                with self._lock:
                    self._backlog.popleft()
                    if not self._backlog:
                        logger.warning("Statistics backlog written; recording directly again.")
                delay = 1.0
                continue
            if self._closing:
                return
            self._wake.clear()
            self._wake.wait(delay)
            delay = min(MAX_RETRY_S, delay * 2)

    @property
    def backlog(self) -> int:
        """Events waiting for the database."""
        return len(self._backlog)

    async def close(self) -> None:
        """Give the backlog a few seconds to reach the database; say what is lost."""
        deadline = time.monotonic() + CLOSE_DRAIN_S
        while self._backlog and time.monotonic() < deadline:
            self._wake.set()
            time.sleep(0.1)
        self._closing = True
        if self._backlog:
            logger.error("Stopping with %d statistics events not recorded.", len(self._backlog))
