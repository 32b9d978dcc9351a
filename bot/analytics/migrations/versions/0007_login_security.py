"""Login security: failures per client network, keyed digests, disabled users, read audit log.

Revision ID: 0007_login_security
Revises: 0006_answer_feedback
Create Date: 2026-12-06

- ``login_failures`` is made anew with ``address_hash`` (the client's network) and
  ``pair_hash`` (network and username), both HMAC-SHA-256 digests keyed with
  ``BOT_SECRET_KEY`` instead of unsalted SHA-256 of the username. Its old rows are dropped: they
  are only failure counters of the last 15 minutes (the limiter's window), keyed in a way the
  new code does not read, and they are the reversible digests this revision removes.
- ``staff_users.disabled_at``: a disabled user cannot log in and their sessions stop working.
- ``staff_reads``: who read which inbox item or conversation of the review store, and when.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007_login_security"
down_revision = "0006_answer_feedback"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_table("login_failures")
    op.create_table(
        "login_failures",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("address_hash", sa.String(64), nullable=False),
        sa.Column("pair_hash", sa.String(64), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_login_failures_address_at", "login_failures", ["address_hash", "at"])
    op.create_index("ix_login_failures_pair_at", "login_failures", ["pair_hash", "at"])
    op.create_index("ix_login_failures_expires_at", "login_failures", ["expires_at"])
    with op.batch_alter_table("staff_users") as batch:
        batch.add_column(sa.Column("disabled_at", sa.DateTime()))
    op.create_table(
        "staff_reads",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("username", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
    )
    op.create_index("ix_staff_reads_at", "staff_reads", ["at"])
    op.create_index("ix_staff_reads_item", "staff_reads", ["kind", "item_id"])


def downgrade() -> None:
    op.drop_table("staff_reads")
    with op.batch_alter_table("staff_users") as batch:
        batch.drop_column("disabled_at")
    op.drop_table("login_failures")
    op.create_table(
        "login_failures",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("username_hash", sa.String(64), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_login_failures_username_at", "login_failures", ["username_hash", "at"])
    op.create_index("ix_login_failures_expires_at", "login_failures", ["expires_at"])
