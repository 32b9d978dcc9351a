"""How often each link was offered and followed in a period (the web team's page catalogue).

One aggregating query over ``link_events``: per link id, how many times the assistant showed it
in an answer and how many counted clicks it got (:mod:`bot.analytics.clicks`: once per
conversation and link). The web layer maps the ids to pages (``page_link_id``).
"""

from __future__ import annotations

import re
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from bot.analytics.models import LinkEvent

_LIKE_SPECIAL = re.compile(r"[\\%_]")

Counts = tuple[int, int]
"""(shown, clicked) of one link."""


def link_counts(
    session: Session,
    since: datetime,
    until: datetime,
    *,
    municipality: str | None = None,
    prefix: str | None = None,
) -> dict[str, Counts]:
    """Link id -> (times shown, clicks) for the link events at ``since`` <= at < ``until``
    (timezone-aware), of ``municipality`` when given, of the link ids starting with ``prefix``
    when given (``"page-"``: the catalogue's pages). A link without events is not in it."""
    if since.tzinfo is None or until.tzinfo is None:
        raise ValueError("link_counts: since and until must be timezone-aware datetimes")
    shown = sa.func.count(sa.case((LinkEvent.event == "shown", 1)))
    clicked = sa.func.count(sa.case((LinkEvent.event == "clicked", 1)))
    conditions = [LinkEvent.at >= sa.bindparam("since"), LinkEvent.at < sa.bindparam("until")]
    params: dict[str, object] = {"since": since, "until": until}
    if municipality is not None:
        conditions.append(LinkEvent.municipality == sa.bindparam("municipality"))
        params["municipality"] = municipality
    if prefix:
        conditions.append(LinkEvent.link_id.like(sa.bindparam("pattern"), escape="\\"))
        params["pattern"] = _LIKE_SPECIAL.sub(r"\\\g<0>", prefix) + "%"
    query = (
        sa.select(LinkEvent.link_id, shown, clicked).where(*conditions).group_by(LinkEvent.link_id)
    )
    return {
        str(link_id): (int(n_shown), int(n_clicked))
        for link_id, n_shown, n_clicked in session.execute(query, params)
    }
