"""The shadow test's pure logic: when two answers differ, how the disagreements are grouped
for the web team, and the gate's part (refused while the web team judged the model in service
right where the candidate differs). No database: :mod:`bot.mlops.shadow_store` stores the runs,
:mod:`bot.mlops.shadow_verdicts` records the verdicts.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

SERVICE = "service"
CANDIDATE = "candidate"
VERDICTS = (SERVICE, CANDIDATE)
SELF_SERVICE = "self_service"


@dataclass(frozen=True)
class Answer:
    """What a model answers a message: the intent, the self-service task (if any), the
    confidence of the intent."""

    intent: str
    task: str | None
    confidence: float

    @property
    def key(self) -> tuple[str, str | None]:
        return (self.intent, self.task)


class _Row(Protocol):
    count: int
    verdict: str | None
    service_intent: str
    service_task: str | None
    candidate_intent: str
    candidate_task: str | None


def messages_word(n: int) -> str:
    """ "1 besked", "12 beskeder"."""
    return f"{n} besked" if n == 1 else f"{n} beskeder"


def disagree(service: Answer, candidate: Answer) -> bool:
    """Would the citizen get another answer: another intent, or another self-service task."""
    return service.key != candidate.key


@dataclass
class Change:
    """All disagreements with the same change of answer: from ``before`` to ``after``."""

    before: tuple[str, str | None]
    after: tuple[str, str | None]
    rows: list
    messages: int = 0

    @property
    def open(self) -> int:
        return sum(1 for r in self.rows if r.verdict is None)


def group_changes(rows: Iterable[_Row]) -> list[Change]:
    """Disagreements grouped by the change (service answer → candidate answer), the change
    affecting most messages first; inside a group the most frequent text first."""
    groups: dict[tuple, Change] = {}
    for row in rows:
        before = (row.service_intent, row.service_task)
        after = (row.candidate_intent, row.candidate_task)
        change = groups.setdefault((before, after), Change(before, after, []))
        change.rows.append(row)
        change.messages += row.count
    for change in groups.values():
        change.rows.sort(key=lambda r: (-r.count, getattr(r, "text", "")))
    return sorted(
        groups.values(),
        key=lambda c: (-c.messages, str(c.before), str(c.after)),
    )


@dataclass(frozen=True)
class ShadowGate:
    """The shadow test's part of the gate: Danish refusals and the count of disagreements
    (distinct texts) nobody has looked at."""

    refusals: list[str]
    unreviewed: int
    ran: bool = True

    @property
    def notes(self) -> list[str]:
        if not self.ran:
            return ["Skyggetesten er ikke kørt for denne model (python -m bot shadow)."]
        if self.unreviewed:
            what = "uenighed" if self.unreviewed == 1 else "uenigheder"
            return [f"{self.unreviewed} {what} i skyggetesten er ikke gennemgået endnu."]
        return []


def shadow_gate(rows: Sequence[_Row] | None) -> ShadowGate:
    """Refuse while a verdict said the model in service was right where the candidate
    disagrees (``rows`` are the candidate's latest run's disagreements; None: no run)."""
    if rows is None:
        return ShadowGate([], 0, ran=False)
    worse = [r for r in rows if r.verdict == SERVICE]
    refusals = []
    if worse:
        refusals.append(
            f"Skyggetesten: Den nye model svarer dårligere end modellen i drift på "
            f"{messages_word(len(worse))}, som webteamet har gennemgået."
        )
    return ShadowGate(refusals, sum(1 for r in rows if r.verdict is None))


def right_answer(row: _Row) -> tuple[str, str | None] | None:
    """The answer the verdict chose, if there is one."""
    if row.verdict == SERVICE:
        return (row.service_intent, row.service_task)
    if row.verdict == CANDIDATE:
        return (row.candidate_intent, row.candidate_task)
    return None
