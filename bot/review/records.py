"""Tables of the review store's text: conversations kept for review, their messages (CPR
already removed), review items and conversation tags.

Only conversations with at least one review item are here (data minimisation: the collector
keeps the others in memory only, see :mod:`bot.review.collector`). Every timestamp is a
:class:`~bot.db.types.UTCDateTime` (aware in Python, naive UTC in the database).
Everything is deleted by ``python -m bot purge`` after ``BOT_RETENTION_REVIEW_DAYS``
(:func:`bot.review.retention.purge_review`).
"""

from __future__ import annotations

import sqlalchemy as sa

from bot.db.stores import ReviewBase
from bot.db.types import UTCDateTime, utcnow

# Why a message is in the inbox, in the order the inbox lists the reasons.
# ("no_page": the fallback searched the page catalogue and found no page for the question.)
REASONS = ("fallback", "no_page", "out_of_scope", "low_confidence", "not_helped", "sample")
# When one message has several reasons, the item keeps the strongest (lowest number).
REASON_RANK = {
    "not_helped": 0,
    "no_page": 1,
    "fallback": 2,
    "out_of_scope": 3,
    "low_confidence": 4,
    "sample": 5,
}
# What the web team decided; "open" until someone does.
STATUSES = ("open", "accepted", "out_of_scope", "discarded")
# Longest text kept for one message (the citizen endpoint refuses longer ones anyway).
MAX_TEXT = 2000
MAX_TAG = 40
# Grouping key length: long enough to tell messages apart, short enough for an index.
MAX_NORMALIZED = 300


class ReviewConversation(ReviewBase):
    """A citizen conversation (one Rasa session of one sender) with at least one review item."""

    __tablename__ = "review_conversations"

    id = sa.Column(sa.Integer, primary_key=True)
    # "<sender id>#<session start, epoch ms>": unique per session, so writes are idempotent.
    key = sa.Column(sa.String(200), nullable=False, unique=True)
    sender_id = sa.Column(sa.String(128), nullable=False)
    started_at = sa.Column(UTCDateTime, nullable=False)
    last_message_at = sa.Column(UTCDateTime, nullable=False, index=True)
    reviewed_by = sa.Column(sa.String(64))
    reviewed_at = sa.Column(UTCDateTime)


class ReviewMessage(ReviewBase):
    """One message of a kept conversation: the citizen's text (CPR removed) or a reply."""

    __tablename__ = "review_messages"
    __table_args__ = (sa.UniqueConstraint("conversation_id", "seq", name="uq_review_message_seq"),)

    id = sa.Column(sa.Integer, primary_key=True)
    conversation_id = sa.Column(
        sa.Integer,
        sa.ForeignKey("review_conversations.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    )
    seq = sa.Column(sa.Integer, nullable=False)  # order in the conversation, from 0
    at = sa.Column(UTCDateTime, nullable=False)
    role = sa.Column(sa.String(8), nullable=False)  # "user" | "bot"
    text = sa.Column(sa.Text, nullable=False)
    intent = sa.Column(sa.String(64))  # user messages: the predicted intent
    confidence = sa.Column(sa.Float)


class ReviewItem(ReviewBase):
    """A citizen message worth a look, with the model's prediction and the web team's decision.

    ``normalized`` (lower case, single spaces, no end punctuation) groups the same message from
    many citizens; a decision applies to every open item of the group.
    """

    __tablename__ = "review_items"
    __table_args__ = (
        sa.Index("ix_review_items_status_normalized", "status", "normalized"),
        sa.Index("ix_review_items_created", "created_at"),
    )

    id = sa.Column(sa.Integer, primary_key=True)
    conversation_id = sa.Column(
        sa.Integer,
        sa.ForeignKey("review_conversations.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    )
    message_id = sa.Column(
        sa.Integer,
        sa.ForeignKey("review_messages.id", ondelete="CASCADE"),
        nullable=False,
        unique=True,
    )
    created_at = sa.Column(UTCDateTime, nullable=False, default=utcnow)
    reason = sa.Column(sa.String(20), nullable=False, index=True)
    text = sa.Column(sa.Text, nullable=False)
    normalized = sa.Column(sa.String(MAX_NORMALIZED), nullable=False, index=True)
    intent = sa.Column(sa.String(64), nullable=False, index=True)
    confidence = sa.Column(sa.Float, nullable=False)
    runner_up_1 = sa.Column(sa.String(64))
    runner_up_1_confidence = sa.Column(sa.Float)
    runner_up_2 = sa.Column(sa.String(64))
    runner_up_2_confidence = sa.Column(sa.Float)
    status = sa.Column(sa.String(16), nullable=False, default="open", index=True)
    decided_intent = sa.Column(sa.String(64))
    # A self-service question: the task it is about (a profile task id) and the words of the
    # text that name it. Exported as an entity with that value, so the model learns the words
    # as a synonym of the task and the answer is the task's link, not the catalogue.
    decided_task = sa.Column(sa.String(64))
    task_words = sa.Column(sa.String(100))
    edited_text = sa.Column(sa.Text)
    decided_by = sa.Column(sa.String(64))
    decided_at = sa.Column(UTCDateTime)

    @property
    def final_text(self) -> str:
        """The text that goes into the training data: the edit, or the message as typed."""
        return self.edited_text or self.text


class ConversationTag(ReviewBase):
    """A short free tag the web team put on a conversation, with who and when."""

    __tablename__ = "review_tags"
    __table_args__ = (sa.UniqueConstraint("conversation_id", "tag", name="uq_review_tag"),)

    id = sa.Column(sa.Integer, primary_key=True)
    conversation_id = sa.Column(
        sa.Integer,
        sa.ForeignKey("review_conversations.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    )
    tag = sa.Column(sa.String(MAX_TAG), nullable=False)
    tagged_by = sa.Column(sa.String(64), nullable=False)
    tagged_at = sa.Column(UTCDateTime, nullable=False)


_END_PUNCTUATION = " \t.,!?;:…"


def normalize_text(text: str) -> str:
    """The grouping key of a message: Unicode-normalised, lower case, single spaces, no
    punctuation at the ends (so "Åbningstider?" and "åbningstider" are one group)."""
    import unicodedata

    folded = unicodedata.normalize("NFKC", text).casefold()
    return " ".join(folded.split()).strip(_END_PUNCTUATION)[:MAX_NORMALIZED]
