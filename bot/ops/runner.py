"""Start, watch and stop the assistant's processes (Rasa server + action server).

Used by ``python -m bot run`` and by the integration tests, so both run the real thing the
same way: the same commands, environment and readiness checks.
"""

from __future__ import annotations

import logging
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# The tracker store of the stacks this module writes endpoints for (bot/dialogue/tracker_store.py).
TRACKER_STORE = "bot.dialogue.tracker_store.CachedSQLTrackerStore"
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


def _die_with_parent() -> None:
    """In the child before exec: get SIGTERM when the supervisor dies, even by SIGKILL.

    Children run in their own session (so a Ctrl-C in the terminal reaches only the
    supervisor, which stops them in order); this makes sure none outlives it.
    """
    import ctypes

    pr_set_pdeathsig = 1
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(pr_set_pdeathsig, signal.SIGTERM, 0, 0, 0)


@dataclass
class Service:
    """One child process, the URL that answers when it is ready, and its log file.

    Everything the process prints goes through a pipe into :mod:`bot.ops.logfiles` (CPR-redacted,
    rotated by size and day) when ``log_path`` is set.
    """

    name: str
    command: list[str]
    health_url: str
    log_path: Path | None = None
    # Start the next service only when this one answers (the web app serves the Rasa server's
    # model when the stack has a model server).
    needed_first: bool = False
    process: subprocess.Popen | None = None
    started_at: float = 0.0
    _log: logging.Handler | None = field(default=None, repr=False)

    def start(self, env: dict[str, str], cwd: Path = ROOT) -> None:
        piped = self.log_path is not None
        self.process = subprocess.Popen(
            self.command,
            cwd=cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE if piped else None,
            stderr=subprocess.STDOUT if piped else None,
            start_new_session=True,
            preexec_fn=_die_with_parent if sys.platform.startswith("linux") else None,
        )
        self.started_at = time.monotonic()
        if piped and self.process.stdout is not None:
            from bot.ops.logfiles import open_log, pump

            if self._log is None:
                self._log = open_log(self.log_path)  # type: ignore[arg-type]
            pump(self.process.stdout, self._log)

    def exited(self) -> bool:
        return self.process is not None and self.process.poll() is not None

    def wait_ready(self, timeout: float = STARTUP_TIMEOUT_S) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.exited():
                raise RuntimeError(
                    f"{self.name} exited with code {self.process.returncode} during startup"  # type: ignore[union-attr]
                    + (f"; see {self.log_path}" if self.log_path else "")
                )
            if self.answers():
                return
            time.sleep(0.5)
        raise TimeoutError(f"{self.name} did not answer on {self.health_url} in {timeout:.0f} s")

    def answers(self) -> bool:
        try:
            with urllib.request.urlopen(self.health_url, timeout=2) as resp:  # noqa: S310
                return resp.status == 200
        except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
            return False

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

    def close_log(self) -> None:
        if self._log is not None:
            self._log.close()
            self._log = None


class Supervisor:
    """Starts services in order, restarts one that crashes (with back-off), stops them all.

    :meth:`poll` must be called from the thread that started the services (the main thread):
    a child's parent-death signal is tied to the thread that created it.
    """

    MAX_BACKOFF_S = 60.0
    # A service that ran this long before it crashed starts again after the shortest delay.
    STABLE_AFTER_S = 60.0

    def __init__(
        self,
        services: list[Service],
        env: dict[str, str],
        log: logging.Logger | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.services = services
        self.env = env
        self.log = log or logging.getLogger("bot.supervisor")
        self._clock = clock
        self._crashes: dict[str, int] = {}
        self._restart_at: dict[str, float] = {}
        # What the stack serves, when it has a model server (bot.ops.serving).
        self.served = ""

    def start_all(self) -> None:
        for service in self.services:
            service.start(self.env)
            if service.needed_first:
                service.wait_ready()
        for service in self.services:
            service.wait_ready()

    def backoff(self, crashes: int) -> float:
        """Seconds to wait before restart number ``crashes`` in a row: 1, 2, 4, ... 60."""
        return min(self.MAX_BACKOFF_S, 2.0 ** (crashes - 1))

    def poll(self) -> None:
        """Notice crashed services and restart each when its back-off has passed."""
        now = self._clock()
        for service in self.services:
            name = service.name
            if name in self._restart_at:
                if now >= self._restart_at[name]:
                    del self._restart_at[name]
                    self.log.warning("Restarting the %s.", name)
                    service.start(self.env)
                continue
            if not service.exited():
                continue
            uptime = now - service.started_at
            crashes = 1 if uptime >= self.STABLE_AFTER_S else self._crashes.get(name, 0) + 1
            self._crashes[name] = crashes
            delay = self.backoff(crashes)
            self._restart_at[name] = now + delay
            self.log.error(
                "The %s exited with code %s after %.0f s; restarting it in %.0f s "
                "(crash %d in a row).",
                name,
                service.process.returncode,  # type: ignore[union-attr]
                uptime,
                delay,
                crashes,
            )

    def stop_all(self) -> None:
        for service in reversed(self.services):
            service.stop()
        for service in self.services:
            service.close_log()


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
    # The Rasa server pulls the version in service from the web app (``models:`` in the
    # endpoints file) instead of loading ``model``; ``model`` is registered as a version first
    # (bot.ops.serving). See docs/model-versions.md.
    model_server: bool = False
    # The events consumer's health port when the stack records statistics through RabbitMQ
    # (see event_broker_section); None: the Rasa server records them itself.
    events_port: int | None = None

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


def action_endpoint_section(port: int) -> str:
    """The endpoints file's ``action_endpoint`` for an action server on ``port``.

    ``enable_selective_domain``: Rasa then sends the domain (20 kB of JSON) to the action
    server only for actions that ask for it (none of ours does: they read the tracker and the
    knowledge base, never the domain), instead of encoding and parsing it on every turn.
    """
    return (
        f'action_endpoint:\n  url: "http://127.0.0.1:{port}/webhook"\n'
        "  enable_selective_domain: true\n"
    )


def model_server_env(model: Path, env: dict[str, str] | None = None) -> dict[str, str]:
    """What the web app and the Rasa server of a stack with a model server share: the token
    (BOT_MODEL_SERVER_TOKEN, or a random one for this run when none is set) and the models
    directory (BOT_MODELS_DIR, or the folder of ``model``)."""
    import secrets

    given = {**os.environ, **(env or {})}
    return {
        "BOT_MODEL_SERVER_TOKEN": given.get("BOT_MODEL_SERVER_TOKEN") or secrets.token_urlsafe(32),
        "BOT_MODELS_DIR": given.get("BOT_MODELS_DIR") or str(model.resolve().parent),
    }


def isolated_stack(
    workdir: Path,
    model: Path,
    env: dict[str, str] | None = None,
    ports: tuple[int, int, int] | None = None,
    model_server: bool = False,
) -> StackConfig:
    """A stack whose tracker store, statistics (SQLite), review store, served page catalogue and
    logs live in ``workdir``, on ``ports`` (Rasa, action server, web app) or free ones.

    ``model_server=True``: the Rasa server pulls the version in service from the web app
    (polling every BOT_MODEL_POLL_SECONDS); ``model`` is registered as the first version.
    """
    from bot.ops.serving import models_section
    from bot.settings import load_settings

    rasa_port, action_port, web_port = ports or (free_port(), free_port(), free_port())
    endpoints = workdir / "endpoints.yml"
    text = action_endpoint_section(action_port) + (
        f"tracker_store:\n  type: {TRACKER_STORE}\n"
        f"  dialect: sqlite\n  db: {workdir / 'tracker.db'}\n"
    )
    broker, events_port = event_broker_section(env)
    text += broker
    extra = {
        "BOT_ANALYTICS_DB_URL": f"sqlite:///{workdir / 'analytics.db'}",
        "BOT_REVIEW_DB_URL": f"sqlite:///{workdir / 'review.db'}",
        "BOT_PAGES_DIR": str(workdir / "pages"),
    }
    if model_server:
        extra.update(model_server_env(model, env))
        poll = load_settings({**os.environ, **(env or {})}).model_poll_seconds
        text += models_section(web_port, poll)
    endpoints.write_text(text, encoding="utf-8")
    return StackConfig(
        rasa_port=rasa_port,
        action_port=action_port,
        web_port=web_port,
        model=model,
        endpoints=endpoints,
        log_dir=workdir / "logs",
        env={**extra, **(env or {})},
        model_server=model_server,
        events_port=events_port,
    )


def stack_services(cfg: StackConfig) -> list[Service]:
    rasa = rasa_executable()
    log = (lambda name: cfg.log_dir / f"{name}.log") if cfg.log_dir else (lambda name: None)
    actions = Service(
        "action server",
        [sys.executable, "-m", "bot", "actions", "--port", str(cfg.action_port)],
        f"http://127.0.0.1:{cfg.action_port}/health",
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
    # The REST channel's health answers 200 only when the Rasa server has a model loaded.
    server = Service(
        "Rasa server", server_cmd, f"http://localhost:{cfg.rasa_port}/webhooks/rest/", log("rasa")
    )
    web = Service(
        "web app",
        [sys.executable, "-m", "bot", "web", "--port", str(cfg.web_port)],
        f"http://localhost:{cfg.web_port}/healthz",
        log("web"),
        needed_first=cfg.model_server,
    )
    # The Rasa server loads its first model from the web app: start that first.
    services = [actions, web, server] if cfg.model_server else [actions, server, web]
    if cfg.events_port is not None:
        from bot.ops.events import consumer_service

        # Before the Rasa server, stopped after it: it records what the Rasa server sent last.
        services.insert(1, consumer_service(cfg.events_port, log("events")))
    return services


# -- statistics through RabbitMQ (bot/ops/events.py, docs/statistics.md) ------------------

IN_PROCESS_BROKER = "event_broker:\n  type: bot.review.broker.AssistantEventBroker\n"


def event_broker_section(env: dict[str, str] | None = None) -> tuple[str, int | None]:
    """The endpoints file's ``event_broker:`` section for a stack with ``env`` (over this
    process's environment) and the events consumer's health port: the RabbitMQ queue when
    BOT_RABBITMQ_URL is set, else the in-process broker (no consumer, port None)."""
    from bot.settings import load_settings

    settings = load_settings({**os.environ, **(env or {})})
    if not settings.rabbitmq_configured:
        return IN_PROCESS_BROKER, None
    from bot.ops.events import URL_FROM_ENVIRONMENT, rabbitmq_broker_section

    return rabbitmq_broker_section(URL_FROM_ENVIRONMENT, settings.event_queue), free_port()


def with_event_queue(cfg: StackConfig, out: Path) -> StackConfig:
    """``cfg`` recording statistics through RabbitMQ when BOT_RABBITMQ_URL is set: its
    endpoints file copied to ``out`` with the queue's ``event_broker:`` section, and the
    consumer's port. Unchanged otherwise."""
    from dataclasses import replace

    from bot.ops.serving import with_section

    section, port = event_broker_section(cfg.env)
    if port is None:
        return cfg
    text = with_section(cfg.endpoints.read_text(encoding="utf-8"), "event_broker", section)
    out.write_text(text, encoding="utf-8")
    return replace(cfg, endpoints=out.resolve(), events_port=port)


@contextmanager
def _environment(env: dict[str, str]) -> Iterator[None]:
    """``env`` in this process's environment for a moment (Rasa expands ``${...}`` in the
    endpoints file from it when the tracker store is checked)."""
    saved = dict(os.environ)
    os.environ.update(env)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


def register_model(cfg: StackConfig) -> str:
    """Register ``cfg.model`` as a version and apply the startup rule (bot.ops.serving) in the
    stack's review store; return what is served. Runs in a child process: measuring the
    model on the held-out set (once per model) loads TensorFlow, which this process need not
    keep."""
    result = subprocess.run(
        [sys.executable, "-m", "bot", "register-model", str(cfg.model)],
        cwd=ROOT,
        env=cfg.child_env(),
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        detail = (result.stderr or result.stdout).strip().splitlines()
        raise RuntimeError(
            "could not register the model as a version: " + (detail[-1] if detail else "")
        )
    return result.stdout.strip().splitlines()[-1] if result.stdout.strip() else ""


@contextmanager
def running_stack(cfg: StackConfig) -> Iterator[Supervisor]:
    """Start the action server, Rasa server and web app; wait until all answer; stop all on
    exit. Refuses to start when the tracker store cannot be reached."""
    from bot.ops.tracker_db import check_tracker_store

    with _environment(cfg.child_env()):
        check_tracker_store(cfg.endpoints)
    supervisor = Supervisor(stack_services(cfg), cfg.child_env())
    if cfg.model_server:
        supervisor.served = register_model(cfg)
    try:
        supervisor.start_all()
        yield supervisor
    finally:
        supervisor.stop_all()
