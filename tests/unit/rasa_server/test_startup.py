"""The Rasa server's start-up (bot/rasa_server/startup.py) and the tracker-store hook
(bot/rasa_server/turn_errors.py): what is installed, once, and what happens when the installed
Rasa is not the code the bot was written for."""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Iterator
from types import SimpleNamespace

import pytest
from rasa.core.actions.action import RemoteAction
from rasa.core.tracker_store import FailSafeTrackerStore, InMemoryTrackerStore
from rasa.shared.core.domain import Domain
from rasa.utils.tensorflow.models import RasaModel

from bot.rasa_server import internal, internals, startup
from bot.rasa_server.action_payload import action_call_format
from bot.rasa_server.action_validation import validate_action_result
from bot.rasa_server.internals import FAIL_SAFE_HOOK, PIKA_LOOP
from bot.rasa_server.model_loading import load_for_prediction
from bot.rasa_server.turn_errors import TrackerStoreUnavailable, fail_loudly_on_tracker_store_errors
from testkit.profile import SYNTHETIC_PROFILE_PATH


@pytest.fixture(autouse=True)
def fresh_process(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """As in a new process: nothing installed or checked yet."""
    from bot.settings import get_settings

    monkeypatch.setenv("BOT_PROFILE", str(SYNTHETIC_PROFILE_PATH))
    get_settings.cache_clear()
    monkeypatch.setattr(startup, "_installed", False)
    monkeypatch.setattr(internal, "_verdicts", {})
    yield
    get_settings.cache_clear()


def test_install_puts_everything_in_place_once() -> None:
    interpolator = logging.getLogger(startup.INTERPOLATOR_LOGGER)
    startup.install()
    startup.install()
    assert RemoteAction._action_call_format is action_call_format
    assert RemoteAction._validate_action_result is validate_action_result
    assert RasaModel.__dict__["load"].__func__ is load_for_prediction
    assert interpolator.filters.count(startup.not_a_payload_template) == 1


def test_a_changed_internal_is_reported_at_startup(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    changed = dataclasses.replace(PIKA_LOOP, source_sha256="0" * 64)
    monkeypatch.setattr(internals, "INTERNALS", (changed,))
    with caplog.at_level(logging.WARNING, logger="bot.rasa_server.internal"):
        startup.install()
    assert f"{PIKA_LOOP.key} is not what the bot was written for" in caplog.text
    assert PIKA_LOOP.if_missing in caplog.text


def test_button_payload_errors_are_filtered() -> None:
    def record(message: str) -> logging.LogRecord:
        return logging.LogRecord("rasa", logging.ERROR, __file__, 1, message, None, None)

    assert not startup.not_a_payload_template(record('{"response": "/feedback{\\"x\\": 1}"}'))
    assert startup.not_a_payload_template(record('{"response": "Hej {name}"}'))


def failsafe_agent() -> SimpleNamespace:
    return SimpleNamespace(tracker_store=FailSafeTrackerStore(InMemoryTrackerStore(Domain.empty())))


def test_a_failing_tracker_store_stops_the_turn() -> None:
    agent = failsafe_agent()
    fail_loudly_on_tracker_store_errors(agent)
    with pytest.raises(TrackerStoreUnavailable, match=r"InMemoryTrackerStore.*not saved"):
        agent.tracker_store.on_tracker_store_error(RuntimeError("down"))


def test_on_changed_rasa_code_the_hook_is_left_to_rasa(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(internal._verdicts, FAIL_SAFE_HOOK, False)
    agent = failsafe_agent()
    fail_loudly_on_tracker_store_errors(agent)
    agent.tracker_store.on_tracker_store_error(RuntimeError("down"))  # Rasa's log line
