"""The shadow test through the real thing: ``python -m bot shadow`` parses a review store's
recent messages with the project's model (in service) and a deliberately worse candidate
(trained on shuffled labels: the session fixture ``model_pair`` in conftest.py, in a models
folder of the test's own), the report groups the changes with Danish labels,
a verdict (CLI and one click in Chromium) becomes a reviewed example, and the promotion gate
refuses the candidate, on the command line and on the models page.

Screenshots go to test-artifacts/shadow-*.png.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import pytest
import sqlalchemy as sa
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser

from bot.db.engine import get_engine, session_scope
from bot.db.stores import REVIEW
from bot.mlops.training import ensure_model
from bot.mlops.versions import in_service, set_metrics
from bot.review.records import ReviewItem
from bot.stack.paths import base_env
from bot.stack.ports import free_port
from bot.stack.supervisor import Service
from testkit import ROOT
from testkit.shadow import register_pair, seed_messages
from testkit.staff import create_staff_user, login

pytestmark = [pytest.mark.integration, pytest.mark.slow]

NOW = "2026-11-30T12:00:00+01:00"
NOW_UTC = datetime(2026, 11, 30, 11, 0, tzinfo=timezone.utc)
HOURS = "hvornår har borgerservice åbent?"
MESSAGES = [HOURS] * 5 + ["hvad er jeres telefonnummer"] * 2 + ["hej", "Knap: Nej"]
WEBTEAM = ("webteam.shadow", "korrekt hest batteri 44")
ARTIFACTS = ROOT / "test-artifacts"


@dataclass
class Store:
    url: str
    env: dict[str, str]
    service_id: int
    candidate_id: int

    def cli(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "bot", *args],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )


@pytest.fixture(scope="module")
def store(
    tmp_path_factory: pytest.TempPathFactory, model_pair: tuple[Path, Path]
) -> Iterator[Store]:
    baseline, worse = model_pair
    work = tmp_path_factory.mktemp("shadow")
    url = f"sqlite:///{work / 'review.db'}"
    get_engine.cache_clear()
    seed_messages(url, MESSAGES, now=NOW_UTC, days=10)
    service_id, candidate_id = register_pair(url, baseline, worse)
    # Equal held-out figures on both sides: only the shadow test's part can refuse.
    heldout = {"fingerprint": "h", "examples": 10, "accuracy": 0.9, "macro_f1": 0.9}
    with session_scope(REVIEW, url) as s:
        for version_id in (service_id, candidate_id):
            set_metrics(s, version_id, {"heldout": heldout, "cv": None})
    env = base_env(
        {
            "BOT_ENV": "test",
            "BOT_NOW": NOW,
            "BOT_ANALYTICS_DB_URL": f"sqlite:///{work / 'analytics.db'}",
            "BOT_REVIEW_DB_URL": url,
            "BOT_MODELS_DIR": str(baseline.parent),
        }
    )
    yield Store(url, env, service_id, candidate_id)
    get_engine(REVIEW, url).dispose()
    get_engine.cache_clear()


def test_cli_report_verdict_and_the_gate(store: Store) -> None:
    run = store.cli("shadow", str(store.candidate_id), "--json")
    assert run.returncode == 0, run.stderr
    report = json.loads(run.stdout)
    assert report["messages"] == 8  # the button press is not a typed question
    assert report["distinct_texts"] == 3
    hours = next(c for c in report["changes"] if c["before_label"] == "Åbningstider")
    assert hours["messages"] == 5 and hours["rows"][0]["text"] == HOURS
    assert hours["after_label"] != "Åbningstider"
    assert all(
        c["before"]["intent"] != "opening_hours" for c in report["changes"] if c is not hours
    )
    assert report["gate"]["unreviewed"] == report["disagreements"] >= 1
    # The citizen text is not in the logs: Rasa's per-message debug lines are off.
    assert HOURS not in run.stderr

    text = store.cli("shadow", str(store.candidate_id), "--show")
    assert text.returncode == 0, text.stderr
    assert text.stdout.index("What changes for citizens") < text.stdout.index("Figures:")
    assert f"5 beskeder: Åbningstider → {hours['after_label']}" in text.stdout

    # Not yet reviewed: the gate counts them (not a refusal by itself).
    assert f"({report['disagreements']} uenighed" in text.stdout

    verdict = store.cli("shadow-verdict", str(hours["rows"][0]["id"]), "service", "--by", "anna")
    assert verdict.returncode == 0, verdict.stderr
    with session_scope(REVIEW, store.url) as s:
        item = s.query(ReviewItem).filter(ReviewItem.text == HOURS).one()
        assert (item.status, item.decided_intent, item.decided_by) == (
            "accepted",
            "opening_hours",
            "anna",
        )
    refused = store.cli("promote", str(store.candidate_id), "--by", "anna")
    assert refused.returncode == 2, refused.stdout
    assert "Skyggetesten: Den nye model svarer dårligere end modellen i drift på 1 besked" in (
        refused.stdout
    )
    unreviewed = report["disagreements"] - 1
    if unreviewed:
        assert f"({unreviewed} uenighed" in refused.stdout
    with session_scope(REVIEW, store.url) as s:
        assert in_service(s).id == store.service_id  # type: ignore[union-attr]
    # Run again (as after the next retrain): nothing is parsed again (both models' answers are
    # cached), and the verdict carries over to the new run, so the gate still refuses.
    again = store.cli("shadow", str(store.candidate_id), "--json")
    assert again.returncode == 0, again.stderr
    assert "to parse: 0 texts with the model in service (3 known), 0 with the candidate" in (
        again.stderr
    )
    rerun = json.loads(again.stdout)
    assert rerun["run_id"] != report["run_id"]
    assert rerun["gate"]["refusals"] and rerun["gate"]["unreviewed"] == unreviewed
    bad = store.cli("shadow-verdict", "99999", "service")
    assert bad.returncode == 2 and "no shadow disagreement 99999" in bad.stderr
    missing = store.cli("shadow", "424242")
    assert missing.returncode == 2 and "no model version 424242" in missing.stderr


@pytest.fixture(scope="module")
def web(store: Store, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    work = tmp_path_factory.mktemp("shadow-web")
    port = free_port()
    env = {**store.env, "BOT_PUBLIC_URL": f"http://localhost:{port}"}
    service = Service(
        "web app",
        [sys.executable, "-m", "bot", "web", "--port", str(port)],
        f"http://localhost:{port}/healthz",
        work / "web.log",
    )
    service.start(env)
    try:
        service.wait_ready(60)
        create_staff_user(env, *WEBTEAM, role="webteam")
        yield f"http://localhost:{port}"
    finally:
        service.stop()
        service.close_log()


def test_report_page_verdict_click_and_refused_promotion(
    store: Store, web: str, browser: Browser
) -> None:
    if store.cli("shadow", str(store.candidate_id), "--show").returncode != 0:
        assert store.cli("shadow", str(store.candidate_id)).returncode == 0
    ARTIFACTS.mkdir(exist_ok=True)
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="da-DK")
    page = context.new_page()
    try:
        page.goto(f"{web}/webteam/shadow/{store.candidate_id}")
        assert "/staff/login" in page.url
        page.get_by_label("Brugernavn").fill(WEBTEAM[0])
        page.get_by_label("Adgangskode").fill(WEBTEAM[1])
        page.get_by_role("button", name="Log ind").click()
        page.wait_for_url(f"**/webteam/shadow/{store.candidate_id}")
        heading = page.get_by_role("heading", name="Hvad ændrer sig for borgerne")
        figures = page.get_by_role("heading", name="Tal")
        assert heading.is_visible() and figures.is_visible()
        assert heading.bounding_box()["y"] < figures.bounding_box()["y"]  # type: ignore[index]
        change = page.get_by_role("heading", name="5 beskeder: Åbningstider →")
        assert change.is_visible()
        # A fallback has no confidence of its own (Rasa gives it the threshold): "for usikker";
        # an answer shows its confidence.
        opening = page.locator("tr", has_text="hvornår har borgerservice åbent").inner_text()
        with session_scope(REVIEW, store.url) as s:
            intent, confidence = s.execute(
                sa.text(
                    "SELECT candidate_intent, candidate_confidence FROM shadow_disagreements "
                    "WHERE text = :text ORDER BY id DESC LIMIT 1"
                ),
                {"text": HOURS},
            ).one()
        if intent == "nlu_fallback":
            assert "for usikker" in opening
        else:
            assert "for usikker" not in opening
            assert f"{round(100 * confidence)}\xa0%" in opening
        # Dates in the staff format, never ISO.
        figures_text = page.locator("main").inner_text()
        assert "Beskeder læst:" in figures_text and "2026-" not in figures_text
        violations = [
            v
            for v in Axe().run(page).response["violations"]
            if v["impact"] in ("serious", "critical")
        ]
        assert violations == [], violations
        page.screenshot(path=str(ARTIFACTS / "shadow-report.png"), full_page=True)

        # One click: the model in service is right about "hvad er jeres telefonnummer".
        row = page.locator("tr", has_text="hvad er jeres telefonnummer")
        row.get_by_role("button", name="I drift: Kontakt kommunen").click()
        page.wait_for_url("**ok=1*")
        assert page.get_by_text("Vurderingen er gemt som et gennemgået eksempel.").is_visible()
        row = page.locator("tr", has_text="hvad er jeres telefonnummer")
        assert row.get_by_text("Modellen i drift har ret").is_visible()
        assert page.get_by_text("Kontrollen afviser version").is_visible()
        page.screenshot(path=str(ARTIFACTS / "shadow-verdict.png"), full_page=True)

        page.goto(f"{web}/webteam/models")
        gate_row = page.locator(f"tr.gate:has(form[action$='/{store.candidate_id}/promote'])")
        assert gate_row.get_by_text("Skyggetesten: Den nye model svarer dårligere").is_visible()
        page.screenshot(path=str(ARTIFACTS / "shadow-gate-refused.png"), full_page=True)
    finally:
        context.close()
    with session_scope(REVIEW, store.url) as s:
        item = s.query(ReviewItem).filter(ReviewItem.text == "hvad er jeres telefonnummer").one()
        assert (item.status, item.decided_intent) == ("accepted", "contact")
    # A logged-in POST without the form's CSRF token changes nothing.
    session = login(web, *WEBTEAM)
    forged = session.post(
        f"{web}/webteam/shadow/{store.candidate_id}/verdict/1",
        data={"side": "candidate"},
        timeout=30,
        allow_redirects=False,
    )
    assert forged.status_code == 403


def test_batched_parsing_gives_what_rasa_parses_one_by_one() -> None:
    """The shadow test parses in batches through the model's graph; Rasa's own
    ``Agent.parse_message`` must give the same intents, confidences and tasks."""
    import asyncio
    from concurrent.futures import ThreadPoolExecutor

    from bot.mlops.evaluation import load_agent, load_examples
    from bot.mlops.shadow import answer_of, parse_batch, quiet_rasa_logs

    texts = sorted({t for t, _ in load_examples(ROOT / "eval/heldout.yml")})[:60]
    texts += ["jeg skal flytte, hvordan melder jeg flytning", "/greet", *MESSAGES]
    quiet_rasa_logs()
    agent = load_agent(ensure_model())

    async def one_by_one() -> list:
        return [answer_of(await agent.parse_message(t)) for t in texts]

    # In a thread of its own: the module's Playwright keeps an event loop in this one.
    with ThreadPoolExecutor(1) as thread:
        single = thread.submit(asyncio.run, one_by_one()).result()
    batched = [answer_of(p) for p in parse_batch(agent, texts)]
    assert [a.key for a in batched] == [a.key for a in single]
    assert [round(a.confidence, 4) for a in batched] == [round(a.confidence, 4) for a in single]
    assert any(a.task for a in batched)  # the task is found, not only the intent
