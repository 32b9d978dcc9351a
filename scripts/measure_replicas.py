"""Throughput of the production topology for 1, 2, 3 Rasa replicas behind nginx.

For each replica count, starts ``python -m bot run-production --replicas N`` on free ports
(testkit/production_stack.py: its own tracker database and event queue, dropped afterwards),
waits until it answers, then loads nginx's citizen endpoint with closed-loop clients sending
back to back (bench.loadtest, the chat benchmark's load: whole scripted conversations, a new
conversation after each script) and prints messages per second at saturation, p50/p95 latency,
errors and how busy the machine's cores were.

The conversations come from 64 loopback source addresses (``--addresses``), so nginx's default
balancing (a client address stays on one replica) spreads them over the replicas as it spreads
citizens; ``--balance round-robin --addresses 0`` is the earlier method (every message to the
next replica, so a conversation's tracker is read from PostgreSQL on most turns).

For stock Rasa and ours in one process measured in the same run, interleaved, use the chat
benchmark's ``production-N`` setups (scripts/benchmark_chat.py).

Run: ``.venv/bin/python scripts/measure_replicas.py [--replicas 1,2,3] [--clients 20,40]
[--seconds 40] [--warmup 10] [--balance address] [--addresses 64]``. Needs PostgreSQL, Redis,
RabbitMQ and nginx (make services).
Figures and their explanation: docs/production.md, "Throughput and replicas".
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import time
from pathlib import Path

# bench/ and testkit/ live in the checkout, not in the installed package.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.loadtest import (
    Client,
    closed_loop,
    cpu_seconds,
    error_counts,
    latency_ms,
    machine_busy_seconds,
    own_cpu_seconds,
    table,
    throughput,
)
from bot.stack.topology import BALANCES
from testkit.production_stack import ProductionStack, production_stack


def cpu_by_role(stack: ProductionStack) -> dict[str, float]:
    """CPU seconds so far of the topology's processes: the Rasa servers and all of them."""
    roles = stack.processes_by_role()
    found = {
        role: sum(cpu_seconds(pid, children=False) for pid in pids) for role, pids in roles.items()
    }
    return {"rasa": found.get("Rasa servers", 0.0), "stack": sum(found.values())}


async def measure(
    stack: ProductionStack, clients: int, seconds: float, warmup: float, addresses: int
) -> dict:
    async with Client(stack.url, timeout=60, addresses=addresses) as client:
        busy_before = machine_busy_seconds()
        cpu_before, own_before = cpu_by_role(stack), own_cpu_seconds()
        wall_before = time.monotonic()
        samples, start_at, end_at = await closed_loop(client, clients, seconds, warmup)
        wall = time.monotonic() - wall_before
        busy = (machine_busy_seconds() - busy_before) / wall
        cpu_after, own_after = cpu_by_role(stack), own_cpu_seconds()
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
    parser.add_argument("--balance", choices=BALANCES, default="address", help="nginx's balancing")
    parser.add_argument(
        "--addresses", type=int, default=64, help="loopback source addresses (0: one)"
    )
    parser.add_argument("--json", type=Path, default=None, metavar="FILE")
    args = parser.parse_args()
    results = []
    for replicas in [int(n) for n in args.replicas.split(",")]:
        print(f"Starting {replicas} replica(s) ...", flush=True)
        with production_stack(replicas, balance=args.balance) as stack:
            for clients in [int(c) for c in args.clients.split(",")]:
                figures = asyncio.run(
                    measure(stack, clients, args.seconds, args.warmup, args.addresses)
                )
                figures["replicas"] = replicas
                print(json.dumps(figures), flush=True)
                results.append(figures)
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
