"""Actions that fail, for tests/integration/test_faults.py (served by `python -m bot actions`).

Both put the conversation's text into their error, as careless code would, so the test can
prove that no log line and no response carries it.
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.base import TopicAction
from bot.dialogue.replies import Answer, Question
from bot.knowledge.profile_model import Profile


class ActionCrash(Action):
    """A plain rasa-sdk action that raises: rasa-sdk's own error path."""

    def name(self) -> str:
        return "action_crash"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        raise ValueError(f"cannot handle {tracker.latest_message.get('text')!r}")


class ActionProfileCrash(TopicAction):
    """One of ours whose answer raises: the base class answers with the technical-error reply."""

    entry_id = "opening_hours"

    def name(self) -> str:
        return "action_profile_crash"

    def answer(self, profile: Profile, question: Question) -> Answer:
        raise KeyError(question.text)
