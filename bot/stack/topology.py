"""The production topology on Rasa's own parts, on one machine (docs/production.md): what it is.

``python -m bot run-production --replicas N`` runs, under one supervisor (bot.stack.production):

- N Rasa servers (``rasa run``, each on its own port, 127.0.0.1) with one shared endpoints file
  (bot.stack.endpoints.endpoints_text): the tracker store on PostgreSQL
  (bot.rasa_server.tracker_store over Rasa's ``events`` table), the lock store on Redis
  (bot.rasa_server.lock_store, bounded Rasa ``RedisLockStore``), the event broker on RabbitMQ
  (bot.rasa_server.queue_broker, a subclass of Rasa's ``pika`` broker) and the model pulled
  from the web app's model server, so every replica serves the version in service;
- the action server and the web app (staff pages, link redirects, model server);
- the statistics consumer of the event queue (``python -m bot events``, bot.events.consumer);
- nginx in front of them all on one port (bot.stack.nginx).

Each of them is restarted when it crashes. PostgreSQL, Redis and RabbitMQ are the machine's (or
the network's) services: the topology refuses to start, naming the service and its setting,
when one cannot be reached (bot.stack.preflight), and creates the tracker database when it is
missing.

This module holds the :class:`Topology` (ports, folders, service URLs) and the passwords its
processes get: the endpoints file names environment variables (``${BOT_TRACKER_DB_PASSWORD}``,
``${BOT_RABBITMQ_URL}`` ...) that Rasa expands when it reads it, and the supervisor sets them
in its children's environment, so no password goes into a file written here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from bot.stack.endpoints import PASSWORD_VARS, password

if TYPE_CHECKING:
    from bot.settings import Settings

DEFAULT_PORT = 8080
FIRST_RASA_PORT = 5005
MAX_REPLICAS = 16
BALANCES = ("address", "round-robin")


class TopologyError(Exception):
    """The topology cannot start: a service is unreachable, a port taken, nginx missing. The
    message names the service and the setting or option to change."""


@dataclass(frozen=True)
class Topology:
    """Ports, folders and service URLs of one production stack on this machine."""

    replicas: int
    state_dir: Path
    tracker_db_url: str
    redis_url: str
    rabbitmq_url: str
    event_queue: str
    port: int = DEFAULT_PORT
    listen: str = "127.0.0.1"
    rasa_ports: tuple[int, ...] = ()
    action_port: int = 5055
    web_port: int = 8000
    # The statistics consumer's health endpoint (bot.events.consumer).
    events_port: int = 5056
    balance: str = "address"
    trusted_proxies: tuple[str, ...] = ()
    # Extra environment of every process (tests: BOT_NOW, rate limits, ...).
    env: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not 1 <= self.replicas <= MAX_REPLICAS:
            raise TopologyError(f"--replicas: must be between 1 and {MAX_REPLICAS}")
        if self.balance not in BALANCES:
            raise TopologyError(f"--balance: must be one of {', '.join(BALANCES)}")
        if not self.rasa_ports:
            ports = tuple(range(FIRST_RASA_PORT, FIRST_RASA_PORT + self.replicas))
            object.__setattr__(self, "rasa_ports", ports)
        if len(self.rasa_ports) != self.replicas:
            raise TopologyError("one Rasa port per replica is needed")

    @property
    def endpoints(self) -> Path:
        return self.state_dir / "endpoints.yml"

    @property
    def nginx_prefix(self) -> Path:
        return self.state_dir / "nginx"

    @property
    def nginx_conf(self) -> Path:
        return self.nginx_prefix / "nginx.conf"

    @property
    def log_dir(self) -> Path:
        return self.state_dir / "logs"

    @property
    def local_host(self) -> str:
        """The address this machine reaches nginx on."""
        return "127.0.0.1" if self.listen in ("0.0.0.0", "::", "*") else self.listen  # noqa: S104

    @property
    def url(self) -> str:
        host = "localhost" if self.local_host == "127.0.0.1" else self.local_host
        return f"http://{host}:{self.port}"

    @property
    def rest_url(self) -> str:
        return f"{self.url}/webhooks/rest/webhook"

    @property
    def health_url(self) -> str:
        return f"http://{self.local_host}:{self.port}/webhooks/rest/"


def from_settings(
    settings: Settings, replicas: int, state_dir: Path, **options: object
) -> Topology:
    """A topology with the service URLs of ``settings`` (BOT_TRACKER_DB_URL, ...)."""
    return Topology(
        replicas=replicas,
        state_dir=state_dir,
        tracker_db_url=settings.tracker_db_url,
        redis_url=settings.redis_url,
        rabbitmq_url=settings.rabbitmq_url,
        event_queue=settings.event_queue,
        **options,  # type: ignore[arg-type]
    )


def secret_env(top: Topology) -> dict[str, str]:
    """The passwords of the service URLs, under the names the endpoints file reads."""
    passwords = {
        PASSWORD_VARS["tracker"]: password(top.tracker_db_url),
        PASSWORD_VARS["redis"]: password(top.redis_url),
        PASSWORD_VARS["rabbitmq"]: password(top.rabbitmq_url) or "guest",
    }
    return {name: value for name, value in passwords.items() if value}
