"""The production topology on Rasa's own parts, on one machine (docs/production.md).

``python -m bot run-production --replicas N`` runs, under one supervisor (bot.ops.runner):

- N Rasa servers (``rasa run``, each on its own port, 127.0.0.1) with one shared endpoints file:
  the tracker store on PostgreSQL (bot.dialogue.tracker_store over Rasa's ``events`` table),
  the lock store on Redis (bot.dialogue.lock_store, bounded Rasa ``RedisLockStore``), the event
  broker on RabbitMQ (the statistics' queue broker of bot.ops.events, a subclass of Rasa's
  ``pika`` broker; Rasa's stock section without it) and the model pulled from the web app's
  model server, so every replica serves the version in service;
- the action server and the web app (staff pages, link redirects, model server);
- the statistics consumer of the event queue (``python -m bot events``, bot.ops.events);
- nginx in front of them all on one port, from ``deploy/nginx.conf.j2``, in the foreground with
  its own prefix, configuration, pid and temporary files under the stack's folder.

Each of them is restarted when it crashes. PostgreSQL, Redis and RabbitMQ are the machine's (or
the network's) services: the topology refuses to start, naming the service and its setting,
when one cannot be reached, and creates the tracker database when it is missing.

Passwords in the service URLs never go into the files written here: the endpoints file names
environment variables (``${BOT_TRACKER_DB_PASSWORD}``, ``${BOT_RABBITMQ_URL}`` ...) that Rasa
expands when it reads it, and the supervisor sets them in its children's environment.
"""

from __future__ import annotations

import importlib.util
import json
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import unquote, urlsplit

from bot.ops.runner import (
    ROOT,
    TRACKER_STORE,
    Service,
    StackConfig,
    Supervisor,
    action_endpoint_section,
    model_server_env,
    port_in_use,
    register_model,
    stack_services,
)

if TYPE_CHECKING:
    from bot.settings import Settings

NGINX_TEMPLATE = ROOT / "deploy" / "nginx.conf.j2"
DEFAULT_PORT = 8080
FIRST_RASA_PORT = 5005
MAX_REPLICAS = 16
BALANCES = ("address", "round-robin")
LOCK_STORE = "bot.dialogue.lock_store.BoundedRedisLockStore"
# Environment variables the endpoints file reads the passwords from (set by the supervisor).
PASSWORD_VARS = {
    "tracker": "BOT_TRACKER_DB_PASSWORD",
    "redis": "BOT_REDIS_PASSWORD",
    "rabbitmq": "BOT_RABBITMQ_PASSWORD",
}
# The largest request body nginx accepts and keeps in memory (the REST channel refuses more
# than 16 KB itself with its JSON error; staff forms are small).
MAX_BODY = "64k"


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
    # The statistics consumer's health endpoint (bot.ops.events).
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


# -- the endpoints file --------------------------------------------------------------------


def _yaml_str(value: str) -> str:
    """A YAML scalar for ``value`` (JSON strings are YAML double-quoted strings)."""
    return json.dumps(value)


def _password(url: str) -> str:
    return unquote(urlsplit(url).password or "")


def secret_env(top: Topology) -> dict[str, str]:
    """The passwords of the service URLs, under the names the endpoints file reads."""
    passwords = {
        PASSWORD_VARS["tracker"]: _password(top.tracker_db_url),
        PASSWORD_VARS["redis"]: _password(top.redis_url),
        PASSWORD_VARS["rabbitmq"]: _password(top.rabbitmq_url) or "guest",
    }
    return {name: value for name, value in passwords.items() if value}


def tracker_store_section(url: str) -> str:
    """The ``tracker_store`` section: our cached SQL store over Rasa's table on PostgreSQL."""
    parts = urlsplit(url)
    lines = [
        "tracker_store:",
        f"  type: {TRACKER_STORE}",
        "  dialect: postgresql",
        f"  url: {_yaml_str(parts.hostname or '127.0.0.1')}",
        f"  port: {parts.port or 5432}",
        f"  db: {_yaml_str(unquote(parts.path.lstrip('/')) or 'rasa')}",
    ]
    if parts.username:
        lines.append(f"  username: {_yaml_str(unquote(parts.username))}")
    if parts.password:
        lines.append(f"  password: ${{{PASSWORD_VARS['tracker']}}}")
    if parts.query:
        from urllib.parse import parse_qsl

        lines.append("  query:")
        lines += [f"    {k}: {_yaml_str(v)}" for k, v in parse_qsl(parts.query)]
    return "\n".join(lines) + "\n"


def lock_store_section(url: str) -> str:
    """The ``lock_store`` section: Redis, bounded in time (bot.dialogue.lock_store)."""
    parts = urlsplit(url)
    lines = [
        "lock_store:",
        f"  type: {LOCK_STORE}",
        f"  url: {_yaml_str(parts.hostname or '127.0.0.1')}",
        f"  port: {parts.port or 6379}",
        f"  db: {int(parts.path.strip('/') or 0)}",
    ]
    if parts.username:
        lines.append(f"  username: {_yaml_str(unquote(parts.username))}")
    if parts.password:
        lines.append(f"  password: ${{{PASSWORD_VARS['redis']}}}")
    if parts.scheme == "rediss":
        lines.append("  use_ssl: true")
    lines += ["  socket_timeout: 2", "  retry_after: 5", "  lock_lifetime: 5"]
    return "\n".join(lines) + "\n"


def stock_pika_section(url: str, queue: str) -> str:
    """STOCK RABBITMQ SECTION, until bot.ops.events.rabbitmq_broker_section exists: Rasa's own
    ``type: pika`` event broker publishing every event to ``queue`` (durable, on Rasa's fanout
    exchange). Swap: :func:`event_broker_section` uses the colleague's function when present."""
    parts = urlsplit(url)
    vhost = unquote(parts.path[1:]) if len(parts.path) > 1 else "/"
    host = parts.hostname or "127.0.0.1"
    if vhost != "/":  # Rasa takes a virtual host only in an amqp:// URL
        host = f"{parts.scheme}://{host}:{parts.port or 5672}{parts.path}"
    elif parts.scheme == "amqps":
        host = f"amqps://{host}:{parts.port or 5671}"
    return (
        "event_broker:\n"
        "  type: pika\n"
        f"  url: {_yaml_str(host)}\n"
        f"  port: {parts.port or (5671 if parts.scheme == 'amqps' else 5672)}\n"
        f"  username: {_yaml_str(unquote(parts.username or 'guest'))}\n"
        f"  password: ${{{PASSWORD_VARS['rabbitmq']}}}\n"
        f"  queues:\n    - {_yaml_str(queue)}\n"
    )


def _events_module() -> object | None:
    """bot.ops.events (the RabbitMQ event path and its statistics consumer), when it exists."""
    if importlib.util.find_spec("bot.ops.events") is None:
        return None
    import bot.ops.events as events

    return events


def event_broker_section(url: str, queue: str) -> str:
    """The ``event_broker`` section for RabbitMQ at ``url``, publishing to ``queue``: the
    statistics' queue broker of bot.ops.events (the URL read from BOT_RABBITMQ_URL in the
    environment, so the password stays out of the file), else Rasa's stock one."""
    events = _events_module()
    section = getattr(events, "rabbitmq_broker_section", None)
    if section is not None:
        return str(section(getattr(events, "URL_FROM_ENVIRONMENT", url), queue))
    return stock_pika_section(url, queue)


def endpoints_text(top: Topology, poll_seconds: int) -> str:
    """The endpoints file every Rasa replica of ``top`` reads."""
    from bot.ops.serving import models_section

    return (
        "# Made by python -m bot run-production (bot/ops/topology.py) at every start; do not "
        "edit.\n# Passwords come from the environment (${...}), never from this file.\n"
        + action_endpoint_section(top.action_port)
        + tracker_store_section(top.tracker_db_url)
        + lock_store_section(top.redis_url)
        + event_broker_section(top.rabbitmq_url, top.event_queue)
        + models_section(top.web_port, poll_seconds)
    )


# -- nginx ---------------------------------------------------------------------------------

# Staff login POSTs nginx lets through per client address: a rate a minute and a burst.
LOGIN_RATE_PER_MINUTE = 10
LOGIN_BURST = 5


def nginx_config(top: Topology, template: Path = NGINX_TEMPLATE) -> str:
    """nginx's configuration for ``top``, from the Jinja2 template."""
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(template.parent)),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        autoescape=False,  # noqa: S701 - an nginx configuration, not HTML
    )
    return env.get_template(template.name).render(
        conf_path=top.nginx_conf,
        prefix=top.nginx_prefix,
        log_name="nginx",
        worker_processes=1,
        listen=top.listen,
        port=top.port,
        rasa_ports=top.rasa_ports,
        web_port=top.web_port,
        balance=top.balance,
        trusted_proxies=top.trusted_proxies,
        max_body=MAX_BODY,
        fail_timeout=5,
        connect_timeout=2,
        read_timeout=60,
        next_upstream_tries=max(2, top.replicas),
        login_rate=LOGIN_RATE_PER_MINUTE,
        login_burst=LOGIN_BURST,
    )


def nginx_executable() -> str:
    """Debian's nginx (``apt-get install nginx``; ``make services`` installs it)."""
    found = shutil.which("nginx") or next(
        (p for p in ("/usr/sbin/nginx", "/usr/local/sbin/nginx") if Path(p).exists()), None
    )
    if found is None:
        raise TopologyError(
            "nginx is not installed: install Debian's nginx package (apt-get install nginx), "
            "or run make services"
        )
    return found


def write_files(top: Topology, poll_seconds: int) -> None:
    """The endpoints file and nginx's configuration and folders under ``top.state_dir``."""
    top.state_dir.mkdir(parents=True, exist_ok=True)
    top.endpoints.write_text(endpoints_text(top, poll_seconds), encoding="utf-8")
    for sub in ("tmp", "logs"):
        (top.nginx_prefix / sub).mkdir(parents=True, exist_ok=True)
    top.nginx_conf.write_text(nginx_config(top), encoding="utf-8")


def check_nginx_config(top: Topology) -> None:
    """``nginx -t`` on the written configuration; TopologyError with nginx's reason."""
    import subprocess

    prefix, conf = str(top.nginx_prefix), str(top.nginx_conf)
    result = subprocess.run(
        [nginx_executable(), "-t", "-q", "-e", "stderr", "-p", prefix, "-c", conf],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        reason = (result.stderr or result.stdout).strip().splitlines()
        raise TopologyError(f"{top.nginx_conf}: nginx refuses it: {reason[-1] if reason else ''}")


# -- the services the topology needs -------------------------------------------------------


def _shown(url: str) -> str:
    """``url`` without its password."""
    parts = urlsplit(url)
    if not parts.password:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
    return parts._replace(netloc=netloc).geturl()


def ensure_tracker_database(url: str, timeout_s: int = 5) -> str:
    """Connect to the tracker store's PostgreSQL database, creating it when it is missing;
    return the URL without the password."""
    import sqlalchemy as sa

    from bot.ops.tracker_db import db_error_reason

    target = sa.engine.make_url(url).set(drivername="postgresql+psycopg2")
    where = (
        f"PostgreSQL at {target.host}:{target.port or 5432} (BOT_TRACKER_DB_URL, the tracker store)"
    )

    def connect(db_url: sa.engine.URL, statement: str | None = None) -> None:
        engine = sa.create_engine(
            db_url,
            connect_args={"connect_timeout": timeout_s},
            poolclass=sa.pool.NullPool,
            isolation_level="AUTOCOMMIT",
        )
        try:
            with engine.connect() as connection:
                connection.execute(sa.text(statement or "SELECT 1"))
        finally:
            engine.dispose()

    try:
        connect(target)
    except sa.exc.OperationalError as exc:
        reason = db_error_reason(exc)
        if "does not exist" not in reason or not target.database:
            raise TopologyError(f"{where} cannot be reached: {reason}") from None
        name = target.database.replace('"', '""')
        try:
            connect(target.set(database="postgres"), f'CREATE DATABASE "{name}"')
        except sa.exc.SQLAlchemyError as create_error:
            raise TopologyError(
                f"{where}: the database {target.database!r} does not exist and cannot be "
                f"created: {db_error_reason(create_error)}"
            ) from None
    return target.render_as_string(hide_password=True)


def check_redis(url: str, timeout_s: float = 3.0) -> None:
    """Write and delete a key in the Redis of the lock store (a Redis that answers PING may
    still refuse writes, e.g. when it cannot save its snapshots)."""
    import redis

    parts = urlsplit(url)
    client = redis.Redis.from_url(url, socket_timeout=timeout_s, socket_connect_timeout=timeout_s)
    try:
        client.set("bot:startup-check", "1", ex=10)
        client.delete("bot:startup-check")
    except redis.exceptions.RedisError as exc:
        raise TopologyError(
            f"Redis at {parts.hostname}:{parts.port or 6379} (BOT_REDIS_URL, the lock store the "
            f"Rasa replicas share; more than one replica requires it) cannot be reached or "
            f"refuses writes: "
            f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"
        ) from None
    finally:
        client.close()


def check_rabbitmq(url: str, timeout_s: float = 5.0) -> None:
    """Open and close an AMQP connection to the RabbitMQ of the event broker."""
    import asyncio

    import aio_pika

    parts = urlsplit(url)

    async def connect() -> None:
        connection = await asyncio.wait_for(aio_pika.connect(url), timeout_s)
        await connection.close()

    try:
        asyncio.run(connect())
    except Exception as exc:  # aio_pika raises many kinds (socket, AMQP, auth, timeout)
        raise TopologyError(
            f"RabbitMQ at {parts.hostname}:{parts.port or 5672} (BOT_RABBITMQ_URL, the event "
            f"broker) cannot be reached: {type(exc).__name__}"
            + (f": {str(exc).splitlines()[0]}" if str(exc) else "")
        ) from None


def check_ports(top: Topology) -> None:
    """Every port of the topology is free."""
    named = {
        top.port: "--port (nginx)",
        top.action_port: "--action-port",
        top.web_port: "--web-port",
        top.events_port: "--events-port (statistics consumer)",
        **{p: f"--first-rasa-port (Rasa server {i})" for i, p in enumerate(top.rasa_ports, 1)},
    }
    ports = [top.port, top.action_port, top.web_port, top.events_port, *top.rasa_ports]
    if len(set(ports)) != len(ports):
        raise TopologyError(f"the ports overlap: {ports}; choose other ones")
    for port in ports:
        if port_in_use(port):
            raise TopologyError(
                f"Port {port} is already in use ({named[port]}). Stop what uses it, or choose "
                "another port."
            )


def check_services(top: Topology) -> dict[str, str]:
    """Refuse to start (TopologyError naming the service) when nginx is missing, a port is
    taken, or PostgreSQL, Redis or RabbitMQ cannot be reached; create the tracker database
    when it is missing. Returns what was found, for the startup message."""
    nginx_executable()
    check_ports(top)
    check_redis(top.redis_url)
    check_rabbitmq(top.rabbitmq_url)
    # Last: it may create the database, which a refusal should not leave behind.
    return {
        "PostgreSQL (tracker store)": ensure_tracker_database(top.tracker_db_url),
        "Redis (lock store)": _shown(top.redis_url),
        "RabbitMQ (event broker)": f"{_shown(top.rabbitmq_url)}, queue {top.event_queue}",
    }


# -- the processes -------------------------------------------------------------------------


def stack_config(top: Topology, model: Path) -> StackConfig:
    """The runner's StackConfig of the first replica: the web app, action server and model
    server as ``python -m bot run`` has them, links and the widget pointing at nginx."""
    import os

    ours = {
        "BOT_PUBLIC_URL": top.url,
        "BOT_ASSISTANT_URL": top.url,
        # Behind nginx: the client address is the last X-Forwarded-For entry (rate limits).
        "BOT_PROXIES_COUNT": "1",
    }
    env = {k: v for k, v in ours.items() if not os.environ.get(k)}
    env.update(model_server_env(model, top.env))
    env.update(secret_env(top))
    env.update(
        {
            "BOT_RABBITMQ_URL": top.rabbitmq_url,
            "BOT_EVENT_QUEUE": top.event_queue,
            "BOT_TRACKER_DB_URL": top.tracker_db_url,
            "BOT_REDIS_URL": top.redis_url,
        }
    )
    env.update(top.env)
    return StackConfig(
        rasa_port=top.rasa_ports[0],
        action_port=top.action_port,
        web_port=top.web_port,
        model=model,
        endpoints=top.endpoints,
        log_dir=top.log_dir,
        env=env,
        model_server=True,
        # The statistics consumer of the event queue (bot.ops.events), a service of the stack.
        events_port=top.events_port,
    )


def topology_services(top: Topology, cfg: StackConfig) -> list[Service]:
    """In start order: the action server, the statistics consumer (bot.ops.events), the web
    app (it serves the replicas' model), the Rasa replicas and nginx. Stopped in reverse."""
    by_name = {s.name: s for s in stack_services(cfg)}
    services = [by_name.pop("action server")]
    services += [s for name, s in by_name.items() if name not in ("web app", "Rasa server")]
    services.append(by_name["web app"])
    for number, port in enumerate(top.rasa_ports, 1):
        replica = replace(cfg, rasa_port=port)
        (rasa,) = [s for s in stack_services(replica) if s.name == "Rasa server"]
        rasa.name = f"Rasa server {number}"
        rasa.log_path = top.log_dir / f"rasa-{number}.log"
        services.append(rasa)
    nginx = [
        nginx_executable(),
        "-e",  # the error log before the configuration is read (not /var/log/nginx)
        "stderr",
        "-p",
        str(top.nginx_prefix),
        "-c",
        str(top.nginx_conf),
        "-g",
        "daemon off;",
    ]
    services.append(Service("nginx", nginx, top.health_url, top.log_dir / "nginx.log"))
    return services


class TopologySupervisor(Supervisor):
    """The runner's supervisor, knowing which services the topology found."""

    found: dict[str, str]


@contextmanager
def running_topology(
    top: Topology, model: Path, found: dict[str, str] | None = None
) -> Iterator[TopologySupervisor]:
    """Check the services (unless ``found`` says what :func:`check_services` found), write the
    files, register the model, start every process and wait until all answer; stop them all
    on exit."""
    from bot.settings import load_settings

    found = found if found is not None else check_services(top)
    cfg = stack_config(top, model)
    env = cfg.child_env()
    write_files(top, load_settings(env).model_poll_seconds)
    check_nginx_config(top)
    supervisor = TopologySupervisor(topology_services(top, cfg), env)
    supervisor.found = found
    supervisor.served = register_model(cfg)
    try:
        supervisor.start_all()
        yield supervisor
    finally:
        supervisor.stop_all()
