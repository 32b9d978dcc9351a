"""The production topology started for a measurement, on its own database and queue.

:func:`production_stack` starts ``python -m bot run-production --replicas N`` on free ports,
with its own PostgreSQL tracker database and RabbitMQ queue (dropped afterwards) and its own
state folder, the guard's limits raised for a load that comes from one machine, and yields a
:class:`ProductionStack` once the supervisor says the assistant is running. The chat benchmark
(``scripts/benchmark_chat.py``, setup ``production-N``) and ``scripts/measure_replicas.py``
start it this way. Needs PostgreSQL, Redis, RabbitMQ and nginx (``make services``).
"""

from __future__ import annotations

import asyncio
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from bench.loadtest import descendants
from bot.stack.paths import base_env
from testkit import ROOT
from testkit.databases import PG_ADMIN_URL
from testkit.ports import ports_in_a_row

# The events queue's own vhost and user, as scripts/ensure_services.sh makes them on this machine.
RABBITMQ_VHOST = "borger"
RABBITMQ_URL = f"amqp://borger:borger-local@127.0.0.1:5672/{RABBITMQ_VHOST}"
STARTUP_S = 420.0
# All the load of a measurement comes from this machine: the guard's per-address and
# per-conversation limits and the turn cap must not refuse it.
LOAD_ENV = {
    "BOT_RATE_PER_ADDRESS": "100000",
    "BOT_RATE_PER_CONVERSATION": "100000",
    "BOT_MAX_TURNS": "100000",
}
# run-production refuses anything but production settings: the stacks of the tests and the
# measurements run with them (a test secret and token; no BOT_NOW, which production refuses).
PRODUCTION_TEST_ENV = {
    "BOT_ENV": "production",
    "BOT_SECRET_KEY": "test-only-secret-of-the-production-stack-0123456789",
    "BOT_MODEL_SERVER_TOKEN": "test-only-model-server-token-0123456789abcdef",
    "LOG_LEVEL": "INFO",
}
# What a process of the topology is, by its command line (first match wins).
ROLES = (
    ("nginx", "nginx"),
    ("rasa run", "Rasa servers"),
    ("bot actions", "action server"),
    ("bot.stack.action_server", "action server"),
    ("rasa_sdk", "action server"),
    ("bot events", "events consumer"),
    ("bot web", "web app"),
    ("bot.web.server", "web app"),
)


@dataclass
class ProductionStack:
    """A running topology: the supervisor, nginx's citizen endpoint, when it was started."""

    process: subprocess.Popen[bytes]
    url: str
    started_at: float

    def processes_by_role(self) -> dict[str, list[int]]:
        """Every process of the topology by role (``ROLES``; the supervisor itself as
        "supervisor"): each child of the supervisor with its own descendants (nginx's
        workers), so that each process is counted once."""
        found: dict[str, list[int]] = {"supervisor": [self.process.pid]}
        for pid in descendants(self.process.pid)[1:]:
            try:
                stat = Path(f"/proc/{pid}/stat").read_text()
                cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) != self.process.pid:
                continue  # a grandchild: taken with its parent below
            role = next((name for key, name in ROLES if key in cmdline), "other")
            found.setdefault(role, []).extend(descendants(pid))
        return found


def _start(
    replicas: int, state: Path, name: str, balance: str, env: dict[str, str]
) -> ProductionStack:
    # Below the ephemeral range: nothing else takes them before the Rasa servers bind.
    port, action, web, events, *rasa = ports_in_a_row(4 + replicas)
    child_env = base_env(
        {
            **PRODUCTION_TEST_ENV,
            "BOT_TRACKER_DB_URL": PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}",
            "BOT_RABBITMQ_URL": RABBITMQ_URL,
            "BOT_EVENT_QUEUE": name,
            "BOT_ANALYTICS_DB_URL": f"sqlite:///{state / 'analytics.db'}",
            "BOT_REVIEW_DB_URL": f"sqlite:///{state / 'review.db'}",
            **LOAD_ENV,
            **env,
        }
    )
    child_env.pop("BOT_NOW", None)  # refused in production
    command = [sys.executable, "-m", "bot", "run-production", "--replicas", str(replicas)]
    command += ["--balance", balance, "--port", str(port), "--first-rasa-port", str(rasa[0])]
    command += ["--action-port", str(action), "--web-port", str(web)]
    command += ["--events-port", str(events), "--state-dir", str(state)]
    log = state / "supervisor.out"
    started_at = time.monotonic()
    with open(log, "wb") as out:
        process = subprocess.Popen(
            command, cwd=ROOT, env=child_env, stdout=out, stderr=subprocess.STDOUT
        )
    deadline = started_at + STARTUP_S
    while time.monotonic() < deadline:
        text = log.read_text(errors="replace")
        if process.poll() is not None:
            raise RuntimeError(f"run-production stopped while starting:\n{text}")
        if "The assistant is running" in text:
            url = f"http://127.0.0.1:{port}/webhooks/rest/webhook"
            return ProductionStack(process, url, started_at)
        time.sleep(0.5)
    _stop(process)
    raise TimeoutError(f"run-production not running after {STARTUP_S:.0f} s:\n{log.read_text()}")


def _stop(process: subprocess.Popen[bytes] | None) -> None:
    if process is None or process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=120)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def drop_database_and_queue(database: str, queue: str) -> None:
    """Drop a run's PostgreSQL tracker database and its RabbitMQ queue and exchange."""
    import sqlalchemy as sa

    admin = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
    finally:
        admin.dispose()

    async def delete_queue() -> None:
        import aio_pika

        connection = await aio_pika.connect(RABBITMQ_URL)
        async with connection:
            channel = await connection.channel()
            await channel.queue_delete(queue)
            await channel.exchange_delete(queue)  # the queue broker's exchange has its name

    try:
        asyncio.run(delete_queue())
    except Exception as exc:  # the queue was never declared
        print(f"Could not delete the queue {queue}: {type(exc).__name__}", file=sys.stderr)


@contextmanager
def production_stack(
    replicas: int, *, balance: str = "address", env: dict[str, str] | None = None
) -> Iterator[ProductionStack]:
    """``run-production`` with ``replicas`` Rasa servers, stopped and cleaned up on exit."""
    name = f"bench_{uuid.uuid4().hex[:10]}"
    with tempfile.TemporaryDirectory(prefix="production-") as folder:
        stack = None
        try:
            stack = _start(replicas, Path(folder), name, balance, env or {})
            yield stack
        finally:
            _stop(stack.process if stack else None)
            drop_database_and_queue(name, name)
