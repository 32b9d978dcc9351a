"""Kontaktcenter Borger.dk (1881)."""

from __future__ import annotations

from datetime import datetime

from rasa_sdk import Tracker

from actions.base import ProfileAction
from bot import answers
from bot.answers import Reply
from bot.profile import Profile


class ActionKontaktcenter1881(ProfileAction):
    action_name = "action_kontaktcenter_1881"

    def replies(self, profile: Profile, tracker: Tracker, now: datetime) -> list[Reply]:
        return answers.kontaktcenter_1881(profile)
