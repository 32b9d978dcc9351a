"""The values an answer function works with: the citizen's question in, replies out.

Answers return response names from ``domain.yml`` plus the profile values that fill them; the
sentences themselves are in the domain, so nothing here is citizen-facing text.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bot.dialogue.outcome import Kind
from bot.dialogue.thread import Thread


@dataclass(frozen=True)
class Reply:
    """One bot message: a response name from the domain and the values it needs."""

    response: str
    variables: dict[str, Any] = field(default_factory=dict)
    buttons: list[dict[str, str]] = field(default_factory=list)
    # Ids (bot.knowledge.links.known_links) of the links this message hands out.
    links: tuple[str, ...] = ()


@dataclass(frozen=True)
class Answer:
    """An answer function's result: the replies, and what they did where it differs from the
    topic's declaration in the registry (e.g. a self-service task's own kind and area)."""

    replies: tuple[Reply, ...]
    topic: str | None = None
    kind: Kind | None = None
    area: str | None = None
    # What this answer was about, for a follow-up; None leaves the thread as it was.
    thread: Thread | None = None

    @classmethod
    def of(cls, *replies: Reply, **outcome: Any) -> Answer:
        return cls(tuple(replies), **outcome)

    @property
    def links(self) -> tuple[str, ...]:
        """The ids of every link the replies hand out, sorted, without repeats."""
        return tuple(sorted({link for r in self.replies for link in r.links}))


@dataclass(frozen=True)
class Question:
    """What an answer function may know about the turn (built from the tracker by actions/).

    ``chance`` is a uniform draw from [0, 1) for questions asked of a sample of citizens; a
    test passes a fixed value. ``thread`` is what the previous answer was about, and
    ``follow_up`` says whether the message only continues it ("og i weekenden?").
    ``language`` is the conversation's language, "da" or "en".
    """

    now: datetime
    text: str = ""
    intent: str | None = None
    entities: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    previous_was_miss: bool = False
    otherwise_asked: bool = False
    chance: float = 0.0
    thread: Thread = field(default_factory=Thread)
    follow_up: bool = False
    language: str = "da"

    def entity(self, name: str) -> str | None:
        """The first value of entity ``name`` in the message, if any."""
        values = self.entities.get(name) or ()
        return values[0] if values else None

    def entity_values(self, name: str) -> list[str]:
        return list(self.entities.get(name) or ())
