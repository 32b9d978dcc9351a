"""Before the production topology starts: every service it needs is there (docs/production.md).

nginx is installed, every port is free, Redis takes writes, RabbitMQ accepts a connection, and
PostgreSQL has the tracker database (created when it is missing). A refusal is a TopologyError
that names the service and the setting or option to change; no password is shown.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from bot.stack.nginx import nginx_executable
from bot.stack.ports import port_in_use
from bot.stack.topology import Topology, TopologyError
from bot.stack.tracker_db import db_error_reason


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
