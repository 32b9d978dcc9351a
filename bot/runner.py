"""Start, watch and stop the assistant's processes (Rasa server + action server).

Used by ``python -m bot run`` and by the integration tests, so both run the real thing the
same way: the same commands, environment and readiness checks.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

ROOT = Path(__file__).resolve().parent.parent
STARTUP_TIMEOUT_S = 180.0


def rasa_executable() -> str:
    """The ``rasa`` console script of this interpreter's environment."""
    candidate = Path(sys.executable).parent / "rasa"
    return str(candidate) if candidate.exists() else (shutil.which("rasa") or "rasa")


def base_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    """Environment for child processes: telemetry off, quiet TensorFlow, our settings."""
    env = dict(os.environ)
    env.setdefault("RASA_TELEMETRY_ENABLED", "false")
    env["RASA_TELEMETRY_ENABLED"] = "false"
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    env.setdefault("LOG_LEVEL", "INFO")
    env.setdefault("SQLALCHEMY_SILENCE_UBER_WARNING", "1")
    env.update(extra or {})
    return env


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def port_in_use(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


@dataclass
class Service:
    """One child process and the URL that answers when it is ready."""

    name: str
    command: list[str]
    health_url: str
    log_path: Path | None = None
    process: subprocess.Popen | None = None
    _log: IO[bytes] | None = field(default=None, repr=False)

    def start(self, env: dict[str, str], cwd: Path = ROOT) -> None:
        out: IO[bytes] | int | None = None
        if self.log_path is not None:
            self.log_path.parent.mkdir(parents=True, exist_ok=True)
            self._log = open(self.log_path, "ab")
            out = self._log
        self.process = subprocess.Popen(
            self.command,
            cwd=cwd,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT if out is not None else None,
            start_new_session=True,
        )

    def wait_ready(self, timeout: float = STARTUP_TIMEOUT_S) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise RuntimeError(
                    f"{self.name} exited with code {self.process.returncode} during startup"
                    + (f"; see {self.log_path}" if self.log_path else "")
                )
            try:
                with urllib.request.urlopen(self.health_url, timeout=2) as resp:  # noqa: S310
                    if resp.status == 200:
                        return
            except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
                pass
            time.sleep(0.5)
        raise TimeoutError(f"{self.name} did not answer on {self.health_url} in {timeout:.0f} s")

    def stop(self, timeout: float = 20.0) -> None:
        if self.process is not None and self.process.poll() is None:
            try:
                os.killpg(self.process.pid, signal.SIGTERM)
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
            except ProcessLookupError:
                pass
        if self._log is not None:
            self._log.close()
            self._log = None


@dataclass(frozen=True)
class StackConfig:
    """Ports and files of one running assistant."""

    rasa_port: int = 5005
    action_port: int = 5055
    web_port: int = 8000
    model: Path = ROOT / "models"
    endpoints: Path = ROOT / "endpoints.yml"
    credentials: Path = ROOT / "credentials.yml"
    log_dir: Path | None = None
    env: dict[str, str] = field(default_factory=dict)

    @property
    def rest_url(self) -> str:
        return f"http://localhost:{self.rasa_port}/webhooks/rest/webhook"

    @property
    def web_url(self) -> str:
        return f"http://localhost:{self.web_port}"

    def child_env(self) -> dict[str, str]:
        """Environment of all three processes: links in answers point at this stack's web app."""
        ours = {
            "BOT_PUBLIC_URL": self.web_url,
            "BOT_ASSISTANT_URL": f"http://localhost:{self.rasa_port}",
        }
        defaults = {k: v for k, v in ours.items() if not os.environ.get(k)}
        return base_env({**defaults, **self.env})

    @property
    def cors(self) -> tuple[str, ...]:
        """Origins allowed to call the Rasa server from a browser (BOT_CORS_ORIGINS)."""
        from bot.settings import load_settings

        return load_settings(self.child_env()).cors_origins


def isolated_stack(workdir: Path, model: Path, env: dict[str, str] | None = None) -> StackConfig:
    """A stack on free ports whose tracker store, statistics (SQLite) and logs live in
    ``workdir``."""
    action_port = free_port()
    endpoints = workdir / "endpoints.yml"
    endpoints.write_text(
        f'action_endpoint:\n  url: "http://localhost:{action_port}/webhook"\n'
        f"tracker_store:\n  type: SQL\n  dialect: sqlite\n  db: {workdir / 'tracker.db'}\n"
        "event_broker:\n  type: bot.analytics.broker.AnalyticsEventBroker\n",
        encoding="utf-8",
    )
    return StackConfig(
        rasa_port=free_port(),
        action_port=action_port,
        web_port=free_port(),
        model=model,
        endpoints=endpoints,
        log_dir=workdir / "logs",
        env={"BOT_ANALYTICS_DB_URL": f"sqlite:///{workdir / 'analytics.db'}", **(env or {})},
    )


def stack_services(cfg: StackConfig) -> list[Service]:
    rasa = rasa_executable()
    log = (lambda name: cfg.log_dir / f"{name}.log") if cfg.log_dir else (lambda name: None)
    actions = Service(
        "action server",
        [rasa, "run", "actions", "--actions", "actions", "--port", str(cfg.action_port)],
        f"http://localhost:{cfg.action_port}/health",
        log("actions"),
    )
    server_cmd = [
        rasa,
        "run",
        "--model",
        str(cfg.model),
        "--endpoints",
        str(cfg.endpoints),
        "--credentials",
        str(cfg.credentials),
        "--port",
        str(cfg.rasa_port),
        "--interface",
        "127.0.0.1",
        "--cors",
        *cfg.cors,
    ]
    if cfg.log_dir:
        server_cmd += ["--log-file", str(cfg.log_dir / "rasa-file.log")]
    server = Service(
        "Rasa server", server_cmd, f"http://localhost:{cfg.rasa_port}/webhooks/rest/", log("rasa")
    )
    web = Service(
        "web app",
        [sys.executable, "-m", "bot", "web", "--port", str(cfg.web_port)],
        f"http://localhost:{cfg.web_port}/healthz",
        log("web"),
    )
    return [actions, server, web]


@contextmanager
def running_stack(cfg: StackConfig) -> Iterator[list[Service]]:
    """Start the action server, Rasa server and web app; wait until all answer; stop all on
    exit."""
    services = stack_services(cfg)
    env = cfg.child_env()
    try:
        for service in services:
            service.start(env)
        for service in services:
            service.wait_ready()
        yield services
    finally:
        for service in reversed(services):
            service.stop()
