"""The action server request with only the recent turns (bot/rasa_server/action_payload.py): the
same request Rasa builds, apart from the events, which are those of the latest citizen turns."""

from __future__ import annotations

from pathlib import Path

import pytest
from rasa.core.actions.action import RemoteAction
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    BotUttered,
    Event,
    SessionStarted,
    SlotSet,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import EndpointConfig

from bot.rasa_server import action_payload
from bot.rasa_server.action_payload import RECENT_TURNS, action_call_format, recent_events
from bot.rasa_server.internal import original
from bot.rasa_server.internals import ACTION_CALL_FORMAT

# Rasa's own method, even when the channel has installed ours in this process already.
RASAS = original(ACTION_CALL_FORMAT)
DOMAIN = Domain.load(str(Path(__file__).resolve().parents[3] / "domain.yml"))


def conversation(turns: int) -> DialogueStateTracker:
    events: list[Event] = [ActionExecuted("action_session_start"), SessionStarted()]
    for i in range(turns):
        events += [
            ActionExecuted("action_listen"),
            UserUttered(f"besked {i}", {"name": "opening_hours", "confidence": 0.99}),
            ActionExecuted("action_extract_slots"),
            ActionExecuted("action_opening_hours"),
            BotUttered(f"svar {i}"),
            SlotSet("thread_topic", f"topic {i}"),
        ]
    events += [
        ActionExecuted("action_listen"),
        UserUttered("sidste", {"name": "thank", "confidence": 0.99}),
        ActionExecuted("action_extract_slots"),
    ]
    return DialogueStateTracker.from_events("borger", events, DOMAIN.slots)


def remote(selective: bool) -> RemoteAction:
    kwargs = {"enable_selective_domain": True} if selective else {}
    return RemoteAction("action_opening_hours", EndpointConfig("http://x/webhook", **kwargs))


def test_a_long_conversation_sends_its_latest_turns_only() -> None:
    tracker = conversation(80)
    events = recent_events(tracker)
    assert sum(isinstance(e, UserUttered) for e in events) == RECENT_TURNS
    assert isinstance(events[0], ActionExecuted) and events[0].action_name == "action_listen"
    assert isinstance(events[1], UserUttered)
    assert events == list(tracker.events)[-len(events) :]


def test_a_short_conversation_sends_everything() -> None:
    tracker = conversation(2)
    assert recent_events(tracker) == list(tracker.events)


@pytest.mark.parametrize("selective", [False, True])
def test_the_request_is_rasas_apart_from_the_events(selective: bool) -> None:
    tracker = conversation(40)
    action = remote(selective)
    ours = action_call_format(action, tracker, DOMAIN)
    rasas = RASAS(action, tracker, DOMAIN)
    assert set(ours) == set(rasas)
    assert ("domain" in ours) is (not selective)
    ours_state, rasas_state = ours.pop("tracker"), rasas.pop("tracker")
    assert ours == rasas
    ours_events, rasas_events = ours_state.pop("events"), rasas_state.pop("events")
    assert ours_state == rasas_state  # slots, latest message, latest action, ...
    assert ours_events == rasas_events[-len(ours_events) :]
    assert len(ours_events) < len(rasas_events) / 5


def test_install_replaces_rasas_method_once(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(RemoteAction, "_action_call_format", RASAS)
    assert action_payload.install()
    assert RemoteAction._action_call_format is action_call_format
    assert action_payload.install()
