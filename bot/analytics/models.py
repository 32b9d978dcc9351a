"""Declarative models of the statistics database.

Nothing here holds what a citizen typed: conversations are keyed by the widget's random sender
id, turns hold the recognised intent and what the assistant did, never the text.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import declarative_base, relationship

Base = declarative_base()

# What the assistant did in a turn (Turn.kind).
KINDS = (
    "information",  # answered from the profile
    "self_service_link",  # handed out a self-service link
    "referral_phone",
    "referral_attendance",
    "referral_digital_post",  # Digital Post or the contact form
    "fallback",  # did not understand
    "meta",  # greeting, thanks, help, privacy warning: no answer either way
)
ANSWER_KINDS = frozenset({"information", "self_service_link"})
# Referral kinds and the channel each sends the citizen to.
REFERRAL_CHANNEL = {
    "referral_phone": "telephone",
    "referral_attendance": "personal_attendance",
    "referral_digital_post": "digital_post",
}
# How the citizen would otherwise have contacted the municipality (Conversation.otherwise).
OTHERWISE_CHANNELS = ("telephone", "email", "personal_attendance", "paper_post", "none")


class Conversation(Base):
    """One citizen conversation (a session: it ends after the configured idle time)."""

    __tablename__ = "conversations"

    id = sa.Column(sa.Integer, primary_key=True)
    sender_id = sa.Column(sa.String(128), nullable=False)
    municipality = sa.Column(sa.String(64), nullable=False)
    started_at = sa.Column(sa.DateTime, nullable=False)
    last_event_at = sa.Column(sa.DateTime, nullable=False)
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
    helpful = sa.Column(sa.Boolean)
    otherwise = sa.Column(sa.String(32))

    turns = relationship("Turn", back_populates="conversation", cascade="all, delete-orphan")

    __table_args__ = (
        sa.Index("ix_conversations_muni_started", "municipality", "started_at"),
        sa.Index("ix_conversations_sender_last", "sender_id", "last_event_at"),
    )


class Turn(Base):
    """One citizen message and what the assistant did with it."""

    __tablename__ = "turns"

    id = sa.Column(sa.Integer, primary_key=True)
    conversation_id = sa.Column(
        sa.Integer, sa.ForeignKey("conversations.id", ondelete="CASCADE"), nullable=False
    )
    at = sa.Column(sa.DateTime, nullable=False)
    intent = sa.Column(sa.String(64))
    topic = sa.Column(sa.String(64))
    area = sa.Column(sa.String(64))
    kind = sa.Column(sa.String(32))

    conversation = relationship("Conversation", back_populates="turns")

    __table_args__ = (sa.Index("ix_turns_conversation", "conversation_id"),)


class LinkEvent(Base):
    """A link handed out in an answer ("shown") or followed through the redirect ("clicked")."""

    __tablename__ = "link_events"

    id = sa.Column(sa.Integer, primary_key=True)
    conversation_id = sa.Column(sa.Integer, sa.ForeignKey("conversations.id", ondelete="CASCADE"))
    municipality = sa.Column(sa.String(64), nullable=False)
    link_id = sa.Column(sa.String(64), nullable=False)
    event = sa.Column(sa.String(8), nullable=False)  # "shown" | "clicked"
    at = sa.Column(sa.DateTime, nullable=False, default=datetime.utcnow)

    __table_args__ = (
        sa.Index("ix_link_events_muni_at", "municipality", "at", "event"),
        # Deleting old conversations (python -m bot purge) looks their link events up by it.
        sa.Index("ix_link_events_conversation", "conversation_id"),
    )


class DailyCount(Base):
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
    n = sa.Column(sa.Integer, nullable=False, default=0)

    # The columns that identify a row (everything but the count).
    KEY = ("municipality", "day", "outcome", "helpful", "otherwise", "topic", "area", "channel")

    __table_args__ = (sa.UniqueConstraint(*KEY, name="uq_daily_counts_key"),)


class StaffUser(Base):
    """A member of staff who may read the statistics (role staff) or also maintain (webteam)."""

    __tablename__ = "staff_users"

    id = sa.Column(sa.Integer, primary_key=True)
    username = sa.Column(sa.String(64), nullable=False, unique=True)
    password_hash = sa.Column(sa.String(255), nullable=False)
    role = sa.Column(sa.String(16), nullable=False)  # "staff" | "webteam"
    created_at = sa.Column(sa.DateTime, nullable=False, default=datetime.utcnow)
