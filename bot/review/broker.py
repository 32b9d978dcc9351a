"""The assistant's Rasa event broker: statistics (no text) and the review inbox (text).

Enable it in endpoints.yml::

    event_broker:
      type: bot.review.broker.AssistantEventBroker
"""

from __future__ import annotations

from typing import Any

from bot.analytics.broker import AnalyticsEventBroker


class AssistantEventBroker(AnalyticsEventBroker):
    """Records statistics (see the base class) and collects review items."""

    def publish(self, event: dict[str, Any]) -> None:
        super().publish(event)
