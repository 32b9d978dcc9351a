"""A copy of the project that runs as the product does: ``python -m bot ...`` with the copy's
own code first on the path, its own data, models and state.

Tests that change training data, train, retrain or serve another model work on a copy, so the
checkout (and its trained model) is never touched. Copying the built spaCy pipeline and the
trained models saves rebuilding them: a model's file name is the fingerprint of its inputs, so
a copy with unchanged inputs finds the checkout's model and does not train.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from bot.stack.ports import free_port
from testkit import ROOT

# Training the copy (a few minutes) if needed, and starting three servers.
STARTUP_TIMEOUT_S = 1500
READY_LINE = "The assistant is running"


def project_files(root: Path = ROOT) -> list[str]:
    """The project's files as a clean clone has them (tracked, or new and not ignored)."""
    out = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard"],
        cwd=root,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return [f for f in out.splitlines() if (root / f).is_file()]


def copy_project(dest: Path, root: Path = ROOT, models: bool = True) -> Path:
    """Copy the project's files to ``dest``, with the built spaCy pipeline and (``models``) the
    trained models (hard links where the file system allows)."""
    for name in project_files(root):
        target = dest / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(root / name, target)
    spacy = root / "build" / "spacy"
    if spacy.is_dir():
        shutil.copytree(spacy, dest / "build" / "spacy", dirs_exist_ok=True)
    if models and (root / "models").is_dir():
        (dest / "models").mkdir(exist_ok=True)
        for model in (root / "models").glob("*.tar.gz"):
            try:
                os.link(model, dest / "models" / model.name)
            except OSError:
                shutil.copy2(model, dest / "models" / model.name)
    return dest


@dataclass
class ProjectRun:
    """``python -m bot run --state-dir`` of a project copy, and its ports and environment."""

    project: Path
    state: Path
    env: dict[str, str]
    rasa_port: int = field(default_factory=free_port)
    action_port: int = field(default_factory=free_port)
    web_port: int = field(default_factory=free_port)

    @property
    def rest_url(self) -> str:
        return f"http://localhost:{self.rasa_port}/webhooks/rest/webhook"

    @property
    def web_url(self) -> str:
        return f"http://localhost:{self.web_port}"

    @property
    def output(self) -> str:
        path = self.state / "run.out"
        return path.read_text("utf-8", errors="replace") if path.exists() else ""

    def cli(
        self, *args: str, stdin: str | None = None, timeout: float = 1800
    ) -> subprocess.CompletedProcess:
        """Run ``python -m bot <args>`` in the copy against this run's databases."""
        return subprocess.run(
            [sys.executable, "-m", "bot", *args],
            cwd=self.project,
            env=self.env,
            input=stdin,
            capture_output=True,
            text=True,
            timeout=timeout,
        )


def project_env(project: Path, state: Path, extra: dict[str, str] | None = None) -> dict[str, str]:
    """The environment of a copy's processes: its own code first, its state's databases."""
    return {
        **os.environ,
        "PYTHONPATH": str(project),  # the copy's bot/ and actions/, not the installed ones
        "BOT_PROFILE": "taarnby",
        "BOT_ENV": "test",
        "BOT_RATE_PER_ADDRESS": "100000",
        "BOT_RATE_PER_CONVERSATION": "1000",
        "RASA_TELEMETRY_ENABLED": "false",
        "BOT_ANALYTICS_DB_URL": f"sqlite:///{state / 'analytics.db'}",
        "BOT_REVIEW_DB_URL": f"sqlite:///{state / 'review.db'}",
        **(extra or {}),
    }


@contextmanager
def running_project(
    project: Path, state: Path, extra_env: dict[str, str] | None = None
) -> Iterator[ProjectRun]:
    """Start ``python -m bot run`` in ``project`` (trains if needed); stop it with Ctrl-C's
    signal on exit. Fails with the run's output if it stops or does not start in time."""
    state.mkdir(parents=True, exist_ok=True)
    run = ProjectRun(project, state, project_env(project, state, extra_env))
    log = (state / "run.out").open("w")
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "bot",
            "run",
            "--state-dir",
            str(state),
            "--port",
            str(run.rasa_port),
            "--action-port",
            str(run.action_port),
            "--web-port",
            str(run.web_port),
        ],
        cwd=project,
        env=run.env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + STARTUP_TIMEOUT_S
        while READY_LINE not in run.output:
            if proc.poll() is not None:
                raise RuntimeError(f"bot run stopped:\n{run.output[-4000:]}")
            if time.monotonic() > deadline:
                raise TimeoutError(f"bot run did not start:\n{run.output[-4000:]}")
            time.sleep(2)
        yield run
    finally:
        os.killpg(proc.pid, signal.SIGINT)
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
        log.close()
