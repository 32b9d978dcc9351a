"""Citizens' reply latency while a model trains in the background.

Starts a real assistant (Rasa server, action server, web app; the checkout's model), then in
each round sends the same questions to the REST endpoint

- ``idle``: with nothing else running;
- ``low``: while a model trains the way ``python -m bot retrain`` trains it: lowest CPU
  priority (nice 19) and one TensorFlow/OpenMP thread (bot.mlops.crossval.low_priority_env);
- ``normal`` (``--with-normal``): while a model trains at normal priority with default threads,
  to show what the throttling buys.

The training is of a project copy with one extra example (so nothing comes from a cache), with
``rasa train --force``; loaded requests start once it is in DIET's epochs and the training is
stopped after them. The rounds interleave the conditions, so a noisy machine affects all alike.
Prints p50/p95/max per condition and the ratio to idle. Usage:

    .venv/bin/python scripts/measure_retrain_latency.py [--rounds 3] [--requests 40] [--with-normal]
"""

from __future__ import annotations

import argparse
import os
import secrets
import signal
import statistics
import string
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.mlops.crossval import be_nice, low_priority_env
from bot.mlops.training import ensure_model
from bot.stack.local import isolated_stack, running_stack
from bot.stack.paths import base_env
from testkit.project import copy_project

QUESTIONS = (
    "hvornår har I åbent",
    "hej",
    "jeg skal flytte",
    "hvordan læser jeg digital post",
    "hvad er telefonnummeret",
    "kan jeg bestille tid",
)
EPOCHS_MARK = "Epochs:"
WARMUP_TIMEOUT_S = 600


def sender() -> str:
    """A new conversation id of letters only (digits could look like a CPR number)."""
    return "latency-" + "".join(secrets.choice(string.ascii_lowercase) for _ in range(12))


def ask(url: str, text: str) -> float:
    started = time.perf_counter()
    response = requests.post(url, json={"sender": sender(), "message": text}, timeout=60)
    elapsed = time.perf_counter() - started
    if response.status_code != 200:
        raise RuntimeError(f"{response.status_code}: {response.text[:300]}")
    return elapsed


def block(url: str, n: int) -> list[float]:
    return [ask(url, QUESTIONS[i % len(QUESTIONS)]) for i in range(n)]


def start_training(project: Path, log: Path, low: bool) -> subprocess.Popen:
    env = low_priority_env() if low else base_env()
    env["PYTHONPATH"] = str(project)
    out = log.open("w")
    return subprocess.Popen(
        [sys.executable, "-m", "bot", "train", "--force"],
        cwd=project,
        env=env,
        stdout=out,
        stderr=subprocess.STDOUT,
        start_new_session=True,
        preexec_fn=be_nice if low else None,
    )


def wait_for_epochs(proc: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + WARMUP_TIMEOUT_S
    while EPOCHS_MARK not in log.read_text("utf-8", errors="replace"):
        if proc.poll() is not None:
            raise RuntimeError(f"training stopped early:\n{log.read_text('utf-8')[-2000:]}")
        if time.monotonic() > deadline:
            raise TimeoutError("training did not reach DIET's epochs")
        time.sleep(1)
    time.sleep(5)  # well into the epochs


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def summary(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    return {
        "n": len(ordered),
        "p50": statistics.median(ordered),
        "p95": ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))],
        "max": ordered[-1],
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--requests", type=int, default=40, help="per condition and round")
    parser.add_argument("--with-normal", action="store_true")
    args = parser.parse_args()

    conditions = ["idle", "low"] + (["normal"] if args.with_normal else [])
    results: dict[str, list[float]] = {c: [] for c in conditions}
    with tempfile.TemporaryDirectory(prefix="retrain-latency-") as tmp:
        work = Path(tmp)
        project = copy_project(work / "project", models=False)
        extra = project / "data" / "nlu" / "latency_extra.yml"
        extra.write_text(
            'version: "3.1"\nnlu:\n- intent: opening_hours\n  examples: |\n'
            f"    - hvornår er der åbent {uuid.uuid4().hex[:6]}\n",
            encoding="utf-8",
        )
        (work / "state").mkdir()
        cfg = isolated_stack(
            work / "state",
            ensure_model(),
            {
                "BOT_PROFILE": "taarnby",
                "BOT_ENV": "test",
                "BOT_RATE_PER_ADDRESS": "100000",
                "BOT_RATE_PER_CONVERSATION": "1000",
            },
        )
        print("Starting the assistant ...", file=sys.stderr)
        with running_stack(cfg):
            block(cfg.rest_url, 10)  # warm up
            for round_no in range(1, args.rounds + 1):
                for condition in conditions:
                    if condition == "idle":
                        results["idle"] += block(cfg.rest_url, args.requests)
                    else:
                        log = work / f"train-{condition}-{round_no}.log"
                        proc = start_training(project, log, low=condition == "low")
                        try:
                            wait_for_epochs(proc, log)
                            results[condition] += block(cfg.rest_url, args.requests)
                            assert proc.poll() is None, "training ended during the block"
                        finally:
                            stop(proc)
                    s = summary(results[condition])
                    print(
                        f"round {round_no} {condition:7} p50 {1000 * s['p50']:.0f} ms",
                        file=sys.stderr,
                    )
    idle = summary(results["idle"])
    print(
        f"{'condition':10}{'n':>5}{'p50 ms':>9}{'p95 ms':>9}{'max ms':>9}{'p50 ×':>8}{'p95 ×':>8}"
    )
    for condition in conditions:
        s = summary(results[condition])
        print(
            f"{condition:10}{s['n']:>5}{1000 * s['p50']:>9.0f}{1000 * s['p95']:>9.0f}"
            f"{1000 * s['max']:>9.0f}{s['p50'] / idle['p50']:>8.2f}{s['p95'] / idle['p95']:>8.2f}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
