"""A Rasa event broker that records statistics as events happen.

Enable it in endpoints.yml::

    event_broker:
      type: bot.analytics.broker.AnalyticsEventBroker
      url: sqlite:///var/analytics.db     # optional; default BOT_ANALYTICS_DB_URL

Recording never breaks a conversation: a database error is logged (without any message
content) and the assistant keeps answering.
"""

from __future__ import annotations

import logging
from asyncio import AbstractEventLoop
from datetime import timedelta
from typing import Any

from rasa.core.brokers.broker import EventBroker
from rasa.utils.endpoints import EndpointConfig

logger = logging.getLogger(__name__)


class AnalyticsEventBroker(EventBroker):
    """Writes conversations, turns and links handed out to the statistics database."""

    def __init__(self, url: str | None = None) -> None:
        from bot.analytics.db import get_engine
        from bot.profile import get_profile
        from bot.settings import get_settings

        settings = get_settings()
        self.url = url or settings.analytics_db_url
        self.idle = timedelta(minutes=settings.session_idle_minutes)
        self.municipality = get_profile().municipality.id
        get_engine(self.url)  # fail at startup, not at the first message

    @classmethod
    async def from_endpoint_config(
        cls,
        broker_config: EndpointConfig,
        event_loop: AbstractEventLoop | None = None,
    ) -> AnalyticsEventBroker:
        return cls(url=broker_config.url)

    def publish(self, event: dict[str, Any]) -> None:
        from bot.analytics.db import session_scope
        from bot.analytics.recorder import is_recorded, record_event

        if not is_recorded(event):  # most events (actions, bot messages) change nothing
            return
        try:
            with session_scope(self.url) as session:
                record_event(session, event, self.municipality, self.idle)
        except Exception as exc:  # recording must never break the conversation
            logger.error("Could not record a statistics event: %s", type(exc).__name__)
