"""The second net behind the CPR guard, and the pseudonymous sender ids.

A message the guard lets through but the NLU classifies as ``personal_data`` has every run of
six or more digits masked in what the tracker store stores and publishes; every conversation is
stored under a keyed hash of the client's id. The end-to-end checks (real endpoint, every store
scanned) are in tests/integration/test_privacy.py.
"""

from __future__ import annotations

import asyncio
import contextvars
import json
import logging
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from rasa.core.brokers.broker import EventBroker
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, UserUttered

from bot.dialogue.privacy import (
    MASKED_NUMBER,
    _redact_record,
    mask_digit_runs,
    mask_personal_data_event,
    pseudonymous_sender,
    start_turn,
)
from bot.rasa_server.tracker_store import CachedSQLTrackerStore
from testkit.senders import stored_sender

DOMAIN = Domain.from_yaml('version: "3.1"\nintents: [personal_data, greet]\n')


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("mit cpr er 991399 1234", f"mit cpr er {MASKED_NUMBER}"),  # no calendar day
        ("konto 1234-5678901234 tak", f"konto {MASKED_NUMBER} tak"),
        ("1 2 3 4 5 6", MASKED_NUMBER),
        ("12, 34; 56!", f"{MASKED_NUMBER}!"),
        ("nr. ١٢٣٤٥٦٧", f"nr. {MASKED_NUMBER}"),  # Arabic-Indic digits
        ("12\u200b34\u200b56", MASKED_NUMBER),  # invisible characters inside
        ("a 123456 b 7890123 c", f"a {MASKED_NUMBER} b {MASKED_NUMBER} c"),
    ],
)
def test_runs_of_six_digits_or_more_are_masked_whatever_separates_them(
    text: str, masked: str
) -> None:
    assert mask_digit_runs(text)[0] == masked


@pytest.mark.parametrize(
    "text", ["jeg er 15 år", "12345 er mit postnr", "kl 10 til 12", "ab1234c56"]
)
def test_shorter_runs_and_runs_split_by_letters_stay(text: str) -> None:
    assert mask_digit_runs(text) == (text, 0)


def _user(text: str, intent: str) -> dict[str, Any]:
    return UserUttered(
        text,
        {"name": intent, "confidence": 0.99},
        [{"entity": "number", "value": text.split()[-1], "start": 0, "end": 1}],
        {"text": text, "intent": {"name": intent, "confidence": 0.99}},
        metadata={"page": text},
    ).as_dict()


def test_a_personal_data_message_is_masked_everywhere_in_the_event() -> None:
    event = _user("mit cpr er 991399 1234", "personal_data")
    masked = mask_personal_data_event(event)
    assert "991399" not in json.dumps(masked)
    assert "1234" not in json.dumps(masked)
    assert masked["text"] == f"mit cpr er {MASKED_NUMBER}"
    assert masked["parse_data"]["text"] == masked["text"]
    assert masked["timestamp"] == event["timestamp"]
    assert "991399" in json.dumps(event)  # the input is not changed


def test_other_intents_and_other_events_are_left_alone() -> None:
    event = _user("ordre 991399 1234", "greet")
    assert mask_personal_data_event(event) is event
    action = ActionExecuted("action_listen").as_dict()
    assert mask_personal_data_event(action) is action


class ListBroker(EventBroker):
    def __init__(self) -> None:
        self.published: list[dict[str, Any]] = []

    def publish(self, event: dict[str, Any]) -> None:
        self.published.append(event)


def test_the_tracker_store_stores_and_publishes_the_masked_text(tmp_path: Path) -> None:
    db = tmp_path / "tracker.db"
    broker = ListBroker()
    store = CachedSQLTrackerStore(domain=DOMAIN, dialect="sqlite", db=str(db), event_broker=broker)
    loop = asyncio.new_event_loop()
    tracker = loop.run_until_complete(store.get_or_create_tracker("p-someone"))
    tracker.update(
        UserUttered(
            "mit kontonummer er 9913991234",
            {"name": "personal_data", "confidence": 0.99},
            parse_data={"text": "mit kontonummer er 9913991234"},
        )
    )
    tracker.update(UserUttered("ordre 9913991234", {"name": "greet", "confidence": 0.99}))
    loop.run_until_complete(store.save(tracker))
    with sqlite3.connect(db) as conn:
        rows = [r[0] for r in conn.execute("SELECT data FROM events WHERE type_name = 'user'")]
    assert len(rows) == 2
    assert "9913991234" not in rows[0] and MASKED_NUMBER in json.loads(rows[0])["text"]
    assert "9913991234" in rows[1]  # another intent: the guard's rules only
    published = [e for e in broker.published if e.get("event") == "user"]
    assert published[0]["text"] == json.loads(rows[0])["text"]
    assert published[0]["sender_id"] == "p-someone"
    # Read back from the database (another process), the conversation holds the masked text.
    store.forget("p-someone")
    again = loop.run_until_complete(store.retrieve("p-someone"))
    assert again is not None
    assert "9913991234" not in json.dumps([e.as_dict() for e in again.events][:2])
    loop.close()


def test_rasas_debug_record_of_a_personal_data_message_is_masked() -> None:
    record = logging.LogRecord(
        "rasa.core.processor",
        logging.DEBUG,
        __file__,
        1,
        '{"event": "processor.message.parse", "parse_data_text": "kode 991399 1234", '
        '"parse_data_intent": {"name": "personal_data", "confidence": 0.99}}',
        (),
        None,
    )

    def turn() -> None:
        plain = logging.LogRecord("x", logging.INFO, __file__, 1, "ordre 991399 1234", (), None)
        _redact_record(plain)
        assert plain.getMessage() == "ordre 991399 1234"  # no personal-data message yet
        _redact_record(record)
        assert "991399" not in record.getMessage()
        # Later records of the same turn (Rasa's policies quote the text without the intent).
        later = logging.LogRecord(
            "rasa.core.policies.rule_policy", logging.DEBUG, __file__, 1,
            "[state 1] user text: kode 991399 1234", (), None,
        )  # fmt: skip
        _redact_record(later)
        assert "991399" not in later.getMessage()
        start_turn()  # the channel's next message
        again = logging.LogRecord("x", logging.INFO, __file__, 1, "ordre 991399 1234", (), None)
        _redact_record(again)
        assert again.getMessage() == "ordre 991399 1234"

    contextvars.copy_context().run(turn)


# -- pseudonymous sender ids -----------------------------------------------------------------


def test_a_pseudonym_is_stable_keyed_and_carries_nothing_of_the_id() -> None:
    a = pseudonymous_sender("0101901234", "secret-one")
    assert a == pseudonymous_sender("0101901234", "secret-one")
    assert a != pseudonymous_sender("0101901234", "secret-two")
    assert a != pseudonymous_sender("0101901235", "secret-one")
    assert a.startswith("p-") and len(a) == 34
    assert a[2:].isalpha() and a[2:].islower()  # no digits: never CPR-shaped


def test_pseudonyms_of_many_ids_differ_and_fit_every_sender_syntax() -> None:
    ids = [f"{i:032x}" for i in range(5000)]
    pseudonyms = {pseudonymous_sender(i, "k") for i in ids}
    assert len(pseudonyms) == len(ids)
    assert all(len(p) <= 128 and p.replace("-", "").isalnum() for p in pseudonyms)


def test_the_test_helper_uses_the_settings_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    from bot.settings import get_settings

    monkeypatch.setenv("BOT_SECRET_KEY", "x" * 40)
    get_settings.cache_clear()
    try:
        assert stored_sender("w-abc") == pseudonymous_sender("w-abc", "x" * 40)
        assert stored_sender("w-abc", "other") == pseudonymous_sender("w-abc", "other")
    finally:
        get_settings.cache_clear()
