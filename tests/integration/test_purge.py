"""``python -m bot purge`` against a real running assistant.

Its own stack (module-scoped): purging with a "now" in the future deletes every conversation,
so the shared ``taarnby`` stack's data must not be touched. Real conversations go in over the
REST endpoint; the real command runs as a subprocess with BOT_NOW moved, and the files are
checked with sqlite3.
"""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from bot.settings import TIMEZONE
from testkit import ROOT
from tests.integration.conftest import Assistant, analytics_url, new_sender, start_assistant

pytestmark = pytest.mark.integration

# Statistics detail is kept 395 days by default; 30 here so that 40 days ahead it has expired
# (the summary's 1826 days have not).
ENV = {"BOT_RETENTION_STATISTICS_DAYS": "30"}


@pytest.fixture(scope="module")
def assistant(tmp_path_factory: pytest.TempPathFactory, model_path: Path) -> Iterator[Assistant]:
    yield from start_assistant(tmp_path_factory, model_path, "taarnby")


def purge_cli(assistant: Assistant, now: datetime, *extra: str) -> subprocess.CompletedProcess:
    env = {**assistant.cfg.child_env(), **ENV, "BOT_NOW": now.isoformat()}
    # Model archives have their own test (tests/unit/mlops/test_retention_models_logs.py): the
    # project's models folder, which the stack serves from, is left alone.
    env["BOT_MODELS_DIR"] = str(assistant.workdir / "no-models")
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "bot",
            "purge",
            "--endpoints",
            str(assistant.workdir / "endpoints.yml"),
            "--log-dir",
            str(assistant.workdir / "logs"),
            *extra,
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def tracker_counts(assistant: Assistant) -> tuple[int, int]:
    """(conversations, events) in the tracker store."""
    with sqlite3.connect(assistant.tracker_db) as conn:
        row = conn.execute("SELECT COUNT(DISTINCT sender_id), COUNT(*) FROM events").fetchone()
    return int(row[0]), int(row[1])


def statistics_counts(assistant: Assistant) -> dict[str, int]:
    with sqlite3.connect(assistant.workdir / "analytics.db") as conn:
        counts = {
            table: int(conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0])  # noqa: S608
            for table in ("conversations", "turns", "link_events")
        }
        counts["summarised"] = int(
            conn.execute("SELECT COALESCE(SUM(n), 0) FROM daily_counts").fetchone()[0]
        )
    return counts


def log_files(assistant: Assistant) -> list[str]:
    return sorted(p.name for p in (assistant.workdir / "logs").iterdir() if p.is_file())


def wait_for_statistics(assistant: Assistant, conversations: int) -> dict[str, int]:
    deadline = time.monotonic() + 30
    while True:
        counts = statistics_counts(assistant)
        if counts["conversations"] >= conversations or time.monotonic() > deadline:
            return counts
        time.sleep(0.2)


def test_purge_deletes_expired_conversations_and_keeps_the_summary(assistant: Assistant) -> None:
    first, second = new_sender(), new_sender()
    assistant.ask("hej", first)
    assistant.ask("hvornår har borgerservice åbent?", first)
    assistant.ask("jeg skal melde flytning", second)
    stats = wait_for_statistics(assistant, 2)
    assert stats["conversations"] == 2 and stats["turns"] >= 3, stats
    assert stats["summarised"] == 2
    conversations, events = tracker_counts(assistant)
    assert conversations == 2 and events > 6
    logs = log_files(assistant)
    assert {"rasa.log", "actions.log"} <= set(logs)

    # Control: today nothing has expired.
    today = datetime.now(TIMEZONE)
    control = purge_cli(assistant, today)
    assert control.returncode == 0, control.stderr
    assert "Traceback" not in control.stderr
    out = control.stdout
    assert "tracker store: 0 conversations (0 events) older than" in out
    assert "statistics detail: 0 conversations (0 turns, 0 link events) older than" in out
    assert "statistics daily summary: 0 rows older than" in out
    assert "log files: 0 files (0 B) older than" in out
    assert tracker_counts(assistant) == (conversations, events)
    assert statistics_counts(assistant) == stats
    assert log_files(assistant) == logs

    # 40 days on: a dry run counts everything, deletes nothing.
    later = today + timedelta(days=40)
    tracker_cutoff = f"{later - timedelta(days=30):%Y-%m-%d %H:%M}"
    statistics_cutoff = f"{later - timedelta(days=30):%Y-%m-%d}"
    dry = purge_cli(assistant, later, "--dry-run")
    assert dry.returncode == 0, dry.stderr
    lines = dry.stdout.splitlines()
    assert (
        f"tracker store: 2 conversations ({events} events) older than {tracker_cutoff} "
        "would be deleted" in lines
    ), dry.stdout
    assert (
        f"statistics detail: 2 conversations ({stats['turns']} turns, "
        f"{stats['link_events']} link events) older than {statistics_cutoff} would be deleted"
        in lines
    ), dry.stdout
    assert any(
        line.startswith(f"log files: {len(logs)} files (") and line.endswith("would be deleted")
        for line in lines
    ), dry.stdout
    assert "statistics daily summary: 0 rows older than" in dry.stdout
    assert tracker_counts(assistant) == (conversations, events)
    assert statistics_counts(assistant) == stats
    assert log_files(assistant) == logs

    # The real run deletes the conversations from both databases; the daily summary stays.
    done = purge_cli(assistant, later)
    assert done.returncode == 0, done.stderr
    assert (
        f"tracker store: 2 conversations ({events} events) older than {tracker_cutoff} deleted"
        in done.stdout.splitlines()
    ), done.stdout
    assert tracker_counts(assistant) == (0, 0)
    assert statistics_counts(assistant) == {
        "conversations": 0,
        "turns": 0,
        "link_events": 0,
        "summarised": 2,
    }
    assert log_files(assistant) == []

    # A rebuild of the summary keeps the days whose detail is gone.
    from bot.analytics.summary import rebuild
    from bot.db.engine import get_engine, session_scope
    from bot.db.stores import STATISTICS

    try:
        with session_scope(STATISTICS, analytics_url(assistant)) as session:
            rebuild(session)
        assert statistics_counts(assistant)["summarised"] == 2
    finally:
        get_engine(STATISTICS, analytics_url(assistant)).dispose()
        get_engine.cache_clear()

    # The assistant keeps working; a returning sender starts afresh.
    reply = assistant.ask("hvornår har borgerservice åbent?", first)
    assert reply
    assert tracker_counts(assistant)[0] == 1
    assert wait_for_statistics(assistant, 1)["conversations"] == 1
