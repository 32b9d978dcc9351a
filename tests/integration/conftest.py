"""Start the real assistant (Rasa server + action server) on free ports for the tests.

Each stack gets its own temporary directory with a SQLite tracker store and log files, so the
privacy tests can search exactly the files that this assistant wrote.
"""

from __future__ import annotations

import os
import random
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests
import yaml
from playwright.sync_api import Browser, sync_playwright

from bot.mlops.training import ensure_model
from bot.stack.local import StackConfig, isolated_stack, running_stack
from testkit.project import copy_project
from testkit.senders import new_sender as random_sender

# Debian's chromium (apt); Playwright's own browser downloads are not possible here.
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

# Monday 23 November 2026, 10:00 in Copenhagen: Borgerservice is open (frozen for the tests).
FROZEN_NOW = "2026-11-23T10:00:00+01:00"
# The shared stack's BOT_REVIEW_LOW_CONFIDENCE (see start_assistant).
REVIEW_LOW_CONFIDENCE = "0.995"


@dataclass
class Assistant:
    """A running assistant and the files it writes."""

    cfg: StackConfig
    workdir: Path

    @property
    def tracker_db(self) -> Path:
        return self.workdir / "tracker.db"

    def post(self, payload: object | bytes, **kwargs: object) -> requests.Response:
        data = payload if isinstance(payload, bytes) else None
        json_body = None if isinstance(payload, bytes) else payload
        return requests.post(self.cfg.rest_url, data=data, json=json_body, timeout=60, **kwargs)

    def ask(self, text: str, sender: str | None = None) -> list[dict]:
        response = self.post({"sender": sender or new_sender(), "message": text})
        assert response.status_code == 200, response.text
        return response.json()

    def written_files(self) -> list[Path]:
        return [p for p in self.workdir.rglob("*") if p.is_file()]


# A redirect URL, bare or as the href of a [label](href) link.
REDIRECT = re.compile(r"http://localhost:\d+/r/[^\s)]+")


def link_targets(messages: list[dict]) -> list[str]:
    """Follow every link in a reply through the web app's redirect; return where each leads."""
    targets = []
    for url in REDIRECT.findall(texts(messages)):
        response = requests.get(url, allow_redirects=False, timeout=30)
        assert response.status_code == 302, (url, response.status_code)
        targets.append(response.headers["Location"])
    return targets


def new_sender() -> str:
    return random_sender("test")


def texts(messages: list[dict]) -> str:
    """All bot text of a reply, joined, for assertions."""
    return "\n".join(m.get("text", "") for m in messages)


def buttons(messages: list[dict]) -> list[dict]:
    return [b for m in messages for b in m.get("buttons", [])]


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Debian's chromium through Playwright, one per test module."""
    playwright = sync_playwright().start()
    try:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()
    finally:
        playwright.stop()


@pytest.fixture(scope="session")
def model_path() -> Path:
    return ensure_model()


def shuffle_labels(project: Path, seed: int = 9) -> None:
    """Give every NLU example of ``project`` a random intent (the same number of examples per
    intent as before); lookups, synonyms and regexes stay as they are."""
    pairs: list[tuple[str, str]] = []
    for path in sorted((project / "data" / "nlu").rglob("*.yml")):
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
        kept = []
        for item in doc.get("nlu") or []:
            if "intent" in item:
                for line in item["examples"].splitlines():
                    if line.strip().startswith("- "):
                        pairs.append((item["intent"], line.strip()[2:]))
            else:
                kept.append(item)
        doc["nlu"] = kept
        path.write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), "utf-8")
    labels = [intent for intent, _ in pairs]
    random.Random(seed).shuffle(labels)
    grouped: dict[str, list[str]] = {}
    for label, (_, example) in zip(labels, pairs, strict=True):
        grouped.setdefault(label, []).append(example)
    items = [
        {"intent": intent, "examples": "".join(f"- {e}\n" for e in examples)}
        for intent, examples in sorted(grouped.items())
    ]
    shuffled = {"version": "3.1", "nlu": items}
    (project / "data" / "nlu" / "shuffled.yml").write_text(
        yaml.safe_dump(shuffled, allow_unicode=True, sort_keys=False), encoding="utf-8"
    )


@pytest.fixture(scope="session")
def model_pair(tmp_path_factory: pytest.TempPathFactory, model_path: Path) -> tuple[Path, Path]:
    """The project's model and a worse one (trained on shuffled labels), side by side in a
    models folder of their own: never the project's models/, which ``make run`` and the web
    team's list of models read."""
    folder = tmp_path_factory.mktemp("model-pair")
    baseline = folder / model_path.name
    try:
        os.link(model_path, baseline)
    except OSError:
        shutil.copy2(model_path, baseline)
    copy = copy_project(tmp_path_factory.mktemp("shuffled-project"), models=False)
    shuffle_labels(copy)
    return baseline, ensure_model(root=copy, models=folder)


def start_assistant(
    tmp_path_factory: pytest.TempPathFactory,
    model: Path,
    profile: str,
    extra_env: dict[str, str] | None = None,
) -> Iterator[Assistant]:
    """Run one assistant for ``profile`` in a fresh directory until the generator is closed."""
    workdir = tmp_path_factory.mktemp(f"assistant-{profile}")
    env = {
        "BOT_PROFILE": profile,
        "BOT_ENV": "test",
        "BOT_NOW": FROZEN_NOW,
        "LOG_LEVEL": "DEBUG",
        # The whole suite talks to this stack from one address; the limits have their own test.
        "BOT_RATE_PER_ADDRESS": "100000",
        "BOT_RATE_PER_CONVERSATION": "1000",
        # A wide band for low-confidence review items (the fallback threshold to 0.995), so
        # the review inbox test's messages stay in it whatever a training changes.
        "BOT_REVIEW_LOW_CONFIDENCE": REVIEW_LOW_CONFIDENCE,
        **(extra_env or {}),
    }
    cfg = isolated_stack(workdir, model, env)
    with running_stack(cfg):
        yield Assistant(cfg, workdir)


@pytest.fixture(scope="session")
def taarnby(tmp_path_factory: pytest.TempPathFactory, model_path: Path) -> Iterator[Assistant]:
    """The default (Tårnby) assistant, shared by the tests of a session."""
    yield from start_assistant(tmp_path_factory, model_path, "taarnby")


def analytics_url(assistant: Assistant) -> str:
    return f"sqlite:///{assistant.workdir / 'analytics.db'}"
