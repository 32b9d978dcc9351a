"""Rasa's dialogue state tracker without replaying the whole conversation several times a turn.

Rasa 3.6's message processor, on every turn of a conversation:

- calls ``applied_events()`` twice to decide whether the session has expired (once only to see
  whether there are any events), and each call walks every event of the session;
- copies the tracker before every action it runs (``_run_action``: ``tracker.copy()``, which
  is ``travel_back_in_time(inf)``: a new tracker with every event replayed into it).

At turn 100 that is thousands of events handled a turn, a cost that grows with the
conversation (docs/benchmark-chat.md). :class:`ConversationTracker` gives the same results
cheaper:

- ``copy()`` copies the tracker's state (slots, latest message and action, loop, followup
  action, paused) and shares its event objects, as the replay does, instead of replaying them;
- ``applied_events()`` remembers its result and, when the only change since is events appended
  at the end that revert or restart nothing, extends it with those.

Whenever the shortcut's conditions do not hold (a bounded event history, loops in the
conversation, reverting or restarting events, slots not declared in the domain), it does what
Rasa does. ``CachedSQLTrackerStore`` (bot/rasa_server/tracker_store.py) makes its trackers of this
class; ``tests/unit/rasa_server/test_conversation_tracker.py`` compares both with Rasa's on the
same events.
"""

from __future__ import annotations

import copy
import dataclasses
import itertools
from typing import TYPE_CHECKING

from rasa.shared.core.events import (
    ActionReverted,
    ActiveLoop,
    Restarted,
    SessionStarted,
    UserUtteranceReverted,
)
from rasa.shared.core.trackers import AnySlotDict, DialogueStateTracker

from bot.rasa_server.internal import get, put
from bot.rasa_server.internals import CREATE_EVENTS, MAX_EVENT_HISTORY, PAUSED

if TYPE_CHECKING:
    from rasa.shared.core.events import Event

# Events after which the applied events are not the earlier ones plus the new ones.
_RESHAPING = (ActionReverted, ActiveLoop, Restarted, SessionStarted, UserUtteranceReverted)


class ConversationTracker(DialogueStateTracker):
    """A ``DialogueStateTracker`` with a cheap ``copy()`` and remembered ``applied_events()``."""

    # What applied_events() returned: for which event deque, of what length, ending in which
    # event.
    _applied: tuple[object, int, Event | None, list[Event]] | None = None

    def copy(self) -> DialogueStateTracker:
        """What ``travel_back_in_time(inf)`` returns, without replaying the events."""
        max_event_history = get(MAX_EVENT_HISTORY, self)
        if max_event_history is not None or isinstance(self.slots, AnySlotDict):
            return super().copy()
        # Rasa's __init__ arguments, in its order (bot/rasa_server/internals.py lists every
        # private name of Rasa's used here, and checks them).
        new = type(self)(
            self.sender_id, (), max_event_history, is_rule_tracker=self.is_rule_tracker
        )
        new.events = get(CREATE_EVENTS, new)(list(self.events))
        # Slot objects as the replay leaves them: this tracker's, with their current values.
        new.slots = {name: copy.copy(slot) for name, slot in self.slots.items()}
        put(PAUSED, new, get(PAUSED, self))
        new.followup_action = self.followup_action
        new.latest_action = dict(self.latest_action) if self.latest_action else self.latest_action
        new.latest_message = self.latest_message
        new.latest_bot_utterance = self.latest_bot_utterance
        new.active_loop = dataclasses.replace(self.active_loop) if self.active_loop else None
        return new

    def applied_events(self) -> list[Event]:
        """Rasa's ``applied_events()``, extended from the last result where that is exact."""
        events = self.events
        count = len(events)
        if get(MAX_EVENT_HISTORY, self) is not None:
            return super().applied_events()
        known = self._applied
        if known is not None:
            known_events, known_count, known_last, applied = known
            if (
                known_events is events
                and known_count <= count
                and (known_count == 0 or events[known_count - 1] is known_last)
            ):
                added = list(itertools.islice(reversed(events), count - known_count))
                added.reverse()
                if not any(isinstance(event, _RESHAPING) for event in added):
                    applied = applied + added
                    self._applied = (events, count, events[-1] if count else None, applied)
                    return list(applied)
        applied = super().applied_events()
        if not any(isinstance(event, ActiveLoop) for event in events):
            self._applied = (events, count, events[-1] if count else None, applied)
            return list(applied)
        self._applied = None
        return applied
