"""The one writer of Rasa endpoints files: every section is a dict dumped by ``yaml.safe_dump``.

Every stack layout (``python -m bot run``, the test stacks, the production topology) writes its
endpoints file from these sections, and every class path the files name is defined here once.

Rasa reads the file with ruamel and expands ``${VAR}`` from its environment only in *plain*
scalars (an implicit resolver, rasa/shared/utils/io.py), so a quoted ``"${VAR}"`` would stay
as it is. Passwords therefore never go into a file: the sections name environment variables
(``${BOT_TRACKER_DB_PASSWORD}``, ``${BOT_RABBITMQ_URL}`` ...), written plain. Every other
string is plain where PyYAML would write it plain and it has no ``#``; double-quoted otherwise.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import parse_qsl, unquote, urlsplit

import yaml

from bot.settings import QUEUE_NAME_PATTERN

# The class paths Rasa loads (bot/rasa_server/).
TRACKER_STORE = "bot.rasa_server.tracker_store.CachedSQLTrackerStore"
LOCK_STORE = "bot.rasa_server.lock_store.BoundedRedisLockStore"
# The statistics' event queue (RabbitMQ), read by ``python -m bot events`` (docs/statistics.md).
QUEUE_BROKER = "bot.rasa_server.queue_broker.QueueEventBroker"
# Without RabbitMQ: the Rasa server records statistics and review items itself.
IN_PROCESS_BROKER = "bot.rasa_server.brokers.AssistantEventBroker"
# Where the web app serves the version in service (bot/web/models.py).
MODEL_SERVER_PATH = "/model-server/model.tar.gz"
# Environment references Rasa expands when it reads the file.
URL_FROM_ENVIRONMENT = "${BOT_RABBITMQ_URL}"
MODEL_SERVER_TOKEN = "${BOT_MODEL_SERVER_TOKEN}"  # noqa: S105 - a reference, not the token
PASSWORD_VARS = {
    "tracker": "BOT_TRACKER_DB_PASSWORD",
    "redis": "BOT_REDIS_PASSWORD",
    "rabbitmq": "BOT_RABBITMQ_PASSWORD",
}
PRODUCTION_HEADER = (
    "# Made by python -m bot run-production (bot/stack/topology.py) at every start; do not "
    "edit.\n# Passwords come from the environment (${...}), never from this file.\n"
)
_NO_WRAP = 1 << 16


def _env(name: str) -> str:
    return "${" + name + "}"


class _Dumper(yaml.SafeDumper):
    """SafeDumper that writes a string plain or double-quoted, never single-quoted, and a string
    with ``#`` always double-quoted."""

    def choose_scalar_style(self) -> str:
        style = super().choose_scalar_style()
        value = getattr(self.event, "value", "")
        return "" if style == "" and "#" not in value else '"'

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        super().increase_indent(flow, False)  # list items indented under their key


def dump(sections: Mapping[str, Any]) -> str:
    """``sections`` (section name -> its fields) as the text of an endpoints file."""
    if not sections:
        return ""
    return yaml.dump(
        dict(sections),
        Dumper=_Dumper,
        sort_keys=False,
        default_flow_style=False,
        allow_unicode=True,
        width=_NO_WRAP,
    )


def _section(name: str, fields: Mapping[str, Any]) -> str:
    return dump({name: dict(fields)})


def with_section(endpoints_text: str, section: str) -> str:
    """``endpoints_text`` with the top-level sections of ``section`` put in (replacing ones of
    the same name in place, else at the end). Comments are lost: the result is a generated
    copy. ``${...}`` references stay plain, so Rasa still expands them."""
    data = yaml.safe_load(endpoints_text) or {}
    new = yaml.safe_load(section) or {}
    if not isinstance(data, dict) or not isinstance(new, dict):
        raise ValueError("an endpoints file is a mapping of sections")
    data.update(new)
    return dump(data)


def action_endpoint_section(port: int) -> str:
    """``action_endpoint``: the action server on 127.0.0.1:``port``.

    ``enable_selective_domain``: Rasa then sends the domain (20 kB of JSON) to the action
    server only for actions that ask for it (none of ours does: they read the tracker and the
    knowledge base, never the domain), instead of encoding and parsing it on every turn.
    """
    return _section(
        "action_endpoint",
        {"url": f"http://127.0.0.1:{port}/webhook", "enable_selective_domain": True},
    )


def sqlite_tracker_store_section(db: Path) -> str:
    """``tracker_store``: our cached SQL store over Rasa's table in the SQLite file ``db``."""
    return _section("tracker_store", {"type": TRACKER_STORE, "dialect": "sqlite", "db": str(db)})


def password(url: str) -> str:
    """The password of a service URL, %-decoded ('' when it has none)."""
    return unquote(urlsplit(url).password or "")


def tracker_store_section(url: str) -> str:
    """``tracker_store``: our cached SQL store over Rasa's table on the PostgreSQL of ``url``,
    the password read from ``BOT_TRACKER_DB_PASSWORD``."""
    parts = urlsplit(url)
    fields: dict[str, Any] = {
        "type": TRACKER_STORE,
        "dialect": "postgresql",
        "url": parts.hostname or "127.0.0.1",
        "port": parts.port or 5432,
        "db": unquote(parts.path.lstrip("/")) or "rasa",
    }
    if parts.username:
        fields["username"] = unquote(parts.username)
    if parts.password:
        fields["password"] = _env(PASSWORD_VARS["tracker"])
    if parts.query:
        fields["query"] = dict(parse_qsl(parts.query))
    return _section("tracker_store", fields)


def lock_store_section(url: str) -> str:
    """``lock_store``: Redis at ``url``, bounded in time by bot.rasa_server.lock_store (its
    timeouts are the class defaults), the password read from ``BOT_REDIS_PASSWORD``."""
    parts = urlsplit(url)
    fields: dict[str, Any] = {
        "type": LOCK_STORE,
        "url": parts.hostname or "127.0.0.1",
        "port": parts.port or 6379,
        "db": int(parts.path.strip("/") or 0),
    }
    if parts.username:
        fields["username"] = unquote(parts.username)
    if parts.password:
        fields["password"] = _env(PASSWORD_VARS["redis"])
    if parts.scheme == "rediss":
        fields["use_ssl"] = True
    return _section("lock_store", fields)


def in_process_broker_section() -> str:
    """``event_broker``: statistics and review items recorded in the Rasa server's process."""
    return _section("event_broker", {"type": IN_PROCESS_BROKER})


def rabbitmq_broker_section(url: str, queue: str) -> str:
    """``event_broker``: publish to RabbitMQ (bot.rasa_server.queue_broker).

    ``url`` is an ``amqp://`` / ``amqps://`` URL, or better :data:`URL_FROM_ENVIRONMENT`
    (``${BOT_RABBITMQ_URL}``): Rasa expands it when it reads the file, and the password stays
    out of the file. ``queue`` is the durable queue the consumer reads (``BOT_EVENT_QUEUE``); the
    fanout exchange the broker publishes to has the same name, so stacks with different queues
    on one RabbitMQ never see each other's events.
    """
    if not QUEUE_NAME_PATTERN.fullmatch(queue):
        raise ValueError(f"not a usable RabbitMQ queue name: {queue!r}")
    fields = {"type": QUEUE_BROKER, "url": url, "queues": [queue], "exchange_name": queue}
    return _section("event_broker", fields)


def models_section(web_port: int, poll_seconds: int) -> str:
    """``models``: pull the version in service from the web app on ``web_port`` every
    ``poll_seconds``, sending ``BOT_MODEL_SERVER_TOKEN`` (Rasa expands ``${...}`` when it reads
    the file, and sends the token as ``?token=``)."""
    fields = {
        "url": f"http://127.0.0.1:{web_port}{MODEL_SERVER_PATH}",
        "token": MODEL_SERVER_TOKEN,
        "wait_time_between_pulls": int(poll_seconds),
    }
    return _section("models", fields)


class ProductionServices(Protocol):
    """What the production endpoints file needs of a topology (bot.stack.topology.Topology)."""

    action_port: int
    web_port: int
    tracker_db_url: str
    redis_url: str
    event_queue: str


def endpoints_text(top: ProductionServices, poll_seconds: int) -> str:
    """The endpoints file every Rasa replica of a production topology reads: PostgreSQL, Redis,
    the RabbitMQ queue (URL from ``BOT_RABBITMQ_URL``) and the web app's model server."""
    return PRODUCTION_HEADER + (
        action_endpoint_section(top.action_port)
        + tracker_store_section(top.tracker_db_url)
        + lock_store_section(top.redis_url)
        + rabbitmq_broker_section(URL_FROM_ENVIRONMENT, top.event_queue)
        + models_section(top.web_port, poll_seconds)
    )

