"""Baseline: the review store's schema as Base.metadata.create_all made it before Alembic.

Revision ID: 0001_baseline
Revises:
Create Date: 2026-12-01

The ten tables of the review text (review_conversations, review_messages, review_items,
review_tags), the model versions (model_versions, model_promotions), the retraining jobs
(retrain_jobs) and the shadow tests (shadow_runs, shadow_disagreements, shadow_answers), with
their indexes, unique constraints and foreign keys, spelled out.

A database made by the old ``create_all`` has every one of these tables and no revision:
upgrading it creates nothing and only records this revision. One with only some of them is
refused (:func:`bot.db.migrate.tables_made_before`). ``--sql`` (offline) mode cannot look, and
writes out everything.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from bot.db.migrate import tables_made_before
from bot.db.stores import REVIEW

revision = "0001_baseline"
down_revision = None
branch_labels = None
depends_on = None

# In the order they are created (a table after the tables it references).
TABLES = (
    "model_versions",
    "model_promotions",
    "retrain_jobs",
    "review_conversations",
    "review_messages",
    "review_items",
    "review_tags",
    "shadow_runs",
    "shadow_disagreements",
    "shadow_answers",
)
# The indexes create_all made for columns declared with index=True: ix_<table>_<column>.
COLUMN_INDEXES = {
    "review_conversations": ("last_message_at",),
    "review_messages": ("conversation_id",),
    "review_items": ("conversation_id", "reason", "normalized", "intent", "status"),
    "review_tags": ("conversation_id",),
    "shadow_disagreements": ("run_id", "candidate_id"),
    "shadow_answers": ("model_file",),
}


def _id() -> sa.Column:
    return sa.Column("id", sa.Integer(), primary_key=True)


def _references(column: str, target: str, cascade: bool, nullable: bool) -> sa.Column:
    ondelete = "CASCADE" if cascade else None
    return sa.Column(
        column, sa.Integer(), sa.ForeignKey(f"{target}.id", ondelete=ondelete), nullable=nullable
    )


def _model_tables() -> None:
    op.create_table(
        "model_versions",
        _id(),
        sa.Column("file_name", sa.String(255), nullable=False, unique=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("data_fingerprint", sa.String(64), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("metrics", sa.JSON()),
        sa.Column("report", sa.JSON()),
        sa.Column("promoted_by", sa.String(64)),
        sa.Column("promoted_at", sa.DateTime()),
        sa.Column("override_reason", sa.Text()),
        sa.CheckConstraint(
            "status IN ('candidate', 'in_service', 'retired')", name="ck_model_versions_status"
        ),
    )
    op.create_index(
        "ux_model_versions_one_in_service",
        "model_versions",
        ["status"],
        unique=True,
        sqlite_where=sa.text("status = 'in_service'"),
        postgresql_where=sa.text("status = 'in_service'"),
    )
    op.create_table(
        "model_promotions",
        _id(),
        _references("version_id", "model_versions", cascade=False, nullable=False),
        _references("previous_version_id", "model_versions", cascade=False, nullable=True),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("by", sa.String(64), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("reason", sa.Text()),
        sa.Column("gate_reasons", sa.JSON()),
    )
    op.create_table(
        "retrain_jobs",
        _id(),
        sa.Column("started_by", sa.String(128), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("finished_at", sa.DateTime()),
        sa.Column("heartbeat_at", sa.DateTime(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("running_slot", sa.Integer(), unique=True),
        sa.Column("stage", sa.String(64), nullable=False),
        sa.Column("step", sa.Integer(), nullable=False),
        sa.Column("steps", sa.Integer(), nullable=False),
        sa.Column("lines", sa.JSON(), nullable=False),
        sa.Column("pid", sa.Integer()),
        sa.Column("candidate_version_id", sa.Integer()),
        sa.Column("error", sa.Text()),
    )


def _review_tables() -> None:
    op.create_table(
        "review_conversations",
        _id(),
        sa.Column("key", sa.String(200), nullable=False, unique=True),
        sa.Column("sender_id", sa.String(128), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("last_message_at", sa.DateTime(), nullable=False),
        sa.Column("reviewed_by", sa.String(64)),
        sa.Column("reviewed_at", sa.DateTime()),
    )
    op.create_table(
        "review_messages",
        _id(),
        _references("conversation_id", "review_conversations", cascade=True, nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("role", sa.String(8), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("intent", sa.String(64)),
        sa.Column("confidence", sa.Float()),
        sa.UniqueConstraint("conversation_id", "seq", name="uq_review_message_seq"),
    )
    op.create_table(
        "review_items",
        _id(),
        _references("conversation_id", "review_conversations", cascade=True, nullable=False),
        sa.Column(
            "message_id",
            sa.Integer(),
            sa.ForeignKey("review_messages.id", ondelete="CASCADE"),
            nullable=False,
            unique=True,
        ),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("reason", sa.String(20), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("normalized", sa.String(300), nullable=False),
        sa.Column("intent", sa.String(64), nullable=False),
        sa.Column("confidence", sa.Float(), nullable=False),
        sa.Column("runner_up_1", sa.String(64)),
        sa.Column("runner_up_1_confidence", sa.Float()),
        sa.Column("runner_up_2", sa.String(64)),
        sa.Column("runner_up_2_confidence", sa.Float()),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("decided_intent", sa.String(64)),
        sa.Column("decided_task", sa.String(64)),
        sa.Column("task_words", sa.String(100)),
        sa.Column("edited_text", sa.Text()),
        sa.Column("decided_by", sa.String(64)),
        sa.Column("decided_at", sa.DateTime()),
    )
    op.create_index("ix_review_items_status_normalized", "review_items", ["status", "normalized"])
    op.create_index("ix_review_items_created", "review_items", ["created_at"])
    op.create_table(
        "review_tags",
        _id(),
        _references("conversation_id", "review_conversations", cascade=True, nullable=False),
        sa.Column("tag", sa.String(40), nullable=False),
        sa.Column("tagged_by", sa.String(64), nullable=False),
        sa.Column("tagged_at", sa.DateTime(), nullable=False),
        sa.UniqueConstraint("conversation_id", "tag", name="uq_review_tag"),
    )


def _shadow_tables() -> None:
    op.create_table(
        "shadow_runs",
        _id(),
        _references("candidate_id", "model_versions", cascade=False, nullable=False),
        _references("service_id", "model_versions", cascade=False, nullable=True),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("since", sa.DateTime(), nullable=False),
        sa.Column("days", sa.Integer(), nullable=False),
        sa.Column("messages", sa.Integer(), nullable=False),
        sa.Column("distinct_texts", sa.Integer(), nullable=False),
        sa.Column("disagreeing_messages", sa.Integer(), nullable=False),
        sa.Column("seconds", sa.Float(), nullable=False),
    )
    op.create_table(
        "shadow_disagreements",
        _id(),
        _references("run_id", "shadow_runs", cascade=True, nullable=False),
        sa.Column("candidate_id", sa.Integer(), nullable=False),
        _references("message_id", "review_messages", cascade=True, nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("normalized", sa.String(300), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("service_intent", sa.String(64), nullable=False),
        sa.Column("service_task", sa.String(64)),
        sa.Column("service_confidence", sa.Float(), nullable=False),
        sa.Column("candidate_intent", sa.String(64), nullable=False),
        sa.Column("candidate_task", sa.String(64)),
        sa.Column("candidate_confidence", sa.Float(), nullable=False),
        sa.Column("verdict", sa.String(16)),
        sa.Column("verdict_by", sa.String(64)),
        sa.Column("verdict_at", sa.DateTime()),
    )
    op.create_index("ix_shadow_disagreements_normalized", "shadow_disagreements", ["normalized"])
    op.create_table(
        "shadow_answers",
        _id(),
        sa.Column("model_file", sa.String(255), nullable=False),
        sa.Column("digest", sa.String(32), nullable=False),
        sa.Column("intent", sa.String(64), nullable=False),
        sa.Column("task", sa.String(64)),
        sa.Column("confidence", sa.Float(), nullable=False),
        sa.UniqueConstraint("model_file", "digest", name="uq_shadow_answer"),
    )


def upgrade() -> None:
    if tables_made_before(REVIEW, TABLES):
        return
    _model_tables()
    _review_tables()
    _shadow_tables()
    for table, columns in COLUMN_INDEXES.items():
        for column in columns:
            op.create_index(f"ix_{table}_{column}", table, [column])


def downgrade() -> None:
    for table in reversed(TABLES):
        op.drop_table(table)
