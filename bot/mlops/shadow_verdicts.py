"""The web team's verdicts on the shadow test's disagreements, and the run's report.

A verdict (``service``: the model in service answers right, or ``candidate``) becomes a
reviewed example as the inbox's decisions do: a review item (reason ``sample``) decided with
the right side's intent through :func:`bot.review.annotate.annotate`, which the export writes to
``data/nlu/reviewed.yml``. :func:`report` is a run as plain data for the page and the CLI.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from bot.mlops.shadow_gate import SERVICE, VERDICTS, group_changes, shadow_gate
from bot.mlops.shadow_store import ShadowDisagreement, disagreements, latest_run
from bot.review.records import ReviewItem, ReviewMessage, normalize_text


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
    task) through the inbox's :func:`~bot.review.annotate.annotate`."""
    from bot.review.annotate import AnnotationError, annotate

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
    from bot.review.annotate import task_word_span

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
