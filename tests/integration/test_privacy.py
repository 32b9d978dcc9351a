"""A CPR number typed by a citizen never reaches disk: not the tracker store, not a log line.

The test assistant logs at DEBUG level, where Rasa writes every user message, so a number that
slipped past the guard would show up in the logs. The test first proves that ordinary text does.
"""

from __future__ import annotations

import re
import time

import pytest

from tests.integration.conftest import Assistant, new_sender, texts

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
    assert sender in on_disk
    assert "hvornaar har borgerservice aabent" in on_disk
    assert "personal_data" in on_disk
    for number in NUMBERS:
        assert not _pattern(number).search(on_disk), f"{number} found on disk"
