"""Kontaktcenter Borger.dk (1881)."""

from __future__ import annotations

from datetime import datetime

from rasa_sdk import Tracker

from actions.base import ProfileAction
from bot.dialogue import answers
from bot.dialogue.answers import Reply
from bot.knowledge.profile import Profile


class ActionKontaktcenter1881(ProfileAction):
    action_name = "action_kontaktcenter_1881"

    def replies(self, profile: Profile, tracker: Tracker, now: datetime) -> list[Reply]:
        return answers.kontaktcenter_1881(profile)
