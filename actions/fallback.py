"""The graceful fallback: rephrase + topics first, contact channels on a second miss in a row."""

from __future__ import annotations

from datetime import datetime

from rasa_sdk import Tracker

from actions.base import ProfileAction
from bot.dialogue import answers
from bot.dialogue.answers import MISS_INTENTS, Reply
from bot.knowledge.profile import Profile


def previous_turn_was_miss(tracker: Tracker) -> bool:
    """Whether the citizen's message before the latest one was also not understood.

    Derived from the tracker's events, so no counter slot has to be kept in step.
    """
    user_turns = [e for e in tracker.events if e.get("event") == "user"]
    if len(user_turns) < 2:
        return False
    intent = (user_turns[-2].get("parse_data") or {}).get("intent") or {}
    return intent.get("name") in MISS_INTENTS


class ActionFallback(ProfileAction):
    action_name = "action_fallback"

    def replies(self, profile: Profile, tracker: Tracker, now: datetime) -> list[Reply]:
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        return answers.fallback(
            profile,
            previous_was_miss=previous_turn_was_miss(tracker),
            out_of_scope=intent == "out_of_scope",
        )
