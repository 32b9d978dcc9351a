"""Feedback per answer: each "did it help?" verdict belongs to the answer it judges.

Revision ID: 0006_answer_feedback
Revises: 0005_recorded_events
Create Date: 2026-12-06

``turns.answer_id`` is the id of the answer given to the message (a digest of Rasa's random
message id, bot.dialogue.outcome.answer_id), which the "Ja"/"Nej" buttons name, and
``turns.helpful`` the citizen's verdict on that answer. ``conversations.n_helpful_yes`` /
``n_helpful_no`` count the conversation's judged answers, and ``daily_counts.helpful_yes`` /
``helpful_no`` sum them per summary row, so the staff figure "Hjalp svaret?" counts answers.

Before this revision a conversation kept one verdict (the last one given, whichever answer it
was about). Existing rows keep it as one verdict: a conversation with ``helpful`` true counts
one "yes", false one "no", and a summary row its ``n`` in the matching column; the figures
stay what they were. Existing turns get no verdict (it is not known which answer it judged).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006_answer_feedback"
down_revision = "0005_recorded_events"
branch_labels = None
depends_on = None


def _count(name: str) -> sa.Column:
    return sa.Column(name, sa.Integer(), nullable=False, server_default="0")


def upgrade() -> None:
    with op.batch_alter_table("turns") as batch:
        batch.add_column(sa.Column("answer_id", sa.String(16)))
        batch.add_column(sa.Column("helpful", sa.Boolean()))
    with op.batch_alter_table("conversations") as batch:
        batch.add_column(_count("n_helpful_yes"))
        batch.add_column(_count("n_helpful_no"))
    with op.batch_alter_table("daily_counts") as batch:
        batch.add_column(_count("helpful_yes"))
        batch.add_column(_count("helpful_no"))
    conversations = sa.table(
        "conversations",
        sa.column("helpful", sa.Boolean()),
        sa.column("n_helpful_yes", sa.Integer()),
        sa.column("n_helpful_no", sa.Integer()),
    )
    op.execute(
        sa.update(conversations).where(conversations.c.helpful.is_(True)).values(n_helpful_yes=1)
    )
    op.execute(
        sa.update(conversations).where(conversations.c.helpful.is_(False)).values(n_helpful_no=1)
    )
    daily = sa.table(
        "daily_counts",
        sa.column("helpful", sa.String()),
        sa.column("n", sa.Integer()),
        sa.column("helpful_yes", sa.Integer()),
        sa.column("helpful_no", sa.Integer()),
    )
    op.execute(sa.update(daily).where(daily.c.helpful == "yes").values(helpful_yes=daily.c.n))
    op.execute(sa.update(daily).where(daily.c.helpful == "no").values(helpful_no=daily.c.n))


def downgrade() -> None:
    with op.batch_alter_table("daily_counts") as batch:
        batch.drop_column("helpful_no")
        batch.drop_column("helpful_yes")
    with op.batch_alter_table("conversations") as batch:
        batch.drop_column("n_helpful_no")
        batch.drop_column("n_helpful_yes")
    with op.batch_alter_table("turns") as batch:
        batch.drop_column("helpful")
        batch.drop_column("answer_id")
