"""Store the collector's :class:`~bot.review.collector.Write` batches in the review store.

:func:`store` applies one batch in a transaction (idempotent: a conversation is found by its
key, a message by its number, an item by its message). :class:`ReviewWriter` does it on a
background thread so that the reply path never waits for the review store: batches queue in
memory, in order, bounded by :data:`MAX_BACKLOG`; while the database is locked or down they
wait and are retried with back-off. Errors are logged by type only, never with text.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque

import sqlalchemy as sa
from sqlalchemy.orm import Session

from bot.review.collector import Write
from bot.review.records import REASON_RANK, ReviewConversation, ReviewItem, ReviewMessage

logger = logging.getLogger(__name__)

MAX_BACKLOG = 5_000
LOCK_WAIT_MS = 5_000
MAX_RETRY_S = 30.0
CLOSE_DRAIN_S = 5.0


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


class ReviewWriter:
    """Writes batches to the review store on one background thread, in order."""

    def __init__(self, url: str) -> None:
        self.url = url
        self._backlog: deque[Write] = deque()
        self._dropped = 0
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        self._closing = False

    def submit(self, writes: list[Write]) -> None:
        """Queue batches; returns at once."""
        if not writes:
            return
        with self._lock:
            for write in writes:
                if len(self._backlog) >= MAX_BACKLOG:
                    self._backlog.popleft()
                    self._dropped += 1
                    if self._dropped == 1 or self._dropped % 1000 == 0:
                        logger.error("Review backlog full: %d batches dropped", self._dropped)
                self._backlog.append(write)
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(
                    target=self._drain, name="review-writer", daemon=True
                )
                self._thread.start()
        self._wake.set()

    def _write(self, write: Write) -> bool:
        from bot.review.db import session_scope

        try:
            with session_scope(self.url) as session:
                if session.get_bind().dialect.name == "sqlite":
                    session.execute(sa.text(f"PRAGMA busy_timeout = {LOCK_WAIT_MS}"))
                store(session, write)
            return True
        except Exception as exc:  # the review store must never break the conversation
            logger.error("Could not write to the review store: %s", type(exc).__name__)
            return False

    def _drain(self) -> None:
        delay = 1.0
        while True:
            with self._lock:
                if not self._backlog:
                    return
                write = self._backlog[0]
            if self._write(write):
                with self._lock:
                    self._backlog.popleft()
                delay = 1.0
                continue
            if self._closing:
                return
            self._wake.clear()
            self._wake.wait(delay)
            delay = min(MAX_RETRY_S, delay * 2)

    @property
    def backlog(self) -> int:
        """Batches waiting for the review store."""
        return len(self._backlog)

    def close(self) -> None:
        """Give the backlog a few seconds to reach the store; say what is lost."""
        deadline = time.monotonic() + CLOSE_DRAIN_S
        while self._backlog and time.monotonic() < deadline:
            self._wake.set()
            time.sleep(0.1)
        self._closing = True
        if self._backlog:
            logger.error("Stopping with %d review batches not written.", len(self._backlog))
