"""Start the real assistant (Rasa server + action server) on free ports for the tests.

Each stack gets its own temporary directory with a SQLite tracker store and log files, so the
privacy tests can search exactly the files that this assistant wrote.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests
from playwright.sync_api import Browser, sync_playwright

from bot.ops.runner import StackConfig, isolated_stack, running_stack
from bot.ops.training import ensure_model
from bot.testkit.senders import new_sender as random_sender

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
