"""Decisions on review items: what an item becomes (training data, out of scope, discarded).

Used by the web pages (:mod:`bot.web.inbox`), the CLI (:mod:`bot.cli.inbox`) and the shadow
verdicts; the queries and the conversations' tags are in :mod:`bot.review.inbox`. A decision on
an item applies to every *open* item of its group (equal
:func:`~bot.review.records.normalize_text`). An item may become training data (accepted, or out
of scope) only when its text holds nothing shaped like personal data (:mod:`bot.review.pii`); the
web team edits the text first.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from bot.dialogue.cpr import find_cpr
from bot.review.pii import Finding, describe, find_personal_data
from bot.review.records import ReviewItem

ACTIONS = ("confirm", "intent", "out_of_scope", "discard")
# The intent whose answer is a self-service task's link, and the entity that names the task
# (bot/dialogue/answers/self_service.py).
TASK_INTENT = "self_service"
TASK_ENTITY = "task"
MAX_EDIT = 500


class AnnotationError(Exception):
    """A decision cannot be recorded. ``danish`` is for the page, ``english`` for the CLI."""

    def __init__(self, code: str, danish: str, english: str) -> None:
        super().__init__(english)
        self.code = code
        self.danish = danish
        self.english = english


def clean_edit(text: str | None) -> str | None:
    """An edited text as it is kept: single spaces, bounded; None when nothing was given."""
    if text is None:
        return None
    cleaned = " ".join(text.split())
    if not cleaned:
        return None
    if len(cleaned) > MAX_EDIT:
        raise AnnotationError(
            "too_long",
            f"Teksten er for lang. Den må højst være {MAX_EDIT} tegn.",
            f"the text is longer than {MAX_EDIT} characters",
        )
    return cleaned


def annotate(
    session: Session,
    item_id: int,
    action: str,
    *,
    by: str,
    now: datetime,
    intents: Sequence[str],
    intent: str | None = None,
    text: str | None = None,
    allow: Iterable[str] = (),
    task: str | None = None,
    task_words: str | None = None,
    tasks: Sequence[str] = (),
) -> list[int]:
    """Record a decision on an item and on every open item of its group; returns their ids.

    ``action``: ``confirm`` (the predicted intent), ``intent`` (``intent``, one of
    ``intents``, the domain's), ``out_of_scope`` or ``discard``. ``text`` replaces the message
    text in the training data. Accepting (confirm, intent, out of scope) is refused while the
    text holds anything shaped like personal data; nothing is changed then.

    For the self-service intent, ``task`` (one of ``tasks``, the profile's task ids) and
    ``task_words`` (words of the text that name the task) teach which task the message is
    about: the export marks those words as the task entity with the task's id as its value.
    """
    item = session.get(ReviewItem, item_id)
    if item is None:
        raise AnnotationError(
            "unknown_item",
            "Beskeden findes ikke. Den kan være slettet efter opbevaringsperioden.",
            f"there is no review item {item_id} (python -m bot inbox lists them)",
        )
    if action not in ACTIONS:
        raise AnnotationError(
            "unknown_action", "Ukendt handling.", f"unknown action {action!r}; use {ACTIONS}"
        )
    edited = clean_edit(text) if action != "discard" else None
    if edited is not None and find_cpr(edited):
        raise _pii_error(find_personal_data(edited, allow))
    if action == "confirm":
        intent = item.intent
    if action in ("confirm", "intent"):
        intent = (intent or "").strip()
        if intent not in intents:
            raise _intent_error(intent, intents, confirm=action == "confirm")
        status, decided = "accepted", intent
    elif action == "out_of_scope":
        status, decided = "out_of_scope", "out_of_scope"
    else:
        status, decided = "discarded", None
    if status != "discarded":
        findings = find_personal_data(edited or item.text, allow)
        if findings:
            raise _pii_error(findings)
    task, words = _task_decision(decided, edited or item.text, task, task_words, tasks)
    targets = list(
        session.execute(
            sa.select(ReviewItem).where(
                sa.or_(
                    ReviewItem.id == item.id,
                    sa.and_(ReviewItem.normalized == item.normalized, ReviewItem.status == "open"),
                )
            )
        ).scalars()
    )
    for target in targets:
        target.status = status
        target.decided_intent = decided
        target.decided_task = task
        target.task_words = words
        target.edited_text = edited
        target.decided_by = by[:64]
        target.decided_at = now
    session.flush()
    return sorted(t.id for t in targets)


def _task_decision(
    intent: str | None,
    text: str,
    task: str | None,
    task_words: str | None,
    tasks: Sequence[str],
) -> tuple[str | None, str | None]:
    """The (task, words) to record: both or neither; refused unless they fit the text."""
    task = (task or "").strip() or None
    words = " ".join((task_words or "").split()) or None
    if task is None and words is None:
        return None, None
    if intent != TASK_INTENT:
        raise AnnotationError(
            "task_without_self_service",
            f"En selvbetjeningsopgave kan kun vælges sammen med intenten »{TASK_INTENT}«.",
            f"a task goes with the intent {TASK_INTENT!r} only",
        )
    if task not in tasks:
        raise AnnotationError(
            "unknown_task",
            "Vælg en selvbetjeningsopgave fra listen.",
            f"unknown task {task!r}; tasks: {', '.join(tasks)}",
        )
    if words is None or task_word_span(text, words) is None:
        raise AnnotationError(
            "task_words_missing",
            "Skriv de ord fra beskeden, der nævner opgaven, præcis som de står i teksten.",
            "give --task-words: words of the text that name the task, as they are written",
        )
    return task, words


def task_word_span(text: str, words: str) -> tuple[int, int] | None:
    """Where ``words`` occur in ``text`` as whole words (case-insensitive), if they do."""
    found = re.search(r"(?<!\w)" + re.escape(words.lower()) + r"(?!\w)", text.lower())
    return found.span() if found else None


def _pii_error(findings: list[Finding]) -> AnnotationError:
    kinds = ", ".join(dict.fromkeys(f.kind for f in findings))
    return AnnotationError(
        "personal_data",
        describe(findings),
        f"the text looks like it contains personal data ({kinds}); edit it first (--text)",
    )


def _intent_error(intent: str, intents: Sequence[str], confirm: bool) -> AnnotationError:
    if confirm:
        return AnnotationError(
            "no_intent",
            "Modellen forstod ikke beskeden. Vælg den rigtige intent, eller markér den som "
            "uden for emnet.",
            f"the predicted intent {intent!r} is not an intent of domain.yml; give one",
        )
    close = _close_matches(intent, intents)
    hint = f" Mente du {' eller '.join(close)}?" if close else ""
    english_hint = f" Did you mean {' or '.join(close)}?" if close else ""
    return AnnotationError(
        "unknown_intent",
        f"Intenten »{intent}« findes ikke i domænet.{hint} Vælg en fra listen.",
        f"unknown intent {intent!r}.{english_hint} Intents: {', '.join(intents)}",
    )


def _close_matches(intent: str, intents: Sequence[str]) -> list[str]:
    import difflib

    return difflib.get_close_matches(intent, list(intents), n=2, cutoff=0.6)
