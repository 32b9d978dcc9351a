"""How to contact the municipality, in channel-strategy order."""

from __future__ import annotations

from datetime import datetime

from rasa_sdk import Tracker

from actions.base import ProfileAction
from bot.dialogue import answers
from bot.dialogue.answers import Reply
from bot.knowledge.profile import Profile


class ActionContact(ProfileAction):
    action_name = "action_contact"

    def replies(self, profile: Profile, tracker: Tracker, now: datetime) -> list[Reply]:
        return answers.contact(profile)


class ActionSocialMedia(ProfileAction):
    action_name = "action_social_media"

    def replies(self, profile: Profile, tracker: Tracker, now: datetime) -> list[Reply]:
        return answers.social_media(profile)
