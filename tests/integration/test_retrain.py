"""Retrain on a copy of the project: an accepted review item becomes training data, a candidate
is trained and compared with the model in service (held-out set and 2-fold cross-validation),
and registered with its report; a second retrain at the same time is refused. Then the web
team's pages: the comparison report (screenshot in test-artifacts/report.png), the retrain
button (which starts ``python -m bot retrain --job ID`` and shows its progress), and who may
see them.

The copy trains its own baseline first (config.yml's pipeline trains in seconds), so the model
in service has its training data on disk; then the retrain trains the candidate and
cross-validates both (2 folds).
"""

from __future__ import annotations

import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path

import pytest
import requests

from bot.mlops.compare import fallback_threshold
from bot.mlops.training import ensure_model
from bot.stack.ports import free_port
from testkit import ROOT
from testkit.project import copy_project, project_env
from testkit.shadow import add_accepted_example
from testkit.staff import create_staff_user, login

pytestmark = [pytest.mark.integration, pytest.mark.slow]

NEW_PHRASING = "hvornår kan jeg komme forbi rådhuset og snakke med nogen"
INTENT = "opening_hours"
RETRAIN_TIMEOUT_S = 600
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = "/usr/bin/chromium"


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """A copy with few training epochs, its own baseline model trained on them (so the model in
    service has its training data on disk and is cross-validated too), its own state, and one
    accepted review item."""
    copy = copy_project(tmp_path_factory.mktemp("retrain-project"))
    ensure_model(root=copy, models=copy / "models")
    state = tmp_path_factory.mktemp("retrain-state")
    env = project_env(copy, state, {"BOT_CV_FOLDS": "2", "BOT_MODELS_DIR": str(copy / "models")})
    add_accepted_item(f"sqlite:///{state / 'review.db'}")
    return {"project": copy, "state": state, "env": env}


def add_accepted_item(url: str) -> None:
    """A citizen's message the web team accepted as opening_hours, as the inbox stores it."""
    from bot.db.engine import get_engine

    at = datetime(2026, 11, 20, 9, 30, tzinfo=timezone.utc)
    add_accepted_example(url, NEW_PHRASING, INTENT, at=at)
    get_engine.cache_clear()


def bot(project: dict, *args: str, **kwargs: object) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "bot", *args],
        cwd=project["project"],
        env=project["env"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        **kwargs,  # type: ignore[arg-type]
    )


def jobs_in(state: Path) -> list[tuple]:
    with sqlite3.connect(state / "review.db") as db:
        return db.execute(
            "SELECT id, status, stage, error FROM retrain_jobs ORDER BY id"
        ).fetchall()


@pytest.fixture(scope="module")
def retrained(project: dict) -> dict:
    """``python -m bot retrain --json``, with a second one started while it runs."""
    first = bot(project, "retrain", "--json")
    deadline = time.monotonic() + 300
    while not any(job[1] == "running" for job in jobs_in_safe(project["state"])):
        assert first.poll() is None, first.communicate()
        assert time.monotonic() < deadline, "the retrain job did not start"
        time.sleep(1)
    second = subprocess.run(
        [sys.executable, "-m", "bot", "retrain", "--json"],
        cwd=project["project"],
        env=project["env"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    try:
        out, err = first.communicate(timeout=RETRAIN_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        first.kill()
        raise
    assert first.returncode == 0, err[-4000:]
    return {"result": json.loads(out), "stderr": err, "second": second}


def jobs_in_safe(state: Path) -> list[tuple]:
    try:
        return jobs_in(state)
    except sqlite3.OperationalError:  # the table is made when the command starts
        return []


def test_a_second_retrain_is_refused(retrained: dict) -> None:
    second = retrained["second"]
    assert second.returncode == 3, second.stderr
    assert "En gentræning kører allerede" in second.stderr
    assert second.stdout == ""  # nothing for a script to mistake for a result


def test_the_report_compares_both_models(retrained: dict, project: dict) -> None:
    result = retrained["result"]
    cand, served = result["candidate"], result["in_service"]
    assert served is not None and served["file_name"].startswith("model-")
    assert cand["file_name"] != served["file_name"]  # the accepted example changed the data
    assert result["exported_examples"] == 1
    assert result["reused_model"] is False
    for model in (cand, served):
        assert 0.5 < model["heldout"]["accuracy"] <= 1
        assert 0 < model["heldout"]["macro_f1"] <= 1
        assert model["cv"]["folds"] == 2 and 0.5 < model["cv"]["macro_f1"] <= 1
        assert INTENT in model["per_intent_f1"]
    assert result["deltas"]["accuracy"] == pytest.approx(
        cand["heldout"]["accuracy"] - served["heldout"]["accuracy"]
    )
    report = result["report"]
    assert set(report["candidate"]["errors"]) == {"wrong_high", "wrong_low", "right_low"}
    assert set(result["error_categories"]["in_service"]) == {"wrong_high", "wrong_low", "right_low"}
    assert report["threshold"] == fallback_threshold(project["project"] / "config.yml")
    assert {r["intent"] for r in report["per_intent"]} >= {INTENT, "out_of_scope"}
    assert set(result["gate"]) >= {"allowed", "reasons"} and result["gate"]["reasons"]
    # The example is in the copy's training data, in Rasa's format.
    reviewed = (project["project"] / "data/nlu/reviewed.yml").read_text(encoding="utf-8")
    plain = re.sub(r"\[([^\]]+)\]\([^)]+\)", r"\1", reviewed)  # entity annotations
    assert f"- intent: {INTENT}" in reviewed and f"- {NEW_PHRASING}\n" in plain
    assert "Træner den nye model" in retrained["stderr"]


def test_the_candidate_is_registered_with_its_metrics(retrained: dict, project: dict) -> None:
    result = retrained["result"]
    with sqlite3.connect(project["state"] / "review.db") as db:
        rows = dict(
            (row[0], row[1:])
            for row in db.execute(
                "SELECT id, file_name, status, metrics, report, created_by FROM model_versions"
            )
        )
        job = db.execute(
            "SELECT status, candidate_version_id, lines FROM retrain_jobs WHERE id = ?",
            (result["job_id"],),
        ).fetchone()
    file_name, status, metrics, report, created_by = rows[result["candidate_version_id"]]
    assert file_name == result["candidate"]["file_name"] and status == "candidate"
    assert created_by.startswith("cli:")
    assert json.loads(metrics)["heldout"]["accuracy"] == result["candidate"]["heldout"]["accuracy"]
    assert json.loads(metrics)["cv"]["folds"] == 2
    assert json.loads(report)["candidate"]["version_id"] == result["candidate_version_id"]
    # The baseline was put in service (nothing was) and keeps its cross-validation for next time.
    served = rows[result["in_service"]["version_id"]]
    assert served[1] == "in_service" and json.loads(served[2])["cv"]["folds"] == 2
    assert (project["project"] / "models" / file_name).is_file()
    assert job[0] == "succeeded" and job[1] == result["candidate_version_id"]
    stages = [line["text"] for line in json.loads(job[2])]
    assert any(text.startswith("3/8 ") for text in stages)
    # Each step says its wall time, on the page as in the result.
    for stage in ("Træner den nye model", "Krydsvalidering", "Skyggetest på borgernes spørgsmål"):
        done = rf"{stage}: færdig efter (\d+,\d s|\d+ min \d+ s)$"
        assert any(re.match(done, t) for t in stages), stages
    assert any(t.startswith("Krydsvalidering af den nye model: træfsikkerhed") for t in stages)
    assert any(re.match(r"Skyggetest: \d+ beskeder? fra de sidste", t) for t in stages), stages
    timings = result["timings"]
    assert set(timings) >= {"train_s", "cv_s", "shadow_s", "total_s"}
    assert 0 < timings["train_s"] < timings["total_s"]


# -- the web team's pages ------------------------------------------------------------


@pytest.fixture(scope="module")
def web(project: dict, retrained: dict) -> Iterator[dict]:
    port = free_port()
    log = (project["state"] / "web.out").open("w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot", "web", "--port", str(port)],
        cwd=project["project"],
        env=project["env"],
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    url = f"http://localhost:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                if requests.get(url + "/healthz", timeout=2).status_code == 200:
                    break
            except requests.ConnectionError:
                pass
            assert proc.poll() is None and time.monotonic() < deadline, "web app did not start"
            time.sleep(0.5)
        create_staff_user(project["env"], "webanna", "hemmeligt-kodeord-1", role="webteam")
        create_staff_user(project["env"], "staffbo", "hemmeligt-kodeord-2", role="staff")
        yield {"url": url, "version": retrained["result"]["candidate_version_id"]}
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)
        log.close()


def test_only_the_web_team_sees_the_pages(web: dict) -> None:
    url = web["url"]
    pages = [
        "/webteam/retrain",
        f"/webteam/reports/{web['version']}",
        "/webteam/retrain/jobs/1.json",
    ]
    for page in pages:
        anonymous = requests.get(url + page, allow_redirects=False, timeout=30)
        assert anonymous.status_code == 302 and "/staff/login" in anonymous.headers["Location"]
    staff = login(url, "staffbo", "hemmeligt-kodeord-2")
    for page in pages:
        assert staff.get(url + page, timeout=30).status_code == 403, page
    token_page = staff.get(url + "/staff/", timeout=30).text
    from testkit.staff import form_token

    refused = staff.post(
        url + "/webteam/retrain", data={"csrf_token": form_token(token_page)}, timeout=30
    )
    assert refused.status_code == 403
    webteam = login(url, "webanna", "hemmeligt-kodeord-1")
    page = webteam.get(url + f"/webteam/reports/{web['version']}", timeout=30)
    assert page.status_code == 200
    assert "Forkert, men sikker" in page.text and INTENT in page.text
    assert webteam.get(url + "/webteam/reports/9999", timeout=30).status_code == 404
    job = webteam.get(url + "/webteam/retrain/jobs/1.json", timeout=30).json()
    assert (
        job["status"] == "succeeded" and job["report_url"] == f"/webteam/reports/{web['version']}"
    )


def test_the_report_page_and_the_button_in_a_browser(web: dict, project: dict) -> None:
    from playwright.sync_api import expect, sync_playwright

    url = web["url"]
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1200, "height": 900})
        csp_errors: list[str] = []
        page.on(
            "console",
            lambda m: csp_errors.append(m.text) if "Content Security Policy" in m.text else None,
        )
        page.goto(url + "/staff/login")
        page.get_by_label("Brugernavn").fill("webanna")
        page.get_by_label("Adgangskode").fill("hemmeligt-kodeord-1")
        page.get_by_role("button", name="Log ind").click()
        page.goto(url + f"/webteam/reports/{web['version']}")
        expect(page.get_by_role("heading", name="Ny model mod modellen i drift")).to_be_visible()
        expect(page.get_by_role("table", name="Træfsikkerhed og F1")).to_be_visible()
        expect(page.get_by_role("table", name="Antal eksempler pr. fejltype")).to_be_visible()
        # What changes for citizens comes first; intents go by their Danish labels.
        citizens = page.get_by_role("heading", name="Hvad ændres for borgerne")
        overall = page.get_by_role("heading", name="Samlet")
        assert citizens.bounding_box()["y"] < overall.bounding_box()["y"]  # type: ignore[index]
        assert "Skyggetest på borgernes egne spørgsmål" in page.locator("main").inner_text()
        per_topic = page.get_by_role("table", name="Præcision, genkaldelse og F1 pr. emne")
        expect(per_topic.get_by_role("rowheader", name="Åbningstider")).to_be_visible()
        assert "opening_hours" not in per_topic.inner_text()
        page.screenshot(path=str(ARTIFACTS / "report.png"), full_page=True)

        # The button: a second retrain of the same data reuses the model and both
        # cross-validations, and its progress shows on the page until it is done.
        page.goto(url + "/webteam/retrain")
        assert "opening_hours" not in page.locator("main").inner_text()
        page.get_by_role("button", name="Start gentræning").click()
        expect(page.get_by_role("heading", name="Gentræning i gang")).to_be_visible()
        # Real steps with their times, not a heartbeat.
        expect(
            page.locator('[data-field="lines"] li', has_text="færdig efter").first
        ).to_be_visible(timeout=120_000)
        page.screenshot(path=str(ARTIFACTS / "retrain-progress.png"), full_page=True)
        # retrain.js follows the job without reloading the page, says when it is done, then
        # reloads: the job is the newest row, with the link to its report.
        lines = page.locator('[data-field="lines"] li')
        expect(lines.first).to_be_visible()
        expect(page.locator('[data-field="status"]')).to_have_text(
            "Gentræningen er færdig.", timeout=600_000
        )
        expect(page.get_by_role("heading", name="Gentræning i gang")).to_be_hidden()
        newest = page.get_by_role("table", name="De seneste gentræninger").locator("tbody tr")
        expect(newest.first.get_by_role("cell", name="Færdig")).to_be_visible()
        expect(newest.first.get_by_role("link", name="Se sammenligningen")).to_be_visible()
        assert csp_errors == []
        browser.close()
    jobs = jobs_in(project["state"])
    assert [j[1] for j in jobs] == ["succeeded", "succeeded"], jobs
    log = (project["project"] / "var" / "logs" / f"retrain-{jobs[-1][0]}.log").read_text("utf-8")
    assert "genbruges" in log


def test_invalid_training_data_fail_clearly(project: dict, retrained: dict) -> None:
    broken = project["project"] / "data" / "nlu" / "broken.yml"
    broken.write_text(
        'version: "3.1"\nnlu:\n- intent: no_such_intent\n  examples: |\n    - hvad så\n',
        encoding="utf-8",
    )
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "bot", "retrain", "--json"],
            cwd=project["project"],
            env=project["env"],
            capture_output=True,
            text=True,
            timeout=600,
        )
    finally:
        broken.unlink()
    assert proc.returncode == 2, proc.stderr[-3000:]
    assert proc.stdout == ""
    assert "Træningsdata er ikke gyldige" in proc.stderr and "no_such_intent" in proc.stderr
    assert "Traceback" not in proc.stderr
    last = jobs_in(project["state"])[-1]
    assert last[1] == "failed" and "no_such_intent" in last[3]
