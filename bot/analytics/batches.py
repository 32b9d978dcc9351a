"""Recording statistics in batches, each event once (the queue path's consumer).

``python -m bot events`` (:mod:`bot.events.consumer`) takes events from the durable RabbitMQ
queue and records them with :func:`record_batch`: one transaction per batch, in which the batch's
new events are recorded together by :func:`bot.analytics.recorder.record_events` (a handful of
SQL statements for the whole batch, not several per event; the in-process broker records
through the same function, a batch of one). RabbitMQ guarantees
at-least-once delivery: a batch committed but not acknowledged (the consumer killed in between,
or its connection lost) comes again. Each recorded event leaves a key in ``recorded_events``
(:func:`event_key`: a digest of sender id, event type, name and timestamp, never content), and an
event whose key is there is skipped, so nothing is counted twice.

When a batch is complete (:class:`bot.events.batching.Batcher`) is the consumer's business.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from bot.analytics.event_fields import is_recorded
from bot.analytics.models import RecordedEvent
from bot.analytics.recorder import record_events

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
