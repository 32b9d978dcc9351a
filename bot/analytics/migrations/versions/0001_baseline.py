"""Baseline: the statistics schema as Base.metadata.create_all made it before Alembic.

Revision ID: 0001_baseline
Revises:
Create Date: 2026-11-23

Tables conversations, turns, link_events, daily_counts and staff_users with their indexes,
unique constraints and foreign keys, spelled out (timestamps are naive Copenhagen local time at
this revision; 0002 converts them to UTC).

A database made by the old ``create_all`` has no ``alembic_version`` table: upgrading it runs
this revision, which creates only what is missing (tables, then indexes by name) and keeps
every row. ``--sql`` (offline) mode cannot look, and writes out everything.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import context, op

revision = "0001_baseline"
down_revision = None
branch_labels = None
depends_on = None


def _conversations() -> None:
    op.create_table(
        "conversations",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("sender_id", sa.String(128), nullable=False),
        sa.Column("municipality", sa.String(64), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("last_event_at", sa.DateTime(), nullable=False),
        sa.Column("n_turns", sa.Integer(), nullable=False),
        sa.Column("n_answers", sa.Integer(), nullable=False),
        sa.Column("n_links", sa.Integer(), nullable=False),
        sa.Column("n_referrals", sa.Integer(), nullable=False),
        sa.Column("n_fallbacks", sa.Integer(), nullable=False),
        sa.Column("last_kind", sa.String(32)),
        sa.Column("first_topic", sa.String(64)),
        sa.Column("first_area", sa.String(64)),
        sa.Column("referred_channel", sa.String(32)),
        sa.Column("helpful", sa.Boolean()),
        sa.Column("otherwise", sa.String(32)),
    )


def _turns() -> None:
    op.create_table(
        "turns",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "conversation_id",
            sa.Integer(),
            sa.ForeignKey("conversations.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("intent", sa.String(64)),
        sa.Column("topic", sa.String(64)),
        sa.Column("area", sa.String(64)),
        sa.Column("kind", sa.String(32)),
    )


def _link_events() -> None:
    op.create_table(
        "link_events",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "conversation_id",
            sa.Integer(),
            sa.ForeignKey("conversations.id", ondelete="CASCADE"),
        ),
        sa.Column("municipality", sa.String(64), nullable=False),
        sa.Column("link_id", sa.String(64), nullable=False),
        sa.Column("event", sa.String(8), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
    )


def _daily_counts() -> None:
    op.create_table(
        "daily_counts",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("municipality", sa.String(64), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("helpful", sa.String(3), nullable=False),
        sa.Column("otherwise", sa.String(32), nullable=False),
        sa.Column("topic", sa.String(64), nullable=False),
        sa.Column("area", sa.String(64), nullable=False),
        sa.Column("channel", sa.String(32), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.UniqueConstraint(
            "municipality",
            "day",
            "outcome",
            "helpful",
            "otherwise",
            "topic",
            "area",
            "channel",
            name="uq_daily_counts_key",
        ),
    )


def _staff_users() -> None:
    op.create_table(
        "staff_users",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("username", sa.String(64), nullable=False, unique=True),
        sa.Column("password_hash", sa.String(255), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
    )


# In dependency order (turns and link_events refer to conversations).
TABLES = {
    "conversations": _conversations,
    "turns": _turns,
    "link_events": _link_events,
    "daily_counts": _daily_counts,
    "staff_users": _staff_users,
}
# (name, table, columns)
INDEXES = (
    ("ix_conversations_muni_started", "conversations", ["municipality", "started_at"]),
    ("ix_conversations_sender_last", "conversations", ["sender_id", "last_event_at"]),
    ("ix_turns_conversation", "turns", ["conversation_id"]),
    ("ix_link_events_muni_at", "link_events", ["municipality", "at", "event"]),
    # Deleting old conversations (python -m bot purge) looks their link events up by it.
    ("ix_link_events_conversation", "link_events", ["conversation_id"]),
)


def upgrade() -> None:
    offline = context.is_offline_mode()
    inspector = None if offline else sa.inspect(op.get_bind())
    for name, create in TABLES.items():
        if inspector is None or not inspector.has_table(name):
            create()
    for name, table, columns in INDEXES:
        existing = set() if inspector is None else {i["name"] for i in inspector.get_indexes(table)}
        if name not in existing:
            op.create_index(name, table, columns)


def downgrade() -> None:
    for name in reversed(list(TABLES)):
        op.drop_table(name)
