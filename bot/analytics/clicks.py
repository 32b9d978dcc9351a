"""Clicks on the links the assistant hands out, as the web app's redirect reports them.

The web app only knows the link, the sender id from the link's ``?s=`` parameter (if any) and
the time. A click counts only for a link the assistant gave in one of that sender's
conversations (a "shown" link event the recorder stored), and only once per conversation and
link: a made-up ``s=``, a link that was not offered in the conversation, a click without
``s=`` and a second click on the same link are not counted (the citizen is redirected all the
same). The click belongs to the most recent of the sender's conversations that was given the
link.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from bot.analytics.models import Conversation, LinkEvent
from bot.db.engine import session_scope
from bot.db.stores import STATISTICS

_LINK_EVENTS = LinkEvent.__table__


def record_click(
    url: str, municipality: str, link_id: str, sender_id: str | None, at: datetime
) -> bool:
    """Store a "clicked" link event in the statistics database at ``url``, if the click counts
    (see the module); return whether it was stored.

    ``at`` must be timezone-aware (any zone; the column stores it as UTC). Database errors are
    raised to the caller.
    """
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError("record_click: 'at' must be a timezone-aware datetime")
    if not sender_id:
        return False
    with session_scope(STATISTICS, url) as db:
        conversation_id = db.execute(
            sa.select(LinkEvent.conversation_id)
            .join(Conversation, Conversation.id == LinkEvent.conversation_id)
            .where(
                Conversation.sender_id == sender_id,
                Conversation.municipality == municipality,
                LinkEvent.link_id == link_id,
                LinkEvent.event == "shown",
            )
            .order_by(LinkEvent.at.desc(), LinkEvent.id.desc())
            .limit(1)
        ).scalar()
        if conversation_id is None:
            return False
        # Two clicks at once: PostgreSQL makes the second wait here for the first's commit;
        # SQLite runs one write at a time, and the insert below checks within its statement.
        db.execute(
            sa.select(Conversation.id).where(Conversation.id == conversation_id).with_for_update()
        )
        already = (
            sa.select(sa.literal(1))
            .select_from(_LINK_EVENTS)
            .where(
                _LINK_EVENTS.c.conversation_id == conversation_id,
                _LINK_EVENTS.c.link_id == link_id,
                _LINK_EVENTS.c.event == "clicked",
            )
            .exists()
        )
        values = sa.select(
            sa.literal(conversation_id, sa.Integer),
            sa.literal(municipality, sa.String),
            sa.literal(link_id, sa.String),
            sa.literal("clicked", sa.String),
            sa.literal(at, _LINK_EVENTS.c.at.type),
        ).where(~already)
        result = db.execute(
            _LINK_EVENTS.insert().from_select(
                ["conversation_id", "municipality", "link_id", "event", "at"], values
            )
        )
        return bool(result.rowcount)
