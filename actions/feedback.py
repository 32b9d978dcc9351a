"""Feedback for the statistics: did the answer help, and how would the citizen otherwise have
made contact (asked once per conversation, for a configurable share of resolved ones)."""

from __future__ import annotations

import random
from datetime import datetime

from rasa_sdk import Tracker

from actions.base import ProfileAction, first_entity
from bot.dialogue import answers
from bot.dialogue.answers import Reply
from bot.knowledge.profile import Profile


def otherwise_already_asked(tracker: Tracker) -> bool:
    """Whether this conversation already got the otherwise-channel question."""
    return any(
        e.get("event") == "bot"
        and (e.get("metadata") or {}).get("utter_action") == "utter_ask_otherwise"
        for e in tracker.events
    )


class ActionFeedback(ProfileAction):
    action_name = "action_feedback"

    def replies(self, profile: Profile, tracker: Tracker, now: datetime) -> list[Reply]:
        sampling = profile.statistics.otherwise_question_sampling
        ask = not otherwise_already_asked(tracker) and random.random() < sampling  # noqa: S311
        return answers.feedback(
            profile,
            helpful=first_entity(tracker, "helpful"),
            otherwise=first_entity(tracker, "otherwise"),
            ask_otherwise=ask,
        )
