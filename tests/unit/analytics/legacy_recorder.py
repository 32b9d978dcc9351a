"""The recorder as it was before it recorded a batch of events at a time: the reference the
batch recorder's tests compare with (tests/unit/analytics/test_batch_recording.py).

A verbatim copy of ``bot/analytics/recorder.py`` before the change (its record_event: several
ORM queries, a flush and two summary upserts per event), with the helpers it shares with the
current recorder imported from bot/analytics/event_fields.py. Not used by the assistant.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from bot.analytics.event_fields import is_language_event, is_recorded, utc_time
from bot.analytics.models import (
    DEFAULT_LANGUAGE,
    REFERRAL_CHANNEL,
    Conversation,
    LinkEvent,
    Turn,
)
from bot.analytics.summary import Key, adjust_counts, conversation_keys
from bot.dialogue.outcome import ANSWER_KINDS, Kind, Outcome
from bot.dialogue.topics import get_registry


def conversation_key(session: Session, conversation_id: int) -> Key | None:
    """The summary row a conversation counts in now."""
    return conversation_keys(session, [conversation_id]).get(conversation_id)


def _open(
    session: Session, sender_id: str, municipality: str, at: datetime, idle: timedelta
) -> Conversation | None:
    """The sender's conversation that is still open at ``at``, if any."""
    return session.execute(
        sa.select(Conversation)
        .where(
            Conversation.sender_id == sender_id,
            Conversation.municipality == municipality,
            Conversation.last_event_at >= at - idle,
        )
        .order_by(Conversation.last_event_at.desc())
        .limit(1)
    ).scalar_one_or_none()


def open_conversation(
    session: Session, sender_id: str, municipality: str, at: datetime, idle: timedelta
) -> tuple[Conversation, bool]:
    """The sender's conversation that is still open at ``at`` (or a new one), and whether it
    is new."""
    conversation = _open(session, sender_id, municipality, at, idle)
    if conversation is None:
        conversation = Conversation(
            sender_id=sender_id,
            municipality=municipality,
            started_at=at,
            last_event_at=at,
            n_turns=0,
            n_answers=0,
            n_links=0,
            n_referrals=0,
            n_fallbacks=0,
            language=DEFAULT_LANGUAGE,
        )
        session.add(conversation)
        session.flush()
        return conversation, True
    return conversation, False


def _latest_turn(session: Session, conversation: Conversation) -> Turn | None:
    return session.execute(
        sa.select(Turn)
        .where(Turn.conversation_id == conversation.id)
        .order_by(Turn.id.desc())
        .limit(1)
    ).scalar_one_or_none()


def move(session: Session, before: Key | None, after: Key | None) -> None:
    """Count a conversation under ``after`` instead of ``before`` (the old summary upkeep,
    one upsert per key as it was)."""
    if before == after:
        return
    if before is not None:
        adjust_counts(session, {before: -1})
    if after is not None:
        adjust_counts(session, {after: +1})


def record_event(
    session: Session, event: dict[str, Any], municipality: str, idle: timedelta
) -> None:
    """Apply one Rasa event (as the broker receives it) to the statistics tables."""
    if not is_recorded(event):
        return
    kind = event["event"]
    sender_id = event["sender_id"]
    at = utc_time(event.get("timestamp"))
    if is_language_event(event):
        _record_language(session, event, municipality, at, idle)
        return
    conversation, created = open_conversation(session, sender_id, municipality, at, idle)
    before = None if created else conversation_key(session, conversation.id)
    conversation.last_event_at = at
    if kind == "user":
        intent = ((event.get("parse_data") or {}).get("intent") or {}).get("name")
        conversation.n_turns += 1
        # A meta intent's turn is neither an answer nor a miss (until its outcome says more).
        meta = get_registry().intents_of(Kind.META)
        turn_kind = Kind.META.value if intent in meta else None
        session.add(Turn(conversation_id=conversation.id, at=at, intent=intent, kind=turn_kind))
        _record_feedback(conversation, event)
    else:
        outcome = Outcome.from_slot(event["value"])
        if outcome is not None:
            _record_outcome(session, conversation, outcome, at)
    session.flush()
    move(session, before, conversation_key(session, conversation.id))


def _record_language(
    session: Session, event: dict[str, Any], municipality: str, at: datetime, idle: timedelta
) -> None:
    """The language slot of the sender's open conversation; a slot event without one (no
    citizen message yet) starts no conversation."""
    conversation = _open(session, event["sender_id"], municipality, at, idle)
    if conversation is None or conversation.language == event["value"]:
        return
    before = conversation_key(session, conversation.id)
    conversation.language = event["value"]
    session.flush()
    move(session, before, conversation_key(session, conversation.id))


def _record_outcome(
    session: Session, conversation: Conversation, outcome: Outcome, at: datetime
) -> None:
    """Record what the dialogue says the turn did; nothing is re-derived here."""
    kind, topic, area = outcome.kind.value, outcome.topic or None, outcome.area or None
    turn = _latest_turn(session, conversation)
    if turn is not None:
        turn.kind, turn.topic, turn.area = kind, topic, area
    if kind == "meta":
        return
    if kind in ANSWER_KINDS:
        conversation.n_answers += 1
    if kind == "self_service_link":
        conversation.n_links += 1
    if kind in REFERRAL_CHANNEL:
        conversation.n_referrals += 1
        conversation.referred_channel = REFERRAL_CHANNEL[kind]
    if kind == "fallback":
        conversation.n_fallbacks += 1
    conversation.last_kind = kind
    if conversation.first_topic is None and kind != "fallback":
        conversation.first_topic, conversation.first_area = topic, area
    for link_id in outcome.links:
        session.add(
            LinkEvent(
                conversation_id=conversation.id,
                municipality=conversation.municipality,
                link_id=str(link_id)[:64],
                event="shown",
                at=at,
            )
        )


def _record_feedback(conversation: Conversation, event: dict[str, Any]) -> None:
    """Feedback buttons send /feedback{"helpful": ...} or /feedback{"otherwise": ...}."""
    entities = (event.get("parse_data") or {}).get("entities") or []
    for entity in entities:
        name, value = entity.get("entity"), entity.get("value")
        if name == "helpful" and isinstance(value, (bool, str)):
            conversation.helpful = value in (True, "true", "ja", "yes")
        elif name == "otherwise" and isinstance(value, str):
            from bot.analytics.models import OTHERWISE_CHANNELS

            if value in OTHERWISE_CHANNELS:
                conversation.otherwise = value
