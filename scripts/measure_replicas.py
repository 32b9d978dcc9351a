"""Throughput of the production topology for 1, 2, 3 Rasa replicas behind nginx.

For each replica count, starts ``python -m bot run-production --replicas N --balance
round-robin`` on free ports (its own tracker database and event queue, dropped afterwards),
waits until it answers, then loads nginx's citizen endpoint with closed-loop clients sending
back to back (bot.ops.loadtest, the chat benchmark's load: whole scripted conversations, a new
conversation after each script) and prints messages per second at saturation, p50/p95 latency,
errors and how busy the machine's cores were.

Round robin, because all the load comes from one address: the default balancing (a client
address stays on one replica) would send it all to one replica. Many citizens spread the same
way over the replicas.

Run: ``.venv/bin/python scripts/measure_replicas.py [--replicas 1,2,3] [--clients 20,40]
[--seconds 40] [--warmup 10]``. Needs PostgreSQL, Redis, RabbitMQ and nginx (make services).
Figures and their explanation: docs/production.md, "Throughput and replicas".
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

from bot.ops.loadtest import (
    Client,
    closed_loop,
    descendants,
    error_counts,
    latency_ms,
    machine_busy_seconds,
    own_cpu_seconds,
    table,
    throughput,
)
from bot.ops.runner import ROOT, base_env
from bot.testkit.databases import PG_ADMIN_URL
from bot.testkit.ports import ports_in_a_row

RABBITMQ_URL = "amqp://guest:guest@127.0.0.1:5672/%2F"
STARTUP_S = 420


def start(replicas: int, state: Path, name: str) -> tuple[subprocess.Popen, str]:
    """The topology with ``replicas`` Rasa servers; returns the process and the REST URL."""
    # Below the ephemeral range: nothing else takes them before the Rasa servers bind.
    port, action, web, events, *rasa = ports_in_a_row(4 + replicas)
    env = base_env(
        {
            "BOT_ENV": "test",
            "BOT_TRACKER_DB_URL": PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}",
            "BOT_RABBITMQ_URL": RABBITMQ_URL,
            "BOT_EVENT_QUEUE": name,
            "BOT_ANALYTICS_DB_URL": f"sqlite:///{state / 'analytics.db'}",
            "BOT_REVIEW_DB_URL": f"sqlite:///{state / 'review.db'}",
            "BOT_RATE_PER_ADDRESS": "100000",
            "BOT_RATE_PER_CONVERSATION": "100000",
            "BOT_MAX_TURNS": "100000",
        }
    )
    command = [
        sys.executable,
        "-m",
        "bot",
        "run-production",
        "--replicas",
        str(replicas),
        "--balance",
        "round-robin",
        "--port",
        str(port),
        "--first-rasa-port",
        str(rasa[0]),
        "--action-port",
        str(action),
        "--web-port",
        str(web),
        "--events-port",
        str(events),
        "--state-dir",
        str(state),
    ]
    with open(state / "supervisor.out", "wb") as out:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + STARTUP_S
    while time.monotonic() < deadline:
        text = (state / "supervisor.out").read_text(errors="replace")
        if process.poll() is not None:
            raise RuntimeError(text)
        if "The assistant is running" in text:
            return process, f"http://127.0.0.1:{port}/webhooks/rest/webhook"
        time.sleep(1)
    process.terminate()
    raise TimeoutError((state / "supervisor.out").read_text(errors="replace"))


def stop(process: subprocess.Popen | None, name: str) -> None:
    """Stop the topology; drop its tracker database, queue and exchange."""
    import sqlalchemy as sa

    if process is not None and process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=120)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    admin = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()

    async def delete_queue() -> None:
        import aio_pika

        connection = await aio_pika.connect(RABBITMQ_URL)
        async with connection:
            channel = await connection.channel()
            await channel.queue_delete(name)
            await channel.exchange_delete(name)  # the queue broker's exchange has its name

    try:
        asyncio.run(delete_queue())
    except Exception as exc:  # the queue was never declared
        print(f"Could not delete the queue {name}: {type(exc).__name__}")


def cpu_by_role(supervisor: int) -> dict[str, float]:
    """CPU seconds so far of the topology's processes: the Rasa servers and all of them."""
    ticks = os.sysconf("SC_CLK_TCK")
    found = {"rasa": 0.0, "stack": 0.0}
    for pid in descendants(supervisor):
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        seconds = (int(fields[11]) + int(fields[12])) / ticks
        found["stack"] += seconds
        if "rasa run" in cmdline or "/rasa run" in cmdline:
            found["rasa"] += seconds
    return found


async def measure(url: str, supervisor: int, clients: int, seconds: float, warmup: float) -> dict:
    async with Client(url, timeout=60) as client:
        busy_before = machine_busy_seconds()
        cpu_before, own_before = cpu_by_role(supervisor), own_cpu_seconds()
        wall_before = time.monotonic()
        samples, start_at, end_at = await closed_loop(client, clients, seconds, warmup)
        wall = time.monotonic() - wall_before
        busy = (machine_busy_seconds() - busy_before) / wall
        cpu_after, own_after = cpu_by_role(supervisor), own_cpu_seconds()
    window = [s for s in samples if start_at <= s.end <= end_at]
    cores = {k: round((cpu_after[k] - cpu_before[k]) / wall, 2) for k in cpu_after}
    return {
        "clients": clients,
        "msg_per_s": round(throughput(samples, start_at, end_at), 2),
        "p50_ms": round(latency_ms(window, 50)),
        "p95_ms": round(latency_ms(window, 95)),
        "errors": error_counts(samples),
        "busy_cores": round(busy, 2),
        "rasa_cores": cores["rasa"],
        "stack_cores": cores["stack"],
        "client_cores": round((own_after - own_before) / wall, 2),
        "load_average": os.getloadavg()[0],
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--replicas", default="1,2,3", help="replica counts, comma-separated")
    parser.add_argument("--clients", default="20,40", help="concurrent clients, comma-separated")
    parser.add_argument("--seconds", type=float, default=40.0, help="measured seconds per level")
    parser.add_argument("--warmup", type=float, default=10.0, help="seconds before each level")
    parser.add_argument("--json", type=Path, default=None, metavar="FILE")
    args = parser.parse_args()
    results = []
    for replicas in [int(n) for n in args.replicas.split(",")]:
        name = f"replicas_bench_{uuid.uuid4().hex[:8]}"
        with tempfile.TemporaryDirectory(prefix="replicas-") as folder:
            print(f"Starting {replicas} replica(s) ...", flush=True)
            process = None
            try:
                process, url = start(replicas, Path(folder), name)
                for clients in [int(c) for c in args.clients.split(",")]:
                    figures = asyncio.run(
                        measure(url, process.pid, clients, args.seconds, args.warmup)
                    )
                    figures["replicas"] = replicas
                    print(json.dumps(figures), flush=True)
                    results.append(figures)
            finally:
                stop(process, name)
    rows = [
        (
            r["replicas"],
            r["clients"],
            r["msg_per_s"],
            r["p50_ms"],
            r["p95_ms"],
            r["rasa_cores"],
            r["stack_cores"],
            r["client_cores"],
            r["busy_cores"],
            sum(r["errors"].values()),
        )
        for r in results
    ]
    headers = ["replicas", "clients", "msg/s", "p50 ms", "p95 ms"]
    headers += ["Rasa cores", "stack cores", "client cores", "machine busy", "errors"]
    print(table(headers, rows))
    if args.json:
        args.json.write_text(json.dumps(results, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
