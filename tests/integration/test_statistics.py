"""Statistics on a fixture, against a real SQLite file and a real PostgreSQL database.

The fixture is fed through the same recorder the event broker uses; every expected figure
below is computed by hand in the comments.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path

import pytest

from bot.analytics.db import get_engine, session_scope
from bot.analytics.models import LinkEvent
from bot.analytics.recorder import record_event
from bot.analytics.stats import Period, komhen_table, overview
from bot.knowledge.profile import get_profile
from bot.settings import TIMEZONE
from tests.dbs import fresh_database, postgres_available

IDLE = __import__("datetime").timedelta(minutes=30)
INFO = {"topic": "opening_hours", "kind": "information", "area": "Generel information"}
FALLBACK = {"topic": "fallback", "kind": "fallback", "area": "Generel information"}


def link(task: str, area: str, kind: str = "self_service_link") -> dict:
    return {"topic": f"self_service:{task}", "kind": kind, "area": area, "links": [task]}


# (sender, local start time, [(intent, outcome or None, entities)])
CONVERSATIONS = [
    # resolved, would otherwise have phoned (37 kr.)
    (
        "c1",
        datetime(2026, 11, 23, 10),
        [("opening_hours", INFO, []), ("feedback", None, [("otherwise", "telephone")])],
    ),
    # resolved, would not have contacted us
    (
        "c2",
        datetime(2026, 11, 23, 11),
        [
            ("self_service", link("moving", "Folkeregister"), []),
            ("feedback", None, [("otherwise", "none")]),
        ],
    ),
    # referred to personal attendance
    (
        "c3",
        datetime(2026, 11, 24, 9),
        [("self_service", link("passport", "Pas", "referral_attendance"), [])],
    ),
    # not understood: two misses
    (
        "c4",
        datetime(2026, 11, 24, 10),
        [("nlu_fallback", FALLBACK, []), ("nlu_fallback", FALLBACK, [])],
    ),
    # abandoned: an answer, then a miss
    (
        "c5",
        datetime(2026, 11, 25, 10),
        [("opening_hours", INFO, []), ("nlu_fallback", FALLBACK, [])],
    ),
    # abandoned: "no, it did not help"
    (
        "c6",
        datetime(2026, 11, 25, 11),
        [("opening_hours", INFO, []), ("feedback", None, [("helpful", False)])],
    ),
    # resolved (a referral followed by an answer), no "otherwise" answer
    (
        "c7",
        datetime(2026, 11, 26, 12),
        [
            (
                "contact",
                {"topic": "contact", "kind": "referral_phone", "area": "Generel information"},
                [],
            ),
            ("opening_hours", INFO, []),
        ],
    ),
    # previous week: resolved, helped, would otherwise have e-mailed (45 kr.)
    (
        "c8",
        datetime(2026, 11, 18, 14),
        [
            ("self_service", link("health_card", "Sygesikring"), []),
            ("feedback", None, [("helpful", True), ("otherwise", "email")]),
        ],
    ),
]


def _feed(url: str) -> None:
    for sender, start, turns in CONVERSATIONS:
        for i, (intent, outcome, entities) in enumerate(turns):
            ts = start.replace(minute=i, tzinfo=TIMEZONE).timestamp()
            events = [
                {
                    "event": "user",
                    "sender_id": sender,
                    "timestamp": ts,
                    "parse_data": {
                        "intent": {"name": intent},
                        "entities": [{"entity": e, "value": v} for e, v in entities],
                    },
                }
            ]
            if outcome:
                events.append(
                    {
                        "event": "slot",
                        "sender_id": sender,
                        "timestamp": ts + 0.1,
                        "name": "turn_outcome",
                        "value": outcome,
                    }
                )
            for event in events:
                with session_scope(url) as session:
                    record_event(session, event, "taarnby", IDLE)
    with session_scope(url) as session:
        session.add(
            LinkEvent(
                conversation_id=None,
                municipality="taarnby",
                link_id="moving",
                event="clicked",
                at=datetime(2026, 11, 23, 11, 5, tzinfo=TIMEZONE),
            )
        )


KINDS = [
    "sqlite",
    pytest.param(
        "postgresql",
        marks=pytest.mark.skipif(
            not postgres_available(), reason="PostgreSQL is not reachable at 127.0.0.1:5432"
        ),
    ),
]


@pytest.fixture(params=KINDS)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    with fresh_database(request.param, tmp_path) as url:
        get_engine.cache_clear()
        _feed(url)
        yield url


PERIOD = Period(date(2026, 11, 16), date(2026, 11, 29))


def test_overview_equals_hand_computed_figures(db_url: str) -> None:
    profile = get_profile("taarnby")
    with session_scope(db_url) as session:
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
    with session_scope(db_url) as session:
        o = overview(
            session, get_profile("taarnby"), Period(date(2026, 11, 16), date(2026, 11, 22))
        )
    assert o.conversations == 1 and o.outcomes["resolved"] == 1
    assert o.savings.gross_dkk == pytest.approx(45)


def test_komhen_table(db_url: str) -> None:
    with session_scope(db_url) as session:
        rows = komhen_table(session, get_profile("taarnby"), PERIOD)
    table = {(w.isoformat(), a, ch): n for w, a, ch, n in rows}
    assert table[("2026-11-16", "Sygesikring", "selvbetjening")] == 1
    assert table[("2026-11-23", "Pas", "personligt fremmøde")] == 1
    assert table[("2026-11-23", "Generel information", "selvbetjening")] == 2  # c1, c7
    assert table[("2026-11-23", "Folkeregister", "selvbetjening")] == 1
    assert table[("2026-11-23", "Ukendt", "ikke løst")] == 1  # c4 never had a topic
    assert sum(table.values()) == 8


def test_idle_time_starts_a_new_conversation(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'idle.db'}"
    get_engine.cache_clear()
    for minute in (0, 10, 55):  # 45 minutes idle > 30
        ts = datetime(2026, 11, 23, 10, minute, tzinfo=TIMEZONE).timestamp()
        with session_scope(url) as session:
            record_event(
                session,
                {
                    "event": "user",
                    "sender_id": "x",
                    "timestamp": ts,
                    "parse_data": {"intent": {"name": "greet"}},
                },
                "taarnby",
                IDLE,
            )
    with session_scope(url) as session:
        o = overview(session, get_profile("taarnby"), PERIOD)
    assert o.conversations == 2


def test_cli_prints_the_same_figures(db_url: str) -> None:
    import subprocess
    import sys

    from bot.ops.runner import ROOT, base_env

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
        with session_scope(db_url) as session:
            return {
                tuple(str(v) for v in k): n
                for *k, n in session.execute(
                    sa.select(*key, sa.func.sum(DailyCount.n)).group_by(*key)
                ).all()
                if n
            }

    incremental = summary()
    with session_scope(db_url) as session:
        assert rebuild(session) > 0
    assert summary() == incremental
    assert sum(incremental.values()) == 8
