"""Schema migrations (Alembic) and the timestamp convention, on real SQLite and PostgreSQL.

A database made the way the code before Alembic made it (``create_all`` of the tables as they
were, frozen below, with naive Copenhagen local times) is upgraded by the real ``alembic``
command and keeps every row, its timestamps moved to UTC. A fresh database upgraded to head is
exactly the models; downgrading and upgrading again works; concurrent upgraders wait for each
other.
"""

from __future__ import annotations

import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from bot.analytics.models import Conversation, DailyCount, LinkEvent, Turn
from bot.analytics.stats import Period, copenhagen_midnight
from bot.analytics.summary import rebuild
from bot.db.engine import session_scope
from bot.db.migrate import (
    current_revision,
    downgrade,
    head_revision,
    upgrade,
)
from bot.db.stores import STATISTICS, StatisticsBase
from bot.settings import TIMEZONE
from bot.stack.paths import base_env
from bot.web.auth_models import StaffUser
from testkit import ROOT
from testkit.events import Chat, feed

ALEMBIC = Path(sys.executable).parent / "alembic"


@pytest.fixture
def db_url(database_url: str) -> str:
    """A fresh SQLite, then PostgreSQL, database (testkit.fixtures)."""
    return database_url


# --- the schema before Alembic, frozen as bot/analytics/models.py had it -------------------

OLD = sa.MetaData()
OLD_CONVERSATIONS = sa.Table(
    "conversations",
    OLD,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("sender_id", sa.String(128), nullable=False),
    sa.Column("municipality", sa.String(64), nullable=False),
    sa.Column("started_at", sa.DateTime, nullable=False),
    sa.Column("last_event_at", sa.DateTime, nullable=False),
    sa.Column("n_turns", sa.Integer, nullable=False, default=0),
    sa.Column("n_answers", sa.Integer, nullable=False, default=0),
    sa.Column("n_links", sa.Integer, nullable=False, default=0),
    sa.Column("n_referrals", sa.Integer, nullable=False, default=0),
    sa.Column("n_fallbacks", sa.Integer, nullable=False, default=0),
    sa.Column("last_kind", sa.String(32)),
    sa.Column("first_topic", sa.String(64)),
    sa.Column("first_area", sa.String(64)),
    sa.Column("referred_channel", sa.String(32)),
    sa.Column("helpful", sa.Boolean),
    sa.Column("otherwise", sa.String(32)),
    sa.Index("ix_conversations_muni_started", "municipality", "started_at"),
    sa.Index("ix_conversations_sender_last", "sender_id", "last_event_at"),
)
OLD_TURNS = sa.Table(
    "turns",
    OLD,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column(
        "conversation_id",
        sa.Integer,
        sa.ForeignKey("conversations.id", ondelete="CASCADE"),
        nullable=False,
    ),
    sa.Column("at", sa.DateTime, nullable=False),
    sa.Column("intent", sa.String(64)),
    sa.Column("topic", sa.String(64)),
    sa.Column("area", sa.String(64)),
    sa.Column("kind", sa.String(32)),
    sa.Index("ix_turns_conversation", "conversation_id"),
)
OLD_LINK_EVENTS = sa.Table(
    "link_events",
    OLD,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("conversation_id", sa.Integer, sa.ForeignKey("conversations.id", ondelete="CASCADE")),
    sa.Column("municipality", sa.String(64), nullable=False),
    sa.Column("link_id", sa.String(64), nullable=False),
    sa.Column("event", sa.String(8), nullable=False),
    sa.Column("at", sa.DateTime, nullable=False, default=datetime.utcnow),
    sa.Index("ix_link_events_muni_at", "municipality", "at", "event"),
    sa.Index("ix_link_events_conversation", "conversation_id"),
)
OLD_DAILY_COUNTS = sa.Table(
    "daily_counts",
    OLD,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("municipality", sa.String(64), nullable=False),
    sa.Column("day", sa.Date, nullable=False),
    sa.Column("outcome", sa.String(16), nullable=False),
    sa.Column("helpful", sa.String(3), nullable=False),
    sa.Column("otherwise", sa.String(32), nullable=False),
    sa.Column("topic", sa.String(64), nullable=False),
    sa.Column("area", sa.String(64), nullable=False),
    sa.Column("channel", sa.String(32), nullable=False),
    sa.Column("n", sa.Integer, nullable=False, default=0),
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
OLD_STAFF_USERS = sa.Table(
    "staff_users",
    OLD,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("username", sa.String(64), nullable=False, unique=True),
    sa.Column("password_hash", sa.String(255), nullable=False),
    sa.Column("role", sa.String(16), nullable=False),
    sa.Column("created_at", sa.DateTime, nullable=False, default=datetime.utcnow),
)

# Naive Copenhagen wall-clock times as the old recorder wrote them, and the UTC they become.
WINTER = datetime(2026, 1, 15, 10, 0, 0, 250_000)  # CET, UTC+1
SUMMER = datetime(2026, 7, 15, 10, 0)  # CEST, UTC+2
# The repeated hour of 25 October 2026: taken as its second, winter-time occurrence.
REPEATED = datetime(2026, 10, 25, 2, 30)
EXPECTED_UTC = {
    WINTER: WINTER - timedelta(hours=1),
    SUMMER: SUMMER - timedelta(hours=2),
    REPEATED: datetime(2026, 10, 25, 1, 30),
}
STAFF_CREATED = datetime(2026, 7, 1, 6, 0)  # already UTC


def build_old_database(url: str) -> None:
    """The schema and rows of a deployment from before Alembic (create_all, local times)."""
    engine = sa.create_engine(url)
    OLD.create_all(engine)
    counts = {"n_turns": 1, "n_answers": 1, "n_links": 1, "n_referrals": 0, "n_fallbacks": 0}
    with engine.begin() as conn:
        for i, local in enumerate((WINTER, SUMMER, REPEATED), start=1):
            conn.execute(
                OLD_CONVERSATIONS.insert(),
                dict(
                    id=i,
                    sender_id=f"s{i}",
                    municipality="taarnby",
                    started_at=local,
                    last_event_at=local + timedelta(minutes=5),
                    last_kind="self_service_link",
                    first_topic="self_service:moving",
                    **counts,
                ),
            )
            conn.execute(
                OLD_TURNS.insert(),
                dict(id=i, conversation_id=i, at=local, intent="self_service", kind="information"),
            )
            conn.execute(
                OLD_LINK_EVENTS.insert(),
                [
                    dict(
                        conversation_id=i,
                        municipality="taarnby",
                        link_id="moving",
                        event=event,
                        at=local + timedelta(minutes=minutes),
                    )
                    for event, minutes in (("shown", 0), ("clicked", 1))
                ],
            )
            conn.execute(
                OLD_DAILY_COUNTS.insert(),
                dict(
                    municipality="taarnby",
                    day=local.date(),
                    outcome="resolved",
                    helpful="",
                    otherwise="",
                    topic="self_service:moving",
                    area="Folkeregister",
                    channel="selvbetjening",
                    n=1,
                ),
            )
        conn.execute(
            OLD_STAFF_USERS.insert(),
            dict(username="anna", password_hash="x", role="staff", created_at=STAFF_CREATED),
        )
    engine.dispose()


def stored(url: str) -> dict[str, list[tuple]]:
    """Every row of the old tables as stored (naive timestamps), in id order."""
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        rows = {
            table.name: [tuple(r) for r in conn.execute(table.select().order_by(table.c.id))]
            for table in OLD.sorted_tables
        }
    engine.dispose()
    return rows


def run_alembic(url: str, *args: str, via_x: bool = False) -> subprocess.CompletedProcess:
    """The real ``alembic`` command from the repository root (alembic.ini there)."""
    env = base_env({"BOT_ANALYTICS_DB_URL": url})
    command = [str(ALEMBIC), *(["-x", f"url={url}"] if via_x else []), *args]
    if via_x:
        env["BOT_ANALYTICS_DB_URL"] = "postgresql+psycopg2://wrong@127.0.0.1:1/not-this-one"
    return subprocess.run(
        command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False
    )


def test_the_alembic_command_upgrades_a_database_from_before_alembic(db_url: str) -> None:
    build_old_database(db_url)
    before = stored(db_url)
    assert current_revision(STATISTICS, db_url) is None

    done = run_alembic(db_url, "upgrade", "head")
    assert done.returncode == 0, done.stderr
    assert "Running upgrade  -> 0001_baseline" in done.stderr
    assert current_revision(STATISTICS, db_url) == head_revision(STATISTICS)

    after = stored(db_url)
    assert {t: len(rows) for t, rows in after.items()} == {
        t: len(rows) for t, rows in before.items()
    }
    assert {t: len(rows) for t, rows in after.items()} == {
        "conversations": 3,
        "turns": 3,
        "link_events": 6,
        "daily_counts": 3,
        "staff_users": 1,
    }
    shift = {local: EXPECTED_UTC[local] - local for local in EXPECTED_UTC}
    for old, new in zip(before["conversations"], after["conversations"], strict=True):
        started = old[3]
        assert new[3] == EXPECTED_UTC[started]
        assert new[4] == old[4] + shift[started]  # last_event_at, same offset
        assert new[:3] == old[:3] and new[5:] == old[5:]
    for old, new in zip(before["turns"], after["turns"], strict=True):
        assert new[2] == EXPECTED_UTC[old[2]]
        assert new[:2] == old[:2] and new[3:] == old[3:]
    starts = (WINTER, SUMMER, REPEATED)  # of conversations 1, 2, 3
    for old, new in zip(before["link_events"], after["link_events"], strict=True):
        assert new[5] == old[5] + shift[starts[old[1] - 1]]
        assert new[:5] == old[:5]
    assert after["daily_counts"] == before["daily_counts"]  # Copenhagen days stay
    assert after["staff_users"] == before["staff_users"]  # already UTC
    assert after["staff_users"][0][4] == STAFF_CREATED

    # Through the models: aware datetimes, the same instants as the old local times.
    with session_scope(STATISTICS, db_url) as session:
        conversations = session.execute(sa.select(Conversation).order_by(Conversation.id))
        starts = [c.started_at for c in conversations.scalars()]
        created = session.execute(sa.select(StaffUser.created_at)).scalar_one()
    assert [s.tzinfo for s in starts] == [timezone.utc] * 3
    assert starts[0] == WINTER.replace(tzinfo=TIMEZONE)
    assert starts[1] == SUMMER.replace(tzinfo=TIMEZONE)
    assert starts[0].astimezone(TIMEZONE).replace(tzinfo=None) == WINTER
    assert created == STAFF_CREATED.replace(tzinfo=timezone.utc)

    # And back: downgrading to the baseline gives the local times as they were.
    back = run_alembic(db_url, "downgrade", "0001_baseline", via_x=True)
    assert back.returncode == 0, back.stderr
    assert stored(db_url) == before


def test_an_old_database_without_a_later_index_gets_it(db_url: str) -> None:
    """The baseline creates only what is missing: here an index older deployments lack."""
    build_old_database(db_url)
    engine = sa.create_engine(db_url)
    with engine.begin() as conn:
        conn.execute(sa.text("DROP INDEX ix_link_events_conversation"))
    engine.dispose()
    before, after = upgrade(STATISTICS, db_url)
    assert (before, after) == (None, head_revision(STATISTICS))
    engine = sa.create_engine(db_url)
    indexes = {i["name"] for i in sa.inspect(engine).get_indexes("link_events")}
    engine.dispose()
    assert "ix_link_events_conversation" in indexes
    assert len(stored(db_url)["link_events"]) == 6


def differences(url: str) -> list:
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(context, StatisticsBase.metadata)
    engine.dispose()
    return diff


def test_a_new_database_at_head_is_exactly_the_models(db_url: str) -> None:
    assert upgrade(STATISTICS, db_url) == (None, head_revision(STATISTICS))
    assert differences(db_url) == []
    assert upgrade(STATISTICS, db_url) == (  # nothing to do
        head_revision(STATISTICS),
        head_revision(STATISTICS),
    )


def test_downgrade_to_base_and_up_again(db_url: str) -> None:
    upgrade(STATISTICS, db_url)
    assert downgrade(STATISTICS, db_url, "base") == (head_revision(STATISTICS), None)
    engine = sa.create_engine(db_url)
    assert set(sa.inspect(engine).get_table_names()) <= {"alembic_version"}
    engine.dispose()
    done = run_alembic(db_url, "upgrade", "head", via_x=True)
    assert done.returncode == 0, done.stderr
    assert current_revision(STATISTICS, db_url) == head_revision(STATISTICS)
    assert differences(db_url) == []


def test_get_engine_upgrades_and_concurrent_upgraders_wait_for_each_other(db_url: str) -> None:
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda _: upgrade(STATISTICS, db_url), range(4)))
    assert {after for _, after in results} == {head_revision(STATISTICS)}
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "bot", "migrate", "--url", db_url],
            cwd=ROOT,
            env=base_env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    for proc in procs:
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
        assert f"Schema revision: {head_revision(STATISTICS)} (already the newest)" in out


def test_migrate_command_on_a_database_from_before_alembic(db_url: str) -> None:
    build_old_database(db_url)
    proc = subprocess.run(
        [sys.executable, "-m", "bot", "migrate", "--url", db_url],
        cwd=ROOT,
        env=base_env(),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert f"Schema revision: none -> {head_revision(STATISTICS)}" in proc.stdout


def test_an_unknown_revision_is_a_clear_error(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'newer.db'}"
    upgrade(STATISTICS, url)
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE alembic_version SET version_num = '0099_from_the_future'"))
    engine.dispose()
    with pytest.raises(sa.exc.SQLAlchemyError, match="does not know"):
        upgrade(STATISTICS, url)


# --- the timestamp convention ----------------------------------------------------------------


def test_naive_datetimes_are_refused_and_aware_ones_come_back_in_utc(db_url: str) -> None:
    with pytest.raises(sa.exc.StatementError, match="naive datetime"):
        with session_scope(STATISTICS, db_url) as session:
            session.add(
                LinkEvent(municipality="taarnby", link_id="moving", event="clicked", at=SUMMER)
            )
    with session_scope(STATISTICS, db_url) as session:
        session.add(
            LinkEvent(
                municipality="taarnby",
                link_id="moving",
                event="clicked",
                at=SUMMER.replace(tzinfo=TIMEZONE),
            )
        )
        session.add(LinkEvent(municipality="taarnby", link_id="moving", event="shown"))
    with session_scope(STATISTICS, db_url) as session:
        clicked, shown = session.execute(
            sa.select(LinkEvent.at).order_by(LinkEvent.event)
        ).scalars()
    assert clicked == datetime(2026, 7, 15, 8, 0, tzinfo=timezone.utc)
    assert clicked.tzinfo is timezone.utc
    assert abs(shown - datetime.now(timezone.utc)) < timedelta(minutes=1)  # the default


def test_period_bounds_are_copenhagen_midnights_in_utc() -> None:
    winter, summer = (
        Period(date(2026, 1, 1), date(2026, 1, 31)),
        Period(date(2026, 7, 1), date(2026, 7, 1)),
    )
    assert winter.lower == datetime(2025, 12, 31, 23, 0, tzinfo=timezone.utc)
    assert winter.upper == datetime(2026, 1, 31, 23, 0, tzinfo=timezone.utc)
    assert summer.lower == datetime(2026, 6, 30, 22, 0, tzinfo=timezone.utc)
    # The day the clocks go back is 25 hours long.
    assert copenhagen_midnight(date(2026, 10, 26)) - copenhagen_midnight(
        date(2026, 10, 25)
    ) == timedelta(hours=25)


def test_conversations_count_on_their_copenhagen_day(db_url: str) -> None:
    """00:30 in Copenhagen is the previous day in UTC: the summary (kept by the recorder and
    recomputed in SQL by rebuild) and the link counts use the Copenhagen day."""
    for sender, local in (
        ("night", datetime(2026, 11, 24, 0, 30)),
        ("day", datetime(2026, 11, 23, 12)),
    ):
        at = local.replace(tzinfo=TIMEZONE)
        feed(db_url, Chat(sender).ask("self_service", at=at).answered("self_service:moving"))

    def days() -> dict[date, int]:
        with session_scope(STATISTICS, db_url) as session:
            rows = session.execute(
                sa.select(DailyCount.day, sa.func.sum(DailyCount.n)).group_by(DailyCount.day)
            ).all()
        return {d if isinstance(d, date) else date.fromisoformat(d): int(n) for d, n in rows if n}

    expected = {date(2026, 11, 23): 1, date(2026, 11, 24): 1}
    assert days() == expected
    with session_scope(STATISTICS, db_url) as session:
        rebuild(session)
        night = session.execute(
            sa.select(Turn.at).join(Conversation).where(Conversation.sender_id == "night")
        ).scalar_one()
        shown_on_24th = session.execute(
            sa.select(sa.func.count())
            .select_from(LinkEvent)
            .where(
                LinkEvent.at >= Period(date(2026, 11, 24), date(2026, 11, 24)).lower,
                LinkEvent.at < Period(date(2026, 11, 24), date(2026, 11, 24)).upper,
            )
        ).scalar_one()
    assert days() == expected
    assert night == datetime(2026, 11, 23, 23, 30, tzinfo=timezone.utc)
    assert shown_on_24th == 1


def test_alembic_ini_is_at_the_repository_root() -> None:
    ini = (ROOT / "alembic.ini").read_text(encoding="utf-8")
    assert "script_location = %(here)s/bot/analytics/migrations" in ini
    assert not any(line.startswith("sqlalchemy.url") for line in ini.splitlines())
    assert os.path.isfile(ROOT / "bot" / "analytics" / "migrations" / "env.py")
