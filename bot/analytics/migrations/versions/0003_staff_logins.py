"""Staff logins in the database: revoked sessions and failed login attempts.

Revision ID: 0003_staff_logins
Revises: 0002_utc_timestamps
Create Date: 2026-11-23

``revoked_sessions`` and ``login_failures`` back bot.web.auth's RevokedSessions and
LoginRateLimiter, so logouts and the login limit hold across web app processes and restarts.
Both are keyed by SHA-256 digests, never by the session id or username itself; timestamps are
naive UTC.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003_staff_logins"
down_revision = "0002_utc_timestamps"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "revoked_sessions",
        sa.Column("sid_hash", sa.String(64), primary_key=True),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_revoked_sessions_expires_at", "revoked_sessions", ["expires_at"])
    op.create_table(
        "login_failures",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("username_hash", sa.String(64), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_login_failures_username_at", "login_failures", ["username_hash", "at"])
    op.create_index("ix_login_failures_expires_at", "login_failures", ["expires_at"])


def downgrade() -> None:
    op.drop_table("login_failures")
    op.drop_table("revoked_sessions")
