"""Statistics on a fixture, against a real SQLite file and a real PostgreSQL database.

The fixture is fed through the same recorder the event broker uses; every expected figure
below is computed by hand in the comments.
"""

from __future__ import annotations

from datetime import date, datetime

import pytest

from bot.analytics.stats import Period, komhen_table, overview
from bot.db.engine import session_scope
from bot.db.stores import STATISTICS
from bot.knowledge.profile import get_profile
from bot.settings import TIMEZONE
from testkit.events import Chat, click, feed

TAARNBY = get_profile("taarnby")


def at(*fields: int) -> datetime:
    """A Copenhagen time."""
    return datetime(*fields, tzinfo=TIMEZONE)


def chat(sender: str) -> Chat:
    return Chat(sender, TAARNBY)


# One message a minute from the start; outcomes as the registry and the answers report them.
CONVERSATIONS = [
    # resolved, would otherwise have phoned (37 kr.)
    chat("c1")
    .ask("opening_hours", at=at(2026, 11, 23, 10))
    .answered()
    .feedback(otherwise="telephone"),
    # resolved, would not have contacted us
    chat("c2")
    .ask("self_service", at=at(2026, 11, 23, 11))
    .answered("self_service:moving")
    .feedback(otherwise="none"),
    # referred to personal attendance
    chat("c3").ask("self_service", at=at(2026, 11, 24, 9)).answered("self_service:passport"),
    # not understood: two misses
    chat("c4")
    .ask("nlu_fallback", at=at(2026, 11, 24, 10))
    .answered()
    .ask("nlu_fallback")
    .answered(),
    # abandoned: an answer, then a miss
    chat("c5")
    .ask("opening_hours", at=at(2026, 11, 25, 10))
    .answered()
    .ask("nlu_fallback")
    .answered(),
    # abandoned: "no, it did not help"
    chat("c6").ask("opening_hours", at=at(2026, 11, 25, 11)).answered().feedback(helpful=False),
    # resolved (a referral followed by an answer), no "otherwise" answer
    chat("c7").ask("contact", at=at(2026, 11, 26, 12)).answered().ask("opening_hours").answered(),
    # previous week: resolved, helped, would otherwise have e-mailed (45 kr.)
    chat("c8")
    .ask("self_service", at=at(2026, 11, 18, 14))
    .answered("self_service:health_card")
    .feedback(helpful=True, otherwise="email"),
]


@pytest.fixture
def db_url(database_url: str) -> str:
    """A fresh SQLite, then PostgreSQL, database fed with CONVERSATIONS through the recorder,
    and a click on the moving link from an unknown conversation."""
    feed(database_url, CONVERSATIONS)
    click(database_url, "moving", at(2026, 11, 23, 11, 5), municipality="taarnby")
    return database_url


PERIOD = Period(date(2026, 11, 16), date(2026, 11, 29))


def test_overview_equals_hand_computed_figures(db_url: str) -> None:
    profile = TAARNBY
    with session_scope(STATISTICS, db_url) as session:
        o = overview(session, profile, PERIOD)
    assert o.conversations == 8
    assert o.outcomes == {"resolved": 4, "referred": 1, "abandoned": 2, "not_understood": 1}
    assert o.rate("resolved") == 0.5
    s = o.savings
    # Known: c1 telephone 37 + c8 e-mail 45 = 82 kr. 3 answers < 30 -> default mix.
    assert s.deflected_known == 2 and s.answers == 3 and s.mix_source == "default"
    # c7 unanswered: 1 x (0.6*37 + 0.15*45 + 0.15*70 + 0*40) = 39.45 kr.; paid share 0.9.
    assert s.deflected_estimated == pytest.approx(0.9)
    assert s.gross_dkk == pytest.approx(121.45)
    assert s.assistant_cost_dkk == 0 and s.net_dkk == pytest.approx(121.45)
    assert any("standardfordelingen" in a for a in s.assumptions)
    assert (o.helpful_yes, o.helpful_no) == (1, 1)
    # Shown: moving (c2), passport (c3), health_card (c8); clicked: moving.
    assert (o.links_shown, o.links_clicked) == (3, 1)
    assert o.weekly == [(date(2026, 11, 16), 1, 1), (date(2026, 11, 23), 7, 3)]
    assert dict(o.top_topics)["opening_hours"] == 3


def test_period_filter(db_url: str) -> None:
    with session_scope(STATISTICS, db_url) as session:
        o = overview(session, TAARNBY, Period(date(2026, 11, 16), date(2026, 11, 22)))
    assert o.conversations == 1 and o.outcomes["resolved"] == 1
    assert o.savings.gross_dkk == pytest.approx(45)


def test_komhen_table(db_url: str) -> None:
    with session_scope(STATISTICS, db_url) as session:
        rows = komhen_table(session, TAARNBY, PERIOD)
    table = {(w.isoformat(), a, ch): n for w, a, ch, n in rows}
    assert table[("2026-11-16", "Sygesikring", "selvbetjening")] == 1
    assert table[("2026-11-23", "Pas", "personligt fremmøde")] == 1
    assert table[("2026-11-23", "Generel information", "selvbetjening")] == 2  # c1, c7
    assert table[("2026-11-23", "Folkeregister", "selvbetjening")] == 1
    assert table[("2026-11-23", "Ukendt", "ikke løst")] == 1  # c4 never had a topic
    assert sum(table.values()) == 8


def test_idle_time_starts_a_new_conversation(sqlite_url: str) -> None:
    idler = chat("x")
    for minute in (0, 10, 55):  # 45 minutes idle > 30
        idler.ask("greet", at=at(2026, 11, 23, 10, minute))
    feed(sqlite_url, idler)
    with session_scope(STATISTICS, sqlite_url) as session:
        o = overview(session, TAARNBY, PERIOD)
    assert o.conversations == 2


def test_cli_prints_the_same_figures(db_url: str) -> None:
    import subprocess
    import sys

    from bot.stack.paths import base_env
    from testkit import ROOT

    def cli(*extra: str) -> str:
        proc = subprocess.run(
            [
                sys.executable,
                "-m",
                "bot",
                "stats",
                "--from",
                "2026-11-16",
                "--to",
                "2026-11-29",
                "--db",
                db_url,
                *extra,
            ],
            cwd=ROOT,
            env=base_env({"BOT_PROFILE": "taarnby"}),
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert proc.returncode == 0, proc.stderr
        return proc.stdout

    text = cli()
    assert "Samtaler: 8" in text
    assert "løst                  4" in text
    assert "Skønnet besparelse: 121 kr." in text
    assert "standardfordelingen" in text
    csv_text = cli("--komhen-csv")
    assert "2026-U48;2026-11-23;Pas;personligt fremmøde;1" in csv_text.splitlines()
    bad = subprocess.run(
        [
            sys.executable,
            "-m",
            "bot",
            "stats",
            "--from",
            "2026-11-30",
            "--to",
            "2026-11-01",
            "--db",
            db_url,
        ],
        cwd=ROOT,
        env=base_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert bad.returncode == 2 and "--to" in bad.stderr


def test_incremental_summary_equals_a_rebuild(db_url: str) -> None:
    """The recorder's one-down-one-up upkeep gives exactly what a full rebuild gives."""
    import sqlalchemy as sa

    from bot.analytics.models import DailyCount
    from bot.analytics.summary import rebuild

    key = (
        DailyCount.municipality,
        DailyCount.day,
        DailyCount.outcome,
        DailyCount.helpful,
        DailyCount.otherwise,
        DailyCount.topic,
        DailyCount.area,
        DailyCount.channel,
    )

    def summary() -> dict:
        with session_scope(STATISTICS, db_url) as session:
            return {
                tuple(str(v) for v in k): n
                for *k, n in session.execute(
                    sa.select(*key, sa.func.sum(DailyCount.n)).group_by(*key)
                ).all()
                if n
            }

    incremental = summary()
    with session_scope(STATISTICS, db_url) as session:
        assert rebuild(session) > 0
    assert summary() == incremental
    assert sum(incremental.values()) == 8
