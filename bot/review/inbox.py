"""The web team's inbox: queries over review items, conversations and tags.

Used by the web pages (:mod:`bot.web.inbox`) and the CLI (:mod:`bot.cli.inbox`); every
function takes a session of the review store (:func:`bot.db.engine.session_scope`) and does
its filtering, grouping and counting in SQL.

The same message from many citizens (equal :func:`~bot.review.records.normalize_text`) is one
group in the list, with its count. Decisions on items are recorded by :mod:`bot.review.annotate`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from bot.dialogue.cpr import find_cpr
from bot.review.annotate import AnnotationError
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
CONTEXT_MESSAGES = 6
MAX_PER_PAGE = 200


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

    from bot.knowledge.profile import get_profile
    from bot.knowledge.profile_model import PhoneFact

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
