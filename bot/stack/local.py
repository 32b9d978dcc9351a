"""A local stack of the assistant: the Rasa server, the action server and the web app (and the
statistics consumer when the events go through RabbitMQ), under one :class:`Supervisor`.

Used by ``python -m bot run``, the integration tests and the measurement scripts, so all of them
run the real thing the same way: the same commands, environment and readiness checks. Each
server is started as its module's entry point (``python -m bot.stack.action_server``,
``python -m bot.web.server``); the consumer and the model's registration still go through
``python -m bot``.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path

from bot.settings import load_settings
from bot.stack.endpoints import (
    URL_FROM_ENVIRONMENT,
    action_endpoint_section,
    in_process_broker_section,
    models_section,
    rabbitmq_broker_section,
    sqlite_tracker_store_section,
    with_section,
)
from bot.stack.paths import Project, base_env, rasa_executable
from bot.stack.ports import free_port
from bot.stack.supervisor import Service, Supervisor
from bot.stack.tracker_db import check_tracker_store


@dataclass(frozen=True)
class StackConfig:
    """Ports and files of one running assistant."""

    rasa_port: int = 5005
    action_port: int = 5055
    web_port: int = 8000
    model: Path = field(default_factory=lambda: Project.current().models)
    endpoints: Path = field(default_factory=lambda: Project.current().endpoints)
    credentials: Path = field(default_factory=lambda: Project.current().credentials)
    log_dir: Path | None = None
    env: dict[str, str] = field(default_factory=dict)
    # The Rasa server pulls the version in service from the web app (``models:`` in the
    # endpoints file) instead of loading ``model``; ``model`` is registered as a version first
    # (bot.mlops.serving). See docs/model-versions.md.
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
        """Environment of all the processes: links in answers point at this stack's web app."""
        ours = {
            "BOT_PUBLIC_URL": self.web_url,
            "BOT_ASSISTANT_URL": f"http://localhost:{self.rasa_port}",
        }
        defaults = {k: v for k, v in ours.items() if not os.environ.get(k)}
        return base_env({**defaults, **self.env})

    @property
    def cors(self) -> tuple[str, ...]:
        """Origins allowed to call the Rasa server from a browser (BOT_CORS_ORIGINS)."""
        return load_settings(self.child_env()).cors_origins


def model_server_env(model: Path, env: dict[str, str] | None = None) -> dict[str, str]:
    """What the web app and the Rasa server of a stack with a model server share: the token
    (BOT_MODEL_SERVER_TOKEN, or a random one for this run when none is set) and the models
    directory (BOT_MODELS_DIR, or the folder of ``model``)."""
    given = {**os.environ, **(env or {})}
    return {
        "BOT_MODEL_SERVER_TOKEN": given.get("BOT_MODEL_SERVER_TOKEN") or secrets.token_urlsafe(32),
        "BOT_MODELS_DIR": given.get("BOT_MODELS_DIR") or str(model.resolve().parent),
    }


def event_broker_section(env: dict[str, str] | None = None) -> tuple[str, int | None]:
    """The ``event_broker`` section for a stack with ``env`` (over this process's environment)
    and the events consumer's health port: the RabbitMQ queue when BOT_RABBITMQ_URL is set (the
    URL read from the environment), else the in-process broker (no consumer, port None)."""
    settings = load_settings({**os.environ, **(env or {})})
    if not settings.rabbitmq_configured:
        return in_process_broker_section(), None
    return rabbitmq_broker_section(URL_FROM_ENVIRONMENT, settings.event_queue), free_port()


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
    rasa_port, action_port, web_port = ports or (free_port(), free_port(), free_port())
    broker, events_port = event_broker_section(env)
    text = (
        action_endpoint_section(action_port)
        + sqlite_tracker_store_section(workdir / "tracker.db")
        + broker
    )
    extra = {
        "BOT_ANALYTICS_DB_URL": f"sqlite:///{workdir / 'analytics.db'}",
        "BOT_REVIEW_DB_URL": f"sqlite:///{workdir / 'review.db'}",
        "BOT_PAGES_DIR": str(workdir / "pages"),
    }
    if model_server:
        extra.update(model_server_env(model, env))
        poll = load_settings({**os.environ, **(env or {})}).model_poll_seconds
        text += models_section(web_port, poll)
    endpoints = workdir / "endpoints.yml"
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


def consumer_service(health_port: int, log_path: Path | None = None) -> Service:
    """The statistics consumer of the event queue (bot.events.consumer, as ``python -m bot
    events`` runs it) as a service; it answers on ``http://127.0.0.1:<health_port>/health``
    once it consumes the queue."""
    return Service(
        "events consumer",
        [sys.executable, "-m", "bot.events.consumer", "--health-port", str(health_port)],
        f"http://127.0.0.1:{health_port}/health",
        log_path,
    )


def stack_services(cfg: StackConfig) -> list[Service]:
    """The services of ``cfg`` in start order (stopped in reverse)."""
    log = (lambda name: cfg.log_dir / f"{name}.log") if cfg.log_dir else (lambda name: None)
    actions = Service(
        "action server",
        [sys.executable, "-m", "bot.stack.action_server", "--port", str(cfg.action_port)],
        f"http://127.0.0.1:{cfg.action_port}/health",
        log("actions"),
    )
    server_cmd = [
        rasa_executable(),
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
        [sys.executable, "-m", "bot.web.server", "--port", str(cfg.web_port)],
        f"http://localhost:{cfg.web_port}/healthz",
        log("web"),
        needed_first=cfg.model_server,
    )
    # The Rasa server loads its first model from the web app: start that first.
    services = [actions, web, server] if cfg.model_server else [actions, server, web]
    if cfg.events_port is not None:
        # Before the Rasa server, stopped after it: it records what the Rasa server sent last.
        services.insert(1, consumer_service(cfg.events_port, log("events")))
    return services


def with_event_queue(cfg: StackConfig, out: Path) -> StackConfig:
    """``cfg`` recording statistics through RabbitMQ when BOT_RABBITMQ_URL is set: its
    endpoints file copied to ``out`` with the queue's ``event_broker:`` section, and the
    consumer's port. Unchanged otherwise."""
    section, port = event_broker_section(cfg.env)
    if port is None:
        return cfg
    text = with_section(cfg.endpoints.read_text(encoding="utf-8"), section)
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
    """Register ``cfg.model`` as a version and apply the startup rule (bot.mlops.serving) in the
    stack's review store; return what is served. Runs in a child process: measuring the
    model on the held-out set (once per model) loads TensorFlow, which this process need not
    keep."""
    result = subprocess.run(
        [sys.executable, "-m", "bot.mlops.serving", "register", str(cfg.model)],
        cwd=Project.current().root,
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
    """Start the stack's services; wait until all answer; stop all on exit. Refuses to start
    when the tracker store cannot be reached."""
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
