"""Constants the settings' fields and rules share (a leaf: no import of the fields)."""

from __future__ import annotations

import re
from zoneinfo import ZoneInfo

TIMEZONE = ZoneInfo("Europe/Copenhagen")
PLACEHOLDER_SECRET = "change-me-in-production"  # noqa: S105 - the refused placeholder itself
ENVIRONMENTS = ("development", "test", "production")
# A RabbitMQ queue name BOT_EVENT_QUEUE may hold: not RabbitMQ's reserved amq. prefix.
DAY = 86400
# BOT_EVENT_QUEUE_TTL_SECONDS when unset and the review retention is not shorter: 3 days.
QUEUE_TTL_SECONDS = 3 * DAY
QUEUE_NAME_PATTERN = re.compile(r"(?!amq\.)[A-Za-z0-9_.:-]{1,200}")

GENERAL = "General"
WEB = "Web app and chat widget"
LIMITS = "Public endpoint limits (docs/privacy.md)"
RETENTION = "Retention (`python -m bot purge` deletes what is older; docs/privacy.md)"
RETRAINING = "The web team's retraining loop (docs/retraining.md)"
TOPOLOGY = "Production topology (`python -m bot run-production`, docs/production.md)"
EVENTS = "Statistics through RabbitMQ (docs/statistics.md)"
