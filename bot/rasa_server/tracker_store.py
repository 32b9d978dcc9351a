"""Rasa's SQL tracker store without re-reading the whole conversation every turn.

Rasa's ``SQLTrackerStore`` (3.6) does per turn, with an event broker configured:

- ``retrieve``: load every event of the conversation's latest session and replay them into a
  new tracker (JSON decoding plus ``DialogueStateTracker.from_dict``), so a turn costs more the
  longer the conversation is;
- ``save``: ``stream_events`` loads the whole tracker *again* to find the events the broker has
  not seen, then ``_additional_events`` counts the stored events to find those the database
  has not seen, then inserts them.

:class:`CachedSQLTrackerStore` stores and publishes the same events in the same database table
(Rasa's ``events``, so Rasa's own tools, the retention purge and the review inbox read it as
before), but keeps the trackers of recent conversations in memory, in a bounded LRU cache:

- ``retrieve`` asks the database one indexed question, the newest event id of the
  conversation, and returns the kept tracker when nothing was written since this process
  saved it (another Rasa replica, the purge or a failed turn changes the answer, and the
  tracker is read from the database as Rasa does);
- ``save`` knows how many events of the kept tracker are stored, inserts the rest, commits,
  and then publishes exactly those events to the event broker (only what is stored).

Every event leaves the process through ``save``: it is stored and published as
:func:`bot.dialogue.privacy.mask_personal_data_event` returns it (the second net behind the CPR
guard: a user message that the NLU classifies as ``personal_data`` has every run of 6 or more
digits masked), so the tracker store, the statistics, the review store and the event queue get
the same masked text. The kept tracker in memory keeps the text as it was.

A tracker that was changed in memory but not saved (a turn that failed half-way) is noticed
(its length differs from what was stored) and read again. A tracker that starts a new
session is read again on its next turn, so a kept tracker holds the latest session only, as
Rasa's ``retrieve`` returns it. The trackers it makes are
:class:`~bot.rasa_server.conversation_tracker.ConversationTracker`, which Rasa's processor copies
and inspects without replaying the conversation. Trackers not obtained from this store (Rasa's
``create_tracker``, the API) are saved the way Rasa saves them, counting the stored events.

Enable it in endpoints.yml with the same fields as ``type: SQL``::

    tracker_store:
      type: bot.rasa_server.tracker_store.CachedSQLTrackerStore
      dialect: sqlite
      db: var/tracker.db

``BOT_TRACKER_CACHE_SIZE`` bounds the conversations kept (default 2000; 0 turns the cache off).

On a SQLite file (the embedded default) the store keeps its connections open (Rasa's engine
opens a new one for every ``retrieve`` and every ``save``) and gives them the settings of our
other SQLite files (:mod:`bot.db.sqlite`: WAL, no disk flush on each commit): the turn no
longer waits for the disk. PostgreSQL is left as Rasa configures it.
"""

from __future__ import annotations

import itertools
import json
import logging
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.events import SessionStarted
from rasa.shared.core.trackers import DialogueStateTracker

from bot.dialogue.privacy import mask_personal_data_event
from bot.rasa_server.conversation_tracker import ConversationTracker
from bot.rasa_server.internal import get
from bot.rasa_server.internals import EVENT_QUERY

logger = logging.getLogger(__name__)


@dataclass
class _Kept:
    """A tracker held in memory: how many of its events are stored, and the newest event id
    of the conversation in the database when it was stored or read."""

    tracker: DialogueStateTracker
    stored: int
    last_id: int | None


class CachedSQLTrackerStore(SQLTrackerStore):
    """Rasa's SQL tracker store with the trackers of recent conversations kept in memory."""

    def __init__(self, *args: Any, cache_size: int | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._tune_sqlite_file()
        self._ping_server_connections()
        if cache_size is None:
            from bot.settings import get_settings

            cache_size = get_settings().tracker_cache_size
        self.cache_size = int(cache_size)
        self._kept: OrderedDict[str, _Kept] = OrderedDict()
        self.hits = 0
        self.misses = 0

    def _tune_sqlite_file(self) -> None:
        """On a SQLite file: an engine that keeps its connections, with our SQLite settings."""
        import sqlalchemy as sa

        from bot.db.sqlite import apply_sqlite_pragmas

        url = self.engine.url
        if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
            return
        engine = sa.create_engine(
            url,
            poolclass=sa.pool.QueuePool,
            pool_size=2,
            max_overflow=8,
            # Used from the event loop's thread; a pooled connection is checked out by one
            # caller at a time, whichever thread returns it.
            connect_args={"check_same_thread": False},
        )
        sa.event.listen(engine, "connect", apply_sqlite_pragmas)
        self.engine.dispose()
        self.engine = engine
        self.sessionmaker = sa.orm.session.sessionmaker(bind=engine)

    def _ping_server_connections(self) -> None:
        """On a database server (PostgreSQL): Rasa's engine and pool settings, plus
        ``pool_pre_ping``, so a pooled connection that a server restart has closed is replaced
        before use instead of failing the next turn of a replica that was idle meanwhile (the
        statistics and review stores' engines ping the same way)."""
        import sqlalchemy as sa
        from rasa.core.tracker_store import create_engine_kwargs

        url = self.engine.url
        if url.get_backend_name() == "sqlite":
            return
        engine = sa.create_engine(url, pool_pre_ping=True, **create_engine_kwargs(url))
        self.engine.dispose()
        self.engine = engine
        self.sessionmaker = sa.orm.session.sessionmaker(bind=engine)

    # -- the cache -------------------------------------------------------------------------

    def _keep(self, sender_id: str, kept: _Kept) -> None:
        if self.cache_size <= 0:
            return
        self._kept[sender_id] = kept
        self._kept.move_to_end(sender_id)
        while len(self._kept) > self.cache_size:
            self._kept.popitem(last=False)

    def forget(self, sender_id: str) -> None:
        """Drop the kept tracker of ``sender_id`` (its next turn reads the database)."""
        self._kept.pop(sender_id, None)

    def _newest_id(self, session: Any, sender_id: str) -> int | None:
        import sqlalchemy as sa

        return session.execute(
            sa.select(sa.func.max(self.SQLEvent.id)).where(self.SQLEvent.sender_id == sender_id)
        ).scalar()

    # -- reading ---------------------------------------------------------------------------

    def init_tracker(self, sender_id: str) -> DialogueStateTracker:
        """A new conversation's tracker (bot/rasa_server/conversation_tracker.py)."""
        return ConversationTracker(
            sender_id, self.domain.slots, max_event_history=self.max_event_history
        )

    async def retrieve(self, sender_id: str) -> DialogueStateTracker | None:
        """The tracker of the conversation's latest session: the kept one when the database
        has nothing newer, else read and replayed as Rasa does."""
        kept = self._kept.get(sender_id)
        try:
            with self.session_scope() as session:
                if kept is not None:
                    fresh = len(kept.tracker.events) == kept.stored
                    if fresh and self._newest_id(session, sender_id) == kept.last_id:
                        self._kept.move_to_end(sender_id)
                        self.hits += 1
                        return kept.tracker
                    self.forget(sender_id)
                self.misses += 1
                rows = get(EVENT_QUERY, self)(
                    session, sender_id, fetch_events_from_all_sessions=False
                ).all()
        except Exception:
            self.forget(sender_id)
            raise
        if not rows or not self.domain:
            return None
        events = [json.loads(row.data) for row in rows]
        tracker = ConversationTracker.from_dict(sender_id, events, self.domain.slots)
        if len(tracker.events) == len(rows):
            self._keep(sender_id, _Kept(tracker, len(rows), max(row.id for row in rows)))
        return tracker

    # -- writing ---------------------------------------------------------------------------

    async def save(self, tracker: DialogueStateTracker) -> None:
        """Insert the tracker's events the database does not have, then publish them."""
        sender_id = tracker.sender_id
        kept = self._kept.get(sender_id)
        ours = kept is not None and kept.tracker is tracker
        try:
            with self.session_scope() as session:
                if ours:
                    stored = kept.stored  # type: ignore[union-attr]
                    last_id = kept.last_id  # type: ignore[union-attr]
                else:  # not from this store: count, as Rasa does
                    stored = get(EVENT_QUERY, self)(
                        session, sender_id, fetch_events_from_all_sessions=False
                    ).count()
                    last_id = None
                new_events = list(itertools.islice(tracker.events, stored, None))
                # What leaves the process: the second net masks the digits of a message the
                # NLU calls personal data, in the store and for the broker alike.
                leaving = [mask_personal_data_event(event.as_dict()) for event in new_events]
                rows = [self._row(sender_id, data) for data in leaving]
                session.add_all(rows)
                session.flush()  # the ids, before the commit expires the rows
                if rows:
                    last_id = max(row.id for row in rows)
                elif not ours:
                    last_id = self._newest_id(session, sender_id)
                session.commit()
        except Exception:
            self.forget(sender_id)
            raise
        new_session = any(isinstance(event, SessionStarted) for event in new_events)
        if new_session or stored + len(new_events) != len(tracker.events):
            self.forget(sender_id)  # read the new session from the database next time
        else:
            self._keep(sender_id, _Kept(tracker, len(tracker.events), last_id))
        self._publish(sender_id, leaving)
        logger.debug("Stored %d events of a conversation.", len(new_events))

    def _row(self, sender_id: str, data: dict[str, Any]) -> Any:
        return self.SQLEvent(
            sender_id=sender_id,
            type_name=data.get("event"),
            timestamp=data.get("timestamp"),
            intent_name=data.get("parse_data", {}).get("intent", {}).get("name"),
            action_name=data.get("name"),
            data=json.dumps(data),
        )

    def _publish(self, sender_id: str, stored: list[dict[str, Any]]) -> None:
        """The stored events (as stored) to the event broker, in the form Rasa's
        ``stream_events`` sends."""
        if self.event_broker is None:
            return
        for data in stored:
            self.event_broker.publish({"sender_id": sender_id, **data})
