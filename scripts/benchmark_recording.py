"""Benchmark of statistics recording: one event at a time against a batch at a time.

The events consumer (``python -m bot events``) records what it takes from RabbitMQ in batches
(``BOT_EVENT_BATCH_SIZE``, default 200). This script records the same interleaved stream of
synthetic chat events (per message: the ``user`` event, a ``language`` slot now and then, the
``turn_outcome`` slot, links and feedback; senders interleaved, idle gaps that start new
conversations) into a fresh statistics database per path and round, one transaction per batch,
and prints events per second and the process's CPU milliseconds per event:

* ``legacy ORM``: the recorder as it was (tests/unit/analytics/legacy_recorder.py: ORM queries,
  a flush and two summary upserts per event), each event of the batch in turn;
* ``per event``: :func:`bot.analytics.recorder.record_events` called with one event at a time
  (what ``record_event`` does), within the batch's transaction;
* ``batch``: ``record_events`` called once with the whole batch;
* ``record_batch``: what the consumer runs, the batch plus its dedup keys
  (:func:`bot.analytics.batches.record_batch`).

The paths run interleaved (their order rotates every round) and must produce the same tables.
CPU is ``time.process_time``: the recorder's Python and, on SQLite, the database's own work
(in-process); on PostgreSQL only the client's side.

Run: ``.venv/bin/python scripts/benchmark_recording.py [--events 6000] [--senders 300]
[--batch 200] [--rounds 3] [--backend sqlite|postgresql]``.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.analytics.batches import record_batch
from bot.analytics.models import Conversation, DailyCount, LinkEvent, Turn
from bot.analytics.recorder import record_events
from bot.db.engine import get_engine, session_scope
from bot.db.stores import STATISTICS
from bot.dialogue.outcome import Kind, Outcome
from bot.settings import TIMEZONE
from testkit.databases import available, fresh_database
from testkit.events import IDLE, outcome_event, user_event

try:  # the old recorder, kept by the tests as their reference
    from tests.unit.analytics import legacy_recorder
except ImportError:  # pragma: no cover - a checkout without the tests
    legacy_recorder = None  # type: ignore[assignment]

MUNICIPALITY = "testrup"
START = datetime(2026, 11, 23, 9, tzinfo=TIMEZONE)
Event = dict[str, Any]
Recorder = Callable[[Any, list[Event]], None]

OUTCOMES = [
    Outcome("opening_hours", Kind.INFORMATION, "Borgerservice"),
    Outcome("moving", Kind.SELF_SERVICE_LINK, "Folkeregister", ("moving",)),
    Outcome("contact", Kind.REFERRAL_PHONE, "Borgerservice", ("contact", "phone")),
    Outcome("digital_post", Kind.REFERRAL_DIGITAL_POST, "Digital Post"),
    Outcome("", Kind.FALLBACK, ""),
    Outcome("greet", Kind.META, ""),
]


def stream(n_events: int, n_senders: int, seed: int = 1) -> list[Event]:
    """About ``n_events`` recorded events of ``n_senders`` senders, in arrival order."""
    rng = random.Random(seed)  # noqa: S311 - test data
    clocks = [START + timedelta(seconds=rng.uniform(0, 600)) for _ in range(n_senders)]
    events: list[tuple[datetime, int, Event]] = []
    while len(events) < n_events:
        s = rng.randrange(n_senders)
        sender = f"bench-{s}"
        gap = IDLE * 2 if rng.random() < 0.05 else timedelta(seconds=rng.uniform(5, 120))
        at = clocks[s] = clocks[s] + gap
        if rng.random() < 0.1:
            entities = {"helpful": rng.random() < 0.7, "otherwise": "telephone"}
            events.append((at, len(events), user_event(sender, "feedback", at, entities)))
        else:
            intent = rng.choice(["opening_hours", "contact", "greet", "appointment"])
            events.append((at, len(events), user_event(sender, intent, at)))
        if rng.random() < 0.3:
            language = {
                "event": "slot",
                "sender_id": sender,
                "timestamp": (at + timedelta(milliseconds=10)).timestamp(),
                "name": "language",
                "value": rng.choice(["da", "en"]),
            }
            events.append((at, len(events), language))
        outcome = rng.choice(OUTCOMES)
        events.append(
            (at, len(events), outcome_event(sender, outcome, at + timedelta(milliseconds=90)))
        )
    events.sort(key=lambda item: (item[0], item[1]))
    return [event for _, _, event in events]


def _legacy(session: Any, batch: list[Event]) -> None:
    for event in batch:
        legacy_recorder.record_event(session, event, MUNICIPALITY, IDLE)


def _per_event(session: Any, batch: list[Event]) -> None:
    for event in batch:
        record_events(session, [event], MUNICIPALITY, IDLE)


def _batch(session: Any, batch: list[Event]) -> None:
    record_events(session, batch, MUNICIPALITY, IDLE)


def _record_batch(session: Any, batch: list[Event]) -> None:
    record_batch(session, batch, MUNICIPALITY, IDLE, START)


def tables(url: str) -> tuple:
    """What every path must agree on: the conversations, turns, links and summary."""
    with session_scope(STATISTICS, url) as session:

        def rows(table: sa.Table, *where: Any) -> list[tuple]:
            columns = [c for c in table.c if not (table is DailyCount.__table__ and c.name == "id")]
            return [tuple(r) for r in session.execute(sa.select(*columns).where(*where))]

        return (
            sorted(rows(Conversation.__table__)),
            sorted(rows(Turn.__table__)),
            sorted(rows(LinkEvent.__table__)),
            sorted(rows(DailyCount.__table__, DailyCount.n != 0)),
        )


def run(kind: str, path: Recorder, events: list[Event], batch_size: int) -> tuple[float, float]:
    """Record ``events`` into a fresh database; (wall seconds, CPU seconds)."""
    with tempfile.TemporaryDirectory() as directory, fresh_database(kind, Path(directory)) as url:
        get_engine(STATISTICS, url)  # migrate outside the timing
        batches = [events[i : i + batch_size] for i in range(0, len(events), batch_size)]
        wall, cpu = time.perf_counter(), time.process_time()
        for batch in batches:
            with session_scope(STATISTICS, url) as session:
                path(session, [dict(e) for e in batch])
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        run.tables[path] = tables(url)  # type: ignore[attr-defined]
        return wall, cpu


run.tables = {}  # type: ignore[attr-defined]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=6000)
    parser.add_argument("--senders", type=int, default=300)
    parser.add_argument("--batch", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], default="sqlite")
    args = parser.parse_args()
    if not available(args.backend):
        sys.exit(f"{args.backend} is not available here")

    events = stream(args.events, args.senders)
    paths: dict[str, Recorder] = {}
    if legacy_recorder is not None:
        paths["legacy ORM"] = _legacy
    paths.update({"per event": _per_event, "batch": _batch, "record_batch": _record_batch})
    print(
        f"{len(events)} events of {args.senders} senders, batches of {args.batch}, "
        f"{args.rounds} rounds, {args.backend}"
    )
    results: dict[str, list[tuple[float, float]]] = {name: [] for name in paths}
    names = list(paths)
    for r in range(args.rounds):
        order = names[r % len(names) :] + names[: r % len(names)]
        for name in order:
            wall, cpu = run(args.backend, paths[name], events, args.batch)
            results[name].append((wall, cpu))
            print(
                f"  round {r + 1} {name:>13}: {len(events) / wall:8.0f} events/s, "
                f"{cpu * 1000 / len(events):6.3f} ms CPU/event"
            )
    reference = run.tables[paths[names[0]]]  # type: ignore[attr-defined]
    for name in names[1:]:
        if run.tables[paths[name]] != reference:  # type: ignore[attr-defined]
            sys.exit(f"{name} recorded different statistics than {names[0]}")

    print(f"\nmedian of {args.rounds} rounds (the same tables from every path):")
    base = statistics.median(cpu for _, cpu in results[names[0]])
    for name in names:
        wall = statistics.median(w for w, _ in results[name])
        cpu = statistics.median(c for _, c in results[name])
        print(
            f"  {name:>13}: {len(events) / wall:8.0f} events/s, "
            f"{cpu * 1000 / len(events):6.3f} ms CPU/event "
            f"(CPU {base / cpu:5.1f}x less than {names[0]})"
        )


if __name__ == "__main__":
    main()
