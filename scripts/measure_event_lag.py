"""Lag from a reply on the REST endpoint to the turn's statistics row, per statistics path.

Starts the real stack on free ports (current model, Tårnby profile, SQLite statistics) once per
path: ``queue`` (BOT_RABBITMQ_URL set: the Rasa server publishes to RabbitMQ, the events
consumer records in batches) and ``in-process`` (the Rasa server records itself). Sends N turns
(each a new conversation, ``--concurrency`` at a time), and a poller reads the statistics
database every 5 ms: the lag of a turn is from its reply arriving to its turn row having its
outcome (0 when the row was there first, as on the in-process path). Prints p50 / p95 / max of
the lag and of the reply time, and the CPU time the Rasa server (and the consumer) spent per
turn.

Run: ``.venv/bin/python scripts/measure_event_lag.py [--turns 200] [--concurrency 4]
[--paths queue,in-process] [--rabbitmq amqp://guest:guest@127.0.0.1:5672/]``. The queue path
uses a queue of its own (deleted afterwards).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sqlite3
import sys
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

# bench/ and testkit/ live in the checkout, not in the installed package.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import requests

from bot.mlops.training import ensure_model
from bot.stack.local import isolated_stack, running_stack
from testkit.senders import stored_sender

QUESTIONS = (
    "hvornår har borgerservice åbent?",
    "hvad kan 1881 hjælpe med?",
    "jeg skal flytte",
    "hvordan kontakter jeg kommunen",
)
POLL_S = 0.005


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class Poller(threading.Thread):
    """Watches the statistics database for the turns of the senders it is given."""

    def __init__(self, db: Path) -> None:
        super().__init__(daemon=True)
        self.db = db
        self.waiting: dict[str, float] = {}  # sender -> when its reply arrived
        self.lags: list[float] = []
        self.lock = threading.Lock()
        self.stop = threading.Event()

    def replied(self, sender: str, at: float) -> None:
        with self.lock:
            self.waiting[stored_sender(sender)] = at  # the statistics hold the pseudonym

    def run(self) -> None:
        while not self.db.exists() and not self.stop.is_set():
            time.sleep(POLL_S)
        conn = sqlite3.connect(self.db, timeout=5)
        while not self.stop.is_set():
            with self.lock:
                senders = list(self.waiting)
            if senders:
                found = conn.execute(
                    "SELECT DISTINCT c.sender_id FROM conversations c JOIN turns t "
                    "ON t.conversation_id = c.id WHERE t.kind IS NOT NULL "
                    "AND c.sender_id IN (SELECT value FROM json_each(:senders))",
                    {"senders": json.dumps(senders)},
                ).fetchall()
                now = time.time()
                with self.lock:
                    for (sender,) in found:
                        replied = self.waiting.pop(sender, None)
                        if replied is not None:
                            self.lags.append(max(0.0, now - replied) * 1000)
            time.sleep(POLL_S)
        conn.close()


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def measure(
    path: str, turns: int, concurrency: int, rabbitmq: str, keep: Path | None = None
) -> dict[str, float]:
    model = ensure_model()
    queue = f"lag_{uuid.uuid4().hex[:10]}"
    env = {"BOT_ENV": "test", "BOT_RATE_PER_ADDRESS": "100000", "BOT_RATE_PER_CONVERSATION": "1000"}
    if path == "queue":
        env.update({"BOT_RABBITMQ_URL": rabbitmq, "BOT_EVENT_QUEUE": queue})
    else:
        os.environ.pop("BOT_RABBITMQ_URL", None)
    with tempfile.TemporaryDirectory() as scratch:
        tmp = str(keep / path) if keep else scratch
        Path(tmp).mkdir(parents=True, exist_ok=True)
        cfg = isolated_stack(Path(tmp), model, env)
        try:
            with running_stack(cfg) as supervisor:
                pids = {s.name: s.process.pid for s in supervisor.services if s.process}
                for q in QUESTIONS:  # warm-up
                    requests.post(cfg.rest_url, json={"sender": "warm", "message": q}, timeout=60)
                poller = Poller(Path(tmp) / "analytics.db")
                poller.start()
                replies: list[float] = []

                def turn(i: int) -> None:
                    # Letters only: the guard refuses a sender id with a CPR-like number.
                    sender = "lag-" + "".join(chr(97 + int(c, 16)) for c in uuid.uuid4().hex[:12])
                    started = time.time()
                    response = requests.post(
                        cfg.rest_url,
                        json={"sender": sender, "message": QUESTIONS[i % len(QUESTIONS)]},
                        timeout=60,
                    )
                    done = time.time()
                    response.raise_for_status()
                    poller.replied(sender, done)
                    replies.append((done - started) * 1000)

                cpu_before = {n: cpu_seconds(p) for n, p in pids.items()}
                started = time.monotonic()
                with ThreadPoolExecutor(max_workers=concurrency) as pool:
                    list(pool.map(turn, range(turns)))
                elapsed = time.monotonic() - started
                cpu = {n: cpu_seconds(p) - cpu_before[n] for n, p in pids.items()}
                deadline = time.monotonic() + 60
                while poller.waiting and time.monotonic() < deadline:
                    time.sleep(0.05)
                poller.stop.set()
                poller.join()
                missing = len(poller.waiting)
        finally:
            if path == "queue":
                _delete_queue(rabbitmq, queue)
    lags = poller.lags
    return {
        "turns": turns,
        "turns_per_s": turns / elapsed,
        "missing": missing,
        "lag_p50": pct(lags, 0.5),
        "lag_p95": pct(lags, 0.95),
        "lag_max": max(lags),
        "reply_p50": pct(replies, 0.5),
        "reply_p95": pct(replies, 0.95),
        "rasa_cpu_ms_per_turn": cpu.get("Rasa server", 0.0) * 1000 / turns,
        "consumer_cpu_ms_per_turn": cpu.get("events consumer", 0.0) * 1000 / turns,
    }


def _delete_queue(url: str, queue: str) -> None:
    import aio_pika

    async def delete() -> None:
        connection = await aio_pika.connect(url, timeout=10)
        async with connection:
            channel = await connection.channel()
            await channel.queue_delete(queue)
            await channel.exchange_delete(queue)

    asyncio.run(delete())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--turns", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--paths", default="queue,in-process")
    parser.add_argument("--rabbitmq", default="amqp://guest:guest@127.0.0.1:5672/")
    parser.add_argument("--keep", type=Path, default=None, help="keep each stack's files here")
    args = parser.parse_args(argv)
    results = {}
    for path in args.paths.split(","):
        print(f"measuring the {path} path ({args.turns} turns, {args.concurrency} at a time) ...")
        results[path] = measure(path, args.turns, args.concurrency, args.rabbitmq, args.keep)
    print(
        f"\n{'path':12} {'turns/s':>8} {'lag p50':>8} {'p95':>7} {'max':>7} {'reply p50':>10} "
        f"{'p95':>7} {'Rasa CPU/turn':>14} {'consumer CPU/turn':>18} {'missing':>8}"
    )
    for path, r in results.items():
        print(
            f"{path:12} {r['turns_per_s']:8.1f} {r['lag_p50']:6.0f}ms {r['lag_p95']:5.0f}ms "
            f"{r['lag_max']:5.0f}ms {r['reply_p50']:8.0f}ms {r['reply_p95']:5.0f}ms "
            f"{r['rasa_cpu_ms_per_turn']:12.1f}ms {r['consumer_cpu_ms_per_turn']:16.1f}ms "
            f"{r['missing']:8d}"
        )
    return 0 if all(r["missing"] == 0 for r in results.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
