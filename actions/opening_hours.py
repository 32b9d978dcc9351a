"""Opening hours and whether an appointment is needed."""

from __future__ import annotations

from datetime import datetime

from rasa_sdk import Tracker

from actions.base import ProfileAction, first_entity, latest_text
from bot.dialogue import answers
from bot.dialogue.answers import Reply
from bot.knowledge.profile import Profile


class ActionOpeningHours(ProfileAction):
    action_name = "action_opening_hours"

    def replies(self, profile: Profile, tracker: Tracker, now: datetime) -> list[Reply]:
        return answers.opening_hours(
            profile,
            latest_text(tracker),
            first_entity(tracker, "place"),
            first_entity(tracker, "day"),
            now,
        )


class ActionAppointment(ProfileAction):
    action_name = "action_appointment"

    def replies(self, profile: Profile, tracker: Tracker, now: datetime) -> list[Reply]:
        return answers.appointment(profile, latest_text(tracker), first_entity(tracker, "place"))
