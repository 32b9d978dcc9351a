"""Digital Post: what it is, where to read it, writing securely, exemption."""

from __future__ import annotations

from datetime import datetime

from rasa_sdk import Tracker

from actions.base import ProfileAction, latest_text
from bot.dialogue import answers
from bot.dialogue.answers import Reply
from bot.knowledge.profile import Profile


class ActionDigitalPostInfo(ProfileAction):
    action_name = "action_digital_post_info"

    def replies(self, profile: Profile, tracker: Tracker, now: datetime) -> list[Reply]:
        return answers.digital_post_info(profile, latest_text(tracker))


class ActionDigitalPostRead(ProfileAction):
    action_name = "action_digital_post_read"

    def replies(self, profile: Profile, tracker: Tracker, now: datetime) -> list[Reply]:
        return answers.digital_post_read(profile)


class ActionDigitalPostWrite(ProfileAction):
    action_name = "action_digital_post_write"

    def replies(self, profile: Profile, tracker: Tracker, now: datetime) -> list[Reply]:
        return answers.digital_post_write(profile)


class ActionDigitalPostExemption(ProfileAction):
    action_name = "action_digital_post_exemption"

    def replies(self, profile: Profile, tracker: Tracker, now: datetime) -> list[Reply]:
        return answers.digital_post_exemption(profile)
