"""Clicks on the links the assistant hands out, as the web app's redirect reports them.

The web app only knows the link, the sender id from the link's ``?s=`` parameter (if any) and
the time; this module finds the conversation the link was given in and stores the click.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from bot.analytics.db import session_scope
from bot.analytics.models import Conversation, LinkEvent


def record_click(
    url: str, municipality: str, link_id: str, sender_id: str | None, at: datetime
) -> None:
    """Store a "clicked" link event in the statistics database at ``url``.

    The click belongs to the sender's most recent conversation in ``municipality``; without a
    sender id, or when the sender has no conversation, it is counted without one. ``at`` must
    be timezone-aware (any zone; the column stores it as UTC). Database errors are raised to
    the caller.
    """
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError("record_click: 'at' must be a timezone-aware datetime")
    with session_scope(url) as db:
        conversation_id = None
        if sender_id is not None:
            conversation_id = db.execute(
                select(Conversation.id)
                .where(
                    Conversation.sender_id == sender_id,
                    Conversation.municipality == municipality,
                )
                .order_by(Conversation.last_event_at.desc(), Conversation.id.desc())
                .limit(1)
            ).scalar()
        db.add(
            LinkEvent(
                conversation_id=conversation_id,
                municipality=municipality,
                link_id=link_id,
                event="clicked",
                at=at,
            )
        )
