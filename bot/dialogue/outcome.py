"""What the assistant did in a turn, in the terms the statistics use.

The dialogue decides this (the topic registry gives the defaults, an answer may refine them)
and hands it to the statistics in the ``turn_outcome`` slot; analytics records it as it is and
never re-derives it from response names.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import Enum
from typing import Any


class Kind(str, Enum):
    """What kind of thing the assistant did in a turn."""

    INFORMATION = "information"  # answered from the profile
    SELF_SERVICE_LINK = "self_service_link"  # handed out a self-service link
    REFERRAL_PHONE = "referral_phone"
    REFERRAL_ATTENDANCE = "referral_attendance"
    REFERRAL_DIGITAL_POST = "referral_digital_post"  # Digital Post or the contact form
    FALLBACK = "fallback"  # did not understand
    META = "meta"  # greeting, thanks, help, privacy warning, feedback: no answer either way

    @property
    def is_answer(self) -> bool:
        """An answer the citizen may find helpful (we ask "did it help?" after it)."""
        return self in (Kind.INFORMATION, Kind.SELF_SERVICE_LINK)


KINDS = tuple(k.value for k in Kind)
ANSWER_KINDS = frozenset(k.value for k in Kind if k.is_answer)


@dataclass(frozen=True)
class Outcome:
    """A turn's outcome: topic id, kind, KOMHEN-style area and the ids of the links shown."""

    topic: str
    kind: Kind
    area: str
    links: tuple[str, ...] = ()

    def to_slot(self) -> dict[str, Any]:
        """The JSON value of the ``turn_outcome`` slot."""
        return {
            "topic": self.topic,
            "kind": self.kind.value,
            "area": self.area,
            "links": list(self.links),
        }

    @classmethod
    def from_slot(cls, value: object) -> Outcome | None:
        """The outcome in a ``turn_outcome`` slot value, or None if it is not one."""
        if not isinstance(value, Mapping):
            return None
        try:
            kind = Kind(str(value.get("kind") or Kind.INFORMATION.value))
        except ValueError:
            return None
        links = value.get("links") or []
        return cls(
            topic=str(value.get("topic") or "")[:64],
            kind=kind,
            area=str(value.get("area") or "")[:64],
            links=tuple(str(link)[:64] for link in links) if isinstance(links, list) else (),
        )


# The entity a "did it help?" button names the answer it judges by (domain.yml).
ANSWER_ENTITY = "answer"
# Length of an answer id: 16 hex characters (64 bits of a digest).
ANSWER_ID_CHARS = 16


def answer_id(message_id: str) -> str:
    """The id of the answer the assistant gave to one citizen message: a digest of the
    message's Rasa ``message_id`` (a random UUID per message), so it is unique per answer,
    the same wherever it is computed (the action that asks "did it help?", the statistics,
    the review inbox) and carries nothing of the conversation."""
    digest = hashlib.sha256(f"answer\x00{message_id}".encode()).hexdigest()
    return digest[:ANSWER_ID_CHARS]


def judged_answer(entities: Iterable[Mapping[str, Any]]) -> str | None:
    """The answer id a feedback message names (its ``answer`` entity), or None when it names
    none (typed feedback, or a button from before answer ids). A value that is not a
    well-formed id comes back as "", which is no answer's id."""
    for entity in entities:
        if not isinstance(entity, Mapping) or entity.get("entity") != ANSWER_ENTITY:
            continue
        value = entity.get("value")
        return value if isinstance(value, str) and _ANSWER_ID.fullmatch(value) else ""
    return None


_ANSWER_ID = re.compile(f"[0-9a-f]{{{ANSWER_ID_CHARS}}}")
