"""The assistant's Rasa event broker: statistics (no text) and the review inbox (text).

Enable it in endpoints.yml::

    event_broker:
      type: bot.review.broker.AssistantEventBroker

The statistics part is :class:`bot.analytics.broker.AnalyticsEventBroker`. The review part
never waits for its database: :class:`~bot.review.collector.ReviewCollector` decides in memory
which messages are worth a look (cheap, per event) and :class:`~bot.review.writer.ReviewWriter`
stores them on a background thread (``BOT_REVIEW_DB_URL``). A failure in either is logged by
its type and never reaches the conversation.

With several Rasa server replicas, each keeps its own buffers: a conversation whose turns are
served by different replicas may be kept only from the turn that made an item (the tracker
store is shared; the buffers are not). See docs/review-inbox.md.
"""

from __future__ import annotations

import logging
from typing import Any

from bot.analytics.broker import AnalyticsEventBroker

logger = logging.getLogger(__name__)


class AssistantEventBroker(AnalyticsEventBroker):
    """Records statistics (see the base class) and collects review items."""

    def __init__(self, url: str | None = None) -> None:
        super().__init__(url)
        from bot.review.collector import ReviewCollector
        from bot.review.writer import ReviewWriter
        from bot.settings import get_settings

        settings = get_settings()
        self.review_url = settings.review_db_url
        self.collector = ReviewCollector(
            low_confidence=settings.review_low_confidence,
            sample_rate=settings.review_sample_rate,
        )
        self.review_writer = ReviewWriter(self.review_url)
        try:
            from bot.review.db import get_engine

            get_engine(self.review_url)  # create the tables now if the database is there
        except Exception as exc:
            logger.error(
                "The review store (BOT_REVIEW_DB_URL) is not reachable: %s. Review items are "
                "queued in memory until it is.",
                type(exc).__name__,
            )

    def publish(self, event: dict[str, Any]) -> None:
        super().publish(event)
        try:
            self.review_writer.submit(self.collector.feed(event))
        except Exception as exc:  # collecting must never break the conversation
            logger.error("Could not collect a review item: %s", type(exc).__name__)

    async def close(self) -> None:
        await super().close()
        self.review_writer.close()
