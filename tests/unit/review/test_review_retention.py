"""``purge`` of the review store (bot/stack/retention.py): whole conversations whose newest
message is older than BOT_RETENTION_REVIEW_DAYS, with their messages, items and tags."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import sqlalchemy as sa

from bot.db.engine import session_scope
from bot.db.stores import REVIEW
from bot.review.inbox import add_tag
from bot.review.records import ConversationTag, ReviewConversation, ReviewItem, ReviewMessage
from bot.settings import TIMEZONE, load_settings
from bot.stack.retention import purge
from tests.unit.review.test_inbox import fallback, fill

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=TIMEZONE)


def counts(url: str) -> tuple[int, ...]:
    with session_scope(REVIEW, url) as session:
        return tuple(
            session.execute(sa.select(sa.func.count()).select_from(t)).scalar_one()
            for t in (ReviewConversation, ReviewMessage, ReviewItem, ConversationTag)
        )


def test_review_store_purge(review_url: str, tmp_path: Path) -> None:
    old_start = (NOW - timedelta(days=31)).timestamp()
    new_start = (NOW - timedelta(days=29)).timestamp()
    fill(review_url, fallback("w-old", "gammel", old_start), fallback("w-new", "ny", new_start))
    with session_scope(REVIEW, review_url) as session:
        for conversation_id in session.execute(sa.select(ReviewConversation.id)).scalars():
            add_tag(session, conversation_id, "mærke", by="anna", now=NOW)
    assert counts(review_url) == (2, 4, 2, 2)
    settings = load_settings({"BOT_ENV": "test"}).copy(
        update={
            "analytics_db_url": f"sqlite:///{tmp_path / 'none' / 'analytics.db'}",
            "review_db_url": review_url,
        }
    )
    no_tracker = tmp_path / "endpoints.yml"
    no_tracker.write_text("action_endpoint:\n  url: http://localhost:1/webhook\n", "utf-8")
    dry = purge(NOW, settings, endpoints=no_tracker, log_dir=tmp_path / "logs", dry_run=True)
    assert dry.ok, dry.errors
    line = "review store: 1 conversations (2 messages, 1 review items) older than 2026-10-24 10:00"
    assert f"{line} would be deleted" in dry.lines()
    assert counts(review_url) == (2, 4, 2, 2)
    done = purge(NOW, settings, endpoints=no_tracker, log_dir=tmp_path / "logs")
    assert f"{line} deleted" in done.lines()
    assert counts(review_url) == (1, 2, 1, 1)
    with session_scope(REVIEW, review_url) as session:
        assert session.execute(sa.select(ReviewItem.text)).scalars().all() == ["ny"]
    later = purge(NOW + timedelta(days=2), settings, endpoints=no_tracker)
    assert later.review_conversations == 1 and counts(review_url) == (0, 0, 0, 0)


def test_unreachable_review_store_is_a_clear_error(tmp_path: Path) -> None:
    settings = load_settings({"BOT_ENV": "test"}).copy(
        update={
            "analytics_db_url": f"sqlite:///{tmp_path / 'none' / 'analytics.db'}",
            "review_db_url": "postgresql+psycopg2://x:pw9@127.0.0.1:1/review",
        }
    )
    endpoints = tmp_path / "endpoints.yml"
    endpoints.write_text("action_endpoint:\n  url: http://localhost:1/webhook\n", "utf-8")
    report = purge(NOW, settings, endpoints=endpoints, log_dir=tmp_path / "logs")
    assert not report.ok
    (error,) = report.errors
    assert error.startswith("BOT_REVIEW_DB_URL: cannot connect to postgresql")
    assert "pw9" not in error
    assert not any(line.startswith("review store") for line in report.lines())
