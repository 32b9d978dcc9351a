"""Seeding the review store with citizens' messages for the shadow test's tests and benchmark,
with an example the web team accepted (the retrain's tests and benchmark), and registering two
model files as versions (one in service, one candidate)."""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import datetime, timedelta
from pathlib import Path

from bot.db.engine import session_scope
from bot.db.stores import REVIEW
from bot.review.records import ReviewConversation, ReviewMessage


def seed_messages(
    url: str,
    texts: Sequence[str],
    *,
    now: datetime,
    days: int = 14,
    per_conversation: int = 5,
    seed: int = 7,
) -> int:
    """Store ``texts`` as citizens' messages spread over the last ``days`` days (each with a
    bot reply), ``per_conversation`` questions per conversation; returns how many."""
    rng = random.Random(seed)  # noqa: S311 - spreading test data, not security
    with session_scope(REVIEW, url) as session:
        for start in range(0, len(texts), per_conversation):
            at = now - timedelta(seconds=rng.uniform(60, days * 86400 - 60))
            chunk = texts[start : start + per_conversation]
            conversation = ReviewConversation(
                key=f"shadow-seed-{seed}-{start}#1",
                sender_id=f"shadow-seed-{seed}-{start}",
                started_at=at,
                last_message_at=at + timedelta(seconds=len(chunk) * 20),
            )
            session.add(conversation)
            session.flush()
            rows = []
            for i, text in enumerate(chunk):
                when = at + timedelta(seconds=i * 20)
                rows.append(
                    ReviewMessage(
                        conversation_id=conversation.id,
                        seq=2 * i,
                        at=when,
                        role="user",
                        text=text,
                        intent="nlu_fallback",
                        confidence=0.5,
                    )
                )
                rows.append(
                    ReviewMessage(
                        conversation_id=conversation.id,
                        seq=2 * i + 1,
                        at=when + timedelta(seconds=1),
                        role="bot",
                        text="…",
                    )
                )
            session.add_all(rows)
    return len(texts)


def register_pair(url: str, service: Path, candidate: Path, *, by: str = "test") -> tuple[int, int]:
    """Register ``service`` as the version in service and ``candidate`` as a candidate (both
    model files in the models directory); returns their version ids."""
    from bot.mlops.promotion import promote
    from bot.mlops.versions import SYSTEM, in_service, register_candidate

    with session_scope(REVIEW, url) as session:
        old = register_candidate(
            session,
            file_name=service.name,
            data_fingerprint=service.name,
            metrics=None,
            report=None,
            created_by=SYSTEM,
        )
        current = in_service(session)
        if current is None or current.id != old.id:
            promote(session, old.id, by=by, override_reason="test: baseline", tolerance=0.02)
        new = register_candidate(
            session,
            file_name=candidate.name,
            data_fingerprint=candidate.name,
            metrics=None,
            report=None,
            created_by=by,
        )
        return old.id, new.id


def add_accepted_example(
    url: str,
    text: str,
    intent: str,
    *,
    at: datetime,
    by: str = "anna",
    confidence: float = 0.41,
) -> None:
    """A citizen's message that fell back and that the web team accepted as ``intent``, stored
    as the inbox stores it (a conversation, its message and the decided review item)."""
    from bot.review.records import ReviewItem, normalize_text

    with session_scope(REVIEW, url) as s:
        conversation = ReviewConversation(
            key=f"accepted#{normalize_text(text)}#{at.isoformat()}",
            sender_id="accepted",
            started_at=at,
            last_message_at=at,
        )
        s.add(conversation)
        s.flush()
        message = ReviewMessage(
            conversation_id=conversation.id,
            seq=0,
            at=at,
            role="user",
            text=text,
            intent="nlu_fallback",
            confidence=confidence,
        )
        s.add(message)
        s.flush()
        s.add(
            ReviewItem(
                conversation_id=conversation.id,
                message_id=message.id,
                created_at=at,
                reason="fallback",
                text=text,
                normalized=normalize_text(text),
                intent="nlu_fallback",
                confidence=confidence,
                status="accepted",
                decided_intent=intent,
                decided_by=by,
                decided_at=at,
            )
        )
