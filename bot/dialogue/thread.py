"""The thread of a conversation: what the latest answer was about.

A citizen asks the way they talk: "hvornår har 1881 åbent?", then "og om aftenen?" or "har de
åbent i weekenden?". The follow-up leaves the topic, the place or the task out, or points to
them with a pronoun. After each answer the action stores the :class:`Thread` in slots
(``thread_*`` in ``domain.yml``), and the next turn's answer function reads it back from
:attr:`bot.dialogue.replies.Question.thread` for whatever the new message leaves out. Whatever
the new message names itself always wins.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from typing import Any

SLOT_PREFIX = "thread_"


@dataclass(frozen=True)
class Thread:
    """What the latest answer was about: ids from the registry and the profile, and the day
    and time-of-day words the citizen used (resolved again against each turn's "now")."""

    topic: str | None = None  # registry entry id, e.g. "kontaktcenter_1881"
    place: str | None = None  # opening-hours place id (bot.knowledge.places)
    task: str | None = None  # self-service task id
    day: str | None = None  # e.g. "på lørdag"
    period: str | None = None  # e.g. "om aftenen"

    @classmethod
    def from_slots(cls, slots: Mapping[str, Any]) -> Thread:
        """The thread stored in a tracker's slots (empty values count as unset)."""
        values = {}
        for f in fields(cls):
            value = slots.get(SLOT_PREFIX + f.name)
            values[f.name] = str(value)[:120] if value not in (None, "") else None
        return cls(**values)

    def to_slots(self) -> dict[str, str | None]:
        """Slot name -> value, every field included so an old value is cleared."""
        return {SLOT_PREFIX + f.name: getattr(self, f.name) for f in fields(self)}

    def merged(self, **changes: str | None) -> Thread:
        """This thread with the given fields replaced."""
        return replace(self, **changes)
