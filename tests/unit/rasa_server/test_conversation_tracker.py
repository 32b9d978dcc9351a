"""The tracker with a cheap copy and remembered applied events (bot/dialogue/
conversation_tracker.py) gives exactly what Rasa's own tracker gives, event by event, for
conversations with slots, reverted turns, restarts, new sessions, loops, pauses and followups."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import pytest
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    ActionReverted,
    ActiveLoop,
    AllSlotsReset,
    BotUttered,
    ConversationPaused,
    ConversationResumed,
    Event,
    FollowupAction,
    LoopInterrupted,
    Restarted,
    SessionStarted,
    SlotSet,
    UserUtteranceReverted,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker, EventVerbosity

from bot.rasa_server.conversation_tracker import ConversationTracker

DOMAIN = Domain.load(str(Path(__file__).resolve().parents[3] / "domain.yml"))


def turn(rng: random.Random, i: int) -> list[Event]:
    intent = rng.choice(["opening_hours", "thank", "digital_post", "greet"])
    events: list[Event] = [
        ActionExecuted("action_listen"),
        UserUttered(f"besked {i}", {"name": intent, "confidence": 0.99}),
        ActionExecuted("action_extract_slots"),
    ]
    if rng.random() < 0.5:
        events.append(SlotSet("thread_topic", f"topic {i}"))
    if rng.random() < 0.2:
        events.append(SlotSet("language", rng.choice(["da", "en"])))
    events += [ActionExecuted(f"action_{intent}"), BotUttered(f"svar {i}", metadata={"n": i})]
    return events


SPECIAL: dict[str, list[Event]] = {
    "revert_user": [UserUtteranceReverted()],
    "revert_action": [ActionReverted()],
    "restart": [Restarted(), ActionExecuted("action_listen")],
    "new_session": [
        ActionExecuted("action_session_start"),
        SessionStarted(),
        SlotSet("language", "en"),
    ],
    "loop": [ActiveLoop("some_form"), ActionExecuted("some_form"), ActiveLoop(None)],
    "pause": [ConversationPaused(), ConversationResumed()],
    "followup": [FollowupAction("action_help")],
    "reset_slots": [AllSlotsReset()],
}


def stream(seed: int, specials: list[str], turns: int = 40) -> list[Event]:
    rng = random.Random(seed)
    events: list[Event] = [ActionExecuted("action_session_start"), SessionStarted()]
    for i in range(turns):
        events += turn(rng, i)
        if specials and rng.random() < 0.15:
            events += SPECIAL[rng.choice(specials)]
    return events


def state(tracker: DialogueStateTracker) -> dict[str, Any]:
    """Everything of a tracker's state that a copy must reproduce."""
    return {
        "current": tracker.current_state(EventVerbosity.ALL),
        "set": {name: slot.has_been_set for name, slot in tracker.slots.items()},
        "bot": tracker.latest_bot_utterance,
        "paused": tracker.is_paused(),
        "followup": tracker.followup_action,
        "loop": tracker.active_loop,
        "rule": tracker.is_rule_tracker,
        "model": (tracker.model_id, tracker.assistant_id, tracker.sender_source),
    }


CASES = {
    "plain": [],
    "reverts": ["revert_user", "revert_action"],
    "restarts_and_sessions": ["restart", "new_session", "reset_slots"],
    "loops": ["loop"],
    "pauses_and_followups": ["pause", "followup"],
    "everything": list(SPECIAL),
}


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_same_applied_events_and_copies_as_rasa_event_by_event(case: str, seed: int) -> None:
    events = stream(seed, CASES[case])
    ours = ConversationTracker("borger", DOMAIN.slots)
    rasas = DialogueStateTracker("borger", DOMAIN.slots)
    rng = random.Random(seed)
    for n, event in enumerate(events):
        ours.update(event)
        rasas.update(event)
        if rng.random() < 0.5:  # ask at irregular points, so the remembered result is extended
            assert ours.applied_events() == rasas.applied_events(), (case, n)
        if rng.random() < 0.2:
            assert state(ours.copy()) == state(rasas.copy()), (case, n)
    assert ours.applied_events() == rasas.applied_events()
    assert state(ours.copy()) == state(rasas.copy())
    assert state(ours) == state(rasas)


def test_a_copy_changes_independently_of_its_original() -> None:
    events = [*stream(7, []), ActiveLoop("some_form"), ActionExecuted("some_form")]
    tracker = ConversationTracker.from_events("borger", events, DOMAIN.slots)
    before = state(tracker)
    applied = tracker.applied_events()
    duplicate = tracker.copy()
    duplicate.update(SlotSet("thread_topic", "changed"))
    duplicate.update(ActionExecuted("action_listen"))
    duplicate.update(LoopInterrupted(True))  # changes the active loop in place
    duplicate.update(ConversationPaused())
    assert state(tracker) == before
    assert tracker.active_loop is not None and not tracker.active_loop.is_interrupted
    assert tracker.applied_events() == applied
    assert duplicate.get_slot("thread_topic") == "changed"
    assert len(duplicate.events) == len(tracker.events) + 4


def test_the_remembered_result_is_not_handed_out_for_changing() -> None:
    tracker = ConversationTracker.from_events("borger", stream(8, []), DOMAIN.slots)
    first = tracker.applied_events()
    first.clear()
    assert tracker.applied_events() != []


def test_a_bounded_history_is_handled_as_rasa_does() -> None:
    events = stream(9, [])
    ours = ConversationTracker.from_events("borger", events, DOMAIN.slots, max_event_history=30)
    rasas = DialogueStateTracker.from_events("borger", events, DOMAIN.slots, max_event_history=30)
    for event in stream(10, [], turns=5):
        ours.update(event)
        rasas.update(event)
        assert ours.applied_events() == rasas.applied_events()
    assert state(ours.copy()) == state(rasas.copy())
