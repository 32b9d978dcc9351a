"""Recording statistics in batches, each event once (the queue path's consumer).

``python -m bot events`` (:mod:`bot.ops.event_consumer`) takes events from the durable RabbitMQ
queue and records them with :func:`record_batch`: one transaction per batch, in which the batch's
new events are recorded together by :func:`bot.analytics.recorder.record_events` (a handful of
SQL statements for the whole batch, not several per event; the in-process broker records
through the same function, a batch of one). RabbitMQ guarantees
at-least-once delivery: a batch committed but not acknowledged (the consumer killed in between,
or its connection lost) comes again. Each recorded event leaves a key in ``recorded_events``
(:func:`event_key`: a digest of sender id, event type, name and timestamp, never content), and an
event whose key is there is skipped, so nothing is counted twice.

:class:`Batcher` decides when a batch is complete: ``max_items`` events, or ``max_wait_s`` after
its first event, whichever comes first. Pure, so the consumer's loop and the tests share it.
"""

from __future__ import annotations

import hashlib
import json
from collections import OrderedDict
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any, Generic, TypeVar

import sqlalchemy as sa
from sqlalchemy.orm import Session

from bot.analytics.models import RecordedEvent
from bot.analytics.recorder import is_recorded, record_events

T = TypeVar("T")

# How long the keys of recorded events are kept: a redelivery comes when the consumer starts
# again, so a week covers a consumer that stays down over a long weekend and more.
KEEP_KEYS = timedelta(days=7)


def event_key(event: dict[str, Any]) -> str:
    """The identity of one Rasa event, the same for every delivery of it: 32 hex characters.

    Built from the sender id, the event type, the slot or action name, the user message's id
    (``message_id``), the slot's value and the exact timestamp (epoch seconds as Rasa gives
    them; JSON keeps floats exact). Nothing of it can be read back from the digest.
    """
    parts = [
        str(event.get("sender_id") or ""),
        str(event.get("event") or ""),
        str(event.get("name") or ""),
        str(event.get("message_id") or ""),
        repr(event.get("timestamp")),
        json.dumps(event.get("value"), sort_keys=True, default=str)
        if event.get("event") == "slot"
        else "",
    ]
    return hashlib.sha256("\x00".join(parts).encode("utf-8")).hexdigest()[:32]


def record_batch(
    session: Session,
    events: Iterable[dict[str, Any]],
    municipality: str,
    idle: timedelta,
    now: datetime,
) -> int:
    """Record ``events`` (in order) in ``session``'s transaction, skipping every event already
    recorded (its key in ``recorded_events``, or earlier in the same batch); return how many
    were recorded. The caller commits: statistics and keys together, or neither."""
    wanted = [(event_key(e), e) for e in events if is_recorded(e)]
    if not wanted:
        return 0
    keys = sorted({key for key, _ in wanted})
    done = set(
        session.execute(
            sa.select(RecordedEvent.key).where(
                RecordedEvent.key.in_(sa.bindparam("keys", expanding=True))
            ),
            {"keys": keys},
        ).scalars()
    )
    fresh: dict[str, dict[str, Any]] = {}
    for key, event in wanted:
        if key not in done and key not in fresh:
            fresh[key] = event
    if not fresh:
        return 0
    record_events(session, list(fresh.values()), municipality, idle)
    session.execute(sa.insert(RecordedEvent), [{"key": key, "recorded_at": now} for key in fresh])
    return len(fresh)


def prune_keys(session: Session, now: datetime, keep: timedelta = KEEP_KEYS) -> int:
    """Delete the keys of events recorded before ``now - keep``; return how many."""
    result = session.execute(
        sa.delete(RecordedEvent).where(RecordedEvent.recorded_at < sa.bindparam("cutoff")),
        {"cutoff": now - keep},
    )
    return int(result.rowcount or 0)


class Batcher(Generic[T]):
    """Collects items into a batch that is due when it holds ``max_items`` or ``max_wait_s``
    seconds have passed since its first item (times from the caller's monotonic clock)."""

    def __init__(self, max_items: int, max_wait_s: float) -> None:
        if max_items < 1 or max_wait_s < 0:
            raise ValueError("a batch needs max_items >= 1 and max_wait_s >= 0")
        self.max_items = max_items
        self.max_wait_s = max_wait_s
        self._items: list[T] = []
        self._opened_at: float | None = None

    def __len__(self) -> int:
        return len(self._items)

    def add(self, item: T, now: float) -> None:
        if not self._items:
            self._opened_at = now
        self._items.append(item)

    def due(self, now: float) -> bool:
        """Whether the batch should be recorded now."""
        if not self._items:
            return False
        return len(self._items) >= self.max_items or self.wait(now) == 0.0

    def wait(self, now: float) -> float | None:
        """Seconds until the batch is due by time (None while it is empty)."""
        if self._opened_at is None or not self._items:
            return None
        return max(0.0, self._opened_at + self.max_wait_s - now)

    def take(self) -> list[T]:
        """The batch's items; the next item opens a new batch."""
        items, self._items, self._opened_at = self._items, [], None
        return items


class RecentKeys:
    """The last ``size`` event keys seen in this process, to hand each event to in-memory
    consumers (the review collector) once even when RabbitMQ delivers it twice."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._keys: OrderedDict[str, None] = OrderedDict()

    def __contains__(self, key: object) -> bool:
        return key in self._keys

    def add(self, key: str) -> None:
        self._keys[key] = None
        self._keys.move_to_end(key)
        while len(self._keys) > self.size:
            self._keys.popitem(last=False)
