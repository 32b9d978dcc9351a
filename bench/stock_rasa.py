"""Stock Rasa's default setup on our bot data, for the chat benchmark (scripts/benchmark_chat.py).

"Stock" is what a Rasa 3.6 project gets when it says nothing about its pipeline or policies:
a project directory with copies of our ``domain.yml``, ``data/`` and the rules made from the
topic registry (``build/training-data/``), a ``config.yml`` with only the recipe, the language
and an assistant id (Rasa fills in its default pipeline and policies, TEDPolicy included, from
``rasa/engine/recipes/config_files/default_config.yml``), Rasa's plain ``rest:`` channel, the
``SQL`` tracker store on SQLite, no event broker, and our action-server code in its own
process. Nothing of the privacy guard, the statistics or the web app.

Training the default config takes about ten minutes on two cores, so the model is trained once
and kept under ``var/benchmark/`` named by a fingerprint of everything it is trained from.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from bot.mlops.training import GENERATED_DATA, write_generated_data
from bot.stack.paths import base_env, rasa_executable
from bot.stack.ports import free_port
from bot.stack.supervisor import Service
from testkit import ROOT

CACHE_DIR = ROOT / "var" / "benchmark"
ASSISTANT_ID = "stock-default-benchmark"
# Only what Rasa requires; pipeline and policies are left to Rasa's defaults.
STOCK_CONFIG = f"recipe: default.v1\nlanguage: da\nassistant_id: {ASSISTANT_ID}\n"
STOCK_CREDENTIALS = "rest:\n"
# What the stock project copies from ours (relative to the repository root).
COPIED = ("domain.yml", "data", str(GENERATED_DATA))


def _copied_files(root: Path) -> list[Path]:
    files: list[Path] = []
    for name in COPIED:
        p = root / name
        files.extend(sorted(q for q in p.rglob("*") if q.is_file()) if p.is_dir() else [p])
    return files


def stock_fingerprint(root: Path = ROOT) -> str:
    """SHA-256 over the stock config, the copied files (paths and contents) and Rasa's version."""
    from importlib.metadata import version

    h = hashlib.sha256(f"rasa=={version('rasa')}\n{STOCK_CONFIG}".encode())
    for path in _copied_files(root):
        h.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes() + b"\0")
    return h.hexdigest()[:16]


def prepare_project(target: Path, root: Path = ROOT) -> Path:
    """Write the stock project into ``target``: copies of our domain and data, the stock
    ``config.yml`` and ``credentials.yml``. Returns ``target``."""
    target.mkdir(parents=True, exist_ok=True)
    for path in _copied_files(root):
        dest = target / path.relative_to(root)
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, dest)
    (target / "config.yml").write_text(STOCK_CONFIG, encoding="utf-8")
    (target / "credentials.yml").write_text(STOCK_CREDENTIALS, encoding="utf-8")
    return target


def stock_model_path(cache: Path = CACHE_DIR, root: Path = ROOT) -> Path:
    """Where the stock model for the current inputs is kept."""
    return cache / f"stock-{stock_fingerprint(root)}.tar.gz"


def ensure_stock_model(cache: Path = CACHE_DIR, force: bool = False) -> Path:
    """Path of the stock model for the current data; trains it (``rasa train``, ~10 min) when
    the cache has none. Rasa's output goes to this process's terminal."""
    write_generated_data(ROOT)
    target = stock_model_path(cache)
    if target.exists() and not force:
        return target
    cache.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="stock-rasa-train-") as tmp:
        project = prepare_project(Path(tmp))
        subprocess.run(
            [
                rasa_executable(),
                "train",
                "--config",
                "config.yml",
                "--domain",
                "domain.yml",
                "--data",
                "data",
                str(GENERATED_DATA),
                "--out",
                str(target.parent),
                "--fixed-model-name",
                target.name.removesuffix(".tar.gz"),
            ],
            cwd=project,
            env=base_env(),
            check=True,
        )
    return target


@dataclass(frozen=True)
class StockStack:
    """Ports and files of one running stock setup."""

    workdir: Path
    model: Path
    rasa_port: int
    action_port: int
    env: dict[str, str] = field(default_factory=dict)

    @property
    def rest_url(self) -> str:
        return f"http://localhost:{self.rasa_port}/webhooks/rest/webhook"

    @property
    def endpoints(self) -> Path:
        return self.workdir / "endpoints.yml"

    @property
    def credentials(self) -> Path:
        return self.workdir / "credentials.yml"


def stock_stack(
    workdir: Path,
    model: Path,
    env: dict[str, str] | None = None,
    ports: tuple[int, int] | None = None,
) -> StockStack:
    """A stock setup in ``workdir`` (project copy, endpoints, SQLite tracker store, logs) on
    ``ports`` (Rasa server, action server) or free ones."""
    rasa_port, action_port = ports or (free_port(), free_port())
    prepare_project(workdir)
    (workdir / "endpoints.yml").write_text(
        f'action_endpoint:\n  url: "http://127.0.0.1:{action_port}/webhook"\n'
        f"tracker_store:\n  type: SQL\n  dialect: sqlite\n  db: {workdir / 'tracker.db'}\n",
        encoding="utf-8",
    )
    return StockStack(workdir, model, rasa_port, action_port, dict(env or {}))


def stock_services(stack: StockStack) -> list[Service]:
    """The action server (our code, as ``bot run`` starts it) and a plain ``rasa run``."""
    logs = stack.workdir / "logs"
    actions = Service(
        "action server",
        [sys.executable, "-m", "bot", "actions", "--port", str(stack.action_port)],
        f"http://127.0.0.1:{stack.action_port}/health",
        logs / "actions.log",
    )
    server = Service(
        "Rasa server",
        [
            rasa_executable(),
            "run",
            "--model",
            str(stack.model),
            "--endpoints",
            str(stack.endpoints),
            "--credentials",
            str(stack.credentials),
            "--port",
            str(stack.rasa_port),
            "--interface",
            "127.0.0.1",
        ],
        f"http://localhost:{stack.rasa_port}/webhooks/rest/",
        logs / "rasa.log",
    )
    return [actions, server]


@contextmanager
def running_stock(stack: StockStack) -> Iterator[list[Service]]:
    """Start the stock action server and Rasa server (the latter in the project directory);
    wait until both answer; stop both on exit."""
    services = stock_services(stack)
    env = base_env(stack.env)
    try:
        for service in services:
            # The action server imports our ``actions`` package from the repository.
            service.start(env, cwd=ROOT if service.name == "action server" else stack.workdir)
        for service in services:
            service.wait_ready()
        yield services
    finally:
        for service in reversed(services):
            service.stop()
        for service in services:
            service.close_log()
