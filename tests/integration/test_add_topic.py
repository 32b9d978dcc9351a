"""Adding a topic touches the registry, domain.yml, NLU data and one answer function, and
nothing else (README, "Adding a topic").

The fixture in tests/fixtures/new_topic is applied to a copy of the project; the copy is then
trained and started with ``python -m bot run`` (its own code first on the path), and the new
question is asked through the real citizen endpoint: the answer, the help button and the
statistics with the staff label all come from the four pieces.
"""

from __future__ import annotations

import shutil
import sqlite3
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest
import requests

from bot.knowledge.profile import get_profile
from testkit import ROOT
from testkit.project import ProjectRun, copy_project, running_project
from testkit.senders import new_sender, stored_sender
from tests.integration.conftest import FROZEN_NOW, buttons, texts

pytestmark = [pytest.mark.integration, pytest.mark.slow]

FIXTURE = ROOT / "tests" / "fixtures" / "new_topic"
# Where each piece goes; nothing else of the project is changed.
PIECES = {
    "bot/dialogue/topics.yml",
    "domain.yml",
    "data/nlu/address.yml",
    "bot/dialogue/answers/address.py",
}


def insert_after(text: str, marker: str, lines: list[str]) -> str:
    assert marker in text, marker
    return text.replace(marker, marker + "".join(f"  - {line}\n" for line in lines), 1)


def add_topic(project: Path) -> None:
    """Apply the fixture the way a web-team member would, by hand."""
    import yaml

    registry = project / "bot/dialogue/topics.yml"
    registry.write_text(
        registry.read_text(encoding="utf-8") + (FIXTURE / "registry.yml").read_text("utf-8"),
        encoding="utf-8",
    )
    patch = yaml.safe_load((FIXTURE / "domain.yml").read_text(encoding="utf-8"))
    domain_file = project / "domain.yml"
    domain = domain_file.read_text(encoding="utf-8")
    domain = insert_after(domain, "\nintents:\n", patch["intents"])
    domain = insert_after(domain, "\nactions:\n", patch["actions"])
    assert domain.rstrip().splitlines()[-1].startswith("    - text:"), "responses come last"
    responses = yaml.safe_dump(patch["responses"], allow_unicode=True, width=1000)
    domain += "".join(f"  {line}\n" for line in responses.splitlines())
    domain_file.write_text(domain, encoding="utf-8")
    shutil.copy(FIXTURE / "nlu.yml", project / "data/nlu/address.yml")
    shutil.copy(FIXTURE / "answer.py", project / "bot/dialogue/answers/address.py")


def changed_files(original: Path, copy: Path) -> set[str]:
    names = {str(p.relative_to(copy)) for p in copy.rglob("*") if p.is_file()}
    return {
        n
        for n in names
        if not (original / n).is_file() or (original / n).read_bytes() != (copy / n).read_bytes()
    }


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    copy = copy_project(tmp_path_factory.mktemp("project-with-new-topic"), models=False)
    add_topic(copy)
    return copy


def test_only_the_four_pieces_change(project: Path) -> None:
    changed = {
        n
        for n in changed_files(ROOT, project)
        if not n.startswith("build/") and "__pycache__" not in n
    }
    assert changed == PIECES


@pytest.fixture(scope="module")
def running(project: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ProjectRun]:
    """``python -m bot run`` of the copy, trained on its own data, until the module ends."""
    with running_project(project, tmp_path_factory.mktemp("state"), {"BOT_NOW": FROZEN_NOW}) as run:
        yield run


def ask(running: ProjectRun, text: str, sender: str) -> list[dict]:
    response = requests.post(
        running.rest_url,
        json={"sender": sender, "message": text},
        timeout=60,
    )
    assert response.status_code == 200, response.text
    return response.json()


def test_the_new_topic_answers_is_offered_and_counted(running: ProjectRun) -> None:
    sender = new_sender("test")
    menu = ask(running, "hej", sender)
    assert {"title": "Adresse", "payload": "/address"} in buttons(menu)

    place = get_profile("taarnby").default_place
    reply = ask(running, "hvad er kommunens adresse", sender)
    assert f"{place.name} ligger på {place.address.value}." in texts(reply)
    assert "Fik du svar på dit spørgsmål?" in texts(reply)  # kind information: an answer

    with sqlite3.connect(running.state / "analytics.db") as db:
        turns = db.execute(
            "SELECT t.topic, t.kind, t.area FROM turns t JOIN conversations c "
            "ON c.id = t.conversation_id WHERE c.sender_id = ? AND t.intent = 'address'",
            (stored_sender(sender),),
        ).fetchall()
    assert turns == [("address", "information", "Generel information")]

    # Rasa stamps events with the real clock; the period is the days around it.
    today = date.today()
    period = ["--from", str(today - timedelta(days=1)), "--to", str(today + timedelta(days=1))]
    stats = running.cli("stats", *period, timeout=300)
    assert stats.returncode == 0, stats.stderr
    assert any(line.split() == ["Adresse", "1"] for line in stats.stdout.splitlines()), stats.stdout
