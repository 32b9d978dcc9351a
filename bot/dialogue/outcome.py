"""What the assistant did in a turn, in the terms the statistics use.

The dialogue decides this (the topic registry gives the defaults, an answer may refine them)
and hands it to the statistics in the ``turn_outcome`` slot; analytics records it as it is and
never re-derives it from response names.
"""

from __future__ import annotations

from collections.abc import Mapping
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

    @property
    def is_referral(self) -> bool:
        return self.value.startswith("referral_")


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
