"""Shared behaviour of the assistant's actions: build the question, answer it, send replies.

:class:`TopicAction` answers one entry of the topic registry. It reads the tracker into a
:class:`~bot.dialogue.replies.Question`, calls the entry's answer function, sends the replies,
asks "did it help?" after an answer, and reports the turn's outcome in the ``turn_outcome``
slot for the statistics.
"""

from __future__ import annotations

import logging
import random
from abc import ABC, abstractmethod
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.dialogue.answers.kindness import kind_response
from bot.dialogue.answers.pages import TOPIC as PAGE_TOPIC
from bot.dialogue.arbiter import reroute
from bot.dialogue.outcome import Kind, answer_id
from bot.dialogue.redirects import through_redirect
from bot.dialogue.replies import Answer, Question
from bot.dialogue.thread import Thread
from bot.dialogue.topics import Topic, get_registry
from bot.knowledge.profile import get_profile
from bot.knowledge.profile_model import Profile
from bot.settings import get_settings

logger = logging.getLogger(__name__)

# The otherwise-channel survey question, and the slot that says it was asked (domain.yml).
OTHERWISE_QUESTION = "utter_ask_otherwise"
OTHERWISE_ASKED_SLOT = "otherwise_asked"


class TopicAction(Action, ABC):
    """The action of one registry entry. Abstract, so rasa-sdk does not register it itself."""

    @property
    @abstractmethod
    def entry_id(self) -> str:
        """The registry entry this action answers."""

    def topic(self) -> Topic:
        return get_registry().get(self.entry_id)

    def name(self) -> str:
        return str(self.topic().action)

    def answer(self, profile: Profile, question: Question) -> Answer:
        """The registry entry's answer to the question."""
        return self.topic().ask(profile, question)

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        profile, settings, topic = get_profile(), get_settings(), self.topic()
        now = settings.now()
        question = Question(now=now)
        try:
            question = question_of(tracker, now)
            # A matter the NLU has no intent for, forced into one: the task or pages instead.
            answer = reroute(profile, question, topic) or self.answer(profile, question)
        except Exception as exc:
            # Only the type: a message or traceback may quote the conversation.
            logger.error("Action %s failed: %s", self.name(), type(exc).__name__)
            topic = get_registry().get("technical_error")
            answer = topic.ask(profile, Question(now=now))  # needs nothing of the turn
        # A death, an illness or a crisis in the message: a kind sentence first.
        kind = kind_response(question.text)
        if kind is not None:
            dispatcher.utter_message(response=kind)
        for reply in answer.replies:
            # Links read "borger.dk: Flytning"; they go through the click counter if it is on.
            public_url = settings.public_url if settings.link_redirects else None
            reply = through_redirect(reply, profile, public_url, tracker.sender_id)
            dispatcher.utter_message(
                response=reply.response, buttons=reply.buttons or None, **reply.variables
            )
        outcome = topic.outcome(answer)
        if outcome.kind.is_answer:
            # The buttons name the answer they judge (domain.yml: {answer_id} in the payload).
            # Pages found for the question: "Fandt du det, du søgte?" (same buttons).
            ask = "utter_ask_found" if outcome.topic == PAGE_TOPIC else "utter_ask_helpful"
            dispatcher.utter_message(response=ask, answer_id=answer_id_of_turn(tracker))
        # For the statistics: what this turn did (recorded by the event broker).
        events = [SlotSet("turn_outcome", outcome.to_slot())]
        if any(reply.response == OTHERWISE_QUESTION for reply in answer.replies):
            events.append(SlotSet(OTHERWISE_ASKED_SLOT, True))
        thread = thread_after(topic, answer)
        if thread is not None:
            events += [SlotSet(name, value) for name, value in thread.to_slots().items()]
        return events


def answer_id_of_turn(tracker: Tracker) -> str:
    """The id of the answer this turn gives: from the citizen message's Rasa message id (the
    statistics and the review inbox compute the same from the ``user`` event)."""
    message_id = (tracker.latest_message or {}).get("message_id")
    if not message_id:  # not from a channel; the latest user event has one
        users = [e for e in tracker.events if e.get("event") == "user"]
        message_id = users[-1].get("message_id") if users else None
    return answer_id(str(message_id or ""))


def thread_after(topic: Topic, answer: Answer) -> Thread | None:
    """What a follow-up to this turn continues: the answer's own thread, else the entry's
    topic alone; None (keep the thread) after a greeting, help, feedback or a miss."""
    if answer.thread is not None:
        return answer.thread
    if topic.kind in (Kind.META, Kind.FALLBACK) or not topic.action:
        return None
    return Thread(topic=topic.id)


def question_of(tracker: Tracker, now: Any) -> Question:
    """The current turn as the answer functions see it."""
    message = tracker.latest_message or {}
    entities: dict[str, list[str]] = {}
    for entity in message.get("entities") or []:
        if entity.get("value"):
            entities.setdefault(str(entity.get("entity")), []).append(str(entity["value"]))
    intent = (message.get("intent") or {}).get("name")
    language = tracker.get_slot("language")
    return Question(
        now=now,
        text=message.get("text") or "",
        intent=intent,
        entities={k: tuple(v) for k, v in entities.items()},
        previous_was_miss=previous_turn_was_miss(tracker),
        otherwise_asked=otherwise_already_asked(tracker),
        chance=random.random(),  # noqa: S311 - sampling a survey question, not security
        thread=Thread.from_slots(tracker.slots),
        follow_up=intent == "follow_up",
        language=language if language in ("da", "en") else "da",
    )


def previous_turn_was_miss(tracker: Tracker) -> bool:
    """Whether the citizen's message before the latest one was also not understood.

    Derived from the tracker's events, so no counter slot has to be kept in step.
    """
    user_turns = [e for e in tracker.events if e.get("event") == "user"]
    if len(user_turns) < 2:
        return False
    intent = ((user_turns[-2].get("parse_data") or {}).get("intent") or {}).get("name")
    return intent in get_registry().intents_of(Kind.FALLBACK)


def otherwise_already_asked(tracker: Tracker) -> bool:
    """Whether this conversation already got the otherwise-channel question: the slot the
    action sets when it asks (the action server gets only the recent events,
    bot/rasa_server/action_payload.py), or, for a conversation from before the slot, the question
    among those events."""
    return tracker.get_slot(OTHERWISE_ASKED_SLOT) is True or any(
        e.get("event") == "bot"
        and (e.get("metadata") or {}).get("utter_action") == OTHERWISE_QUESTION
        for e in tracker.events
    )
