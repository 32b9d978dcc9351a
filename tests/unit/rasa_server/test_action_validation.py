"""The action server's responses are still validated against Rasa's schema, with the same
errors, after the validator is built once (bot/rasa_server/action_validation.py)."""

from __future__ import annotations

from typing import Any

import pytest
from jsonschema import ValidationError, validate
from rasa.core.actions.action import RemoteAction
from rasa.utils.endpoints import EndpointConfig

from bot.rasa_server.action_validation import install, validate_action_result

VALID = {
    "events": [
        {"event": "slot", "name": "thread_topic", "value": "opening_hours", "timestamp": None},
        {"event": "bot", "text": "Borgerservice har åbent i dag.", "timestamp": None},
    ],
    "responses": [{"response": "utter_greet"}, {"text": "Hej"}],
}
INVALID = [
    {"events": "not a list"},
    {"events": [{"event": "slot", "name": 42}]},
    {"events": [{"event": "no such event"}]},
    {"responses": ["not an object"]},
]


def rasas_error(result: dict[str, Any]) -> str:
    with pytest.raises(ValidationError) as raised:
        validate(result, RemoteAction.action_response_format_spec())
    return raised.value.message


@pytest.fixture
def action() -> RemoteAction:
    install()
    return RemoteAction("action_topic", EndpointConfig("http://127.0.0.1:1/webhook"))


def test_installed_in_rasas_remote_action(action: RemoteAction) -> None:
    assert RemoteAction._validate_action_result is validate_action_result
    assert install() is True  # idempotent


def test_a_valid_response_passes(action: RemoteAction) -> None:
    assert action._validate_action_result(VALID) is True


@pytest.mark.parametrize("result", INVALID)
def test_an_invalid_response_fails_as_in_rasa(action: RemoteAction, result: dict) -> None:
    with pytest.raises(ValidationError) as raised:
        action._validate_action_result(result)
    assert raised.value.message.startswith(rasas_error(result))
    assert "Failed to validate Action server response" in raised.value.message
