"""The shadow test's store and pure logic: where a candidate model and the model in service
disagree on the citizens' own recent messages, the web team's verdicts, and the gate's part.

:mod:`bot.ops.shadow` parses the messages with both models and calls :func:`store_run`. A
disagreement is one distinct message text (:func:`~bot.review.records.normalize_text`) with its
count, both answers (intent, self-service task, confidence) and, once the web team has looked,
a verdict: ``service`` (the model in service answers right) or ``candidate``. A verdict becomes
a reviewed example as the inbox's decisions do: a review item (reason ``sample``) decided with
the right side's intent through :func:`bot.review.inbox.annotate`, which the export writes to
``data/nlu/reviewed.yml``.

A verdict is on a message text, not on a run: when the shadow test runs again (a new
candidate), a disagreement whose text has a verdict gets it back if one side gives the answer
the verdict chose. The gate (:func:`shadow_gate`) refuses while the candidate answers a
message worse than the model in service by a verdict, and counts the disagreements nobody has
looked at.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

import sqlalchemy as sa
from sqlalchemy.orm import Session

from bot.analytics.models import UTCDateTime, utcnow
from bot.review.db import Base
from bot.review.records import ReviewItem, ReviewMessage, normalize_text

SERVICE = "service"
CANDIDATE = "candidate"
VERDICTS = (SERVICE, CANDIDATE)
# Button presses are kept as "Knap: <title>"; they are not typed questions.
BUTTON_PREFIX = "Knap"
SELF_SERVICE = "self_service"


class ShadowRun(Base):
    """One shadow test of a candidate against the model in service, with its figures."""

    __tablename__ = "shadow_runs"

    id = sa.Column(sa.Integer, primary_key=True)
    candidate_id = sa.Column(sa.Integer, sa.ForeignKey("model_versions.id"), nullable=False)
    service_id = sa.Column(sa.Integer, sa.ForeignKey("model_versions.id"), nullable=True)
    at = sa.Column(UTCDateTime, nullable=False, default=utcnow)
    since = sa.Column(UTCDateTime, nullable=False)
    days = sa.Column(sa.Integer, nullable=False)
    messages = sa.Column(sa.Integer, nullable=False)
    distinct_texts = sa.Column(sa.Integer, nullable=False)
    disagreeing_messages = sa.Column(sa.Integer, nullable=False)
    seconds = sa.Column(sa.Float, nullable=False)


class ShadowDisagreement(Base):
    """One distinct message text on which the candidate and the model in service disagree."""

    __tablename__ = "shadow_disagreements"
    __table_args__ = (sa.Index("ix_shadow_disagreements_normalized", "normalized"),)

    id = sa.Column(sa.Integer, primary_key=True)
    run_id = sa.Column(
        sa.Integer, sa.ForeignKey("shadow_runs.id", ondelete="CASCADE"), nullable=False, index=True
    )
    candidate_id = sa.Column(sa.Integer, nullable=False, index=True)
    # The newest message with this text. The row (and its copy of the text) goes when the
    # message does: python -m bot purge deletes it after BOT_RETENTION_REVIEW_DAYS.
    message_id = sa.Column(
        sa.Integer, sa.ForeignKey("review_messages.id", ondelete="CASCADE"), nullable=True
    )
    text = sa.Column(sa.Text, nullable=False)
    normalized = sa.Column(sa.String(300), nullable=False)
    count = sa.Column(sa.Integer, nullable=False)
    service_intent = sa.Column(sa.String(64), nullable=False)
    service_task = sa.Column(sa.String(64))
    service_confidence = sa.Column(sa.Float, nullable=False)
    candidate_intent = sa.Column(sa.String(64), nullable=False)
    candidate_task = sa.Column(sa.String(64))
    candidate_confidence = sa.Column(sa.Float, nullable=False)
    verdict = sa.Column(sa.String(16))
    verdict_by = sa.Column(sa.String(64))
    verdict_at = sa.Column(UTCDateTime)


# -- pure logic ----------------------------------------------------------------------


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


# -- the store -----------------------------------------------------------------------


@dataclass(frozen=True)
class RecentText:
    """A distinct message text of the period, how often it was sent, its newest message."""

    text: str
    normalized: str
    count: int
    message_id: int


def window_start(session: Session, now: datetime, days: int) -> datetime:
    """The start of the last ``days`` days, or of the whole store if it holds less."""
    since = now - timedelta(days=days)
    oldest = session.execute(
        sa.select(sa.func.min(ReviewMessage.at)).where(ReviewMessage.role == "user")
    ).scalar_one()
    return max(since, oldest) if oldest is not None else since


def recent_texts(session: Session, since: datetime) -> tuple[int, list[RecentText]]:
    """The citizens' typed messages since ``since`` (button presses left out): their number,
    and the distinct texts, most frequent first."""
    rows = session.execute(
        sa.select(ReviewMessage.id, ReviewMessage.text)
        .where(ReviewMessage.role == "user", ReviewMessage.at >= since)
        .order_by(ReviewMessage.id)
    ).all()
    found: dict[str, list] = {}
    total = 0
    for message_id, text in rows:
        if not text or text.startswith(BUTTON_PREFIX):
            continue
        total += 1
        key = normalize_text(text)
        if not key:
            continue
        entry = found.setdefault(key, [text, 0, message_id])
        entry[1] += 1
        entry[2] = message_id
    texts = [RecentText(t, k, n, m) for k, (t, n, m) in found.items()]
    texts.sort(key=lambda t: (-t.count, t.normalized))
    return total, texts


def _earlier_verdicts(session: Session, keys: set[str]) -> dict[str, tuple[str, str | None]]:
    """The latest verdict's right answer per normalized text."""
    if not keys:
        return {}
    out: dict[str, tuple[str, str | None]] = {}
    rows = session.execute(
        sa.select(ShadowDisagreement)
        .where(ShadowDisagreement.verdict.is_not(None))
        .order_by(ShadowDisagreement.verdict_at, ShadowDisagreement.id)
    ).scalars()
    for row in rows:
        if row.normalized in keys:
            answer = right_answer(row)
            if answer is not None:
                out[row.normalized] = answer
    return out


def store_run(
    session: Session,
    *,
    candidate_id: int,
    service_id: int | None,
    since: datetime,
    days: int,
    messages: int,
    texts: Sequence[RecentText],
    answers: Sequence[tuple[Answer, Answer]],
    seconds: float,
    now: datetime | None = None,
) -> ShadowRun:
    """Record a run: ``answers[i]`` is (model in service, candidate) for ``texts[i]``. Earlier
    verdicts on the same texts carry over when one side gives the answer they chose."""
    now = now or utcnow()
    pairs = [(t, s, c) for t, (s, c) in zip(texts, answers, strict=True) if disagree(s, c)]
    verdicts = _earlier_verdicts(session, {t.normalized for t, _, _ in pairs})
    run = ShadowRun(
        candidate_id=candidate_id,
        service_id=service_id,
        at=now,
        since=since,
        days=days,
        messages=messages,
        distinct_texts=len(texts),
        disagreeing_messages=sum(t.count for t, _, _ in pairs),
        seconds=seconds,
    )
    session.add(run)
    session.flush()
    for text, service, candidate in pairs:
        chosen = verdicts.get(text.normalized)
        verdict = (
            SERVICE if chosen == service.key else CANDIDATE if chosen == candidate.key else None
        )
        session.add(
            ShadowDisagreement(
                run_id=run.id,
                candidate_id=candidate_id,
                message_id=text.message_id,
                text=text.text,
                normalized=text.normalized,
                count=text.count,
                service_intent=service.intent,
                service_task=service.task,
                service_confidence=service.confidence,
                candidate_intent=candidate.intent,
                candidate_task=candidate.task,
                candidate_confidence=candidate.confidence,
                verdict=verdict,
                verdict_by="tidligere vurdering" if verdict else None,
                verdict_at=now if verdict else None,
            )
        )
    session.flush()
    return run


def latest_run(session: Session, candidate_id: int) -> ShadowRun | None:
    """The candidate's latest shadow run, if any."""
    return session.scalars(
        sa.select(ShadowRun)
        .where(ShadowRun.candidate_id == candidate_id)
        .order_by(ShadowRun.id.desc())
        .limit(1)
    ).first()


def disagreements(session: Session, run_id: int) -> list[ShadowDisagreement]:
    """A run's disagreements, most frequent first."""
    return list(
        session.scalars(
            sa.select(ShadowDisagreement)
            .where(ShadowDisagreement.run_id == run_id)
            .order_by(ShadowDisagreement.count.desc(), ShadowDisagreement.id)
        )
    )


def gate_for(session: Session, candidate_id: int) -> ShadowGate:
    """:func:`shadow_gate` of the candidate's latest run."""
    run = latest_run(session, candidate_id)
    return shadow_gate(None if run is None else disagreements(session, run.id))


class VerdictError(Exception):
    """A verdict that cannot be recorded; ``danish`` is for the page, ``english`` for the CLI."""

    def __init__(self, danish: str, english: str) -> None:
        super().__init__(english)
        self.danish = danish
        self.english = english


def record_verdict(
    session: Session,
    disagreement_id: int,
    side: str,
    *,
    by: str,
    now: datetime,
    intents: Sequence[str],
    tasks: Sequence[str],
    allow: Iterable[str] = (),
) -> ShadowDisagreement:
    """Record which side is right, and make it a reviewed example: the text's review item
    (one is made for a message that has none) decided with the right side's intent (and
    task) through the inbox's :func:`~bot.review.inbox.annotate`."""
    from bot.review.inbox import AnnotationError, annotate

    row = session.get(ShadowDisagreement, disagreement_id)
    if row is None:
        raise VerdictError(
            "Uenigheden findes ikke. Kør skyggetesten igen.",
            f"there is no shadow disagreement {disagreement_id}",
        )
    if side not in VERDICTS:
        raise VerdictError(
            "Vælg hvilken model der svarer rigtigt.", f"side must be one of {VERDICTS}"
        )
    intent, task = (
        (row.service_intent, row.service_task)
        if side == SERVICE
        else (row.candidate_intent, row.candidate_task)
    )
    item = _item_for(session, row, now)
    words = _task_words(row.text, task) if task else None
    try:
        # The fallback being right means the assistant should say it cannot help.
        if intent in ("out_of_scope", "nlu_fallback"):
            annotate(session, item.id, "out_of_scope", by=by, now=now, intents=intents, allow=allow)
        else:
            annotate(
                session,
                item.id,
                "intent",
                by=by,
                now=now,
                intents=intents,
                intent=intent,
                allow=allow,
                task=task if words and task in tasks else None,
                task_words=words if task in tasks else None,
                tasks=tasks,
            )
    except AnnotationError as exc:
        raise VerdictError(exc.danish, exc.english) from exc
    row.verdict = side
    row.verdict_by = by[:64]
    row.verdict_at = now
    session.flush()
    return row


def _task_words(text: str, task: str) -> str | None:
    """Words of ``text`` naming ``task``: the profile task's synonyms and name, if present."""
    from bot.knowledge.profile import get_profile
    from bot.review.inbox import task_word_span

    for t in get_profile().self_service:
        if t.id == task:
            for words in sorted([t.name, t.id, *t.synonyms], key=len, reverse=True):
                span = task_word_span(text, words) if words else None
                if span is not None:
                    return text[span[0] : span[1]]
    return None


def _item_for(session: Session, row: ShadowDisagreement, now: datetime) -> ReviewItem:
    """The review item of the disagreement's message, made (reason ``sample``) if none."""
    if row.message_id is not None:
        item = session.scalars(
            sa.select(ReviewItem).where(ReviewItem.message_id == row.message_id)
        ).first()
        if item is not None:
            return item
        message = session.get(ReviewMessage, row.message_id)
    else:
        message = None
    if message is None:
        raise VerdictError(
            "Beskeden er slettet efter opbevaringsperioden og kan ikke bruges som eksempel.",
            "the message has been deleted by the retention; it cannot become an example",
        )
    item = ReviewItem(
        conversation_id=message.conversation_id,
        message_id=message.id,
        created_at=now,
        reason="sample",
        text=message.text,
        normalized=normalize_text(message.text),
        intent=row.service_intent,
        confidence=row.service_confidence,
        status="open",
    )
    session.add(item)
    session.flush()
    return item


def answer_label(intent: str, task: str | None) -> str:
    """An answer as the web team reads it: the intent's Danish label from the topic registry,
    and the self-service task's name ("Selvbetjening: Flytning")."""
    from bot.dialogue.topics import get_registry
    from bot.knowledge.profile import get_profile

    label = get_registry().intent_label(intent)
    if task:
        names = {t.id: t.name for t in get_profile().self_service}
        label = f"{label}: {names.get(task, task)}"
    return label


def report(session: Session, candidate_id: int) -> dict | None:
    """The candidate's latest run as plain data (CLI ``--json``, the page): what changes for
    citizens first (changes grouped, with Danish labels), then the figures and the gate's
    part. None when the shadow test has not run for it."""
    run = latest_run(session, candidate_id)
    if run is None:
        return None
    rows = disagreements(session, run.id)
    verdict_gate = shadow_gate(rows)
    changes = []
    for change in group_changes(rows):
        changes.append(
            {
                "before": {"intent": change.before[0], "task": change.before[1]},
                "after": {"intent": change.after[0], "task": change.after[1]},
                "before_label": answer_label(*change.before),
                "after_label": answer_label(*change.after),
                "messages": change.messages,
                "texts": len(change.rows),
                "open": change.open,
                "rows": [
                    {
                        "id": r.id,
                        "text": r.text,
                        "count": r.count,
                        "service_confidence": r.service_confidence,
                        "candidate_confidence": r.candidate_confidence,
                        "verdict": r.verdict,
                        "verdict_by": r.verdict_by,
                    }
                    for r in change.rows
                ],
            }
        )
    return {
        "run_id": run.id,
        "candidate_id": run.candidate_id,
        "service_id": run.service_id,
        "at": run.at.isoformat(),
        "since": run.since.isoformat(),
        "days": run.days,
        "messages": run.messages,
        "distinct_texts": run.distinct_texts,
        "disagreements": len(rows),
        "disagreeing_messages": run.disagreeing_messages,
        "seconds": run.seconds,
        "changes": changes,
        "gate": {
            "refusals": verdict_gate.refusals,
            "unreviewed": verdict_gate.unreviewed,
            "notes": verdict_gate.notes,
        },
    }


# -- answers cache -------------------------------------------------------------------


class ShadowAnswer(Base):
    """A model's answer to a message text, kept so the next shadow test need not parse it
    again (the model in service is the same for many candidates, and a promoted candidate's
    answers are there already). No text: a digest of the normalized text. Only the texts of
    the latest run's window are kept per model."""

    __tablename__ = "shadow_answers"
    __table_args__ = (sa.UniqueConstraint("model_file", "digest", name="uq_shadow_answer"),)

    id = sa.Column(sa.Integer, primary_key=True)
    model_file = sa.Column(sa.String(255), nullable=False, index=True)
    digest = sa.Column(sa.String(32), nullable=False)
    intent = sa.Column(sa.String(64), nullable=False)
    task = sa.Column(sa.String(64))
    confidence = sa.Column(sa.Float, nullable=False)


def text_digest(normalized: str) -> str:
    """The cache key of a normalized text."""
    import hashlib

    return hashlib.sha256(normalized.encode("utf-8")).hexdigest()[:32]


def cached_answers(session: Session, model_file: str) -> dict[str, Answer]:
    """A model's cached answers by text digest."""
    rows = session.scalars(sa.select(ShadowAnswer).where(ShadowAnswer.model_file == model_file))
    return {r.digest: Answer(r.intent, r.task, r.confidence) for r in rows}


def keep_answers(session: Session, model_file: str, answers: dict[str, Answer]) -> None:
    """Make ``answers`` (digest → answer) the model's whole cache."""
    session.execute(sa.delete(ShadowAnswer).where(ShadowAnswer.model_file == model_file))
    session.add_all(
        ShadowAnswer(
            model_file=model_file, digest=d, intent=a.intent, task=a.task, confidence=a.confidence
        )
        for d, a in answers.items()
    )
    session.flush()
