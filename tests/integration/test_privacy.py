"""A CPR number typed by a citizen never reaches disk: not the tracker store, not a log line.

The test assistant logs at DEBUG level, where Rasa writes every user message, so a number that
slipped past the guard would show up in the logs. The test first proves that ordinary text does.
"""

from __future__ import annotations

import json
import re
import sqlite3
import time

import pytest

from bot.dialogue.privacy import MASKED_NUMBER
from testkit.senders import new_sender as random_sender
from testkit.senders import stored_sender
from tests.integration.conftest import REDIRECT, Assistant, new_sender, texts
from tests.integration.hostile_corpus import synthetic_cpr
from tests.integration.test_hostile import _search_disk

pytestmark = pytest.mark.integration

# Synthetic numbers, one per common spelling; none is a real person's.
NUMBERS = ["230477-8813", "1502861357", "31 12 99 4242", "07.06.85-9135", "120344\u20136671"]
WARNING = "Skriv ikke dit CPR-nummer"


def _pattern(number: str) -> re.Pattern[str]:
    """The number's ten digits with any (or no) separators of up to 3 characters between."""
    d = re.sub(r"\D", "", number)
    parts = [d[0:2], d[2:4], d[4:6], d[6:10]]
    return re.compile(r"\D{0,6}".join(re.escape(p) for p in parts))


def _disk_text(assistant: Assistant) -> str:
    """Every written file's text. SQLite removes a ``-wal`` file when it checkpoints it into
    the database, maybe after the database was read: then the whole scan starts again."""
    for _ in range(10):
        chunks = []
        try:
            for path in assistant.written_files():
                raw = path.read_bytes()
                chunks.append(raw.decode("utf-8", errors="ignore"))
                chunks.append(raw.decode("utf-16-le", errors="ignore"))
        except FileNotFoundError:
            time.sleep(0.2)
            continue
        return "\n".join(chunks)
    raise AssertionError("files kept vanishing while the disk was read")


def test_cpr_numbers_are_removed_before_anything_is_stored(taarnby: Assistant) -> None:
    sender = new_sender()
    control = taarnby.ask("hvornaar har borgerservice aabent", sender)
    assert "Borgerservice har åbent" in texts(control)

    replies = []
    for number in NUMBERS:
        replies.append(taarnby.ask(f"mit cpr er {number}", new_sender()))
    mixed = taarnby.ask(f"Mit CPR-nummer er {NUMBERS[0]}. Hvornår har rådhuset åbent?", sender)
    with_meta = taarnby.post(
        {
            "sender": new_sender(),
            "message": f"cpr {NUMBERS[1]} blabla",
            "metadata": {"note": NUMBERS[2]},
        }
    )
    assert with_meta.status_code == 200

    for reply in replies:
        assert WARNING in texts(reply)
        assert "Digital Post" in texts(reply)
    # The rest of the question is still answered, after the warning.
    mixed_text = texts(mixed)
    assert mixed_text.index(WARNING) < mixed_text.index("Rådhuset har åbent")

    on_disk = _disk_text(taarnby)
    # The files are the right ones: they hold this conversation and log user text verbatim.
    assert taarnby.tracker_db.exists()
    assert stored_sender(sender) in on_disk
    assert "hvornaar har borgerservice aabent" in on_disk
    assert "personal_data" in on_disk
    for number in NUMBERS:
        assert not _pattern(number).search(on_disk), f"{number} found on disk"


# --- the second net: what the guard lets through but the NLU calls personal data -------------

# Not CPR numbers to the guard (day 99, month 13), but a citizen handing over a number, and
# messages that the model classifies as personal_data (the test checks that precondition).
SECOND_NET = {
    "kan du slå mig op, mit cpr-nummer er 9913991234": "9913991234",
    "her er mit cpr-nummer 9913991234": "9913991234",
}


def _user_events(assistant: Assistant, sender: str) -> list[dict]:
    with sqlite3.connect(f"file:{assistant.tracker_db}?mode=ro", uri=True) as db:
        rows = db.execute(
            "SELECT data FROM events WHERE sender_id = ? AND type_name = 'user' ORDER BY id",
            (stored_sender(sender),),
        ).fetchall()
    return [json.loads(r[0]) for r in rows]


def test_digits_of_a_personal_data_message_are_masked_in_every_store(taarnby: Assistant) -> None:
    senders = {}
    for text in SECOND_NET:
        senders[text] = new_sender()
        reply = taarnby.ask(text, senders[text])
        assert WARNING in texts(reply), texts(reply)
    for sender in senders.values():
        (event,) = _user_events(taarnby, sender)
        # The precondition: the guard let it through, the NLU called it personal data.
        assert event["parse_data"]["intent"]["name"] == "personal_data", event["parse_data"]
        assert MASKED_NUMBER in event["text"], event["text"]
    time.sleep(1)  # the review store writes on a background thread
    leaks, _ = _search_disk(taarnby.written_files(), {d: t for t, d in SECOND_NET.items()})
    assert leaks == []


# --- pseudonymous sender ids -----------------------------------------------------------------


def test_sender_ids_are_stored_only_as_their_keyed_hash(taarnby: Assistant) -> None:
    client_id = random_sender("pseudo")
    cpr_shaped = f"{synthetic_cpr(3001)[:8]}-{synthetic_cpr(3001)[8:]}00-4f1a-9c2b-7d3e5f6a8b9c"
    reply = taarnby.ask("hvordan søger jeg boligstøtte", client_id)
    assert reply and all(m["recipient_id"] == client_id for m in reply)
    # The click-counting links carry the pseudonym, not the client's id.
    links = REDIRECT.findall(texts(reply))
    assert links, texts(reply)
    carried = {m for link in links for m in re.findall(r"[?&]s=([A-Za-z0-9_.:-]+)", link)}
    assert carried == {stored_sender(client_id)}, links
    # A CPR-shaped id (a UUID now and then) is answered, not refused.
    response = taarnby.post({"sender": cpr_shaped, "message": "hej"})
    assert response.status_code == 200, response.text
    assert response.json()[0]["recipient_id"] == cpr_shaped
    # The conversation goes on under the same pseudonym.
    taarnby.ask("tak", client_id)
    assert len(_user_events(taarnby, client_id)) == 2

    time.sleep(1)  # the review store writes on a background thread
    on_disk = _disk_text(taarnby)
    assert stored_sender(client_id) in on_disk
    assert client_id not in on_disk
    assert stored_sender(cpr_shaped) in on_disk
    leaks, _ = _search_disk(taarnby.written_files(), {synthetic_cpr(3001): "cpr-shaped id"})
    assert leaks == []
    with sqlite3.connect(f"file:{taarnby.workdir / 'analytics.db'}?mode=ro", uri=True) as db:
        ids = {r[0] for r in db.execute("SELECT sender_id FROM conversations")}
    assert stored_sender(client_id) in ids
    assert all(i.startswith("p-") for i in ids), sorted(ids)[:5]
