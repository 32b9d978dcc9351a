"""The web team's inbox: queries over review items, annotation, conversations and tags.

Used by the web pages (:mod:`bot.web.inbox`) and the CLI (:mod:`bot.ops.cli_inbox`); every
function takes a session of the review store (:func:`bot.review.db.session_scope`) and does
its filtering, grouping and counting in SQL.

The same message from many citizens (equal :func:`~bot.review.records.normalize_text`) is one
group in the list, with its count; a decision on an item applies to every *open* item of its
group. An item may become training data (accepted, or out of scope) only when its text holds
nothing shaped like personal data (:mod:`bot.review.pii`); the web team edits the text first.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from bot.dialogue.privacy import find_cpr
from bot.review.pii import Finding, describe, find_personal_data
from bot.review.records import (
    MAX_TAG,
    REASONS,
    STATUSES,
    ConversationTag,
    ReviewConversation,
    ReviewItem,
    ReviewMessage,
)
from bot.settings import TIMEZONE

# Danish labels of the reasons and statuses (pages and CLI tables).
REASON_LABELS = {
    "fallback": "Ikke forstået",
    "no_page": "Ingen side fundet",
    "out_of_scope": "Uden for emnet",
    "low_confidence": "Usikker",
    "not_helped": "Svaret hjalp ikke",
    "sample": "Stikprøve",
}
STATUS_LABELS = {
    "open": "Åben",
    "accepted": "Godkendt",
    "out_of_scope": "Uden for emnet",
    "discarded": "Kasseret",
}
ACTIONS = ("confirm", "intent", "out_of_scope", "discard")
# The intent whose answer is a self-service task's link, and the entity that names the task
# (bot/dialogue/answers/self_service.py).
TASK_INTENT = "self_service"
TASK_ENTITY = "task"
MAX_EDIT = 500
CONTEXT_MESSAGES = 6
MAX_PER_PAGE = 200


class AnnotationError(Exception):
    """A decision cannot be recorded. ``danish`` is for the page, ``english`` for the CLI."""

    def __init__(self, code: str, danish: str, english: str) -> None:
        super().__init__(english)
        self.code = code
        self.danish = danish
        self.english = english


@dataclass(frozen=True)
class Filters:
    """What the inbox shows: Copenhagen days ``since``..``until`` (inclusive), a reason, a
    predicted intent, a status (None: any)."""

    since: date | None = None
    until: date | None = None
    reason: str | None = None
    intent: str | None = None
    status: str | None = "open"

    def conditions(self, with_reason: bool = True) -> list[sa.ColumnElement[bool]]:
        out: list[sa.ColumnElement[bool]] = []
        if self.since is not None:
            out.append(ReviewItem.created_at >= _midnight(self.since))
        if self.until is not None:
            out.append(ReviewItem.created_at < _midnight(self.until + timedelta(days=1)))
        if with_reason and self.reason:
            out.append(ReviewItem.reason == self.reason)
        if self.intent:
            out.append(ReviewItem.intent == self.intent)
        if self.status:
            out.append(ReviewItem.status == self.status)
        return out


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=TIMEZONE)


@dataclass(frozen=True)
class Group:
    """One line of the inbox: the newest item of a group of equal messages, and its size."""

    item: ReviewItem
    count: int


@dataclass(frozen=True)
class Page:
    """A page of groups, with the totals of the whole filtered inbox."""

    groups: list[Group]
    page: int
    per_page: int
    total_groups: int
    total_items: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total_groups // self.per_page))


@dataclass(frozen=True)
class ReasonCount:
    """Items and distinct messages of one reason."""

    reason: str
    items: int
    messages: int


@dataclass
class ItemDetail:
    """An item with what its page shows."""

    item: ReviewItem
    conversation: ReviewConversation
    reply: list[ReviewMessage]
    context: list[ReviewMessage]
    open_in_group: int
    findings: list[Finding] = field(default_factory=list)

    @property
    def pii_message(self) -> str:
        return describe(self.findings)


@dataclass
class ConversationDetail:
    """A kept conversation: its messages, its items (by message id) and its tags."""

    conversation: ReviewConversation
    messages: list[ReviewMessage]
    items: dict[int, ReviewItem]
    tags: list[ConversationTag]


# -- the list -----------------------------------------------------------------------


def list_groups(session: Session, filters: Filters, page: int = 1, per_page: int = 50) -> Page:
    """One page of the inbox: groups of equal messages, most frequent first, then newest."""
    per_page = max(1, min(per_page, MAX_PER_PAGE))
    conditions = filters.conditions()
    grouped = (
        sa.select(
            ReviewItem.normalized,
            sa.func.count().label("n"),
            sa.func.max(ReviewItem.id).label("latest"),
        )
        .where(*conditions)
        .group_by(ReviewItem.normalized)
    )
    total_groups = session.execute(
        sa.select(sa.func.count()).select_from(grouped.subquery())
    ).scalar_one()
    total_items = session.execute(
        sa.select(sa.func.count()).select_from(ReviewItem).where(*conditions)
    ).scalar_one()
    pages = max(1, -(-total_groups // per_page))
    page = max(1, min(page, pages))
    rows = session.execute(
        grouped.order_by(sa.desc("n"), sa.desc("latest"))
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).all()
    ids = [row.latest for row in rows]
    items = {
        item.id: item
        for item in session.execute(sa.select(ReviewItem).where(ReviewItem.id.in_(ids))).scalars()
    }
    groups = [Group(items[row.latest], int(row.n)) for row in rows if row.latest in items]
    return Page(groups, page, per_page, int(total_groups), int(total_items))


def reason_counts(session: Session, filters: Filters) -> list[ReasonCount]:
    """Per reason (all of :data:`REASONS`, zeros included): items and distinct messages, with
    every filter but the reason."""
    rows = session.execute(
        sa.select(
            ReviewItem.reason,
            sa.func.count(),
            sa.func.count(sa.distinct(ReviewItem.normalized)),
        )
        .where(*filters.conditions(with_reason=False))
        .group_by(ReviewItem.reason)
    ).all()
    found = {reason: (int(n), int(m)) for reason, n, m in rows}
    return [ReasonCount(r, *found.get(r, (0, 0))) for r in REASONS]


def predicted_intents(session: Session) -> list[str]:
    """The predicted intents that occur in the inbox (for the filter)."""
    return list(
        session.execute(
            sa.select(ReviewItem.intent).distinct().order_by(ReviewItem.intent)
        ).scalars()
    )


def next_open_item(session: Session, skip: int | None = None) -> int | None:
    """The item "Gem og næste" goes to: the first open line of the inbox (the list's order:
    most frequent first, then newest), other than item ``skip``; None when nothing is open."""
    conditions = [ReviewItem.status == "open"]
    if skip is not None:
        skipped = session.get(ReviewItem, skip)
        if skipped is not None:
            conditions.append(ReviewItem.normalized != skipped.normalized)
    row = session.execute(
        sa.select(sa.func.count().label("n"), sa.func.max(ReviewItem.id).label("latest"))
        .where(*conditions)
        .group_by(ReviewItem.normalized)
        .order_by(sa.desc("n"), sa.desc("latest"))
        .limit(1)
    ).first()
    return None if row is None else int(row.latest)


# -- one item ------------------------------------------------------------------------


def get_item(session: Session, item_id: int, allow: Iterable[str] = ()) -> ItemDetail | None:
    """An item with its reply, the messages before it and its personal-data findings."""
    item = session.get(ReviewItem, item_id)
    if item is None:
        return None
    message = session.get(ReviewMessage, item.message_id)
    conversation = session.get(ReviewConversation, item.conversation_id)
    assert message is not None and conversation is not None  # foreign keys
    next_user = session.execute(
        sa.select(sa.func.min(ReviewMessage.seq)).where(
            ReviewMessage.conversation_id == conversation.id,
            ReviewMessage.role == "user",
            ReviewMessage.seq > message.seq,
        )
    ).scalar_one()
    reply_query = sa.select(ReviewMessage).where(
        ReviewMessage.conversation_id == conversation.id,
        ReviewMessage.seq > message.seq,
        ReviewMessage.role == "bot",
    )
    if next_user is not None:
        reply_query = reply_query.where(ReviewMessage.seq < next_user)
    reply = list(session.execute(reply_query.order_by(ReviewMessage.seq)).scalars())
    context = list(
        session.execute(
            sa.select(ReviewMessage)
            .where(
                ReviewMessage.conversation_id == conversation.id,
                ReviewMessage.seq < message.seq,
                ReviewMessage.seq >= message.seq - CONTEXT_MESSAGES,
            )
            .order_by(ReviewMessage.seq)
        ).scalars()
    )
    open_in_group = session.execute(
        sa.select(sa.func.count())
        .select_from(ReviewItem)
        .where(ReviewItem.normalized == item.normalized, ReviewItem.status == "open")
    ).scalar_one()
    findings = find_personal_data(item.final_text, allow)
    return ItemDetail(item, conversation, reply, context, int(open_in_group), findings)


# -- deciding ------------------------------------------------------------------------


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


# -- conversations -------------------------------------------------------------------


def get_conversation(session: Session, conversation_id: int) -> ConversationDetail | None:
    """A kept conversation with all its messages, items and tags."""
    conversation = session.get(ReviewConversation, conversation_id)
    if conversation is None:
        return None
    messages = list(
        session.execute(
            sa.select(ReviewMessage)
            .where(ReviewMessage.conversation_id == conversation_id)
            .order_by(ReviewMessage.seq)
        ).scalars()
    )
    items = {
        item.message_id: item
        for item in session.execute(
            sa.select(ReviewItem).where(ReviewItem.conversation_id == conversation_id)
        ).scalars()
    }
    tags = list(
        session.execute(
            sa.select(ConversationTag)
            .where(ConversationTag.conversation_id == conversation_id)
            .order_by(ConversationTag.tag)
        ).scalars()
    )
    return ConversationDetail(conversation, messages, items, tags)


def _conversation(session: Session, conversation_id: int) -> ReviewConversation:
    conversation = session.get(ReviewConversation, conversation_id)
    if conversation is None:
        raise AnnotationError(
            "unknown_conversation",
            "Samtalen findes ikke. Den kan være slettet efter opbevaringsperioden.",
            f"there is no conversation {conversation_id}",
        )
    return conversation


def add_tag(session: Session, conversation_id: int, tag: str, *, by: str, now: datetime) -> str:
    """Tag a conversation (a short free text; the same tag twice is one)."""
    _conversation(session, conversation_id)
    cleaned = " ".join((tag or "").split())
    if not cleaned or len(cleaned) > MAX_TAG:
        raise AnnotationError(
            "bad_tag",
            f"Skriv et mærke på 1 til {MAX_TAG} tegn.",
            f"a tag has 1 to {MAX_TAG} characters",
        )
    if find_cpr(cleaned) or find_personal_data(cleaned):
        raise AnnotationError(
            "personal_data",
            "Et mærke må ikke indeholde personoplysninger.",
            "a tag may not contain personal data",
        )
    exists = session.execute(
        sa.select(ConversationTag.id).where(
            ConversationTag.conversation_id == conversation_id, ConversationTag.tag == cleaned
        )
    ).scalar_one_or_none()
    if exists is None:
        session.add(
            ConversationTag(
                conversation_id=conversation_id, tag=cleaned, tagged_by=by[:64], tagged_at=now
            )
        )
        session.flush()
    return cleaned


def remove_tag(session: Session, conversation_id: int, tag: str) -> None:
    """Remove a tag from a conversation (nothing if it has no such tag)."""
    _conversation(session, conversation_id)
    session.execute(
        sa.delete(ConversationTag).where(
            ConversationTag.conversation_id == conversation_id, ConversationTag.tag == tag
        )
    )


def mark_reviewed(session: Session, conversation_id: int, *, by: str, now: datetime) -> None:
    """Record that ``by`` has read the whole conversation."""
    conversation = _conversation(session, conversation_id)
    conversation.reviewed_by = by[:64]
    conversation.reviewed_at = now


# -- helpers for both front ends -------------------------------------------------------


def parse_filters(
    *,
    since: str | None,
    until: str | None,
    reason: str | None,
    intent: str | None,
    status: str | None,
) -> Filters:
    """Filters from text (a form or the command line); raises ValueError with an English
    message naming the field."""
    days: list[date | None] = []
    for name, raw in (("since", since), ("until", until)):
        try:
            days.append(date.fromisoformat(raw) if raw else None)
        except ValueError:
            raise ValueError(f"{name}: {raw!r} is not a date like 2026-11-30") from None
    if reason and reason not in REASONS:
        raise ValueError(f"reason: {reason!r} is not one of {', '.join(REASONS)}")
    if status == "all":
        status = None
    elif status and status not in STATUSES:
        raise ValueError(f"status: {status!r} is not one of {', '.join(STATUSES)}, all")
    return Filters(days[0], days[1], reason or None, (intent or "").strip() or None, status)


def public_phone_numbers() -> tuple[str, ...]:
    """The municipality's own phone numbers (from its profile): not personal data."""
    from pydantic import BaseModel

    from bot.knowledge.profile import PhoneFact, get_profile

    found: list[str] = []

    def walk(value: object) -> None:
        if isinstance(value, PhoneFact):
            found.append(str(value.value))
        elif isinstance(value, BaseModel):
            for child in value.__dict__.values():
                walk(child)
        elif isinstance(value, (list, tuple)):
            for child in value:
                walk(child)
        elif isinstance(value, dict):
            for child in value.values():
                walk(child)

    walk(get_profile())
    return tuple(found)
