"""Actions that fail, for tests/integration/test_faults.py (served by `python -m bot actions`).

Both put the conversation's text into their error, as careless code would, so the test can
prove that no log line and no response carries it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.base import ProfileAction
from bot.dialogue.answers import Reply
from bot.knowledge.profile import Profile


class ActionCrash(Action):
    """A plain rasa-sdk action that raises: rasa-sdk's own error path."""

    def name(self) -> str:
        return "action_crash"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        raise ValueError(f"cannot handle {tracker.latest_message.get('text')!r}")


class ActionProfileCrash(ProfileAction):
    """One of ours that raises: the base class answers with the technical-error reply."""

    action_name = "action_profile_crash"

    def replies(self, profile: Profile, tracker: Tracker, now: datetime) -> list[Reply]:
        raise KeyError(tracker.latest_message.get("text"))
