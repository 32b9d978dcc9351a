"""Tables of the staff login, owned by the web app: users, logged-out sessions, counted failed
logins and the audit log of reads of citizen text.

They are declared on the statistics store's base and live in the statistics database, made and
changed by its Alembic revisions (0003, 0007): moving their declaration here from
``bot.analytics.models`` moved no data. Importing this module adds them to
``StatisticsBase.metadata``; ``alembic.ini`` names it for ``--autogenerate``.
"""

from __future__ import annotations

import sqlalchemy as sa

from bot.db.stores import StatisticsBase
from bot.db.types import UTCDateTime, utcnow


class StaffUser(StatisticsBase):
    """A member of staff who may read the statistics (role staff) or also maintain (webteam)."""

    __tablename__ = "staff_users"

    id = sa.Column(sa.Integer, primary_key=True)
    username = sa.Column(sa.String(64), nullable=False, unique=True)
    password_hash = sa.Column(sa.String(255), nullable=False)
    role = sa.Column(sa.String(16), nullable=False)  # "staff" | "webteam"
    created_at = sa.Column(UTCDateTime, nullable=False, default=utcnow)
    # Set by ``python -m bot disable-user``: no login, and the user's sessions stop working.
    disabled_at = sa.Column(UTCDateTime)


class RevokedSession(StatisticsBase):
    """A staff session that logged out, refused until its cookie would have expired anyway.

    Keyed by the SHA-256 digest of the session id (the id itself is not stored). Shared by every
    web app process, and kept over restarts. Expired rows are deleted when a session is revoked
    and by ``python -m bot purge``.
    """

    __tablename__ = "revoked_sessions"

    sid_hash = sa.Column(sa.String(64), primary_key=True)
    expires_at = sa.Column(UTCDateTime, nullable=False)

    __table_args__ = (sa.Index("ix_revoked_sessions_expires_at", "expires_at"),)


class LoginFailure(StatisticsBase):
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


class StaffRead(StatisticsBase):
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
