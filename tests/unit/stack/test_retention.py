"""The retention purge (bot/stack/retention.py) against real databases and files.

Statistics on a SQLite file and a fresh PostgreSQL database, fed through the recorder the event
broker uses; Rasa's tracker store written by Rasa's own SQLTrackerStore; log files aged with
os.utime. Every store has rows just inside and just outside its cutoff.
"""

from __future__ import annotations

import asyncio
import os
import sqlite3
import tempfile
import uuid
import warnings
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from bot.analytics.models import Conversation, DailyCount, LinkEvent, Turn
from bot.analytics.summary import rebuild
from bot.db.engine import get_engine, session_scope
from bot.db.stores import STATISTICS
from bot.settings import TIMEZONE, Settings, load_settings
from bot.stack.ports import free_port
from bot.stack.retention import purge
from testkit.databases import fresh_database, postgres_available
from testkit.events import Chat, click, feed
from testkit.profile import SYNTHETIC_MUNICIPALITY

# Monday 23 November 2026, 10:00 in Copenhagen.
NOW = datetime(2026, 11, 23, 10, 0, tzinfo=TIMEZONE)
IDLE = timedelta(minutes=30)
# Defaults: tracker 30 days, statistics 395, summary 1826, logs 14.
TRACKER_CUTOFF = datetime(2026, 10, 24, 10, 0, tzinfo=TIMEZONE)
STATISTICS_CUTOFF = datetime(2025, 10, 24, tzinfo=TIMEZONE)  # whole days: local midnight, 395 back
SUMMARY_CUTOFF = date(2021, 11, 23)  # 1826 days back (one leap day in between)
LOG_CUTOFF = datetime(2026, 11, 9, 10, 0, tzinfo=TIMEZONE)


def settings_for(analytics_url: str) -> Settings:
    # The review store has its own tests (tests/unit/review); here it is a file that is not
    # there, so nothing outside the test's folders is touched.
    review = Path(tempfile.gettempdir()) / f"no-review-{uuid.uuid4().hex}" / "review.db"
    return load_settings({"BOT_ENV": "test"}).copy(
        update={"analytics_db_url": analytics_url, "review_db_url": f"sqlite:///{review}"}
    )


@pytest.fixture(autouse=True)
def _fresh_engines() -> Iterator[None]:
    get_engine.cache_clear()
    yield
    get_engine.cache_clear()


# --- statistics ---------------------------------------------------------------------------------


def converse(url: str, sender: str, *times: datetime) -> None:
    """One conversation: at each local time a question answered with a self-service link."""
    chat = Chat(sender)
    for at in times:
        chat.ask("self_service", at=at.replace(tzinfo=TIMEZONE)).answered("self_service:moving")
    feed(url, chat)


def clicked(url: str, at: datetime) -> None:
    """A click on a redirect whose conversation is unknown (conversation_id NULL)."""
    click(url, "moving", at.replace(tzinfo=TIMEZONE))


def aggregated_day(url: str, day: date, n: int) -> None:
    """A summary row of a day whose detail was purged long ago."""
    with session_scope(STATISTICS, url) as session:
        session.add(
            DailyCount(
                municipality=SYNTHETIC_MUNICIPALITY,
                day=day,
                outcome="resolved",
                helpful="",
                otherwise="",
                topic="opening_hours",
                area="Generel information",
                channel="selvbetjening",
                n=n,
            )
        )


def table_counts(url: str) -> dict[str, int]:
    with session_scope(STATISTICS, url) as session:
        return {
            model.__tablename__: int(
                session.execute(sa.select(sa.func.count()).select_from(model)).scalar_one()
            )
            for model in (Conversation, Turn, LinkEvent, DailyCount)
        }


def senders(url: str) -> set[str]:
    with session_scope(STATISTICS, url) as session:
        return set(session.execute(sa.select(Conversation.sender_id)).scalars())


def summary(url: str) -> dict[tuple[str, str], int]:
    """Conversations per (day, topic) in the daily summary."""
    with session_scope(STATISTICS, url) as session:
        rows = session.execute(
            sa.select(DailyCount.day, DailyCount.topic, sa.func.sum(DailyCount.n)).group_by(
                DailyCount.day, DailyCount.topic
            )
        ).all()
    return {(str(day), topic): int(n) for day, topic, n in rows if n}


@pytest.fixture
def statistics_url(database_url: str) -> str:
    url = database_url
    # Just outside: the last event one second before the cutoff day.
    converse(url, "outside", datetime(2025, 10, 23, 23, 58), datetime(2025, 10, 23, 23, 59, 59))
    # Just inside: on the cutoff day itself (the cutoff moment counts as inside).
    converse(url, "inside", datetime(2025, 10, 24, 0, 0), datetime(2025, 10, 24, 0, 0, 30))
    converse(url, "recent", datetime(2026, 11, 20, 12, 0))
    clicked(url, datetime(2025, 10, 23, 23, 59, 59))  # outside
    clicked(url, datetime(2025, 10, 24, 0, 0))  # inside
    aggregated_day(url, SUMMARY_CUTOFF - timedelta(days=1), 5)  # outside
    aggregated_day(url, SUMMARY_CUTOFF, 7)  # inside
    return url


def test_statistics_dry_run_counts_and_deletes_nothing(statistics_url: str, tmp_path: Path) -> None:
    before = table_counts(statistics_url)
    report = purge(
        NOW,
        settings_for(statistics_url),
        endpoints=_no_tracker_store(tmp_path),
        log_dir=tmp_path / "logs",
        dry_run=True,
    )
    assert report.ok, report.errors
    assert report.statistics_cutoff == STATISTICS_CUTOFF
    assert report.summary_cutoff == SUMMARY_CUTOFF
    assert (
        report.statistics_conversations,
        report.statistics_turns,
        report.statistics_link_events,
        report.summary_rows,
    ) == (1, 2, 3, 1)  # "outside" with its 2 turns and 2 links shown, 1 click, 1 old day
    assert table_counts(statistics_url) == before
    text = "\n".join(report.lines())
    assert (
        "statistics detail: 1 conversations (2 turns, 3 link events) older than 2025-10-24 "
        "would be deleted" in text
    )
    assert "statistics daily summary: 1 rows older than 2021-11-23 would be deleted" in text


def test_statistics_purge_keeps_the_aggregates(statistics_url: str, tmp_path: Path) -> None:
    before = table_counts(statistics_url)
    aggregates = summary(statistics_url)
    report = purge(
        NOW,
        settings_for(statistics_url),
        endpoints=_no_tracker_store(tmp_path),
        log_dir=tmp_path / "logs",
    )
    assert report.ok, report.errors
    assert (
        report.statistics_conversations,
        report.statistics_turns,
        report.statistics_link_events,
        report.summary_rows,
    ) == (1, 2, 3, 1)
    after = table_counts(statistics_url)
    assert after == {
        "conversations": before["conversations"] - 1,
        "turns": before["turns"] - 2,
        "link_events": before["link_events"] - 3,
        "daily_counts": before["daily_counts"] - 1,
    }
    assert senders(statistics_url) == {"inside", "recent"}
    # The index that keeps deleting conversations linear (foreign-key lookups in link_events).
    indexes = sa.inspect(get_engine(STATISTICS, statistics_url)).get_indexes("link_events")
    assert {"name": "ix_link_events_conversation", "column_names": ["conversation_id"]} in [
        {"name": i["name"], "column_names": i["column_names"]} for i in indexes
    ]
    with session_scope(STATISTICS, statistics_url) as session:
        clicks = session.execute(
            sa.select(LinkEvent.at).where(LinkEvent.conversation_id.is_(None))
        ).scalars()
        assert list(clicks) == [datetime(2025, 10, 24, 0, 0, tzinfo=TIMEZONE)]
    # The purged conversation still counts in its day's aggregate; only the 5-year-old day went.
    expected = dict(aggregates)
    del expected[(str(SUMMARY_CUTOFF - timedelta(days=1)), "opening_hours")]
    assert summary(statistics_url) == expected
    assert expected[("2025-10-23", "self_service:moving")] == 1
    # A rebuild recomputes only the days that still have detail: nothing is lost.
    with session_scope(STATISTICS, statistics_url) as session:
        rebuild(session)
    assert summary(statistics_url) == expected
    # Purging again finds nothing more.
    again = purge(
        NOW,
        settings_for(statistics_url),
        endpoints=_no_tracker_store(tmp_path),
        log_dir=tmp_path / "logs",
    )
    assert (again.statistics_conversations, again.statistics_link_events, again.summary_rows) == (
        0,
        0,
        0,
    )


def test_a_day_goes_whole(database_url: str, tmp_path: Path) -> None:
    """A conversation over midnight into a kept day keeps its start day's detail whole, so a
    rebuild of the summary stays exact; the next day all of it goes."""
    url = database_url
    converse(url, "older", datetime(2025, 10, 22, 12, 0))
    converse(url, "early", datetime(2025, 10, 23, 10, 0))
    converse(url, "spanner", datetime(2025, 10, 23, 23, 50), datetime(2025, 10, 24, 0, 10))
    aggregates = summary(url)
    assert aggregates[("2025-10-23", "self_service:moving")] == 2

    report = purge(NOW, settings_for(url), endpoints=_no_tracker_store(tmp_path))
    assert report.statistics_conversations == 1
    assert senders(url) == {"early", "spanner"}
    with session_scope(STATISTICS, url) as session:
        rebuild(session)
    assert summary(url) == aggregates

    report = purge(
        NOW + timedelta(days=1), settings_for(url), endpoints=_no_tracker_store(tmp_path)
    )
    assert report.statistics_conversations == 2
    assert senders(url) == set()
    with session_scope(STATISTICS, url) as session:
        rebuild(session)  # no detail left: nothing to recompute, nothing wiped
    assert summary(url) == aggregates


# --- tracker store ------------------------------------------------------------------------------


def _quiet_rasa():  # type: ignore[no-untyped-def]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from rasa.core.tracker_store import SQLTrackerStore
        from rasa.shared.core.events import BotUttered, UserUttered
        from rasa.shared.core.trackers import DialogueStateTracker
    return SQLTrackerStore, BotUttered, UserUttered, DialogueStateTracker


def save_conversation(store: object, sender: str, *moments: datetime) -> None:
    """A conversation in Rasa's tracker store: at each moment a message and the reply."""
    _, BotUttered, UserUttered, DialogueStateTracker = _quiet_rasa()
    events = []
    for moment in moments:
        ts = moment.timestamp()
        events.append(UserUttered("hej", intent={"name": "greet", "confidence": 1.0}, timestamp=ts))
        events.append(BotUttered("Hej! Hvad kan jeg hjælpe med?", timestamp=ts + 0.5))
    tracker = DialogueStateTracker.from_events(sender, events)
    asyncio.run(store.save(tracker))  # type: ignore[attr-defined]


def tracker_senders(db: Path) -> dict[str, int]:
    with sqlite3.connect(db) as conn:
        return dict(conn.execute("SELECT sender_id, COUNT(*) FROM events GROUP BY sender_id"))


def _no_tracker_store(tmp_path: Path) -> Path:
    path = tmp_path / "no-tracker-endpoints.yml"
    path.write_text("action_endpoint:\n  url: http://localhost:5055/webhook\n", encoding="utf-8")
    return path


def _no_statistics(tmp_path: Path) -> Settings:
    return settings_for(f"sqlite:///{tmp_path / 'none' / 'analytics.db'}")


def fill_tracker_store(store: object) -> None:
    second = timedelta(seconds=1)
    # Newest event one second before the cutoff: the whole conversation goes.
    save_conversation(store, "old", TRACKER_CUTOFF - timedelta(hours=2), TRACKER_CUTOFF - second)
    # Started long ago, newest event one second after the cutoff: kept whole, not cut in half.
    save_conversation(store, "live", TRACKER_CUTOFF - timedelta(days=5), TRACKER_CUTOFF + second)
    save_conversation(store, "new", TRACKER_CUTOFF + timedelta(days=1))


@pytest.mark.parametrize(
    "store_type", ["SQL", "bot.rasa_server.tracker_store.CachedSQLTrackerStore"]
)
def test_tracker_store_sqlite_relative_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, store_type: str
) -> None:
    """A relative SQLite path is relative to the working directory, as for Rasa; Rasa's SQL
    store and our cached one (the same table) are purged alike."""
    SQLTrackerStore, *_ = _quiet_rasa()
    monkeypatch.chdir(tmp_path)
    (tmp_path / "var").mkdir()
    store = SQLTrackerStore(dialect="sqlite", db="var/tracker.db")
    fill_tracker_store(store)
    store.engine.dispose()
    db = tmp_path / "var" / "tracker.db"
    before = tracker_senders(db)
    assert before == {"old": 4, "live": 4, "new": 2}
    endpoints = tmp_path / "endpoints.yml"
    endpoints.write_text(
        f"tracker_store:\n  type: {store_type}\n  dialect: sqlite\n  db: var/tracker.db\n",
        encoding="utf-8",
    )
    settings = _no_statistics(tmp_path)

    dry = purge(NOW, settings, endpoints=Path("endpoints.yml"), dry_run=True)
    assert dry.ok, dry.errors
    assert (dry.tracker_conversations, dry.tracker_events) == (1, 4)
    assert dry.tracker_cutoff == TRACKER_CUTOFF
    assert tracker_senders(db) == before
    assert (
        "tracker store: 1 conversations (4 events) older than 2026-10-24 10:00 would be deleted"
        in dry.lines()
    )

    done = purge(NOW, settings, endpoints=Path("endpoints.yml"))
    assert done.ok, done.errors
    assert (done.tracker_conversations, done.tracker_events) == (1, 4)
    assert tracker_senders(db) == {"live": 4, "new": 2}
    assert (
        "tracker store: 1 conversations (4 events) older than 2026-10-24 10:00 deleted"
        in done.lines()
    )
    # Rasa still reads the kept conversation whole.
    store = SQLTrackerStore(dialect="sqlite", db="var/tracker.db")
    tracker = asyncio.run(store.retrieve_full_tracker("live"))
    store.engine.dispose()
    assert [e.as_dict()["event"] for e in tracker.events] == ["user", "bot", "user", "bot"]
    assert not (tmp_path / "none").exists()  # the missing statistics database was not created


@pytest.mark.skipif(not postgres_available(), reason="PostgreSQL is not reachable")
def test_tracker_store_postgresql(tmp_path: Path) -> None:
    SQLTrackerStore, *_ = _quiet_rasa()
    with fresh_database("postgresql", tmp_path) as url:
        parsed = sa.engine.make_url(url)
        options = {
            "dialect": "postgresql",
            "host": parsed.host,
            "port": parsed.port,
            "db": parsed.database,
            "username": parsed.username,
        }
        store = SQLTrackerStore(**options)
        fill_tracker_store(store)
        store.engine.dispose()
        endpoints = tmp_path / "endpoints.yml"
        endpoints.write_text(
            "tracker_store:\n  type: SQL\n"
            + "".join(f"  {k}: {v}\n" for k, v in options.items() if k != "host")
            + f"  url: {parsed.host}\n",
            encoding="utf-8",
        )
        settings = _no_statistics(tmp_path)
        dry = purge(NOW, settings, endpoints=endpoints, dry_run=True)
        assert (dry.tracker_conversations, dry.tracker_events) == (1, 4), dry.errors
        done = purge(NOW, settings, endpoints=endpoints)
        assert (done.tracker_conversations, done.tracker_events) == (1, 4), done.errors
        engine = sa.create_engine(url)
        with engine.connect() as conn:
            rows = conn.execute(
                sa.text("SELECT sender_id, COUNT(*) FROM events GROUP BY sender_id")
            ).all()
        engine.dispose()
        assert dict(rows) == {"live": 4, "new": 2}


def test_missing_tracker_database_is_zero_not_an_error(tmp_path: Path) -> None:
    endpoints = tmp_path / "endpoints.yml"
    endpoints.write_text(
        f"tracker_store:\n  type: SQL\n  dialect: sqlite\n  db: {tmp_path / 'nothing.db'}\n",
        encoding="utf-8",
    )
    report = purge(NOW, _no_statistics(tmp_path), endpoints=endpoints)
    assert report.ok, report.errors
    assert (report.tracker_conversations, report.tracker_events) == (0, 0)
    assert not (tmp_path / "nothing.db").exists()
    assert any(line.startswith("tracker store: 0 conversations") for line in report.lines())


def test_other_tracker_store_types_are_reported_not_purged(tmp_path: Path) -> None:
    endpoints = tmp_path / "endpoints.yml"
    endpoints.write_text("tracker_store:\n  type: redis\n  url: localhost\n", encoding="utf-8")
    report = purge(NOW, _no_statistics(tmp_path), endpoints=endpoints)
    assert report.ok
    assert report.lines()[0].startswith("tracker store: not purged: type redis")
    report = purge(NOW, _no_statistics(tmp_path), endpoints=_no_tracker_store(tmp_path))
    assert "has no tracker_store" in report.lines()[0]
    assert report.lines()[-1].startswith("review store: 0 conversations")


# --- unreachable stores -------------------------------------------------------------------------


def test_unreachable_stores_are_clear_errors_and_the_rest_is_purged(tmp_path: Path) -> None:
    port = free_port()  # nothing listens here
    endpoints = tmp_path / "endpoints.yml"
    endpoints.write_text(
        "tracker_store:\n  type: SQL\n  dialect: postgresql\n  url: 127.0.0.1\n"
        f"  port: {port}\n  db: rasa\n  username: rasa\n  password: s3cret-pw\n",
        encoding="utf-8",
    )
    logs = tmp_path / "logs"
    logs.mkdir()
    old_log = logs / "rasa.log.3"
    old_log.write_text("x", encoding="utf-8")
    stamp = (LOG_CUTOFF - timedelta(days=1)).timestamp()
    os.utime(old_log, (stamp, stamp))
    settings = settings_for(f"postgresql+psycopg2://stats:pw2@127.0.0.1:{port}/stats")

    report = purge(NOW, settings, endpoints=endpoints, log_dir=logs)
    assert not report.ok
    tracker_error, statistics_error = report.errors
    assert tracker_error.startswith(f"{endpoints}: tracker_store: cannot connect to postgresql://")
    assert statistics_error.startswith("BOT_ANALYTICS_DB_URL: cannot connect to postgresql")
    assert "s3cret-pw" not in tracker_error and "pw2" not in statistics_error
    assert "Traceback" not in str(report)
    assert not old_log.exists()  # the logs were still purged
    assert [line.split(":")[0] for line in report.lines()] == ["log files", "review store"]


def test_missing_endpoints_file_names_the_file(tmp_path: Path) -> None:
    report = purge(NOW, _no_statistics(tmp_path), endpoints=tmp_path / "nope.yml")
    assert report.errors == [f"{tmp_path / 'nope.yml'}: file not found (give it with --endpoints)"]


# --- log files ----------------------------------------------------------------------------------


def test_log_files_by_modification_time(tmp_path: Path) -> None:
    logs = tmp_path / "logs"
    (logs / "archive").mkdir(parents=True)
    minute = timedelta(minutes=1)
    ages = {
        "rasa.log": NOW - timedelta(hours=1),
        "rasa.log.1": LOG_CUTOFF + minute,  # written to within the period: kept
        "rasa.log.2": LOG_CUTOFF - minute,  # just outside
        "actions.log.2026-10-01": NOW - timedelta(days=53),
        "archive/rasa.log.9": NOW - timedelta(days=100),  # only the log directory itself
    }
    for name, moment in ages.items():
        path = logs / name
        path.write_text("line\n" * 10, encoding="utf-8")
        os.utime(path, (moment.timestamp(), moment.timestamp()))
    settings = _no_statistics(tmp_path)
    no_tracker = _no_tracker_store(tmp_path)

    dry = purge(NOW, settings, endpoints=no_tracker, log_dir=logs, dry_run=True)
    assert (dry.log_files, dry.log_bytes) == (2, 100)
    assert all((logs / name).exists() for name in ages)
    assert "log files: 2 files (100 B) older than 2026-11-09 10:00 would be deleted" in dry.lines()

    done = purge(NOW, settings, endpoints=no_tracker, log_dir=logs)
    assert done.log_files == 2
    assert sorted(str(p.relative_to(logs)) for p in logs.rglob("*") if p.is_file()) == [
        "archive/rasa.log.9",
        "rasa.log",
        "rasa.log.1",
    ]
    assert purge(NOW, settings, endpoints=no_tracker, log_dir=tmp_path / "absent").ok


# --- the command --------------------------------------------------------------------------------


def test_cli_purge(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from bot.cli import main
    from bot.settings import get_settings

    logs = tmp_path / "logs"
    logs.mkdir()
    old = logs / "web.log.1"
    old.write_text("x", encoding="utf-8")
    os.utime(old, ((NOW - timedelta(days=20)).timestamp(),) * 2)
    monkeypatch.setenv("BOT_ENV", "test")
    monkeypatch.setenv("BOT_NOW", NOW.isoformat())
    monkeypatch.setenv("BOT_ANALYTICS_DB_URL", f"sqlite:///{tmp_path / 'analytics.db'}")
    monkeypatch.setenv("BOT_REVIEW_DB_URL", f"sqlite:///{tmp_path / 'review.db'}")
    monkeypatch.setenv("BOT_MODELS_DIR", str(tmp_path / "models"))  # the project's stay
    get_settings.cache_clear()
    try:
        args = ["purge", "--endpoints", str(_no_tracker_store(tmp_path)), "--log-dir", str(logs)]
        assert main([*args, "--dry-run"]) == 0
        out = capsys.readouterr().out
        assert "log files: 1 files (1 B) older than 2026-11-09 10:00 would be deleted" in out
        assert old.exists()
        assert main(args) == 0
        assert (
            "log files: 1 files (1 B) older than 2026-11-09 10:00 deleted"
            in capsys.readouterr().out
        )
        assert not old.exists()

        monkeypatch.setenv(
            "BOT_ANALYTICS_DB_URL", f"postgresql+psycopg2://x@127.0.0.1:{free_port()}/x"
        )
        get_settings.cache_clear()
        assert main(args) == 1
        captured = capsys.readouterr()
        assert "Cannot purge: BOT_ANALYTICS_DB_URL: cannot connect to" in captured.err
        assert "Traceback" not in captured.err
        assert "statistics" not in captured.out
    finally:
        get_settings.cache_clear()
