"""Per-message latency of the running assistant, measured on the REST endpoint.

Starts the real stack on free ports (current model, Tårnby profile), warms it up, then sends
each question N times and prints median and 95th percentile in milliseconds.
Run: ``.venv/bin/python scripts/measure_latency.py [N]``.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

import requests

from bot.mlops.training import ensure_model
from bot.stack.local import isolated_stack, running_stack

QUESTIONS = [
    "hej",
    "hvornår har borgerservice åbent i morgen",
    "jeg skal flytte",
    "hvordan bliver jeg fritaget for digital post",
    "hvordan kontakter jeg kommunen",
    "mit cpr er 010190-1234",  # a synthetic CPR number
    "qwerty asdf",
]


def main(n: int = 20) -> int:
    model = ensure_model()
    with tempfile.TemporaryDirectory() as tmp:
        cfg = isolated_stack(Path(tmp), model)
        with running_stack(cfg):
            for q in QUESTIONS:  # warm-up
                requests.post(cfg.rest_url, json={"sender": "warm", "message": q}, timeout=60)
            print(f"{'question':45} {'median ms':>10} {'p95 ms':>8}")
            all_ms: list[float] = []
            for q in QUESTIONS:
                times = []
                for _ in range(n):
                    start = time.perf_counter()
                    r = requests.post(
                        cfg.rest_url,
                        timeout=60,
                        json={"sender": uuid.uuid4().hex[:12], "message": q},
                    )
                    r.raise_for_status()
                    times.append((time.perf_counter() - start) * 1000)
                all_ms += times
                p95 = statistics.quantiles(times, n=20)[-1]
                print(f"{q[:45]:45} {statistics.median(times):10.1f} {p95:8.1f}")
            p95_all = statistics.quantiles(all_ms, n=20)[-1]
            print(f"{'all':45} {statistics.median(all_ms):10.1f} {p95_all:8.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main(int(sys.argv[1]) if len(sys.argv) > 1 else 20))
