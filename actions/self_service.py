"""Self-service tasks: the task's short answer and its link."""

from __future__ import annotations

from datetime import datetime

from rasa_sdk import Tracker

from actions.base import ProfileAction, entity_values, latest_text
from bot.dialogue import answers
from bot.dialogue.answers import Reply
from bot.knowledge.profile import Profile


class ActionSelfService(ProfileAction):
    action_name = "action_self_service"

    def replies(self, profile: Profile, tracker: Tracker, now: datetime) -> list[Reply]:
        return answers.self_service(profile, latest_text(tracker), entity_values(tracker, "task"))
