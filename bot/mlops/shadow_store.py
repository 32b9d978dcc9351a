"""The shadow test's store: where a candidate model and the model in service disagree on the
citizens' own recent messages, and the answers cache.

:mod:`bot.mlops.shadow` parses the messages with both models and calls :func:`store_run`. A
disagreement is one distinct message text (:func:`~bot.review.records.normalize_text`) with its
count, both answers (intent, self-service task, confidence) and, once the web team has looked,
a verdict (:mod:`bot.mlops.shadow_verdicts`): ``service`` (the model in service answers right)
or ``candidate``.

A verdict is on a message text, not on a run: when the shadow test runs again (a new
candidate), a disagreement whose text has a verdict gets it back if one side gives the answer
the verdict chose. The gate's part (:func:`gate_for`, :func:`bot.mlops.shadow_gate.shadow_gate`)
refuses while the candidate answers a message worse than the model in service by a verdict,
and counts the disagreements nobody has looked at.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from bot.db.stores import ReviewBase
from bot.db.types import UTCDateTime, utcnow
from bot.mlops.shadow_gate import (
    CANDIDATE,
    SERVICE,
    Answer,
    ShadowGate,
    disagree,
    right_answer,
    shadow_gate,
)
from bot.review.records import ReviewMessage, normalize_text

# Button presses are kept as "Knap: <title>"; they are not typed questions.
BUTTON_PREFIX = "Knap"


class ShadowRun(ReviewBase):
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


class ShadowDisagreement(ReviewBase):
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


class ShadowAnswer(ReviewBase):
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
