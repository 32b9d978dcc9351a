"""Store the collector's :class:`~bot.review.collector.Write` batches in the review store.

:func:`store` applies one batch in a transaction (idempotent: a conversation is found by its
key, a message by its number, an item by its message). The event fan-out
(:class:`bot.events.fanout.EventSinks`) calls it from a background writer, so the reply path
never waits for the review store.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from bot.review.collector import Write
from bot.review.records import REASON_RANK, ReviewConversation, ReviewItem, ReviewMessage


def store(session: Session, write: Write) -> None:
    """Apply one batch: the conversation (made when new), its new messages, its items."""
    conversation = session.execute(
        sa.select(ReviewConversation).where(ReviewConversation.key == write.key)
    ).scalar_one_or_none()
    last = max([m.at for m in write.messages] + [write.started_at])
    if conversation is None:
        conversation = ReviewConversation(
            key=write.key,
            sender_id=write.sender_id,
            started_at=write.started_at,
            last_message_at=last,
        )
        session.add(conversation)
        session.flush()
    elif last > conversation.last_message_at:
        conversation.last_message_at = last
    have = set(
        session.execute(
            sa.select(ReviewMessage.seq).where(ReviewMessage.conversation_id == conversation.id)
        ).scalars()
    )
    for message in write.messages:
        if message.seq in have:
            continue
        session.add(
            ReviewMessage(
                conversation_id=conversation.id,
                seq=message.seq,
                at=message.at,
                role=message.role,
                text=message.text,
                intent=message.intent,
                confidence=message.confidence,
            )
        )
    session.flush()
    for item in write.items:
        message_id = session.execute(
            sa.select(ReviewMessage.id).where(
                ReviewMessage.conversation_id == conversation.id, ReviewMessage.seq == item.seq
            )
        ).scalar_one_or_none()
        if message_id is None:
            continue  # the message fell out of the buffer before the conversation was kept
        existing = session.execute(
            sa.select(ReviewItem).where(ReviewItem.message_id == message_id)
        ).scalar_one_or_none()
        if existing is not None:
            if REASON_RANK[item.reason] < REASON_RANK.get(existing.reason, 99):
                existing.reason = item.reason  # e.g. a sampled answer later marked "Nej"
            continue
        (r1, c1), (r2, c2) = (list(item.runners_up) + [(None, None)] * 2)[:2]
        session.add(
            ReviewItem(
                conversation_id=conversation.id,
                message_id=message_id,
                created_at=item.at,
                reason=item.reason,
                text=item.text,
                normalized=item.normalized,
                intent=item.intent,
                confidence=item.confidence,
                runner_up_1=r1,
                runner_up_1_confidence=c1,
                runner_up_2=r2,
                runner_up_2_confidence=c2,
                status="open",
            )
        )
        session.flush()
