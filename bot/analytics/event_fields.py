"""What the statistics read from one Rasa event (a dict, as the broker receives it).

Pure functions of the event: its time, whether it changes the statistics at all, and the
fields a citizen message carries (the feedback verdict, the otherwise channel). The recorder
(bot/analytics/recorder.py) and the conversations' state (bot/analytics/conversation_state.py)
use them.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from bot.analytics.models import LANGUAGES, OTHERWISE_CHANNELS
from bot.dialogue.outcome import Outcome
from bot.dialogue.topics import get_registry


def utc_time(timestamp: float | None) -> datetime:
    """A Rasa event timestamp (epoch seconds) as a timezone-aware UTC datetime (now if none)."""
    if not timestamp:
        return datetime.now(timezone.utc)
    return datetime.fromtimestamp(timestamp, timezone.utc)


# The registry entry whose intents carry the "did it help?" verdicts.
FEEDBACK_TOPIC = "feedback"
# The slot the dialogue keeps the conversation's language in (domain.yml).
LANGUAGE_SLOT = "language"


def is_language_event(event: dict[str, Any]) -> bool:
    """Whether an event sets the conversation's language slot to a known language."""
    return (
        event.get("event") == "slot"
        and event.get("name") == LANGUAGE_SLOT
        and event.get("value") in LANGUAGES
    )


def is_recorded(event: dict[str, Any]) -> bool:
    """Whether an event changes the statistics: a citizen message, a turn's outcome, or the
    conversation's language."""
    if not event.get("sender_id"):
        return False
    kind = event.get("event")
    if kind == "user":
        return True
    if is_language_event(event):
        return True
    return (
        kind == "slot"
        and event.get("name") == "turn_outcome"
        and Outcome.from_slot(event.get("value")) is not None
    )


def entities(event: dict[str, Any]) -> list[dict[str, Any]]:
    """The entities the NLU found in a citizen message (the ones that are dicts)."""
    found = (event.get("parse_data") or {}).get("entities") or []
    return [e for e in found if isinstance(e, dict)]


def feedback_verdict(event: dict[str, Any]) -> bool | None:
    """The verdict a citizen message gives ("did it help?": True, False), or None. Only a
    message of the feedback intent gives one (a button, or typed feedback): an entity the
    model found in another message (e.g. the text of a button from another conversation,
    which the channel passes on as plain text) is no verdict."""
    intent = ((event.get("parse_data") or {}).get("intent") or {}).get("name")
    if intent not in get_registry().get(FEEDBACK_TOPIC).intents:
        return None
    for entity in entities(event):
        value = entity.get("value")
        if entity.get("entity") == "helpful" and isinstance(value, (bool, str)):
            return value in (True, "true", "ja", "yes")
    return None


def otherwise_channel(event: dict[str, Any]) -> str | None:
    """The channel an otherwise-channel button names (they send /feedback{"otherwise":
    <channel>}): the last one of the message's entities, or None."""
    channel = None
    for entity in entities(event):
        name, value = entity.get("entity"), entity.get("value")
        if name == "otherwise" and isinstance(value, str) and value in OTHERWISE_CHANNELS:
            channel = value
    return channel
