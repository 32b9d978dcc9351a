"""Declarative models of the statistics database.

Nothing here holds what a citizen typed: conversations are keyed by the widget's random sender
id, turns hold the recognised intent and what the assistant did, never the text.

Every timestamp column is a :class:`UTCDateTime`: stored as naive UTC, given and returned as
timezone-aware datetimes (shown in Copenhagen time by whoever displays them). Calendar days
(``daily_counts.day``) are Copenhagen days. The schema itself is made by the Alembic revisions
in ``bot/analytics/migrations`` (docs/statistics.md, "Timestamps and migrations"); a change here
needs a new revision.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import declarative_base, relationship

from bot.dialogue.outcome import Kind

Base = declarative_base()


class UTCDateTime(sa.types.TypeDecorator):
    """A point in time: timezone-aware in Python, naive UTC in the database.

    Accepts only timezone-aware datetimes (any zone; converted to UTC) and returns them with
    ``tzinfo=timezone.utc``. A naive datetime raises ``ValueError``: it could be local time or
    UTC, and guessing is how the two got mixed up before.
    """

    impl = sa.DateTime
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: sa.engine.Dialect) -> datetime | None:
        if value is None:
            return None
        if not isinstance(value, datetime):
            raise TypeError(
                "UTCDateTime column: expected a timezone-aware datetime, "
                f"got {type(value).__name__}"
            )
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(
                f"UTCDateTime column: naive datetime {value.isoformat()} is ambiguous; give a "
                "timezone-aware one, e.g. datetime.now(timezone.utc) or "
                "datetime(..., tzinfo=bot.settings.TIMEZONE)"
            )
        return value.astimezone(timezone.utc).replace(tzinfo=None)

    def process_result_value(self, value: Any, dialect: sa.engine.Dialect) -> datetime | None:
        if value is None:
            return None
        if isinstance(value, str):  # SQLite, when an expression lost the column type
            value = datetime.fromisoformat(value)
        return value.replace(tzinfo=timezone.utc)


def utcnow() -> datetime:
    """The current time, timezone-aware in UTC (the default of timestamp columns)."""
    return datetime.now(timezone.utc)


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


class Conversation(Base):
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


class Turn(Base):
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


class LinkEvent(Base):
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


class StaffUser(Base):
    """A member of staff who may read the statistics (role staff) or also maintain (webteam)."""

    __tablename__ = "staff_users"

    id = sa.Column(sa.Integer, primary_key=True)
    username = sa.Column(sa.String(64), nullable=False, unique=True)
    password_hash = sa.Column(sa.String(255), nullable=False)
    role = sa.Column(sa.String(16), nullable=False)  # "staff" | "webteam"
    created_at = sa.Column(UTCDateTime, nullable=False, default=utcnow)
    # Set by ``python -m bot disable-user``: no login, and the user's sessions stop working.
    disabled_at = sa.Column(UTCDateTime)


class RevokedSession(Base):
    """A staff session that logged out, refused until its cookie would have expired anyway.

    Keyed by the SHA-256 digest of the session id (the id itself is not stored). Shared by every
    web app process, and kept over restarts. Expired rows are deleted when a session is revoked
    and by ``python -m bot purge``.
    """

    __tablename__ = "revoked_sessions"

    sid_hash = sa.Column(sa.String(64), primary_key=True)
    expires_at = sa.Column(UTCDateTime, nullable=False)

    __table_args__ = (sa.Index("ix_revoked_sessions_expires_at", "expires_at"),)


class LoginFailure(Base):
    """One login attempt counted by the staff login rate limiter (bot.web.auth).

    Counted against the client's network (``address_hash``: the IPv4 address, or the /64 of an
    IPv6 address) and against the pair of that network and the normalised username
    (``pair_hash``). An attempt counts as failed until the login succeeds, which deletes the
    pair's rows. Both are keyed digests (HMAC-SHA-256 with ``BOT_SECRET_KEY``), so neither the
    address nor a username (or a password typed into the username field) is stored, and a
    dictionary cannot reverse them without the key. Rows are deleted once past ``expires_at``
    (the end of the limiter's window), on the next attempt and by ``python -m bot purge``.
    """

    __tablename__ = "login_failures"

    id = sa.Column(sa.Integer, primary_key=True)
    address_hash = sa.Column(sa.String(64), nullable=False)
    pair_hash = sa.Column(sa.String(64), nullable=False)
    at = sa.Column(UTCDateTime, nullable=False)
    expires_at = sa.Column(UTCDateTime, nullable=False)

    __table_args__ = (
        sa.Index("ix_login_failures_address_at", "address_hash", "at"),
        sa.Index("ix_login_failures_pair_at", "pair_hash", "at"),
        sa.Index("ix_login_failures_expires_at", "expires_at"),
    )


class StaffRead(Base):
    """One read of citizen text by a member of the web team (the audit log).

    Written when an inbox item's page (``kind`` "inbox_item"), a conversation's page
    ("conversation") or a page of the inbox list ("inbox_list", one row per line shown) of the
    review store is shown: who (``username``, kept when the user is
    deleted), when and which item. No text. Kept as long as the review store keeps the text
    (``BOT_RETENTION_REVIEW_DAYS``); ``python -m bot purge`` deletes older rows.
    """

    __tablename__ = "staff_reads"

    id = sa.Column(sa.Integer, primary_key=True)
    at = sa.Column(UTCDateTime, nullable=False)
    username = sa.Column(sa.String(64), nullable=False)
    kind = sa.Column(sa.String(16), nullable=False)  # inbox_item, conversation, inbox_list
    item_id = sa.Column(sa.Integer, nullable=False)

    __table_args__ = (
        sa.Index("ix_staff_reads_at", "at"),
        sa.Index("ix_staff_reads_item", "kind", "item_id"),
    )


class RecordedEvent(Base):
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
