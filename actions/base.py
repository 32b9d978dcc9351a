"""Shared behaviour of the assistant's actions: read the profile, send replies."""

from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from datetime import datetime
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.analytics.models import ANSWER_KINDS
from bot.analytics.outcome import describe_turn
from bot.dialogue import answers
from bot.dialogue.answers import Reply
from bot.knowledge.links import through_redirect
from bot.knowledge.profile import Profile, get_profile
from bot.settings import get_settings

logger = logging.getLogger(__name__)


class ProfileAction(Action, ABC):
    """An action that answers from the municipality profile.

    Subclasses set ``action_name`` and implement :meth:`replies`. Abstract, so rasa-sdk does not
    register it as an action of its own.
    """

    action_name: str

    def name(self) -> str:
        return self.action_name

    @abstractmethod
    def replies(self, profile: Profile, tracker: Tracker, now: datetime) -> list[Reply]:
        """The messages to send for the current turn."""

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        profile, settings = get_profile(), get_settings()
        what = self.name()  # what the statistics say this turn did
        try:
            replies = self.replies(profile, tracker, settings.now())
        except Exception as exc:
            # Only the type: a message or traceback may quote the conversation.
            logger.error("Action %s failed: %s", self.name(), type(exc).__name__)
            replies = answers.technical_error(profile)
            what = replies[0].response
        for reply in replies:
            if settings.link_redirects:
                reply = through_redirect(reply, profile, settings.public_url, tracker.sender_id)
            dispatcher.utter_message(
                response=reply.response, buttons=reply.buttons or None, **reply.variables
            )
        outcome = describe_turn(what, profile, replies)
        if outcome["kind"] in ANSWER_KINDS:
            dispatcher.utter_message(response="utter_ask_helpful")
        # For the statistics: what this turn did (recorded by the event broker).
        return [SlotSet("turn_outcome", outcome)]


def latest_text(tracker: Tracker) -> str:
    return tracker.latest_message.get("text") or ""


def entity_values(tracker: Tracker, entity: str) -> list[str]:
    """Values of ``entity`` in the latest message, as extracted (synonyms already mapped)."""
    return [str(v) for v in tracker.get_latest_entity_values(entity) if v]


def first_entity(tracker: Tracker, entity: str) -> str | None:
    values = entity_values(tracker, entity)
    return values[0] if values else None
