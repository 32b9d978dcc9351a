"""Chat benchmark: stock Rasa's default setup against ours, on the same bot data and machine.

Starts each setup in turn, interleaved (stock, ours, stock, ours, ...), loads its REST endpoint
and prints, per round and over all rounds, with the ratio to the baseline (the first setup):

- saturation: messages answered per second by 1, 10, 20 and 50 clients sending back to back
  (closed loop), with p50/p95 latency at 1, 10 and 50, and every error (non-200, empty reply,
  the assistant's "cannot answer right now", timeout);
- open loop: p50/p95/p99 latency at an offered rate (Poisson arrivals, default 10 msg/s),
  measured from each message's scheduled send time (no coordinated omission);
- long conversations: p95 of turns 5-14 against turns 95-104 of conversations of 110 turns;
- time to ready (first process started → the endpoint answers a first message) and the RSS
  and CPU time of each setup's processes, read from /proc.

``stock`` (bench/stock_rasa.py): a copy of domain and data with ``config.yml`` giving only
recipe, language and assistant id (Rasa's default pipeline and policies, TEDPolicy included),
Rasa's ``rest:`` channel, the SQL tracker store on SQLite, no event broker, our action server;
its model is trained once (~10 min) and cached in var/benchmark/. ``ours``: what ``python -m
bot run`` starts (bot.stack.local.isolated_stack + running_stack, with the model server), with
the per-address / per-conversation rate limits and the turn cap raised for the load.
``production-N``: the production topology (``python -m bot run-production --replicas N``: nginx
in front of N Rasa servers on PostgreSQL, Redis and RabbitMQ; testkit/production_stack.py) on
its own database and queue. ``--target NAME=URL`` loads an already running endpoint instead;
its rate limits must allow the load.

Each conversation sends from its own loopback source address (``--addresses``, 64 by default:
127.0.0.2 onwards), the same for every setup, so nginx's balancing by client address spreads
the conversations over the replicas as it spreads citizens.

Run: ``.venv/bin/python scripts/benchmark_chat.py [--setups stock,ours,production-2] [--quick]
[--rounds 2] [--phases saturation,open,long] [--target NAME=URL] [--json FILE]``.
Method and figures: docs/benchmark-chat.md.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

# bench/ and testkit/ live in the checkout, not in the installed package.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.loadtest import (
    MAX_SOURCE_ADDRESSES,
    Client,
    Sample,
    closed_loop,
    cpu_seconds,
    descendants,
    error_counts,
    first_answer,
    flattened,
    fmt,
    in_turns,
    interleaved,
    latency_ms,
    long_conversations,
    machine_busy_seconds,
    new_sender,
    open_loop,
    open_loop_plan,
    own_cpu_seconds,
    ratio,
    rss_kib,
    table,
    throughput,
    turn_window,
)

PHASES = ("saturation", "open", "long")
LEVELS = (1, 10, 20, 50)
LATENCY_LEVELS = (1, 10, 50)
EARLY_TURN, LATE_TURN = 10, 100
# For `ours`: the guard's limits are per client address and conversation, and all the load
# comes from one address (tests/integration/conftest.py does the same).
OURS_ENV = {
    "BOT_RATE_PER_ADDRESS": "100000",
    "BOT_RATE_PER_CONVERSATION": "100000",
    "BOT_MAX_TURNS": "100000",
}
# The targets (issue 11), checked for every setup.
TARGET_THROUGHPUT_RATIO = 2.0
TARGET_OPEN_P95_MS = 150.0
TARGET_LONG_RATIO = 1.2
TARGET_READY_S = 25.0
STARTUP_TIMEOUT_S = 240.0
PRODUCTION = "production-"
# Loopback source addresses the conversations are spread over (bench.loadtest.Client).
DEFAULT_ADDRESSES = 64


@dataclass(frozen=True)
class Durations:
    level_seconds: float
    warmup_seconds: float
    open_seconds: float
    long_conversations: int
    long_turns: int
    rounds: int


FULL = Durations(30, 5, 60, 6, 110, 2)
QUICK = Durations(8, 2, 20, 2, 105, 1)


@dataclass
class Running:
    """A setup answering on ``url``: its processes by role (each process in one role only) and
    how long it took."""

    url: str
    pids: dict[str, list[int]] = field(default_factory=dict)
    ready_s: float | None = None
    rasa_ready_s: float | None = None


@dataclass
class RoundResult:
    """What one round of one setup measured; samples are kept for pooled percentiles."""

    setup: str
    round: int
    ready_s: float | None = None
    rasa_ready_s: float | None = None
    levels: dict[int, tuple[list[Sample], float]] = field(default_factory=dict)  # samples, msg/s
    open_samples: list[Sample] = field(default_factory=list)
    open_lag_ms: float | None = None
    long_samples: list[Sample] = field(default_factory=list)
    rss_mib: dict[str, float] = field(default_factory=dict)
    cpu_ms_per_msg: dict[str, float] = field(default_factory=dict)
    load_before: tuple[float, ...] = ()
    load_after: tuple[float, ...] = ()
    # CPU the rest of the machine (not this setup, not the client) used during the load, in
    # cores on average: the benchmark shares the machine.
    other_cores: float | None = None

    def errors(self) -> dict[str, int]:
        everything = [s for samples, _ in self.levels.values() for s in samples]
        return error_counts(everything + self.open_samples + self.long_samples)


# --- the setups -----------------------------------------------------------------------------


def _ready(t0: float, url: str, rasa_started: float | None, timeout: float) -> Running:
    async def poll() -> float | None:
        async with Client(url, timeout=30) as client:
            return await first_answer(client, time.monotonic() + timeout)

    answered = asyncio.run(poll())
    if answered is None:
        raise TimeoutError(f"{url} did not answer a first message in {timeout:.0f} s")
    return Running(
        url,
        ready_s=answered - t0,
        rasa_ready_s=answered - rasa_started if rasa_started else None,
    )


@contextmanager
def start_stock(model: Path, env: dict[str, str]) -> Iterator[Running]:
    from bench.stock_rasa import running_stock, stock_stack

    with tempfile.TemporaryDirectory(prefix="bench-stock-") as tmp:
        stack = stock_stack(Path(tmp), model, env)
        t0 = time.monotonic()
        with running_stock(stack) as services:
            rasa = next(s for s in services if s.name == "Rasa server")
            running = _ready(t0, stack.rest_url, rasa.started_at, STARTUP_TIMEOUT_S)
            running.pids = {s.name: descendants(s.process.pid) for s in services if s.process}
            yield running


@contextmanager
def start_ours(model: Path, env: dict[str, str]) -> Iterator[Running]:
    from bot.stack.local import isolated_stack, running_stack

    with tempfile.TemporaryDirectory(prefix="bench-ours-") as tmp:
        # What `python -m bot run` starts (with its default model server), in a temp workdir.
        cfg = isolated_stack(Path(tmp), model, {**env, **OURS_ENV}, model_server=True)
        t0 = time.monotonic()
        with running_stack(cfg) as supervisor:
            rasa = next(s for s in supervisor.services if s.name == "Rasa server")
            running = _ready(t0, cfg.rest_url, rasa.started_at, STARTUP_TIMEOUT_S)
            running.pids = {
                s.name: descendants(s.process.pid) for s in supervisor.services if s.process
            }
            yield running


@contextmanager
def start_production(replicas: int, env: dict[str, str]) -> Iterator[Running]:
    from testkit.production_stack import production_stack

    with production_stack(replicas, env=env) as stack:
        running = _ready(stack.started_at, stack.url, None, STARTUP_TIMEOUT_S)
        running.pids = stack.processes_by_role()
        yield running


def production_replicas(setup: str) -> int | None:
    """N of a ``production-N`` setup name, else None."""
    if setup.startswith(PRODUCTION) and setup[len(PRODUCTION) :].isdigit():
        return int(setup[len(PRODUCTION) :])
    return None


@contextmanager
def use_target(url: str) -> Iterator[Running]:
    """An endpoint that is already running; it must answer a first message within 30 s."""

    async def poll() -> float | None:
        async with Client(url, timeout=10) as client:
            return await first_answer(client, time.monotonic() + 30)

    if asyncio.run(poll()) is None:
        raise SystemExit(f"{url} does not answer a message (is it running, are its limits raised?)")
    yield Running(url)


# --- one round -------------------------------------------------------------------------------


def warm_up(url: str, timeout: float, addresses: int) -> None:
    """Every message of the mix once, then a short burst, so first-call costs (TensorFlow
    graphs, connection pools) are paid before anything is measured."""

    async def run() -> None:
        async with Client(url, timeout=timeout, addresses=addresses) as client:
            sender = new_sender("warm")
            for text in flattened():
                await client.send(sender, text)
            await closed_loop(client, 5, 3.0)

    asyncio.run(run())


def cpu_by_service(pids: dict[str, list[int]]) -> dict[str, float]:
    cpu = {
        name: sum(cpu_seconds(pid, children=False) for pid in group) for name, group in pids.items()
    }
    return cpu | {"client": own_cpu_seconds()}


def run_round(
    setup: str,
    number: int,
    start: Callable[[], Any],
    args: argparse.Namespace,
    d: Durations,
) -> RoundResult:
    result = RoundResult(setup, number, load_before=os.getloadavg())
    print(f"\n--- round {number}: {setup} ---", flush=True)
    with start() as running:
        result.ready_s, result.rasa_ready_s = running.ready_s, running.rasa_ready_s
        if running.ready_s is not None:
            rasa_ready = (
                f" (Rasa server {fmt(running.rasa_ready_s)} s)" if running.rasa_ready_s else ""
            )
            print(f"  ready in {running.ready_s:.1f} s{rasa_ready}")
        warm_up(running.url, args.timeout, args.addresses)
        wall0, busy0 = time.monotonic(), machine_busy_seconds()
        ours0 = sum(cpu_by_service(running.pids).values())
        if "saturation" in args.phases:
            cpu_before = cpu_by_service(running.pids)
            answered = 0
            for level in args.levels:
                samples, msg_s = asyncio.run(
                    saturate(running.url, level, d, args.timeout, args.addresses)
                )
                result.levels[level] = (samples, msg_s)
                answered += sum(s.ok for s in samples)
                errors = error_counts(samples)
                p50, p95 = latency_ms(samples, 50), latency_ms(samples, 95)
                print(
                    f"  {level:3d} conversations: {msg_s:6.1f} msg/s, "
                    f"p50 {p50:6.0f} ms, p95 {p95:6.0f} ms, "
                    f"errors {sum(errors.values())} {errors or ''}",
                    flush=True,
                )
            cpu_after = cpu_by_service(running.pids)
            result.cpu_ms_per_msg = {
                name: (cpu_after[name] - cpu_before[name]) * 1000 / max(answered, 1)
                for name in cpu_before
            }
        if "open" in args.phases:
            plan = open_loop_plan(
                args.open_rate, d.open_seconds, seed=number, poisson=args.arrivals == "poisson"
            )

            async def run_open() -> tuple[list[Sample], float]:
                async with Client(
                    running.url, timeout=args.timeout, addresses=args.addresses
                ) as client:
                    return await open_loop(client, plan)

            result.open_samples, lag = asyncio.run(run_open())
            result.open_lag_ms = lag * 1000
            s = result.open_samples
            print(
                f"  open loop {args.open_rate:g} msg/s offered ({len(s)} messages): "
                f"p50 {latency_ms(s, 50):.0f} ms, p95 {latency_ms(s, 95):.0f} ms, "
                f"p99 {latency_ms(s, 99):.0f} ms, errors {sum(error_counts(s).values())}, "
                f"client lag at most {lag * 1000:.0f} ms",
                flush=True,
            )
        if "long" in args.phases:

            async def run_long() -> list[Sample]:
                async with Client(
                    running.url, timeout=args.timeout, addresses=args.addresses
                ) as client:
                    return await long_conversations(client, d.long_conversations, d.long_turns)

            result.long_samples = asyncio.run(run_long())
            early, late = long_p95(result.long_samples)
            print(
                f"  {d.long_conversations} conversations of {d.long_turns} turns: "
                f"p95 around turn {EARLY_TURN} {fmt(early, 0)} ms, "
                f"around turn {LATE_TURN} {fmt(late, 0)} ms",
                flush=True,
            )
        busy = machine_busy_seconds() - busy0
        ours = sum(cpu_by_service(running.pids).values()) - ours0
        if running.pids:  # a target's own processes are not known: no figure
            result.other_cores = (busy - ours) / (time.monotonic() - wall0)
            print(f"  other processes on the machine used {result.other_cores:.2f} cores meanwhile")
        result.rss_mib = {
            name: sum(rss_kib(pid, children=False) for pid in group) / 1024
            for name, group in running.pids.items()
        }
        if result.rss_mib:
            print(
                "  RSS after load: "
                + ", ".join(f"{k} {v:.0f} MiB" for k, v in result.rss_mib.items())
            )
    result.load_after = os.getloadavg()
    return result


async def saturate(
    url: str, level: int, d: Durations, timeout: float, addresses: int
) -> tuple[list[Sample], float]:
    """One closed-loop level: the samples sent after the warm-up, and msg/s in the window."""
    async with Client(url, timeout=timeout, connections=level, addresses=addresses) as client:
        samples, start, end = await closed_loop(
            client, level, d.level_seconds, d.warmup_seconds, seed=level
        )
    errors_in_warmup = [s for s in samples if s.start < start and not s.ok]
    measured = [s for s in samples if s.start >= start] + errors_in_warmup
    return measured, throughput(samples, start, end)


def long_p95(samples: list[Sample]) -> tuple[float, float]:
    early = in_turns(samples, turn_window(EARLY_TURN))
    late = in_turns(samples, turn_window(LATE_TURN))
    return latency_ms(early, 95), latency_ms(late, 95)


# --- the report -----------------------------------------------------------------------------


def summarize(rounds: list[RoundResult]) -> dict[str, Any]:
    """Figures of one setup over its rounds: mean msg/s, percentiles of the pooled samples."""

    def mean(values: list[float | None]) -> float | None:
        vals = [v for v in values if v is not None]
        return statistics.fmean(vals) if vals else None

    out: dict[str, Any] = {"rounds": len(rounds), "levels": {}}
    for level in sorted({lv for r in rounds for lv in r.levels}):
        pooled = [s for r in rounds if level in r.levels for s in r.levels[level][0]]
        out["levels"][level] = {
            "msg_s": mean([r.levels[level][1] for r in rounds if level in r.levels]),
            "p50_ms": latency_ms(pooled, 50),
            "p95_ms": latency_ms(pooled, 95),
            "errors": sum(error_counts(pooled).values()),
        }
    rates = [v["msg_s"] for v in out["levels"].values() if v["msg_s"] is not None]
    out["saturation_msg_s"] = max(rates) if rates else None
    opened = [s for r in rounds for s in r.open_samples]
    if opened:
        out["open"] = {
            "messages": len(opened),
            "p50_ms": latency_ms(opened, 50),
            "p95_ms": latency_ms(opened, 95),
            "p99_ms": latency_ms(opened, 99),
            "max_ms": latency_ms(opened, 100),
            "errors": sum(error_counts(opened).values()),
            "client_lag_ms": max(r.open_lag_ms or 0 for r in rounds),
        }
    long = [s for r in rounds for s in r.long_samples]
    if long:
        early, late = long_p95(long)
        out["long"] = {"p95_turn10_ms": early, "p95_turn100_ms": late, "ratio": ratio(late, early)}
    out["other_cores"] = mean([r.other_cores for r in rounds])
    out["ready_s"] = mean([r.ready_s for r in rounds])
    out["rasa_ready_s"] = mean([r.rasa_ready_s for r in rounds])
    names = sorted({n for r in rounds for n in r.rss_mib})
    out["rss_mib"] = {n: mean([r.rss_mib.get(n) for r in rounds]) for n in names}
    if names:
        out["rss_mib"]["total"] = sum(v for v in out["rss_mib"].values() if v)
    cpu_names = sorted({n for r in rounds for n in r.cpu_ms_per_msg})
    out["cpu_ms_per_msg"] = {n: mean([r.cpu_ms_per_msg.get(n) for r in rounds]) for n in cpu_names}
    errors: dict[str, int] = {}
    for r in rounds:
        for kind, n in r.errors().items():
            errors[kind] = errors.get(kind, 0) + n
    out["errors"] = errors
    return out


def round_json(r: RoundResult) -> dict[str, Any]:
    one = summarize([r])
    one.update(
        setup=r.setup,
        round=r.round,
        load_before=r.load_before,
        load_after=r.load_after,
        other_cores=r.other_cores,
    )
    return one


def print_report(
    results: list[RoundResult], setups: list[str], args: argparse.Namespace
) -> dict[str, Any]:
    """Print the tables (per round, all rounds, ratio to the baseline); return the summary."""
    summary = {name: summarize([r for r in results if r.setup == name]) for name in setups}
    base, others = setups[0], setups[1:]
    labelled = [(f"{r.setup} round {r.round}", round_json(r)) for r in results] + [
        (f"{n} all rounds", summary[n]) for n in setups
    ]

    def ratio_rows(columns: list[Callable[[dict[str, Any]], Any]]) -> list[list[str]]:
        return [
            [f"ratio {o}/{base}"]
            + [fmt(ratio(get(summary[o]), get(summary[base])), 2) for get in columns]
            for o in others
        ]

    def section(
        title: str,
        head: list[str],
        columns: list[Callable[[dict[str, Any]], Any]],
        digits: int | list[int] = 0,
        ratios: bool = True,
    ) -> None:
        places = digits if isinstance(digits, list) else [digits] * len(columns)
        rows = [
            [label] + [fmt(get(s), d) for get, d in zip(columns, places, strict=True)]
            for label, s in labelled
        ]
        print(f"\n{title}")
        print(table(["", *head], rows + (ratio_rows(columns) if ratios else [])))

    if "saturation" in args.phases:
        levels = args.levels
        section(
            "Saturation (closed loop, back to back): answered msg/s by concurrent conversations",
            [f"{lv} conv" for lv in levels] + ["errors"],
            [lambda s, lv=lv: s["levels"].get(lv, {}).get("msg_s") for lv in levels]
            + [lambda s: sum(v["errors"] for v in s["levels"].values())],
            digits=1,
        )
        lat = [lv for lv in LATENCY_LEVELS if lv in levels]
        section(
            "Latency under closed-loop load (ms)",
            [f"{lv} conv {q}" for lv in lat for q in ("p50", "p95")],
            [lambda s, lv=lv, k=k: s["levels"][lv][k] for lv in lat for k in ("p50_ms", "p95_ms")],
        )
    if "open" in args.phases:
        keys = ("messages", "p50_ms", "p95_ms", "p99_ms", "max_ms", "errors", "client_lag_ms")
        section(
            f"Open loop: {args.open_rate:g} msg/s offered ({args.arrivals} arrivals), latency (ms) "
            "from each message's scheduled send time",
            ["messages", "p50", "p95", "p99", "max", "errors", "client lag"],
            [lambda s, k=k: s["open"][k] for k in keys],
        )
    if "long" in args.phases:
        early, late = turn_window(EARLY_TURN), turn_window(LATE_TURN)
        section(
            f"Long conversations: p95 (ms) of turns {early.start}-{early.stop - 1} and "
            f"{late.start}-{late.stop - 1}",
            [f"turn {EARLY_TURN}", f"turn {LATE_TURN}", "late/early"],
            [lambda s, k=k: s["long"][k] for k in ("p95_turn10_ms", "p95_turn100_ms", "ratio")],
            digits=[0, 0, 2],
        )
    if any(r.ready_s is not None for r in results):
        names = [*sorted({n for r in results for n in r.rss_mib}), "total"]
        section(
            "Time to ready (s: first process started → first message answered) and RSS (MiB) "
            "after the load",
            ["ready s", "Rasa ready s", *[f"RSS {n}" for n in names]],
            [lambda s: s["ready_s"], lambda s: s["rasa_ready_s"]]
            + [lambda s, n=n: s["rss_mib"].get(n) for n in names],
            digits=[1, 1] + [0] * len(names),
        )
    if any(r.cpu_ms_per_msg for r in results):
        names = sorted({n for r in results for n in r.cpu_ms_per_msg})
        section(
            "CPU time (ms) per answered message during the saturation phase",
            names,
            [lambda s, n=n: s["cpu_ms_per_msg"].get(n) for n in names],
            digits=1,
        )
    section(
        "The machine during the load: CPU used by other processes (cores of "
        f"{os.cpu_count()}), load average before and after",
        ["other cores", "load before", "load after"],
        [
            lambda s: s["other_cores"],
            lambda s: s.get("load_before", [None])[0],
            lambda s: s.get("load_after", [None])[0],
        ],
        digits=2,
        ratios=False,
    )
    print_targets(summary, setups)
    return summary


def print_targets(summary: dict[str, Any], setups: list[str]) -> None:
    """The issue's targets, checked for every setup (throughput against the baseline)."""
    base = setups[0]
    rows = []
    for n in setups:
        s = summary[n]
        sat = ratio(s.get("saturation_msg_s"), summary[base].get("saturation_msg_s"))
        errors = sum(s["errors"].values())
        open_p95 = s.get("open", {}).get("p95_ms")
        long_ratio = s.get("long", {}).get("ratio")
        checks = [
            (
                f"saturation ≥ {TARGET_THROUGHPUT_RATIO:g}× {base}, 0 errors",
                f"{fmt(sat, 2)}×, {errors} errors",
                None
                if n == base
                else sat is not None and sat >= TARGET_THROUGHPUT_RATIO and errors == 0,
            ),
            (
                f"open-loop p95 ≤ {TARGET_OPEN_P95_MS:g} ms",
                f"{fmt(open_p95, 0)} ms",
                None if open_p95 is None else open_p95 <= TARGET_OPEN_P95_MS,
            ),
            (
                f"turn-100 p95 ≤ {TARGET_LONG_RATIO:g}× turn-10",
                f"{fmt(long_ratio, 2)}×",
                None if long_ratio is None else long_ratio <= TARGET_LONG_RATIO,
            ),
            (
                f"ready ≤ {TARGET_READY_S:g} s",
                f"{fmt(s.get('ready_s'))} s",
                None if s.get("ready_s") is None else s["ready_s"] <= TARGET_READY_S,
            ),
        ]
        verdicts = {True: "met", False: "MISSED"}
        rows += [
            [n, what, got, verdicts.get(met, "(baseline)" if what.startswith("sat") else "n/a")]
            for what, got, met in checks
        ]
    print(f"\nTargets of issue 11 (saturation = best msg/s over the levels, against {base})")
    print(table(["setup", "target", "measured", ""], rows))


# --- main -------------------------------------------------------------------------------------


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        epilog="Method and figures: docs/benchmark-chat.md.",
    )
    parser.add_argument(
        "--setups",
        default=None,
        help="built-in setups in order, comma-separated: stock, ours, production-N (N Rasa "
        "replicas behind nginx) (default: stock,ours; none when --target is given). The first "
        "is the baseline of the ratios.",
    )
    parser.add_argument(
        "--target",
        action="append",
        default=[],
        metavar="NAME=URL",
        help="an already running REST endpoint, e.g. "
        "prod=http://host:port/webhooks/rest/webhook (repeatable); time to ready and memory "
        "are not measured for it",
    )
    parser.add_argument("--phases", default=",".join(PHASES), help=f"of {', '.join(PHASES)}")
    parser.add_argument("--quick", action="store_true", help="short durations, 1 round")
    parser.add_argument("--rounds", type=int, default=None, help="interleaved rounds (default 2)")
    parser.add_argument(
        "--levels",
        default=",".join(map(str, LEVELS)),
        help="concurrent conversations of the closed loop",
    )
    parser.add_argument("--seconds", type=float, default=None, help="measured seconds per level")
    parser.add_argument("--warmup", type=float, default=None, help="seconds before each level")
    parser.add_argument("--open-rate", type=float, default=10.0, help="offered msg/s (open loop)")
    parser.add_argument("--open-seconds", type=float, default=None)
    parser.add_argument("--arrivals", choices=("poisson", "uniform"), default="poisson")
    parser.add_argument("--long-conversations", type=int, default=None)
    parser.add_argument("--long-turns", type=int, default=None)
    parser.add_argument("--timeout", type=float, default=30.0, help="seconds per request")
    parser.add_argument(
        "--addresses",
        type=int,
        default=DEFAULT_ADDRESSES,
        help="loopback source addresses the conversations are spread over (0: one address); "
        f"default {DEFAULT_ADDRESSES}",
    )
    parser.add_argument("--json", type=Path, default=None, metavar="FILE", help="write figures")
    args = parser.parse_args(argv)
    args.phases = [p.strip() for p in args.phases.split(",") if p.strip()]
    unknown = set(args.phases) - set(PHASES)
    if unknown:
        parser.error(f"unknown phases: {', '.join(sorted(unknown))}")
    args.levels = [int(x) for x in args.levels.split(",") if x.strip()]
    targets = {}
    for t in args.target:
        name, sep, url = t.partition("=")
        if not sep or not url.startswith("http"):
            parser.error(f"--target {t!r}: expected NAME=http://host:port/webhooks/rest/webhook")
        targets[name] = url
    args.targets = targets
    default_setups = "" if targets else "stock,ours"
    args.setups = [s for s in (args.setups or default_setups).split(",") if s]
    unknown = {s for s in args.setups if s not in ("stock", "ours") and not production_replicas(s)}
    if unknown:
        parser.error(
            f"--setups: {', '.join(sorted(unknown))}: the built-in setups are stock, ours and "
            "production-N (N ≥ 1); use --target for others"
        )
    if not 0 <= args.addresses <= MAX_SOURCE_ADDRESSES:
        parser.error(f"--addresses: 0 to {MAX_SOURCE_ADDRESSES}")
    if not args.setups and not targets:
        parser.error("nothing to benchmark")
    d = QUICK if args.quick else FULL
    args.durations = Durations(
        level_seconds=args.seconds or d.level_seconds,
        warmup_seconds=d.warmup_seconds if args.warmup is None else args.warmup,
        open_seconds=args.open_seconds or d.open_seconds,
        long_conversations=args.long_conversations or d.long_conversations,
        long_turns=args.long_turns or d.long_turns,
        rounds=args.rounds or d.rounds,
    )
    if "long" in args.phases and args.durations.long_turns < turn_window(LATE_TURN).stop - 1:
        parser.error(f"--long-turns must be at least {turn_window(LATE_TURN).stop - 1}")
    return args


def code_version() -> str:
    """The commit of the working tree, and whether it has uncommitted changes."""
    from testkit import ROOT

    def git(*a: str) -> str:
        run = subprocess.run(["git", *a], cwd=ROOT, capture_output=True, text=True, check=False)
        return run.stdout.strip()

    commit = git("rev-parse", "--short", "HEAD") or "unknown"
    return commit + (" + uncommitted changes" if git("status", "--porcelain") else "")


def resolve_models(setups: list[str]) -> dict[str, Path] | None:
    """The models every round uses, fixed before the first: ours (also the production
    topology's) must exist (the benchmark does not train it: ``make train``); the stock model
    is trained once when missing."""
    from bench.stock_rasa import ensure_stock_model, stock_model_path
    from bot.mlops.training import model_path, write_generated_data

    models: dict[str, Path] = {}
    if "ours" in setups or any(production_replicas(s) for s in setups):
        write_generated_data()
        models["ours"] = model_path()
        if not models["ours"].exists():
            print(
                f"No model of ours for the current data ({models['ours'].name}): run make train.",
                file=sys.stderr,
            )
            return None
    if "stock" in setups:
        if not stock_model_path().exists():
            print("Training the stock model (Rasa's default config, about 5-10 minutes, once) ...")
        models["stock"] = ensure_stock_model()
    for name, path in models.items():
        print(f"  model of {name}: {path}")
    return models


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    # Rasa's imports (the tracker-store check before startup) print deprecation notices.
    warnings.simplefilter("ignore", DeprecationWarning)
    d: Durations = args.durations
    env = {k: v for k, v in os.environ.items() if k == "BOT_PROFILE"}
    starters: dict[str, Callable[[], Any]] = {
        "stock": lambda: start_stock(models["stock"], env),
        "ours": lambda: start_ours(models["ours"], env),
    }
    for name in args.setups:
        replicas = production_replicas(name)
        if replicas:
            starters[name] = lambda replicas=replicas: start_production(replicas, env)
    for name, url in args.targets.items():
        starters[name] = lambda url=url: use_target(url)
    setups = [*args.setups, *args.targets]
    started = datetime.now(timezone.utc).astimezone()
    version = code_version()
    print(
        f"Chat benchmark {started:%Y-%m-%d %H:%M %Z}: {', '.join(setups)}, {d.rounds} round(s) "
        f"interleaved; phases {', '.join(args.phases)}; {os.cpu_count()} CPUs, load average "
        + ", ".join(f"{x:.2f}" for x in os.getloadavg())
        + f"; code {version}"
    )
    print(
        f"  closed loop {args.levels} conversations, {d.warmup_seconds:g} s warm-up + "
        f"{d.level_seconds:g} s each; open loop {args.open_rate:g} msg/s for {d.open_seconds:g} s; "
        f"{d.long_conversations} conversations of {d.long_turns} turns"
    )
    models = resolve_models(setups)
    if models is None:
        return 2
    results = []
    for number, name in interleaved(setups, d.rounds):
        results.append(run_round(name, number, starters[name], args, d))
    summary = print_report(results, setups, args)
    if args.json:
        data = {
            "started": started.isoformat(),
            "code": version,
            "cpus": os.cpu_count(),
            "setups": setups,
            "targets": args.targets,
            "phases": args.phases,
            "levels": args.levels,
            "open_rate": args.open_rate,
            "arrivals": args.arrivals,
            "durations": d.__dict__,
            "rounds": [round_json(r) for r in results],
            "summary": summary,
        }
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(data, indent=2, default=str) + "\n", encoding="utf-8")
        print(f"\nFigures written to {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
