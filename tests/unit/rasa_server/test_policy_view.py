"""The recent view of a conversation (bot/rasa_server/policies.py): what the policies see of it is
what they would see of the whole conversation, as far back as they look."""

from __future__ import annotations

from pathlib import Path

from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    BotUttered,
    Event,
    SessionStarted,
    SlotSet,
    UserUtteranceReverted,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker

from bot.rasa_server.policies import carries_state, recent_view

# A slot that influences the conversation (featurised into the states) and one that does not.
PLACE_SLOT = """
  place:
    type: categorical
    values: [town_hall, library]
    influence_conversation: true
    mappings: [{type: from_entity, entity: place}]"""


def small_domain(featurised_slot: bool) -> Domain:
    """A small domain, with or without the featurised ``place`` slot."""
    return Domain.from_yaml(
        f"""
version: "3.1"
intents: [greet, ask_hours, thank]
entities: [place]
slots:{PLACE_SLOT if featurised_slot else ""}
  note:
    type: text
    influence_conversation: false
    mappings: [{{type: custom}}]
actions: [action_hours]
responses:
  utter_greet: [{{text: "Hej"}}]
  utter_thank: [{{text: "Selv tak"}}]
"""
    )


DOMAIN = small_domain(featurised_slot=True)

INTENTS = ("greet", "ask_hours", "thank")
REPLIES = {"greet": "utter_greet", "ask_hours": "action_hours", "thank": "utter_thank"}


def turn(intent: str, slot: str | None = None) -> list[Event]:
    """One citizen turn as Rasa records it: listen, message, slots, the answer."""
    events: list[Event] = [
        ActionExecuted("action_listen"),
        UserUttered(intent, {"name": intent, "confidence": 1.0}),
        ActionExecuted("action_extract_slots"),
    ]
    if slot:
        events.append(SlotSet("place", slot))
    events += [ActionExecuted(REPLIES[intent]), BotUttered("…")]
    return events


def conversation(turns: int, place_at: int = 2) -> DialogueStateTracker:
    events: list[Event] = [ActionExecuted("action_session_start"), SessionStarted()]
    for i in range(turns):
        events += turn(INTENTS[i % 3], "library" if i == place_at else None)
    events.append(ActionExecuted("action_listen"))
    events.append(UserUttered("hej", {"name": "greet", "confidence": 1.0}))
    return DialogueStateTracker.from_events("citizen", events, DOMAIN.slots)


def test_a_short_conversation_is_seen_whole() -> None:
    tracker = conversation(3)
    assert recent_view(tracker, 8) is tracker


def test_a_long_conversation_is_cut_before_a_citizen_message() -> None:
    tracker = conversation(60)
    view = recent_view(tracker, 8)
    assert len(view.events) < len(tracker.events) / 5
    events = list(view.events)
    first_listen = next(i for i, e in enumerate(events) if isinstance(e, ActionExecuted))
    assert events[first_listen].action_name == "action_listen"
    assert isinstance(events[first_listen + 1], UserUttered)
    assert sum(isinstance(e, ActionExecuted) for e in events) > 8
    tail = list(tracker.events)[-len(events) + first_listen :]
    assert events[first_listen:] == tail


def test_the_last_states_are_those_of_the_whole_conversation() -> None:
    tracker = conversation(60)
    for wanted in (4, 8, 12):
        view = recent_view(tracker, wanted)
        assert view is not tracker
        assert view.past_states(DOMAIN)[-wanted:] == tracker.past_states(DOMAIN)[-wanted:]


def test_a_slot_set_long_before_the_cut_is_in_every_state_of_the_view() -> None:
    tracker = conversation(60, place_at=2)
    view = recent_view(tracker, 8)
    assert view.get_slot("place") == "library"
    states = view.past_states(DOMAIN)
    # Every state after the view's start state carries the slot, as the whole tracker's do.
    assert all("slots" in s and "place" in s["slots"] for s in states[1:])
    assert states[1:] == tracker.past_states(DOMAIN)[-(len(states) - 1) :]


def test_a_conversation_that_reverts_a_turn_is_seen_whole() -> None:
    tracker = conversation(60)
    tracker.update(UserUtteranceReverted())
    tracker.update(ActionExecuted("action_listen"))
    tracker.update(UserUttered("tak", {"name": "thank", "confidence": 1.0}))
    assert recent_view(tracker, 8) is tracker


def test_the_latest_message_and_action_are_kept() -> None:
    tracker = conversation(40)
    view = recent_view(tracker, 8)
    assert view.latest_message == tracker.latest_message
    assert view.latest_action_name == tracker.latest_action_name == "action_listen"
    assert view.sender_id == tracker.sender_id


def test_without_featurised_slots_or_forms_nothing_needs_carrying() -> None:
    assert carries_state(DOMAIN)  # `place` influences the conversation
    plain = small_domain(featurised_slot=False)
    assert not carries_state(plain)
    real = Domain.load(str(Path(__file__).resolve().parents[3] / "domain.yml"))
    assert not carries_state(real), "the assistant's own domain: a view without the walk"
    events = list(conversation(60, place_at=999).events)
    tracker = DialogueStateTracker.from_events("citizen", events, plain.slots)
    view = recent_view(tracker, 8, carry_state=False)
    assert view is not tracker
    assert view.past_states(plain)[-8:] == tracker.past_states(plain)[-8:]
    # With a featurised slot set long ago, not carrying it would change the states.
    featurised = conversation(60)
    view = recent_view(featurised, 8, carry_state=False)
    assert view.past_states(DOMAIN)[-8:] != featurised.past_states(DOMAIN)[-8:]
