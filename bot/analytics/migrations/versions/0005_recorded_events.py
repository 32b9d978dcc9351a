"""Keys of the events the statistics consumer has recorded: ``recorded_events``.

Revision ID: 0005_recorded_events
Revises: 0004_conversation_language
Create Date: 2026-12-07

With statistics through RabbitMQ (``python -m bot events``), an event whose batch was committed
but not yet acknowledged when the consumer stopped is delivered again. The consumer stores a
key per recorded event (a digest of sender id, event type, name and timestamp: no content) and
skips an event whose key is there, so nothing is counted twice. Timestamps are naive UTC.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005_recorded_events"
down_revision = "0004_conversation_language"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "recorded_events",
        sa.Column("key", sa.String(32), primary_key=True),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_recorded_events_recorded_at", "recorded_events", ["recorded_at"])


def downgrade() -> None:
    op.drop_table("recorded_events")
