"""What the retention purge deletes in the review store (``python -m bot purge``,
bot.stack.retention, which opens the store and reports; docs/privacy.md): every kept
conversation whose newest message is older than the cutoff, whole, with its messages, review
items (decided ones too: accepted examples live on in ``data/nlu/reviewed.yml``) and tags."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from bot.db.purge import run_purge_plan
from bot.review.records import ConversationTag, ReviewConversation, ReviewItem, ReviewMessage


@dataclass
class ReviewPurge:
    """What a purge deleted (or, dry, would delete) in the review store."""

    conversations: int = 0
    messages: int = 0
    items: int = 0


def purge_review(session: Session, *, cutoff: datetime, dry_run: bool) -> ReviewPurge:
    """Delete (or with ``dry_run`` count) in ``session`` the conversations whose newest message
    is older than ``cutoff``, children first."""
    conversations = ReviewConversation.__table__
    stale = sa.select(conversations.c.id).where(
        conversations.c.last_message_at < sa.bindparam("cutoff")
    )
    children = (  # children first, then the conversations
        (None, ConversationTag.__table__),
        ("items", ReviewItem.__table__),
        ("messages", ReviewMessage.__table__),
    )
    plan = [(name, table, table.c.conversation_id.in_(stale)) for name, table in children]
    plan.append(("conversations", conversations, conversations.c.id.in_(stale)))
    counts = run_purge_plan(session, plan, {"cutoff": cutoff}, dry_run=dry_run)
    return ReviewPurge(**counts)
