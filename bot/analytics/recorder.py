"""Turn Rasa events into statistics rows, a batch of events at a time.

Fed by the in-process broker's fan-out (:class:`bot.events.fanout.EventSinks`), called with
every event as it happens (:func:`record_event`: a batch of one), and by the queue consumer
(:func:`bot.analytics.batches.record_batch`: up to a few hundred events). Events arrive already
stripped of CPR numbers by the privacy guard; the recorder keeps no message text at all, only
intents and what the assistant did.

:func:`record_events` costs a handful of SQL statements per batch, however many events it has:
it reads the open conversations of the batch's senders and the latest turn of each with one
query apiece, applies the events in order to those rows in memory, then writes what changed
with one statement per table (updates and inserts of conversations, turns and link events; new
conversations first, as their turns need their ids) and nets the batch's moves in the daily
summary (bot/analytics/summary.py) into one upsert. Before this the recorder ran several ORM
queries and upserts per event, which was most of the statistics consumer's CPU time. The
statistics are the same whichever way a stream of events is cut into batches.

How events change a conversation (when one is open, its language, feedback) is described
in bot/analytics/conversation_state.py.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from bot.analytics.conversation_state import BatchState, ConversationState
from bot.analytics.event_fields import feedback_verdict, is_language_event, is_recorded, utc_time
from bot.analytics.models import Conversation, LinkEvent, Turn
from bot.analytics.summary import Counts, Key, adjust_counts, conversation_rows
from bot.dialogue.outcome import Kind, Outcome
from bot.dialogue.topics import get_registry


def record_event(
    session: Session, event: dict[str, Any], municipality: str, idle: timedelta
) -> None:
    """Apply one Rasa event (as the broker receives it) to the statistics tables: a batch of
    one (:func:`record_events`)."""
    record_events(session, [event], municipality, idle)


def record_events(
    session: Session, events: Iterable[dict[str, Any]], municipality: str, idle: timedelta
) -> int:
    """Apply Rasa events of ``municipality`` (in order; ones that change no statistics are
    skipped) to the statistics tables, in ``session``'s transaction; returns how many were
    applied. The caller commits."""
    batch = [(event, utc_time(event.get("timestamp"))) for event in events if is_recorded(event)]
    if not batch:
        return 0
    state = BatchState(session, municipality, idle)
    state.load({event["sender_id"] for event, _ in batch}, min(at for _, at in batch))
    judging = {
        e["sender_id"] for e, _ in batch if e["event"] == "user" and feedback_verdict(e) is not None
    }
    if judging:
        state.load_answers(judging)
    if any(event["event"] != "user" and not is_language_event(event) for event, _ in batch):
        state.load_latest_turns()
    meta = get_registry().intents_of(Kind.META)
    for event, at in batch:
        if is_language_event(event):
            state.set_language(event["sender_id"], event["value"], at)
        elif event["event"] == "user":
            state.user_turn(event, at, meta)
        else:
            outcome = Outcome.from_slot(event["value"])
            if outcome is not None:
                state.outcome(event["sender_id"], outcome, at)
    write_batch(state)
    return len(batch)


# -- writing ---------------------------------------------------------------------------------

_CONVERSATIONS = Conversation.__table__
_TURNS = Turn.__table__
_LINK_EVENTS = LinkEvent.__table__
# The ids of the conversations of some senders started since a time (to find the new ones').
_SELECT_STARTED = (
    sa.select(_CONVERSATIONS.c.id, _CONVERSATIONS.c.sender_id, _CONVERSATIONS.c.started_at)
    .where(
        _CONVERSATIONS.c.municipality == sa.bindparam("municipality"),
        _CONVERSATIONS.c.sender_id.in_(sa.bindparam("senders", expanding=True)),
        _CONVERSATIONS.c.started_at >= sa.bindparam("since"),
    )
    .order_by(_CONVERSATIONS.c.id)
)
# Executed with a list of rows: the SET clause is the columns each row gives besides b_id.
_UPDATE_CONVERSATION = _CONVERSATIONS.update().where(_CONVERSATIONS.c.id == sa.bindparam("b_id"))
_UPDATE_TURN = _TURNS.update().where(_TURNS.c.id == sa.bindparam("b_id"))
_UPDATE_VERDICT = _TURNS.update().where(_TURNS.c.id == sa.bindparam("b_id"))


def write_batch(batch: BatchState) -> None:
    """Write what ``batch`` changed and move the changed conversations in the daily
    summary: a statement per table at most, and the summary's keys read before and after
    (one SELECT each)."""
    session = batch.session
    changed = [c for c in batch.loaded.values() if c.values() != c.loaded]
    before = conversation_rows(session, (c.id for c in changed))  # type: ignore[misc]
    if changed:
        session.execute(_UPDATE_CONVERSATION, [{"b_id": c.id, **c.row()} for c in changed])
    if batch.new:
        _insert_new(batch)
    if batch.changed_turns:
        session.execute(
            _UPDATE_TURN,
            [
                {"b_id": t.id, "kind": t.kind, "topic": t.topic, "area": t.area}
                for _, t in sorted(batch.changed_turns.items())
            ],
        )
    if batch.judged_turns:
        session.execute(
            _UPDATE_VERDICT,
            [{"b_id": t.id, "helpful": t.helpful} for _, t in sorted(batch.judged_turns.items())],
        )
    if batch.new_turns:
        session.execute(
            _TURNS.insert(),
            [
                {
                    "conversation_id": t.conversation.id,
                    "at": t.at,
                    "intent": t.intent,
                    "kind": t.kind,
                    "topic": t.topic,
                    "area": t.area,
                    "answer_id": t.answer_id,
                    "helpful": t.helpful,
                }
                for t in batch.new_turns
            ],
        )
    if batch.links:
        session.execute(
            _LINK_EVENTS.insert(),
            [
                {
                    "conversation_id": c.id,
                    "municipality": batch.municipality,
                    "link_id": link_id,
                    "event": "shown",
                    "at": at,
                }
                for c, link_id, at in batch.links
            ],
        )
    touched = [c.id for c in changed] + [c.id for c in batch.new]
    after = conversation_rows(session, touched)  # type: ignore[arg-type]
    moves: dict[Key, Counts] = {}
    for conversation_id in touched:
        for rows, sign in ((before, -1), (after, 1)):
            if conversation_id in rows:
                key, counts = rows[conversation_id]
                old = moves.get(key, (0, 0, 0))
                moves[key] = tuple(a + sign * b for a, b in zip(old, counts, strict=True))  # type: ignore[assignment]
    adjust_counts(session, moves)


def _insert_new(batch: BatchState) -> None:
    """Insert the batch's new conversations (one statement) and learn their ids (one
    SELECT), which their turns and link events need.

    A new conversation is found by its sender and start: of the sender's conversations that
    started at that moment, the batch's are the last ones inserted (the highest ids, in the
    order they were inserted). Nothing else can insert between the two statements on SQLite
    (the INSERT holds the write lock until the commit); on PostgreSQL only another recording
    of the same event at the same time could, which is counted twice anyway.
    """
    session = batch.session
    session.execute(
        _CONVERSATIONS.insert(),
        [
            {
                "sender_id": c.sender_id,
                "municipality": batch.municipality,
                "started_at": c.started_at,
                **c.row(),
            }
            for c in batch.new
        ],
    )
    rows = session.execute(
        _SELECT_STARTED,
        {
            "municipality": batch.municipality,
            "senders": sorted({c.sender_id for c in batch.new}),
            "since": min(c.started_at for c in batch.new),
        },
    )
    ids: dict[tuple[str, datetime], list[int]] = {}
    for conversation_id, sender_id, started_at in rows:
        ids.setdefault((sender_id, started_at), []).append(conversation_id)
    wanted: dict[tuple[str, datetime], list[ConversationState]] = {}
    for conversation in batch.new:
        wanted.setdefault((conversation.sender_id, conversation.started_at), []).append(
            conversation
        )
    for key, conversations in wanted.items():
        found = ids.get(key, [])
        if len(found) < len(conversations):
            raise RuntimeError("new statistics conversations not found after inserting them")
        for conversation, conversation_id in zip(
            conversations, found[-len(conversations) :], strict=True
        ):
            conversation.id = conversation_id
