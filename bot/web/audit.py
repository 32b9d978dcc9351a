"""The read log: who of the web team read which citizen text, and when.

Every showing of an inbox item's page or a conversation's page (:mod:`bot.web.inbox`) writes a
row to ``staff_reads`` in the statistics database (username, time, kind and id of the item; no
text) and a line to the web app's log; a page of the inbox list writes one row per message it
shows (kind ``inbox_list``, the id of the line's item). The rows are kept as long as the review
store keeps the text (``BOT_RETENTION_REVIEW_DAYS``; ``python -m bot purge`` deletes older
ones), the log line as long as the log files. A page whose read cannot be written is not shown
(the "database down" page): no read goes unlogged.
"""

from __future__ import annotations

import logging
from datetime import datetime, timezone

from bot.db.engine import session_scope
from bot.db.stores import STATISTICS
from bot.web.auth_models import StaffRead

log = logging.getLogger(__name__)

KINDS = ("inbox_item", "conversation", "inbox_list", "shadow")


def record_read(url: str, username: str, kind: str, item_id: int) -> None:
    """Blocking: log that ``username`` was shown the citizen text of ``kind`` ``item_id``."""
    record_reads(url, username, kind, [item_id])


def record_reads(url: str, username: str, kind: str, item_ids: list[int]) -> None:
    """Blocking: log that ``username`` was shown the citizen texts of ``kind`` ``item_ids``
    (one row each, in one transaction)."""
    if kind not in KINDS:
        raise ValueError(f"unknown kind of read {kind!r}; kinds are {', '.join(KINDS)}")
    if not item_ids:
        return
    at = datetime.now(timezone.utc)
    with session_scope(STATISTICS, url) as db:
        db.add_all(
            StaffRead(at=at, username=username, kind=kind, item_id=item_id) for item_id in item_ids
        )
    log.info("Staff read: %s read %s %s", username, kind, " ".join(map(str, item_ids)))
