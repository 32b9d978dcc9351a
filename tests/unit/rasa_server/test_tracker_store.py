"""The cached SQL tracker store against Rasa's own SQL tracker store on the same SQLite file:
what it stores, returns and publishes must be what Rasa's store would, also when another
writer (a second Rasa replica, the purge) changed the conversation or a turn failed half-way.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from rasa.core.brokers.broker import EventBroker
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    BotUttered,
    SessionStarted,
    SlotSet,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker

from bot.rasa_server.tracker_store import CachedSQLTrackerStore
from bot.stack.endpoints import TRACKER_STORE

DOMAIN = Domain.from_yaml(
    """
version: "3.1"
slots:
  thread_topic:
    type: any
    influence_conversation: false
    mappings: [{type: custom}]
"""
)


class ListBroker(EventBroker):
    """Keeps what it is given."""

    def __init__(self) -> None:
        self.published: list[dict[str, Any]] = []

    def publish(self, event: dict[str, Any]) -> None:
        self.published.append(event)


def run(coroutine: Any) -> Any:
    return asyncio.new_event_loop().run_until_complete(coroutine)


def cached(path: Path, **kwargs: Any) -> CachedSQLTrackerStore:
    return CachedSQLTrackerStore(domain=DOMAIN, dialect="sqlite", db=str(path), **kwargs)


def rasas(path: Path, **kwargs: Any) -> SQLTrackerStore:
    return SQLTrackerStore(domain=DOMAIN, dialect="sqlite", db=str(path), **kwargs)


def turn(tracker: DialogueStateTracker, text: str, t: float) -> None:
    """One turn's events, as Rasa's processor appends them."""
    tracker.update(UserUttered(text, {"name": "greet", "confidence": 1.0}, timestamp=t))
    tracker.update(ActionExecuted("action_greet", timestamp=t + 0.1))
    tracker.update(BotUttered(f"svar på {text}", timestamp=t + 0.2))
    tracker.update(SlotSet("thread_topic", text, timestamp=t + 0.3))
    tracker.update(ActionExecuted("action_listen", timestamp=t + 0.4))


def dicts(tracker: DialogueStateTracker | None) -> list[dict[str, Any]]:
    assert tracker is not None
    return [event.as_dict() for event in tracker.events]


def stored_rows(path: Path) -> int:
    engine = sa.create_engine(f"sqlite:///{path}")
    with engine.connect() as connection:
        return connection.execute(sa.text("SELECT count(*) FROM events")).scalar_one()


def test_the_endpoints_type_names_this_class() -> None:
    """Rasa falls back to memory, with only a warning, when a custom type does not import."""
    from rasa.shared.utils.common import class_from_module_path

    assert class_from_module_path(TRACKER_STORE) is CachedSQLTrackerStore


def test_stores_and_returns_what_rasas_store_does(tmp_path: Path) -> None:
    db = tmp_path / "tracker.db"
    store = cached(db)
    tracker = run(store.get_or_create_tracker("a"))
    for i in range(3):
        turn(tracker, f"spørgsmål {i}", 1000.0 + i)
        run(store.save(tracker))
        tracker = run(store.retrieve("a"))
    assert dicts(run(rasas(db).retrieve("a"))) == dicts(tracker)
    assert stored_rows(db) == len(tracker.events)  # every event once
    # From the second turn on the tracker came from memory, after one question to the database.
    assert store.hits == 3 and store.misses == 1


def test_publishes_exactly_what_rasas_store_publishes(tmp_path: Path) -> None:
    ours, theirs = ListBroker(), ListBroker()
    a = cached(tmp_path / "a.db", event_broker=ours)
    b = rasas(tmp_path / "b.db", event_broker=theirs)
    for store in (a, b):
        tracker = DialogueStateTracker("x", DOMAIN.slots)
        tracker.update(ActionExecuted("action_listen", timestamp=1999.0))
        for i in range(2):
            turn(tracker, f"t{i}", 2000.0 + i)
            run(store.save(tracker))
            tracker = run(store.retrieve("x"))
    assert ours.published == theirs.published
    assert len(ours.published) == 1 + 2 * 5  # action_listen, then five events per turn


def test_another_writer_is_noticed(tmp_path: Path) -> None:
    """A second replica saved a turn: the kept tracker is stale and read again."""
    db = tmp_path / "tracker.db"
    replica_a, replica_b = cached(db), cached(db)
    tracker = run(replica_a.get_or_create_tracker("c"))
    turn(tracker, "første", 3000.0)
    run(replica_a.save(tracker))
    on_b = run(replica_b.retrieve("c"))
    turn(on_b, "anden", 3001.0)
    run(replica_b.save(on_b))
    back_on_a = run(replica_a.retrieve("c"))
    assert back_on_a is not tracker
    assert dicts(back_on_a) == dicts(run(rasas(db).retrieve("c")))
    assert back_on_a.get_slot("thread_topic") == "anden"


def test_a_turn_that_failed_half_way_is_not_returned(tmp_path: Path) -> None:
    db = tmp_path / "tracker.db"
    store = cached(db)
    tracker = run(store.get_or_create_tracker("d"))
    turn(tracker, "gemt", 4000.0)
    run(store.save(tracker))
    kept = run(store.retrieve("d"))
    kept.update(UserUttered("aldrig gemt", {"name": "greet"}, timestamp=4001.0))  # no save
    again = run(store.retrieve("d"))
    assert "aldrig gemt" not in [e.get("text") for e in dicts(again)]
    assert dicts(again) == dicts(run(rasas(db).retrieve("d")))


def test_a_purged_conversation_is_gone(tmp_path: Path) -> None:
    db = tmp_path / "tracker.db"
    store = cached(db)
    tracker = run(store.get_or_create_tracker("e"))
    turn(tracker, "slet mig", 5000.0)
    run(store.save(tracker))
    engine = sa.create_engine(f"sqlite:///{db}")
    with engine.begin() as connection:
        connection.execute(sa.text("DELETE FROM events WHERE sender_id = 'e'"))
    assert run(store.retrieve("e")) is None


def test_a_new_session_is_read_as_rasa_reads_it(tmp_path: Path) -> None:
    db = tmp_path / "tracker.db"
    store = cached(db)
    tracker = run(store.get_or_create_tracker("f"))
    turn(tracker, "gammel", 6000.0)
    run(store.save(tracker))
    tracker = run(store.retrieve("f"))
    tracker.update(ActionExecuted("action_session_start", timestamp=9000.0))
    tracker.update(SessionStarted(timestamp=9000.1))
    tracker.update(ActionExecuted("action_listen", timestamp=9000.2))
    turn(tracker, "ny", 9001.0)
    run(store.save(tracker))
    latest = run(store.retrieve("f"))
    assert latest is not tracker  # read again: only the latest session, as Rasa returns it
    assert dicts(latest) == dicts(run(rasas(db).retrieve("f")))
    assert "gammel" not in [e.get("text") for e in dicts(latest)]


def test_a_tracker_from_elsewhere_is_saved_as_rasa_saves_it(tmp_path: Path) -> None:
    """A tracker the store did not hand out (Rasa's API, a copy): stored events are counted."""
    db = tmp_path / "tracker.db"
    store = cached(db)
    tracker = run(store.get_or_create_tracker("g"))
    turn(tracker, "en", 7000.0)
    run(store.save(tracker))
    copy = DialogueStateTracker.from_dict("g", [e.as_dict() for e in tracker.events], DOMAIN.slots)
    turn(copy, "to", 7001.0)
    run(store.save(copy))
    assert stored_rows(db) == len(copy.events)
    assert dicts(run(store.retrieve("g"))) == dicts(copy)


def test_the_cache_is_bounded_and_can_be_off(tmp_path: Path) -> None:
    db = tmp_path / "tracker.db"
    small = cached(db, cache_size=2)
    for sender in "hij":
        tracker = run(small.get_or_create_tracker(sender))
        turn(tracker, sender, 8000.0)
        run(small.save(tracker))
    assert list(small._kept) == ["i", "j"]  # the least recently used went first
    off = cached(db, cache_size=0)
    assert dicts(run(off.retrieve("h"))) == dicts(run(rasas(db).retrieve("h")))
    assert dicts(run(off.retrieve("h"))) == dicts(run(rasas(db).retrieve("h")))
    assert off.hits == 0 and not off._kept


def test_a_database_error_forgets_the_tracker_and_is_raised(tmp_path: Path) -> None:
    db = tmp_path / "tracker.db"
    store = cached(db)
    tracker = run(store.get_or_create_tracker("k"))
    turn(tracker, "før", 8500.0)
    run(store.save(tracker))
    engine = sa.create_engine(f"sqlite:///{db}")
    with engine.begin() as connection:
        connection.execute(sa.text("DROP TABLE events"))
    turn(tracker, "efter", 8501.0)
    with pytest.raises(sa.exc.OperationalError):
        run(store.save(tracker))
    assert "k" not in store._kept


def test_a_sqlite_file_keeps_its_connection_and_does_not_wait_for_the_disk(
    tmp_path: Path,
) -> None:
    db = tmp_path / "tracker.db"
    store = cached(db)
    opened = []
    sa.event.listen(store.engine, "connect", lambda *_: opened.append(1))
    tracker = run(store.get_or_create_tracker("w"))
    for i in range(5):
        turn(tracker, f"tur {i}", 9000.0 + i)
        run(store.save(tracker))
        tracker = run(store.retrieve("w"))
    assert len(opened) <= 1  # Rasa's engine opens one for every retrieve and save
    with store.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA synchronous").scalar() == 1  # NORMAL
    # Another process reads and writes the same file meanwhile (the purge, Rasa's tools).
    assert dicts(run(rasas(db).retrieve("w"))) == dicts(tracker)
    assert stored_rows(db) == len(tracker.events)


def test_an_in_memory_sqlite_store_is_left_as_rasa_makes_it() -> None:
    store = CachedSQLTrackerStore(domain=DOMAIN, dialect="sqlite", db=":memory:")
    assert not isinstance(store.engine.pool, sa.pool.QueuePool)
    tracker = run(store.get_or_create_tracker("m"))
    turn(tracker, "hej", 9500.0)
    run(store.save(tracker))
    assert run(store.retrieve("m")) is not None
