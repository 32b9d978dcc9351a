"""Faults behind the citizen endpoint, on the real servers.

* the action server killed: a Danish "try again / call us" reply within 2 s, recorded in the
  statistics, and the supervisor restarts it (with back-off) and says so;
* the supervisor stopped (SIGTERM) or killed (SIGKILL): no server keeps running;
* an action that fails: neither process logs the conversation;
* the statistics database locked or down: replies continue, and the statistics arrive later;
* the tracker database unavailable: a clear error, never a silent in-memory fallback; at
  startup a clear message naming endpoints.yml and the field.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import sys
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest
import requests
import sqlalchemy as sa

from bot.stack.endpoints import TRACKER_STORE
from bot.stack.local import StackConfig, isolated_stack, running_stack
from bot.stack.paths import base_env
from bot.stack.ports import free_port
from bot.stack.supervisor import Service
from bot.stack.tracker_db import TrackerStoreConfigError
from testkit.databases import PG_ADMIN_URL, database_name, fresh_database, postgres_available
from testkit.senders import stored_sender
from tests.integration.conftest import FROZEN_NOW, new_sender, texts
from tests.integration.supervised import SupervisedStack, alive, wait_until

pytestmark = pytest.mark.integration

TECHNICAL = "Prøv igen om lidt"
PHONE = "32 76 11 00"  # Tårnby's (EXAMPLE) phone number in the profile
QUESTION = "hvornår har borgerservice åbent?"


@pytest.fixture(scope="module")
def supervised(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SupervisedStack]:
    stack = SupervisedStack(tmp_path_factory.mktemp("supervised")).start()
    yield stack
    stack.stop(signal.SIGKILL)


def statistics_turns(db: Path, sender: str) -> list[tuple]:
    with sqlite3.connect(db) as conn:
        return conn.execute(
            "SELECT t.topic, t.kind, c.referred_channel FROM turns t "
            "JOIN conversations c ON c.id = t.conversation_id WHERE c.sender_id = ?",
            (stored_sender(sender),),
        ).fetchall()


def test_killed_action_server_gets_a_danish_reply_and_a_restart(
    supervised: SupervisedStack,
) -> None:
    before = supervised.children()
    assert set(before) == {"rasa", "actions", "web"}, before
    answered, _ = supervised.post(QUESTION)
    assert "Borgerservice har åbent" in texts(answered.json())

    os.kill(before["actions"], signal.SIGKILL)
    assert wait_until(lambda: not alive(before["actions"]), 5)
    sender = new_sender()
    response, seconds = supervised.post(QUESTION, sender)
    assert response.status_code == 200
    assert seconds < 2, seconds
    reply = texts(response.json())
    assert TECHNICAL in reply and PHONE in reply, reply
    assert wait_until(
        lambda: (
            ("technical_error", "referral_phone", "telephone")
            in statistics_turns(supervised.state / "analytics.db", sender)
        ),
        10,
    ), statistics_turns(supervised.state / "analytics.db", sender)

    def restarted() -> bool:
        actions = supervised.children().get("actions")
        return actions is not None and actions != before["actions"]

    assert wait_until(restarted, 30), supervised.output.read_text(errors="replace")
    assert wait_until(
        lambda: "Borgerservice har åbent" in texts(supervised.post(QUESTION)[0].json()), 90
    )
    assert "restarting it in 1 s" in supervised.output.read_text(errors="replace")


def test_stopping_the_supervisor_stops_every_server(supervised: SupervisedStack) -> None:
    children = supervised.children()
    assert supervised.stop(signal.SIGTERM) == 0
    assert not any(alive(pid) for pid in children.values())
    assert supervised.ports_free()
    assert "Stopped." in supervised.output.read_text(errors="replace")


@pytest.fixture(scope="module")
def limited(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SupervisedStack]:
    """A supervised stack with small limits; killed (SIGKILL) by the last test that uses it."""
    env = {"BOT_RATE_PER_ADDRESS": "12", "BOT_RATE_PER_CONVERSATION": "3", "BOT_MAX_TURNS": "5"}
    stack = SupervisedStack(tmp_path_factory.mktemp("limited"), env=env).start()
    yield stack
    stack.stop(signal.SIGKILL)


def test_rate_limits_and_turn_cap_answer_429_in_danish(limited: SupervisedStack) -> None:
    sender = new_sender()
    replies = [limited.post("hej", sender)[0] for _ in range(6)]
    statuses = [r.status_code for r in replies]
    # 3 a minute per conversation; the 6th request is over the cap of 5 (all requests count).
    assert statuses == [200, 200, 200, 429, 429, 429], statuses
    assert (
        replies[3].json()["error"]
        == "Du har sendt mange beskeder på kort tid. Vent lidt, og prøv igen."
    )
    assert int(replies[3].headers["Retry-After"]) >= 1
    assert "Samtalen er blevet for lang" in replies[5].json()["error"]
    # 12 a minute per address: 6 used above, so the next 6 conversations pass and then 429.
    others = [limited.post("hej")[0].status_code for _ in range(8)]
    assert others[:6] == [200] * 6, others
    assert 429 in others[6:], others


def test_killing_the_supervisor_leaves_no_server_running(limited: SupervisedStack) -> None:
    children = limited.children()
    assert set(children) == {"rasa", "actions", "web"}
    limited.stop(signal.SIGKILL)
    assert wait_until(lambda: not any(alive(pid) for pid in children.values()), 15), children
    assert wait_until(limited.ports_free, 5)


# -- a failing action ----------------------------------------------------------------

SECRET_WORDS = "hemmelige ord fra borgeren"


def test_a_failing_action_logs_no_conversation(tmp_path: Path) -> None:
    """Our action server answers a crashed action with its name only and logs no tracker;
    a failing profile action answers with the technical-error reply."""
    port = free_port()
    log = tmp_path / "actions.log"
    server = Service(
        "action server",
        [
            sys.executable,
            "-m",
            "bot",
            "actions",
            "--port",
            str(port),
            "--actions",
            "tests.integration.failing_actions",
        ],
        f"http://127.0.0.1:{port}/health",
        log,
    )
    server.start(base_env({"BOT_ENV": "test", "BOT_NOW": FROZEN_NOW, "LOG_LEVEL": "DEBUG"}))
    try:
        server.wait_ready(timeout=120)
        bodies = {}
        for action in ("action_crash", "action_profile_crash"):
            call = {
                "next_action": action,
                "sender_id": "fault-test",
                "version": "3.6.21",
                "domain": {},
                "tracker": {
                    "sender_id": "fault-test",
                    "latest_message": {"text": SECRET_WORDS, "intent": {}, "entities": []},
                    "events": [{"event": "user", "text": SECRET_WORDS}],
                    "slots": {},
                },
            }
            response = requests.post(f"http://127.0.0.1:{port}/webhook", json=call, timeout=30)
            bodies[action] = (response.status_code, response.text)
    finally:
        server.stop()
        server.close_log()
    status, body = bodies["action_crash"]
    assert status == 500 and SECRET_WORDS not in body and "action_crash" in body
    status, body = bodies["action_profile_crash"]
    assert status == 200, body
    assert json.loads(body)["responses"][0]["response"] == "utter_technical_error"
    assert SECRET_WORDS not in body
    written = log.read_text(encoding="utf-8", errors="replace")
    assert "Action action_crash failed: ValueError" in written
    assert "Action action_profile_crash failed: KeyError" in written
    assert SECRET_WORDS not in written
    assert f"http://127.0.0.1:{port}" in written  # not every interface


# -- databases -------------------------------------------------------------------------


def _block(admin: sa.engine.Engine, name: str, blocked: bool) -> None:
    """Make a database refuse (or accept again) connections, and drop the open ones."""
    with admin.connect() as conn:
        conn.execute(sa.text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS {not blocked!s}'))
        if blocked:
            conn.execute(
                sa.text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n"
                ),
                {"n": name},
            )


@pytest.fixture(scope="module")
def pg_stack(
    tmp_path_factory: pytest.TempPathFactory, model_path: Path
) -> Iterator[tuple[StackConfig, sa.engine.Engine, str, str, str]]:
    """A stack with both the tracker store and the statistics on PostgreSQL."""
    if not postgres_available():
        pytest.skip(f"PostgreSQL at {PG_ADMIN_URL} is not reachable")
    workdir = tmp_path_factory.mktemp("pg-faults")
    admin = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with ExitStack() as databases:
        tracker_url = databases.enter_context(
            fresh_database("postgresql", workdir, prefix="fault_tracker")
        )
        stats_url = databases.enter_context(
            fresh_database("postgresql", workdir, prefix="fault_stats")
        )
        tracker_db, stats_db = database_name(tracker_url), database_name(stats_url)
        url = sa.engine.make_url(PG_ADMIN_URL)
        cfg = isolated_stack(
            workdir,
            model_path,
            {
                "BOT_ENV": "test",
                "BOT_NOW": FROZEN_NOW,
                "BOT_ANALYTICS_DB_URL": stats_url,
                "BOT_RATE_PER_ADDRESS": "100000",
            },
        )
        sqlite = f"  dialect: sqlite\n  db: {workdir / 'tracker.db'}\n"
        endpoints = cfg.endpoints.read_text(encoding="utf-8")
        assert f"tracker_store:\n  type: {TRACKER_STORE}\n{sqlite}" in endpoints
        cfg.endpoints.write_text(
            endpoints.replace(
                sqlite,
                f"  dialect: postgresql\n  url: {url.host}\n"
                f"  port: {url.port or 5432}\n  db: {tracker_db}\n  username: {url.username}\n",
            ),
            encoding="utf-8",
        )
        try:
            with running_stack(cfg):
                yield cfg, admin, tracker_db, stats_db, stats_url
        finally:
            for name in (tracker_db, stats_db):  # let fresh_database drop them
                _block(admin, name, False)
    admin.dispose()


def _ask(cfg: StackConfig, text: str, sender: str) -> tuple[requests.Response, float]:
    import time

    started = time.monotonic()
    response = requests.post(cfg.rest_url, json={"sender": sender, "message": text}, timeout=30)
    return response, time.monotonic() - started


def test_statistics_database_down_replies_continue_and_nothing_is_lost(pg_stack) -> None:
    cfg, admin, _, stats_db, stats_url = pg_stack
    stats = sa.create_engine(stats_url, poolclass=sa.pool.NullPool)
    senders = [new_sender() for _ in range(3)]
    _block(admin, stats_db, True)
    try:
        for sender in senders:
            response, seconds = _ask(cfg, QUESTION, sender)
            assert response.status_code == 200 and seconds < 2, (response.status_code, seconds)
            assert "Borgerservice har åbent" in texts(response.json())
    finally:
        _block(admin, stats_db, False)

    def recorded() -> int:
        with stats.connect() as conn:
            return conn.execute(
                sa.text("SELECT count(*) FROM conversations WHERE sender_id IN (:a, :b, :c)"),
                dict(zip("abc", map(stored_sender, senders), strict=True)),
            ).scalar_one()

    assert wait_until(recorded, 60) and recorded() == 3
    log = (cfg.log_dir / "rasa.log").read_text(encoding="utf-8", errors="replace")
    assert "Could not record a statistics event: OperationalError" in log
    stats.dispose()


def test_tracker_database_down_is_a_clear_error_not_a_silent_fallback(pg_stack) -> None:
    cfg, admin, tracker_db, _, _ = pg_stack
    sender = new_sender()
    assert "Borgerservice har åbent" in texts(_ask(cfg, QUESTION, sender)[0].json())
    _block(admin, tracker_db, True)
    try:
        response, seconds = _ask(cfg, "hvad med rådhuset?", sender)
        assert response.status_code == 503, response.text
        assert "cannot store the conversation" in response.json()["error"]
        assert seconds < 5
    finally:
        _block(admin, tracker_db, False)
    log = (cfg.log_dir / "rasa.log").read_text(encoding="utf-8", errors="replace")
    assert "tracker store (CachedSQLTrackerStore, endpoints.yml: tracker_store) failed" in log
    assert "Falling back to use the 'InMemoryTrackerStore'" not in log
    # Back again: the conversation goes on with its history.
    response, _ = _ask(cfg, "hej", sender)
    assert response.status_code == 200


def test_sqlite_statistics_locked_replies_continue(taarnby) -> None:
    db = taarnby.workdir / "analytics.db"
    taarnby.ask("hej", new_sender())  # the database exists
    lock = sqlite3.connect(db, timeout=1, isolation_level=None)
    lock.execute("BEGIN EXCLUSIVE")
    sender = new_sender()
    try:
        import time

        started = time.monotonic()
        reply = taarnby.ask(QUESTION, sender)
        assert time.monotonic() - started < 2
        assert "Borgerservice har åbent" in texts(reply)
    finally:
        lock.execute("ROLLBACK")
        lock.close()
    assert wait_until(lambda: statistics_turns(db, sender), 30)


def test_unreachable_tracker_store_stops_startup_with_a_clear_message(
    tmp_path: Path, model_path: Path
) -> None:
    closed = free_port()
    cfg = isolated_stack(tmp_path, model_path)
    cfg.endpoints.write_text(
        "tracker_store:\n  type: SQL\n  dialect: postgresql\n  url: 127.0.0.1\n"
        f"  port: {closed}\n  db: rasa\n  username: rasa\n  password: not-shown\n",
        encoding="utf-8",
    )
    with pytest.raises(TrackerStoreConfigError) as err, running_stack(cfg):
        pass
    message = str(err.value)
    assert str(cfg.endpoints) in message and "tracker_store" in message
    assert "cannot connect" in message and "not-shown" not in message
    assert not cfg.log_dir or not (cfg.log_dir / "rasa.log").exists()  # nothing was started
