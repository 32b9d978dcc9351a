"""Model versions on the running assistant: the gate refuses a deliberately worse model (trained
on shuffled labels), an override puts it into service without a restart, rollback brings the
old answers back; conversations survive both switches; staff and anonymous visitors get none
of it.

The worse model is trained once per test run on a copy of the project whose NLU examples have
their intents shuffled (fixed seed): the session fixture ``model_pair`` (conftest.py) keeps it
beside a link to the project's model in a models folder of the test's own, never in the
project's ``models/``. The stack pulls its model from its web app (``models:`` in its
endpoints file, polled every few seconds).
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from bot.db.engine import session_scope
from bot.db.stores import REVIEW
from bot.mlops.serving import data_fingerprint_of, heldout_metrics_cached
from bot.mlops.versions import in_service, register_candidate
from bot.stack.local import isolated_stack, running_stack
from testkit import ROOT
from testkit.senders import stored_sender
from testkit.staff import create_staff_user, form_token, login
from tests.integration.conftest import FROZEN_NOW, Assistant, new_sender, texts

pytestmark = [pytest.mark.integration, pytest.mark.slow]

QUESTION = "hvornår har borgerservice åbent?"
OPENING_HOURS = "Borgerservice har åbent"
PASSWORD = "en lang nok adgangskode"
POLL_SECONDS = 3
SWITCH_LIMIT_S = 60


@pytest.fixture(scope="module")
def baseline(model_pair: tuple[Path, Path]) -> Path:
    return model_pair[0]


@pytest.fixture(scope="module")
def worse_model(model_pair: tuple[Path, Path]) -> Path:
    return model_pair[1]


@pytest.fixture(scope="module")
def stack(
    tmp_path_factory: pytest.TempPathFactory, baseline: Path, worse_model: Path
) -> Iterator[tuple[Assistant, object]]:
    workdir = tmp_path_factory.mktemp("assistant-model-server")
    env = {
        "BOT_PROFILE": "taarnby",
        "BOT_ENV": "test",
        "BOT_NOW": FROZEN_NOW,
        "BOT_MODEL_POLL_SECONDS": str(POLL_SECONDS),
        "BOT_RATE_PER_ADDRESS": "100000",
        "BOT_RATE_PER_CONVERSATION": "1000",
    }
    cfg = isolated_stack(workdir, baseline, env, model_server=True)
    assert "models:" in cfg.endpoints.read_text(encoding="utf-8")
    with running_stack(cfg) as supervisor:
        yield Assistant(cfg, workdir), supervisor


def cli(assistant: Assistant, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=ROOT,
        env=assistant.cfg.child_env(),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def rasa_pid(supervisor: object) -> int:
    service = next(s for s in supervisor.services if s.name == "Rasa server")  # type: ignore[attr-defined]
    return service.process.pid


@dataclass
class Switch:
    """How a switch looked from a citizen's side while the test kept asking."""

    seconds: float  # from the promotion/rollback until the first answer by the other model
    slowest_reply: float
    asked: int


def last_model_id(assistant: Assistant, sender: str) -> str:
    """The model that understood the sender's latest message (Rasa records it per event)."""
    with sqlite3.connect(assistant.tracker_db) as db:
        row = db.execute(
            "SELECT data FROM events WHERE sender_id = ? AND type_name = 'user' "
            "ORDER BY id DESC LIMIT 1",
            (stored_sender(sender),),
        ).fetchone()
    return json.loads(row[0])["metadata"]["model_id"]


def wait_for_switch(assistant: Assistant, sender: str, baseline_id: str, back: bool) -> Switch:
    """Ask QUESTION until the other model answers: the baseline again (``back``) with the
    opening hours, or the worse model, without them."""
    start = time.monotonic()
    slowest, asked = 0.0, 0
    while time.monotonic() - start < SWITCH_LIMIT_S + 30:
        sent = time.monotonic()
        reply = texts(assistant.ask(QUESTION, sender))
        slowest, asked = max(slowest, time.monotonic() - sent), asked + 1
        model = last_model_id(assistant, sender)
        if back and model == baseline_id and OPENING_HOURS in reply:
            return Switch(time.monotonic() - start, slowest, asked)
        if not back and model != baseline_id and OPENING_HOURS not in reply:
            return Switch(time.monotonic() - start, slowest, asked)
        time.sleep(0.5)
    pytest.fail(f"the answer did not switch within {SWITCH_LIMIT_S + 30} s")


def tracker_events(assistant: Assistant, sender: str) -> int:
    with sqlite3.connect(assistant.tracker_db) as db:
        return db.execute(
            "SELECT count(*) FROM events WHERE sender_id = ?", (stored_sender(sender),)
        ).fetchone()[0]


def test_gate_override_switch_and_rollback_without_restart(
    stack: tuple[Assistant, object], worse_model: Path
) -> None:
    assistant, supervisor = stack
    review_url = assistant.cfg.child_env()["BOT_REVIEW_DB_URL"]
    assert "Serving version 1" in supervisor.served  # type: ignore[attr-defined]
    pid = rasa_pid(supervisor)

    # The registered baseline serves the opening hours.
    talker = new_sender()
    assert OPENING_HOURS in texts(assistant.ask(QUESTION, talker))
    baseline_model_id = last_model_id(assistant, talker)
    events_before = tracker_events(assistant, talker)

    # The worse model becomes a candidate with its measured metrics.
    worse_metrics = {"heldout": heldout_metrics_cached(worse_model), "cv": None}
    with session_scope(REVIEW, review_url) as s:
        base_version = in_service(s)
        assert base_version is not None
        base_id, base_accuracy = base_version.id, base_version.metrics["heldout"]["accuracy"]
        worse_id = register_candidate(
            s,
            file_name=worse_model.name,
            data_fingerprint=data_fingerprint_of(worse_model),
            metrics=worse_metrics,
            report=None,
            created_by="test",
        ).id
    assert worse_metrics["heldout"]["accuracy"] < base_accuracy - 0.2

    listed = cli(assistant, "models", "--json")
    assert listed.returncode == 0, listed.stderr
    rows = {r["id"]: r for r in json.loads(listed.stdout)}
    assert rows[base_id]["status"] == "in-service" and rows[worse_id]["status"] == "candidate"

    # The gate refuses it on the command line ...
    refused = cli(assistant, "promote", str(worse_id), "--by", "cli-user")
    assert refused.returncode == 2
    assert "Træfsikkerheden på testsættet falder fra" in refused.stdout
    assert "Traceback" not in refused.stderr
    # ... and in the web app.
    create_staff_user(assistant.cfg.child_env(), "webber", PASSWORD, "webteam")
    create_staff_user(assistant.cfg.child_env(), "stella", PASSWORD, "staff")
    web = assistant.cfg.web_url
    browser = login(web, "webber", PASSWORD)
    page = browser.get(web + "/webteam/models", timeout=30)
    assert page.status_code == 200 and f"Kontrollen afviser version {worse_id}" in page.text
    token = form_token(page.text)
    stopped = browser.post(
        f"{web}/webteam/models/{worse_id}/promote",
        data={"csrf_token": token},
        allow_redirects=False,
        timeout=30,
    )
    assert stopped.status_code == 409

    # Staff and anonymous visitors get nothing: page, promotion, the model itself.
    staff = login(web, "stella", PASSWORD)
    assert staff.get(web + "/webteam/models", timeout=30).status_code == 403
    staff_token = form_token(staff.get(web + "/staff/", timeout=30).text)
    assert (
        staff.post(
            f"{web}/webteam/models/{worse_id}/promote",
            data={"csrf_token": staff_token, "override_reason": "jeg vil"},
            allow_redirects=False,
            timeout=30,
        ).status_code
        == 403
    )
    anonymous = requests.get(web + "/webteam/models", allow_redirects=False, timeout=30)
    assert anonymous.status_code == 302
    assert requests.get(web + "/model-server/model.tar.gz", timeout=30).status_code == 401
    assert OPENING_HOURS in texts(assistant.ask(QUESTION, talker))  # still the baseline

    # An override with a written reason switches the running server within a minute.
    promoted = browser.post(
        f"{web}/webteam/models/{worse_id}/promote",
        data={"csrf_token": token, "override_reason": "Test af skift og tilbagerulning."},
        allow_redirects=False,
        timeout=30,
    )
    assert promoted.status_code == 303
    switch = wait_for_switch(assistant, talker, baseline_model_id, back=False)
    print(f"\nPromotion: {switch} (poll every {POLL_SECONDS} s)")
    assert switch.seconds < SWITCH_LIMIT_S
    assert rasa_pid(supervisor) == pid
    assert not any(s.exited() for s in supervisor.services)  # type: ignore[attr-defined]
    events_after = tracker_events(assistant, talker)
    assert events_after > events_before  # the same conversation went on

    # Rollback in one action brings the opening hours back, still without a restart.
    back = cli(assistant, "rollback", "--by", "cli-user")
    assert back.returncode == 0, back.stderr
    assert f"Version {base_id} is in service again" in back.stdout
    rolled = wait_for_switch(assistant, talker, baseline_model_id, back=True)
    print(f"Rollback: {rolled}")
    assert rolled.seconds < SWITCH_LIMIT_S
    assert rasa_pid(supervisor) == pid
    assert tracker_events(assistant, talker) > events_after
    with sqlite3.connect(assistant.tracker_db) as db:
        first = db.execute(
            "SELECT data FROM events WHERE sender_id = ? AND type_name = 'user' ORDER BY id",
            (stored_sender(talker),),
        ).fetchone()[0]
    assert json.loads(first)["text"] == QUESTION  # the start of the conversation is still there

    history = cli(assistant, "models")
    assert history.returncode == 0
    assert "override: Test af skift og tilbagerulning." in history.stdout
