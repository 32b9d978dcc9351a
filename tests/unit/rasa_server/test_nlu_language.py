"""The Rasa component that turns the detected language into a ``language`` entity."""

from __future__ import annotations

import time

import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.training_data.message import Message

from bot.rasa_server.nlu_language import LanguageDetector


@pytest.fixture(scope="module")
def component(tmp_path_factory: pytest.TempPathFactory) -> LanguageDetector:
    storage = LocalModelStorage(tmp_path_factory.mktemp("model"))
    return LanguageDetector.create(
        LanguageDetector.get_default_config(),
        storage,
        Resource("language_detector"),
        ExecutionContext(GraphSchema({}), "test"),
    )


def _entities(component: LanguageDetector, text: str, **data) -> list[dict]:
    message = Message(data={"text": text, **data})
    component.process([message])
    return message.get("entities", [])


def test_english_message_gets_an_english_entity(component: LanguageDetector) -> None:
    text = "what about saturday"
    [entity] = _entities(component, text)
    assert entity["entity"] == "language"
    assert entity["value"] == "en"
    assert (entity["start"], entity["end"]) == (0, len(text))
    assert entity["extractor"] == "LanguageDetector"
    assert 0.7 <= entity["confidence"] <= 1.0


def test_danish_message_gets_danish(component: LanguageDetector) -> None:
    [entity] = _entities(component, "hvornaar aabner i")
    assert entity["value"] == "da"


@pytest.mark.parametrize("text", ["ok", "1881", "MitID", "", "👍"])
def test_unclear_message_gets_no_entity(component: LanguageDetector, text: str) -> None:
    assert _entities(component, text) == []


def test_payload_gets_no_entity(component: LanguageDetector) -> None:
    assert _entities(component, '/feedback{"rating": "up"}') == []
    assert _entities(component, "/greet") == []


def test_other_entities_are_kept(component: LanguageDetector) -> None:
    place = {"entity": "place", "value": "borgerservice", "start": 0, "end": 13}
    entities = _entities(component, "borgerservice opening hours please", entities=[place])
    assert entities[0] == place
    assert [e["value"] for e in entities[1:]] == ["en"]


def test_several_messages_at_once(component: LanguageDetector) -> None:
    messages = [Message(data={"text": t}) for t in ("when are you open", "ok", "tak for hjælpen")]
    component.process(messages)
    values = [[e["value"] for e in m.get("entities", [])] for m in messages]
    assert values == [["en"], [], ["da"]]


def test_cheap_per_message(component: LanguageDetector) -> None:
    messages = [Message(data={"text": "hvad med lørdag"}) for _ in range(200)]
    start = time.perf_counter()
    component.process(messages)
    assert (time.perf_counter() - start) / len(messages) < 0.005  # well under 5 ms each
