"""Offered and clicked per link in a period (bot/analytics/link_counts.py), on a real statistics
database (SQLite, then PostgreSQL when it answers): link events recorded by the real recorder
from Rasa events, clicks by the real click recording."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from bot.analytics.link_counts import link_counts
from bot.db.engine import session_scope
from bot.db.stores import STATISTICS
from bot.dialogue.outcome import Kind, Outcome
from bot.settings import TIMEZONE
from testkit.events import Chat, click, feed

# Monday 23 November 2026, 10:00 in Copenhagen.
T = datetime(2026, 11, 23, 10, 0, tzinfo=TIMEZONE)
PAGE_A, PAGE_B, PAGE_C = "page-aaaaaaaaaaaa", "page-bbbbbbbbbbbb", "page_cccccccccccc"


def offered(sender: str, at: datetime, *links: str) -> Chat:
    """A question the fallback answered with the catalogue's pages ``links``."""
    outcome = Outcome("page", Kind.SELF_SERVICE_LINK, "Affald", tuple(links))
    return Chat(sender).ask("nlu_fallback", at=at).answered(outcome)


def test_counts_shown_and_clicked_per_link_in_the_period(database_url: str) -> None:
    feed(
        database_url,
        [
            offered("s1", T, PAGE_A, PAGE_B),
            offered("s2", T + timedelta(hours=1), PAGE_A),
            offered("s3", T + timedelta(hours=2), PAGE_A, PAGE_C),
            offered("old", T - timedelta(days=40), PAGE_B),  # before the period
        ],
    )
    for sender, link in (("s1", PAGE_A), ("s1", PAGE_A), ("s2", PAGE_A), ("s3", PAGE_C)):
        click(database_url, link, T + timedelta(hours=3), sender=sender)  # s1's second: no
    click(database_url, PAGE_B, T + timedelta(hours=3), sender="s2")  # not offered to s2: no
    since, until = T - timedelta(days=1), T + timedelta(days=1)
    with session_scope(STATISTICS, database_url) as session:
        assert link_counts(session, since, until) == {
            PAGE_A: (3, 2),
            PAGE_B: (1, 0),
            PAGE_C: (1, 1),
        }
        # Only ids starting with "page-" ("_" is no wildcard); another municipality's: none.
        assert link_counts(session, since, until, prefix="page-", municipality="testrup") == {
            PAGE_A: (3, 2),
            PAGE_B: (1, 0),
        }
        assert link_counts(session, since, until, municipality="taarnby") == {}
        # The period: from since, up to (not including) until.
        assert link_counts(session, T + timedelta(hours=1), T + timedelta(hours=2)) == {
            PAGE_A: (1, 0)
        }
        assert link_counts(session, T - timedelta(days=41), T - timedelta(days=39)) == {
            PAGE_B: (1, 0)
        }


def test_naive_times_are_refused(sqlite_url: str) -> None:
    with (
        session_scope(STATISTICS, sqlite_url) as session,
        pytest.raises(ValueError, match="timezone-aware"),
    ):
        link_counts(session, datetime(2026, 11, 1), datetime(2026, 12, 1))
