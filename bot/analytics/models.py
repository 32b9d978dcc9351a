"""Declarative models of the statistics database's figures (the staff-login tables in the same
database are the web app's: ``bot.web.auth_models``).

Nothing here holds what a citizen typed: conversations are keyed by the widget's random sender
id, turns hold the recognised intent and what the assistant did, never the text.

Every timestamp column is a :class:`~bot.db.types.UTCDateTime`: stored as naive UTC, given and
returned as timezone-aware datetimes (shown in Copenhagen time by whoever displays them).
Calendar days (``daily_counts.day``) are Copenhagen days. The schema itself is made by the
Alembic revisions in ``bot/analytics/migrations`` (docs/statistics.md, "Timestamps and
migrations"); a change here needs a new revision.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import relationship

from bot.db.stores import StatisticsBase
from bot.db.types import UTCDateTime, utcnow
from bot.dialogue.outcome import Kind

# What the assistant did in a turn (Turn.kind) is one of the dialogue's Kind values.
# Referral kinds and the channel each sends the citizen to.
REFERRAL_CHANNEL = {
    Kind.REFERRAL_PHONE.value: "telephone",
    Kind.REFERRAL_ATTENDANCE.value: "personal_attendance",
    Kind.REFERRAL_DIGITAL_POST.value: "digital_post",
}
# How the citizen would otherwise have contacted the municipality (Conversation.otherwise).
OTHERWISE_CHANNELS = ("telephone", "email", "personal_attendance", "paper_post", "none")
# The languages of a conversation (Conversation.language): the values of the dialogue's
# ``language`` slot (domain.yml). A conversation is Danish until the slot says otherwise.
LANGUAGES = ("da", "en")
DEFAULT_LANGUAGE = "da"
ENGLISH = "en"


class Conversation(StatisticsBase):
    """One citizen conversation (a session: it ends after the configured idle time)."""

    __tablename__ = "conversations"

    id = sa.Column(sa.Integer, primary_key=True)
    sender_id = sa.Column(sa.String(128), nullable=False)
    municipality = sa.Column(sa.String(64), nullable=False)
    started_at = sa.Column(UTCDateTime, nullable=False)
    last_event_at = sa.Column(UTCDateTime, nullable=False)
    # Running counts, kept per conversation so outcomes aggregate over one table.
    n_turns = sa.Column(sa.Integer, nullable=False, default=0)
    n_answers = sa.Column(sa.Integer, nullable=False, default=0)
    n_links = sa.Column(sa.Integer, nullable=False, default=0)
    n_referrals = sa.Column(sa.Integer, nullable=False, default=0)
    n_fallbacks = sa.Column(sa.Integer, nullable=False, default=0)
    last_kind = sa.Column(sa.String(32))
    first_topic = sa.Column(sa.String(64))
    first_area = sa.Column(sa.String(64))
    referred_channel = sa.Column(sa.String(32))
    # The verdict ("did it help?") on the conversation's latest answer that has one: what the
    # outcome reads (bot/analytics/stats.py). Each answer's own verdict is on its turn.
    helpful = sa.Column(sa.Boolean)
    # How many of its answers the citizen judged helpful / not helpful (one verdict each).
    n_helpful_yes = sa.Column(sa.Integer, nullable=False, default=0, server_default="0")
    n_helpful_no = sa.Column(sa.Integer, nullable=False, default=0, server_default="0")
    otherwise = sa.Column(sa.String(32))
    # The language of the conversation's last citizen turn: the ``language`` slot's value after
    # it (one of LANGUAGES; the code only, never the text).
    language = sa.Column(
        sa.String(2), nullable=False, default=DEFAULT_LANGUAGE, server_default=DEFAULT_LANGUAGE
    )

    turns = relationship("Turn", back_populates="conversation", cascade="all, delete-orphan")

    __table_args__ = (
        sa.Index("ix_conversations_muni_started", "municipality", "started_at"),
        sa.Index("ix_conversations_sender_last", "sender_id", "last_event_at"),
    )


class Turn(StatisticsBase):
    """One citizen message and what the assistant did with it."""

    __tablename__ = "turns"

    id = sa.Column(sa.Integer, primary_key=True)
    conversation_id = sa.Column(
        sa.Integer, sa.ForeignKey("conversations.id", ondelete="CASCADE"), nullable=False
    )
    at = sa.Column(UTCDateTime, nullable=False)
    intent = sa.Column(sa.String(64))
    topic = sa.Column(sa.String(64))
    area = sa.Column(sa.String(64))
    kind = sa.Column(sa.String(32))
    # The id of the answer given to this message (bot.dialogue.outcome.answer_id of the Rasa
    # message id; a random value, nothing of the text), which the "did it help?" buttons
    # name; and the citizen's verdict on that answer (the last one given counts).
    answer_id = sa.Column(sa.String(16))
    helpful = sa.Column(sa.Boolean)

    conversation = relationship("Conversation", back_populates="turns")

    __table_args__ = (sa.Index("ix_turns_conversation", "conversation_id"),)


class LinkEvent(StatisticsBase):
    """A link handed out in an answer ("shown") or followed through the redirect ("clicked")."""

    __tablename__ = "link_events"

    id = sa.Column(sa.Integer, primary_key=True)
    conversation_id = sa.Column(sa.Integer, sa.ForeignKey("conversations.id", ondelete="CASCADE"))
    municipality = sa.Column(sa.String(64), nullable=False)
    link_id = sa.Column(sa.String(64), nullable=False)
    event = sa.Column(sa.String(8), nullable=False)  # "shown" | "clicked"
    at = sa.Column(UTCDateTime, nullable=False, default=utcnow)

    __table_args__ = (
        sa.Index("ix_link_events_muni_at", "municipality", "at", "event"),
        # Deleting old conversations (python -m bot purge) looks their link events up by it.
        sa.Index("ix_link_events_conversation", "conversation_id"),
    )


class DailyCount(StatisticsBase):
    """Conversations per day and per everything the staff figures group by.

    Kept exact by the recorder as conversations change (one row down, one row up), so the
    overview and the KOMHEN table read a few thousand rows instead of scanning every
    conversation. Empty strings stand for "none" so the unique key works with upserts.
    """

    __tablename__ = "daily_counts"

    id = sa.Column(sa.Integer, primary_key=True)
    municipality = sa.Column(sa.String(64), nullable=False)
    day = sa.Column(sa.Date, nullable=False)
    outcome = sa.Column(sa.String(16), nullable=False)
    helpful = sa.Column(sa.String(3), nullable=False)  # "yes" | "no" | ""
    otherwise = sa.Column(sa.String(32), nullable=False)  # OTHERWISE_CHANNELS or ""
    topic = sa.Column(sa.String(64), nullable=False)  # first topic or ""
    area = sa.Column(sa.String(64), nullable=False)  # first area or ""
    channel = sa.Column(sa.String(32), nullable=False)  # the KOMHEN channel
    language = sa.Column(  # the conversation's language (LANGUAGES)
        sa.String(2), nullable=False, default=DEFAULT_LANGUAGE, server_default=DEFAULT_LANGUAGE
    )
    n = sa.Column(sa.Integer, nullable=False, default=0)
    # The answers of these conversations the citizens judged helpful / not helpful (the staff
    # figure "Hjalp svaret?" counts answers, not conversations).
    helpful_yes = sa.Column(sa.Integer, nullable=False, default=0, server_default="0")
    helpful_no = sa.Column(sa.Integer, nullable=False, default=0, server_default="0")

    # The columns that identify a row (everything but the count).
    KEY = (
        "municipality",
        "day",
        "outcome",
        "helpful",
        "otherwise",
        "topic",
        "area",
        "channel",
        "language",
    )

    __table_args__ = (sa.UniqueConstraint(*KEY, name="uq_daily_counts_key"),)


class RecordedEvent(StatisticsBase):
    """An event the statistics consumer (``python -m bot events``) has recorded.

    RabbitMQ delivers an event again when the consumer stopped between committing a batch and
    acknowledging it; the key makes recording such a copy a no-op, so nothing is counted twice.
    Keyed by a digest of the event's sender id, type, name and timestamp
    (:func:`bot.analytics.batches.event_key`), never by content. The consumer deletes rows
    older than :data:`bot.analytics.batches.KEEP_KEYS` (redeliveries come within minutes).
    """

    __tablename__ = "recorded_events"

    key = sa.Column(sa.String(32), primary_key=True)
    recorded_at = sa.Column(UTCDateTime, nullable=False)

    __table_args__ = (sa.Index("ix_recorded_events_recorded_at", "recorded_at"),)
