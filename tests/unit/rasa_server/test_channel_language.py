"""The REST channel tells the widget the conversation's language: every bot message it returns
carries ``"metadata": {"language": ...}``, the ``language`` slot after the turn.

The endpoint is the channel's real blueprint handler on a real Sanic request, with Rasa's real
in-memory tracker store; only the turn itself (NLU, the slot, the reply) is played by a stand-in
for Rasa's agent, as ``action_extract_slots`` would set the slot.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import pytest
from rasa.core.channels.channel import UserMessage
from rasa.core.tracker_store import InMemoryTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from sanic import Sanic
from sanic.compat import Header
from sanic.request import Request

from bot.rasa_server.channel import GuardedRestInput
from bot.rasa_server.languages import language_of, remember_languages, with_language
from bot.rasa_server.ratelimit import ExpiringLRU
from bot.settings import get_settings
from testkit.profile import SYNTHETIC_PROFILE_PATH
from testkit.senders import stored_sender

DOMAIN = Domain.from_yaml(
    """
version: "3.1"
entities: [language]
slots:
  language:
    type: categorical
    values: [da, en]
    initial_value: da
    influence_conversation: false
    mappings:
      - type: from_entity
        entity: language
"""
)
# What the stand-in's language detector says of a message (None: cannot tell).
DETECTED = {"hej": "da", "hello": "en", "ok": None}


@pytest.fixture(autouse=True)
def synthetic_profile(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("BOT_PROFILE", str(SYNTHETIC_PROFILE_PATH))
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def tracker(sender: str, language: str | None) -> DialogueStateTracker:
    t = DialogueStateTracker(sender, DOMAIN.slots)
    if language is not None:
        t.update(SlotSet("language", language))
    return t


class Endpoint:
    """The channel's POST /webhook handler on an app whose agent has a real tracker store."""

    def __init__(self, saves: bool = True) -> None:
        self.store = InMemoryTrackerStore(DOMAIN)
        self.app = Sanic(f"language_{uuid.uuid4().hex[:8]}")
        self.app.ctx.agent = SimpleNamespace(tracker_store=self.store, domain=DOMAIN)
        self.channel = GuardedRestInput()
        self.saves = saves
        blueprint = self.channel.blueprint(self.on_new_message)
        (self.receive,) = [r.handler for r in blueprint._future_routes if r.uri == "/webhook"]
        # What the server does once Rasa has loaded the agent.
        for started in blueprint._future_listeners:
            if started.event == "after_server_start":
                asyncio.run(started.listener(self.app, None))

    async def on_new_message(self, message: UserMessage) -> None:
        """A turn as Rasa plays it: the message, the language slot, the reply, the save."""
        t = await self.store.get_or_create_tracker(message.sender_id)
        t.update(UserUttered(message.text))
        detected = DETECTED.get(message.text)
        if detected is not None:
            t.update(SlotSet("language", detected))
        if self.saves:
            await self.store.save(t)
        await message.output_channel.send_response(
            message.sender_id,
            {"text": "Svar", "buttons": [{"title": "Ja", "payload": "/affirm"}]},
        )

    def post(self, sender: str, text: str) -> tuple[int, Any]:
        headers = Header({"host": "localhost", "content-type": "application/json"})
        request = Request(b"/webhooks/rest/webhook", headers, "1.1", "POST", None, self.app)
        request.body = json.dumps({"sender": sender, "message": text}).encode()
        response = asyncio.run(self.receive(request))
        return response.status, json.loads(response.body)


def test_each_bot_message_carries_the_conversations_language() -> None:
    endpoint = Endpoint()
    status, body = endpoint.post("w-one", "hej")
    assert status == 200
    assert body == [
        {
            "recipient_id": "w-one",
            "text": "Svar",
            "buttons": [{"title": "Ja", "payload": "/affirm"}],
            "metadata": {"language": "da"},
        }
    ]
    assert [m["metadata"] for m in endpoint.post("w-one", "hello")[1]] == [{"language": "en"}]
    # A message whose language cannot be told keeps the conversation's.
    assert [m["metadata"] for m in endpoint.post("w-one", "ok")[1]] == [{"language": "en"}]
    # Another conversation starts Danish.
    assert [m["metadata"] for m in endpoint.post("w-two", "ok")[1]] == [{"language": "da"}]


def test_the_language_comes_from_the_saved_tracker_without_reading_it_back() -> None:
    endpoint = Endpoint()
    reads = []
    retrieve = endpoint.store.retrieve

    async def counted(sender_id: str) -> Any:
        reads.append(sender_id)
        return await retrieve(sender_id)

    endpoint.store.retrieve = counted  # type: ignore[method-assign]
    endpoint.post("w-one", "hello")
    endpoint.post("w-one", "ok")
    # The turns' own (Rasa's), none by the channel; under the conversation's pseudonym.
    assert reads == [stored_sender("w-one")] * 2
    assert endpoint.channel.languages.get(stored_sender("w-one")) == "en"


def test_without_a_save_the_language_is_read_once_from_the_store() -> None:
    """A turn that saved nothing in this process (e.g. it timed out): one tracker read."""
    endpoint = Endpoint(saves=False)
    asyncio.run(endpoint.store.save(tracker(stored_sender("w-old"), "en")))
    assert [m["metadata"] for m in endpoint.post("w-old", "ok")[1]] == [{"language": "en"}]
    assert [m["metadata"] for m in endpoint.post("w-new", "ok")[1]] == [{"language": "da"}]


def test_language_of_a_tracker() -> None:
    assert language_of(tracker("s", None)) == "da"
    assert language_of(tracker("s", "en")) == "en"
    assert language_of(DialogueStateTracker("s", [])) == "da"  # a domain without the slot


def test_with_language_keeps_every_key_and_any_metadata() -> None:
    messages = [
        {"recipient_id": "s", "text": "Hi"},
        {"recipient_id": "s", "text": "x", "metadata": {"source": "y"}},
        {"recipient_id": "s", "custom": {"a": 1}, "metadata": "odd"},
    ]
    assert with_language(messages, "en") == [
        {"recipient_id": "s", "text": "Hi", "metadata": {"language": "en"}},
        {"recipient_id": "s", "text": "x", "metadata": {"source": "y", "language": "en"}},
        {"recipient_id": "s", "custom": {"a": 1}, "metadata": {"language": "en"}},
    ]
    assert messages[0] == {"recipient_id": "s", "text": "Hi"}  # not changed in place
    assert with_language([], "en") == []


def test_remember_languages_wraps_a_store_once() -> None:
    store = InMemoryTrackerStore(DOMAIN)
    languages: ExpiringLRU[str] = ExpiringLRU(10, 60)
    remember_languages(store, languages)
    wrapped = store.save
    remember_languages(store, languages)
    assert store.save is wrapped
    asyncio.run(store.save(tracker("s", "en")))
    assert languages.get("s") == "en"
    saved = asyncio.run(store.retrieve("s"))
    assert saved is not None and saved.get_slot("language") == "en"


def test_limit_and_fault_texts_follow_the_language() -> None:
    """The channel says its own refusals (429, faults) in the conversation's language."""
    import yaml

    from bot.rasa_server.languages import response_variant_text
    from testkit import ROOT

    responses = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))["responses"]
    variants = responses["utter_too_many_messages"]
    assert response_variant_text(variants, "da") == (
        "Du har sendt mange beskeder på kort tid. Vent lidt, og prøv igen."
    )
    assert response_variant_text(variants, "en").startswith("You have sent many messages")
    assert response_variant_text([{"text": "kun dansk"}], "en") == "kun dansk"
