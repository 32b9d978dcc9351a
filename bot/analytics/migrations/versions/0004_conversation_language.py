"""The language of a conversation: ``conversations.language`` and a ``daily_counts`` key column.

Revision ID: 0004_conversation_language
Revises: 0003_staff_logins
Create Date: 2026-11-30

``conversations.language`` is the language of the conversation's last citizen turn (the
dialogue's ``language`` slot: "da" or "en"; the code only, never any text). ``daily_counts``
gets the same column as part of its key, so the staff overview counts conversations in English
from the summary like every other figure. Existing rows are Danish (the assistant spoke only
Danish before).

Downgrading merges each English summary row into the Danish row with the same other key (or
makes it Danish), so the daily totals stay, then drops both columns.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_conversation_language"
down_revision = "0003_staff_logins"
branch_labels = None
depends_on = None

# daily_counts' key before this revision (0001_baseline), and the constraint's name.
OLD_KEY = ("municipality", "day", "outcome", "helpful", "otherwise", "topic", "area", "channel")
UNIQUE = "uq_daily_counts_key"


def _language() -> sa.Column:
    return sa.Column("language", sa.String(2), nullable=False, server_default="da")


def upgrade() -> None:
    with op.batch_alter_table("conversations") as batch:
        batch.add_column(_language())
    with op.batch_alter_table("daily_counts") as batch:
        batch.add_column(_language())
        batch.drop_constraint(UNIQUE, type_="unique")
        batch.create_unique_constraint(UNIQUE, [*OLD_KEY, "language"])


def _merge_english_rows() -> None:
    """Add every English row's count to its Danish twin and delete it; the English rows left
    (no twin) become Danish. Afterwards no two rows share the old key."""
    daily = sa.table(
        "daily_counts",
        *(sa.column(name) for name in OLD_KEY),
        sa.column("language"),
        sa.column("n", sa.Integer()),
    )
    twin = daily.alias("twin")
    same_key = sa.and_(*(twin.c[name] == daily.c[name] for name in OLD_KEY))
    english_twin = sa.and_(same_key, twin.c.language == "en")
    danish_twin = sa.and_(same_key, twin.c.language == "da")
    op.execute(
        sa.update(daily)
        .where(daily.c.language == "da", sa.exists().where(english_twin))
        .values(n=daily.c.n + sa.select(twin.c.n).where(english_twin).scalar_subquery())
    )
    op.execute(sa.delete(daily).where(daily.c.language == "en", sa.exists().where(danish_twin)))
    op.execute(sa.update(daily).where(daily.c.language != "da").values(language="da"))


def downgrade() -> None:
    _merge_english_rows()
    with op.batch_alter_table("daily_counts") as batch:
        batch.drop_constraint(UNIQUE, type_="unique")
        batch.create_unique_constraint(UNIQUE, list(OLD_KEY))
        batch.drop_column("language")
    with op.batch_alter_table("conversations") as batch:
        batch.drop_column("language")
