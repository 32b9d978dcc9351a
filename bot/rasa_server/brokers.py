"""The assistant's in-process Rasa event broker: statistics (no text) and the review inbox (text).

Enable it in endpoints.yml::

    event_broker:
      type: bot.rasa_server.brokers.AssistantEventBroker
      url: sqlite:///var/analytics.db     # optional; default BOT_ANALYTICS_DB_URL

An adapter only: Rasa hands it each event, and :class:`bot.events.fanout.EventSinks` (the same
fan-out the queue consumer uses) records the statistics and feeds the review inbox without
ever stalling or breaking a reply. The queue path's broker is
:class:`bot.rasa_server.queue_broker.QueueEventBroker`.

:data:`AnalyticsEventBroker` is the class name of the former statistics-only broker, kept so
that an endpoints file that names it (``bot.analytics.broker.AnalyticsEventBroker``, see
:mod:`bot.legacy_paths`) still loads; it is this broker.
"""

from __future__ import annotations

from asyncio import AbstractEventLoop
from typing import Any

from rasa.core.brokers.broker import EventBroker
from rasa.utils.endpoints import EndpointConfig

from bot.events.fanout import EventSinks
from bot.events.retrying import RetryingWriter
from bot.review.collector import Write


class AssistantEventBroker(EventBroker):
    """Hands every event to the statistics and review sinks (:class:`EventSinks`)."""

    def __init__(self, url: str | None = None) -> None:
        from bot.settings import get_settings

        self.sinks = EventSinks.from_settings(get_settings(), analytics_url=url).open()

    @classmethod
    async def from_endpoint_config(
        cls,
        broker_config: EndpointConfig,
        event_loop: AbstractEventLoop | None = None,
    ) -> AssistantEventBroker:
        return cls(url=broker_config.url)

    def publish(self, event: dict[str, Any]) -> None:
        self.sinks.publish(event)

    @property
    def backlog(self) -> int:
        """Statistics events waiting for the database."""
        return self.sinks.statistics.backlog

    @property
    def review_writer(self) -> RetryingWriter[Write]:
        """The review store's background writer (``.backlog``: batches waiting)."""
        return self.sinks.review_writer

    async def close(self) -> None:
        """Give both backlogs a few seconds to reach their databases; say what is lost."""
        self.sinks.close()


# The former statistics-only broker's name (see the module docstring).
AnalyticsEventBroker = AssistantEventBroker
