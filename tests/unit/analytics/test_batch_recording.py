"""Recording a batch of events at a time (bot.analytics.recorder.record_events) gives exactly the
statistics recording them one at a time did, in a handful of SQL statements per batch.

A seeded random stream of events (senders interleaved, idle gaps that split conversations,
language switches, meta intents, outcomes with links, feedback naming an earlier answer, a
made-up one or none, events of senders with no open conversation, events that change nothing,
now and then an event later than the next) is recorded one event per transaction and by the
batch recorder cut into batches of several sizes; the conversations, turns, link events and
daily summary must come out the same, ids included, and the summary must equal a rebuild. The
same stream without verdicts ("did it help?", which now belong to an answer) gives what the old
per-event recorder (tests/unit/analytics/legacy_recorder.py) gave. Every database test runs on
SQLite and PostgreSQL.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from bot.analytics.batches import record_batch
from bot.analytics.models import OTHERWISE_CHANNELS, Conversation, DailyCount, LinkEvent, Turn
from bot.analytics.recorder import record_event, record_events
from bot.analytics.summary import conversation_keys, rebuild
from bot.db.engine import get_engine, session_scope
from bot.db.stores import STATISTICS
from bot.dialogue.outcome import Kind, Outcome, answer_id
from bot.dialogue.topics import get_registry
from bot.settings import TIMEZONE
from testkit.databases import fresh_database
from testkit.events import IDLE, outcome_event, user_event
from testkit.fixtures import database_params
from tests.unit.analytics import legacy_recorder
from tests.unit.analytics.legacy_recorder import conversation_key

MUNICIPALITY = "testrup"
# Late in the evening in Copenhagen: conversations start on two calendar days.
START = datetime(2026, 11, 23, 23, 20, tzinfo=TIMEZONE)
Event = dict[str, Any]

# -- a random stream of events ------------------------------------------------------------


def _outcome(rng: random.Random) -> Outcome:
    kind = rng.choice(list(Kind))
    links: tuple[str, ...] = ()
    if rng.random() < 0.4:
        links = tuple(rng.sample(["moving", "parking", "tax", "x" * 80], rng.randint(1, 3)))
    return Outcome(
        topic=rng.choice(["opening_hours", "moving", "contact", ""]),
        kind=kind,
        area=rng.choice(["Borgerservice", "Teknik og miljø", ""]),
        links=links,
    )


def _language(sender: str, value: Any, at: datetime) -> Event:
    return {
        "event": "slot",
        "sender_id": sender,
        "timestamp": at.timestamp(),
        "name": "language",
        "value": value,
    }


def _sender_events(rng: random.Random, sender: str, start: datetime, n: int) -> list[Event]:
    """One sender's events in the order Rasa sends them (now and then one stamped earlier)."""
    meta = sorted(get_registry().intents_of(Kind.META))
    other = ["opening_hours", "appointment", "contact", "nlu_fallback", "digital_post_write"]
    at = start
    events: list[Event] = []
    # Some senders' first event is not a message: a language slot (which starts nothing) or an
    # outcome (which starts a conversation without a turn).
    first = rng.random()
    if first < 0.15:
        events.append(_language(sender, "en", at))
    elif first < 0.25:
        events.append(outcome_event(sender, _outcome(rng), at))
    answers: list[str] = []  # the answer ids of the sender's messages so far
    answered: list[str] = []  # of those, the ones an answer outcome followed

    def message(intent: str, at: datetime, entities: dict[str, Any] | None = None) -> Event:
        message_id = f"{sender}-m{len(events)}"
        answers.append(answer_id(message_id))
        return user_event(sender, intent, at, entities, message_id)

    while len(events) < n:
        gap = rng.random()
        if gap < 0.12:  # the idle time passed: a new conversation
            at += timedelta(minutes=rng.uniform(31, 90))
        elif gap < 0.14 and events:  # a message just at the edge of the idle time
            last = datetime.fromtimestamp(events[-1]["timestamp"], TIMEZONE)
            at = max(at, last + IDLE + timedelta(microseconds=rng.choice([-1, 0, 1])))
            events.append(message(rng.choice(other), at))
            continue
        else:
            at += timedelta(seconds=rng.uniform(0.5, 240))
        stamp = at
        if rng.random() < 0.03:  # delivered after what Rasa stamped later
            stamp = at - timedelta(minutes=rng.uniform(0, 45))
        roll = rng.random()
        if roll < 0.16:
            helpful = rng.choice([True, False, "ja", "nej", "true", 1])
            otherwise = rng.choice([*OTHERWISE_CHANNELS, "pigeon", None])
            entities: dict[str, Any] = {"helpful": helpful} if rng.random() < 0.7 else {}
            judged = rng.random()
            if judged < 0.6 and answered:  # a button: an earlier answer, often a stale one
                entities["answer"] = rng.choice(answered[-4:])
            elif judged < 0.7:  # a made-up id, or one of another sender
                entities["answer"] = rng.choice(["0" * 16, answer_id("sender-0-m1"), "x"])
            if otherwise is not None:
                entities["otherwise"] = otherwise
            events.append(message("feedback", stamp, entities))
        elif roll < 0.45:
            intent = rng.choice(meta if rng.random() < 0.3 else other)
            events.append(message(intent, stamp))
            if rng.random() < 0.4:
                value = rng.choice(["da", "en", "en", None, "de"])
                events.append(_language(sender, value, stamp + timedelta(milliseconds=10)))
        elif roll < 0.8:
            outcome = _outcome(rng)
            if outcome.kind.is_answer and answers:
                answered.append(answers[-1])
            events.append(outcome_event(sender, outcome, stamp + timedelta(milliseconds=90)))
        elif roll < 0.88:
            events.append(_language(sender, rng.choice(["da", "en"]), stamp))
        elif roll < 0.93:  # changes no statistics
            events.append({"event": "bot", "sender_id": sender, "timestamp": stamp.timestamp()})
        elif roll < 0.96:
            bad = {"kind": "bogus"} if rng.random() < 0.5 else None
            events.append({**outcome_event(sender, _outcome(rng), stamp), "value": bad})
        else:
            events.append({**user_event(sender, "greet", stamp), "sender_id": ""})
    return events


def event_stream(seed: int, senders: int = 14, per_sender: int = 45) -> list[Event]:
    """Several senders' events interleaved as they would reach the recorder: by arrival time
    (the timestamp plus a little delay), each sender's in their own order."""
    rng = random.Random(seed)
    arrivals: list[tuple[float, int, int, Event]] = []
    for s in range(senders):
        start = START + timedelta(minutes=rng.uniform(0, 50))
        arrived = 0.0
        for i, event in enumerate(_sender_events(rng, f"sender-{s}", start, per_sender)):
            arrived = max(arrived, event["timestamp"] + rng.uniform(0, 2))
            arrivals.append((arrived, s, i, event))
    arrivals.sort(key=lambda item: item[:3])
    return [event for *_, event in arrivals]


def cut(events: list[Event], sizes: list[int]) -> Iterator[list[Event]]:
    """``events`` in batches of the given sizes, the last size repeated."""
    i = 0
    for n in (*sizes, *[sizes[-1]] * len(events)):
        if i >= len(events):
            return
        yield events[i : i + n]
        i += n


# -- the tables ------------------------------------------------------------------------------


def tables(url: str) -> dict[str, list[tuple]]:
    """Every row of the statistics tables (ids included; the summary's rows that count)."""
    with session_scope(STATISTICS, url) as session:

        def rows(model: type, *where: Any) -> list[tuple]:
            table = model.__table__
            order = [table.c.id] if model is not DailyCount else [table.c[k] for k in model.KEY]
            columns = [c for c in table.c if not (model is DailyCount and c.name == "id")]
            return [
                tuple(r)
                for r in session.execute(sa.select(*columns).where(*where).order_by(*order))
            ]

        return {
            "conversations": rows(Conversation),
            "turns": rows(Turn),
            "link_events": rows(LinkEvent),
            "daily_counts": rows(DailyCount, DailyCount.n != 0),
        }


def rebuilt_summary(url: str) -> list[tuple]:
    with session_scope(STATISTICS, url) as session:
        rebuild(session)
    return tables(url)["daily_counts"]


# -- recording -------------------------------------------------------------------------------

STREAM = event_stream(seed=20261123)


def without_verdicts(events: list[Event]) -> list[Event]:
    """The stream without "did it help?" verdicts (feedback keeps its other entities)."""
    out = []
    for event in events:
        entities = (event.get("parse_data") or {}).get("entities")
        if entities:
            kept = [e for e in entities if e["entity"] not in ("helpful", "answer")]
            event = {**event, "parse_data": {**event["parse_data"], "entities": kept}}
        out.append(event)
    return out


def _legacy(url: str, events: list[Event]) -> None:
    for event in events:
        with session_scope(STATISTICS, url) as session:
            legacy_recorder.record_event(session, dict(event), MUNICIPALITY, IDLE)


def _one_by_one(url: str, events: list[Event]) -> None:
    for event in events:
        with session_scope(STATISTICS, url) as session:
            record_event(session, dict(event), MUNICIPALITY, IDLE)


def _batches(sizes: list[int]) -> Callable[[str, list[Event]], None]:
    def record(url: str, events: list[Event]) -> None:
        for batch in cut(events, sizes):
            with session_scope(STATISTICS, url) as session:
                record_events(session, [dict(e) for e in batch], MUNICIPALITY, IDLE)

    return record


def _queue(url: str, events: list[Event]) -> None:
    """As the consumer records: record_batch, with batches delivered again and overlapping."""
    batches = list(cut(events, [30, 1, 64, 17, 200]))
    now = START + timedelta(days=1)
    for i, batch in enumerate(batches):
        with session_scope(STATISTICS, url) as session:
            record_batch(session, batch, MUNICIPALITY, IDLE, now)
        if i % 3 == 1:  # delivered again, with the next batch's first events
            again = batch + (batches[i + 1][:5] if i + 1 < len(batches) else [])
            with session_scope(STATISTICS, url) as session:
                record_batch(session, again, MUNICIPALITY, IDLE, now)


def _random_sizes(url: str, events: list[Event]) -> None:
    rng = random.Random(7)
    _batches([rng.choice([1, 2, 3, 5, 13, 40, 99]) for _ in range(len(events))])(url, events)


WAYS = {
    "one event per transaction": _one_by_one,
    "batches of 7": _batches([7]),
    "batches of random sizes": _random_sizes,
    "one batch": _batches([len(STREAM)]),
    "record_batch, redelivered": _queue,
}


@pytest.fixture(scope="module", params=database_params())
def kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(scope="module")
def reference(kind: str, tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[tuple]]:
    """The tables the recorder makes of the stream, one event per transaction."""
    get_engine.cache_clear()
    with fresh_database(kind, tmp_path_factory.mktemp("reference")) as url:
        _one_by_one(url, STREAM)
        return tables(url)


def test_without_verdicts_the_old_recorder_recorded_the_same(kind: str, tmp_path: Path) -> None:
    stream = without_verdicts(STREAM)
    results = []
    for name, record in (("legacy", _legacy), ("batches", _random_sizes)):
        get_engine.cache_clear()
        with fresh_database(kind, tmp_path / name) as url:
            record(url, stream)
            results.append(tables(url))
    legacy, batched = results
    # The old recorder knew no answer ids; everything else is the same, ids included.
    strip = [{**row, "answer_id": None} for row in _dicts(batched["turns"])]
    assert strip == _dicts(legacy["turns"])
    for name in ("conversations", "link_events", "daily_counts"):
        assert batched[name] == legacy[name], name


def _dicts(turns: list[tuple]) -> list[dict[str, Any]]:
    names = [c.name for c in Turn.__table__.c]
    return [dict(zip(names, row, strict=True)) for row in turns]


def test_the_stream_exercises_what_it_should(reference: dict[str, list[tuple]]) -> None:
    conversations = reference["conversations"]
    senders = [row[1] for row in conversations]
    assert len(set(senders)) < len(senders)  # idle gaps split some senders' conversations
    languages = {row[-1] for row in conversations}
    assert languages == {"da", "en"}
    assert any(row[13] for row in conversations)  # referred channels
    assert any(row[14] is not None for row in conversations)  # feedback
    assert any(row[15] > 0 for row in conversations)  # answers judged helpful
    assert any(row[16] > 0 for row in conversations)  # and not helpful
    assert sum(row[-1] is not None for row in reference["turns"]) > 5  # verdicts on answers
    assert any(row[5] == 0 for row in conversations)  # started by an outcome: no turn
    assert len(reference["link_events"]) > 20
    days = {row[1] for row in reference["daily_counts"]}
    assert len(days) == 2


@pytest.mark.parametrize("way", list(WAYS))
def test_batches_record_what_one_event_at_a_time_did(
    way: str, kind: str, reference: dict[str, list[tuple]], tmp_path: Path
) -> None:
    get_engine.cache_clear()
    with fresh_database(kind, tmp_path) as url:
        WAYS[way](url, STREAM)
        recorded = tables(url)
        for name, rows in reference.items():
            assert recorded[name] == rows, name
        # The incremental upkeep of the summary equals recomputing it.
        assert rebuilt_summary(url) == reference["daily_counts"]


def test_an_outcome_sets_the_turn_of_a_message_in_the_same_batch(database_url: str) -> None:
    at = START
    earlier = [user_event("s", "opening_hours", at)]
    answer = Outcome("opening_hours", Kind.INFORMATION, "Borgerservice", ("hours",))
    batch = [
        outcome_event("s", answer, at + timedelta(seconds=1)),  # the turn in the database
        user_event("s", "contact", at + timedelta(seconds=5)),
        outcome_event(
            "s",
            Outcome("contact", Kind.REFERRAL_PHONE, "Borgerservice"),
            at + timedelta(seconds=6),
        ),
        # Past the idle time: a second conversation of the sender in the same batch.
        outcome_event("s", answer, at + IDLE + timedelta(seconds=7)),
        _language("s", "en", at + IDLE + timedelta(seconds=8)),
        _language("nobody", "en", at),  # starts nothing
    ]
    with session_scope(STATISTICS, database_url) as session:
        record_events(session, earlier, MUNICIPALITY, IDLE)
    with session_scope(STATISTICS, database_url) as session:
        assert record_events(session, batch, MUNICIPALITY, IDLE) == len(batch)
    got = tables(database_url)
    assert [row[3:7] for row in got["turns"]] == [
        ("opening_hours", "opening_hours", "Borgerservice", "information"),
        ("contact", "contact", "Borgerservice", "referral_phone"),
    ]
    (first, second) = got["conversations"]
    assert first[1] == second[1] == "s"
    assert (first[5], first[6], first[8], first[-1]) == (2, 1, 1, "da")  # turns, answers, refs
    assert (second[5], second[6], second[-1]) == (0, 1, "en")
    assert [(row[1], row[3]) for row in got["link_events"]] == [(1, "hours"), (2, "hours")]
    assert sum(row[-3] for row in got["daily_counts"]) == 2
    assert rebuilt_summary(database_url) == got["daily_counts"]


def test_an_older_open_conversation_counts_again_when_a_late_event_moved_the_newer_back(
    kind: str, tmp_path: Path
) -> None:
    """A late event (stamped before the sender's conversation's last one) moves that
    conversation's last event back; an older conversation of the sender may then be the open
    one again. The batch reads every conversation that may be open, not only the latest."""
    t0 = START
    before = [
        user_event("s", "opening_hours", t0),  # conversation 1
        user_event("s", "contact", t0 + timedelta(minutes=40)),  # conversation 2
    ]
    batch = [
        user_event("s", "greet", t0 - timedelta(minutes=20)),  # late: conversation 2, moved back
        user_event("s", "appointment", t0 + timedelta(minutes=5)),  # conversation 1 again
        outcome_event("s", Outcome("x", Kind.FALLBACK, ""), t0 + timedelta(minutes=6)),
    ]
    results = []
    for name, record in (("legacy", _legacy), ("batch", _batches([len(batch)]))):
        get_engine.cache_clear()
        with fresh_database(kind, tmp_path / name) as url:
            _one_by_one(url, before)
            record(url, batch)
            results.append(tables(url))
    legacy, batched = results
    assert batched == legacy
    assert [(row[0], row[5]) for row in batched["conversations"]] == [(1, 2), (2, 2)]


def test_conversation_keys_reads_many_conversations_at_once(database_url: str) -> None:
    events = [user_event(f"s{i}", "opening_hours", START) for i in range(3)]
    with session_scope(STATISTICS, database_url) as session:
        record_events(session, events, MUNICIPALITY, IDLE)
        keys = conversation_keys(session, [3, 1, 99])
        assert set(keys) == {1, 3}
        assert keys[1] == conversation_key(session, 1)
        assert keys[1][:2] == (MUNICIPALITY, START.date())
        assert conversation_key(session, 99) is None
        assert conversation_keys(session, []) == {}


# -- the cost of a batch ---------------------------------------------------------------------


def _statements(url: str, events: list[Event], through_record_batch: bool = False) -> int:
    """How many SQL statements recording ``events`` as one batch runs."""
    engine = get_engine(STATISTICS, url)
    count = 0

    def counted(*_: Any) -> None:
        nonlocal count
        count += 1

    with session_scope(STATISTICS, url) as session:
        session.execute(sa.text("SELECT 1"))  # connected and in a transaction
        sa.event.listen(engine, "before_cursor_execute", counted)
        try:
            if through_record_batch:
                record_batch(session, events, MUNICIPALITY, IDLE, START)
            else:
                record_events(session, events, MUNICIPALITY, IDLE)
        finally:
            sa.event.remove(engine, "before_cursor_execute", counted)
    return count


def _busy_batch(n: int, senders: int, at: datetime, seed: int) -> list[Event]:
    """``n`` events of ``senders`` senders: messages, their outcomes (links too), language."""
    rng = random.Random(seed)
    events: list[Event] = []
    for i in range(n):
        sender = f"busy-{i % senders}"
        when = at + timedelta(seconds=i)
        step = (i // senders) % 3
        if step == 0:
            events.append(user_event(sender, rng.choice(["opening_hours", "greet"]), when))
        elif step == 1:
            events.append(outcome_event(sender, _outcome(rng), when))
        else:
            events.append(_language(sender, rng.choice(["da", "en"]), when))
    return events


@pytest.mark.parametrize("through_record_batch", [False, True])
def test_a_batch_costs_the_same_few_statements_however_many_events_it_has(
    database_url: str, through_record_batch: bool
) -> None:
    # Half of the senders have open conversations, with turns, already.
    with session_scope(STATISTICS, database_url) as session:
        record_events(
            session,
            _busy_batch(20, 10, START - timedelta(minutes=5), seed=1),
            MUNICIPALITY,
            IDLE,
        )
    counts = {}
    for n, offset in ((10, 0), (200, 1)):
        events = _busy_batch(n, 20, START + timedelta(minutes=offset), seed=n)
        counts[n] = _statements(database_url, events, through_record_batch)
    # Read conversations and turns, keys before and after, one write per table, one upsert
    # (and the keys of recorded events: read and written).
    limit = 11 + (2 if through_record_batch else 0)
    assert counts[10] <= limit and counts[200] <= limit, counts
    # And far fewer than one statement per event.
    assert _statements(database_url, [], through_record_batch) == 0
