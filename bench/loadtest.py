"""Load generation for the chat benchmark (scripts/benchmark_chat.py, docs/benchmark-chat.md).

An asynchronous client (aiohttp, one event loop) for Rasa's REST contract
(``POST {"sender", "message"}`` → a JSON list of messages), and the pure parts the benchmark
is made of: the message mix, the open-loop schedule, percentiles, per-turn windows, CPU and
memory read from ``/proc``, and plain-text tables.

Three ways of loading an endpoint:

- **closed loop** (:func:`closed_loop`): N clients, each sends the next message the moment
  the previous reply arrives (no typing pauses): throughput at saturation, and latency under
  that load;
- **open loop** (:func:`open_loop`): messages at scheduled times (:func:`open_loop_plan`,
  Poisson arrivals at a given rate) whether or not earlier ones were answered; latency is
  measured from each message's *scheduled* send time, so a server that falls behind is
  charged for the waiting too (no coordinated omission);
- **long conversations** (:func:`long_conversations`): a few conversations of 100+ turns, to
  compare the latency around turn 10 with the latency around turn 100.

The client is kept light (no per-request session, no JSON re-encoding of replies beyond one
parse) because it shares the machine's cores with the servers it measures.
"""

from __future__ import annotations

import asyncio
import json
import math
import os
import random
import time
import uuid
import zlib
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# --- the messages -------------------------------------------------------------------------

# Conversations citizens have with the assistant: Danish questions both setups answer (the
# same domain and data), with follow-ups that lean on the previous answer. No personal data.
SCRIPTS: tuple[tuple[str, ...], ...] = (
    ("hej", "hvornår har borgerservice åbent?", "og i morgen?"),
    ("hvad er digital post?", "hvordan bliver jeg fritaget for digital post?", "tak"),
    ("hvad kan 1881 hjælpe med?", "hvornår har de åbent om aftenen?", "og i weekenden?"),
    ("hvordan kontakter jeg kommunen?", "tak for hjælpen"),
    ("jeg skal flytte", "hvordan skifter jeg læge?"),
    ("godmorgen", "hvordan søger jeg om nyt pas?", "og kørekort?"),
    ("har rådhuset åbent på lørdag?", "hvad med fredag"),
    ("hvordan læser jeg min digitale post?", "hvordan skriver jeg til kommunen i digital post?"),
    ("jeg har brug for et nyt sundhedskort",),
    ("hvordan bestiller jeg storskrald?", "tak"),
    ("hvad kan du hjælpe med?", "hvordan søger jeg boligstøtte?"),
    ("hvornår lukker borgerservice i dag?", "farvel"),
)

# Replies that mean the assistant gave up on the turn (bot/rasa_server/channel.py sends them on a
# timeout or a silent failure): counted as errors, not answers.
DEGRADED_MARKERS = ("Beklager, jeg kan ikke svare lige nu", "Sorry, I cannot answer right now")


def flattened(scripts: Sequence[Sequence[str]] = SCRIPTS) -> list[str]:
    """Every message of ``scripts`` in order: the turns of one long conversation cycle
    through it."""
    return [text for script in scripts for text in script]


def new_sender(prefix: str = "bench") -> str:
    """A fresh conversation id of letters only. The guarded channel stores only a keyed hash
    of any sender id; letters keep the ids comparable with runs from before 2026-12-06, when a
    hex id that spelled a CPR number was refused (400)."""
    letters = uuid.uuid4().hex.translate(_DIGITS_TO_LETTERS)
    return f"{prefix}-{letters[:16]}"


_DIGITS_TO_LETTERS = str.maketrans("0123456789", "ghijklmnop")


class ScriptCycle:
    """Hands out the scripts in a shuffled but repeatable order, round after round."""

    def __init__(self, scripts: Sequence[Sequence[str]] = SCRIPTS, seed: int = 1) -> None:
        self._scripts = [tuple(s) for s in scripts]
        self._rng = random.Random(seed)  # noqa: S311 - a repeatable order, not a secret
        self._queue: list[tuple[str, ...]] = []

    def next(self) -> tuple[str, ...]:
        if not self._queue:
            self._queue = list(self._scripts)
            self._rng.shuffle(self._queue)
        return self._queue.pop()


# --- samples and statistics --------------------------------------------------------------


@dataclass(frozen=True)
class Sample:
    """One message: when it was (or was scheduled to be) sent, when its reply was complete,
    its turn in the conversation (1-based), and its error (None when answered)."""

    start: float
    end: float
    turn: int = 1
    error: str | None = None

    @property
    def latency(self) -> float:
        return self.end - self.start

    @property
    def ok(self) -> bool:
        return self.error is None


def percentile(values: Iterable[float], q: float) -> float:
    """The ``q``-th percentile (0..100) with linear interpolation between closest ranks (as
    numpy's default); NaN for no values."""
    data = sorted(values)
    if not data:
        return math.nan
    if not 0 <= q <= 100:
        raise ValueError(f"percentile {q} is not between 0 and 100")
    pos = (len(data) - 1) * q / 100
    low = math.floor(pos)
    high = min(low + 1, len(data) - 1)
    return data[low] + (data[high] - data[low]) * (pos - low)


def throughput(samples: Iterable[Sample], start: float, end: float) -> float:
    """Answered messages per second whose reply completed within ``[start, end]``."""
    if end <= start:
        raise ValueError("the window is empty")
    return sum(1 for s in samples if s.ok and start <= s.end <= end) / (end - start)


def error_counts(samples: Iterable[Sample]) -> dict[str, int]:
    """How many messages failed, by kind (``http 503``, ``empty``, ``timeout`` ...)."""
    return dict(Counter(s.error for s in samples if s.error is not None))


def latency_ms(samples: Iterable[Sample], q: float) -> float:
    """The ``q``-th percentile latency of the answered ``samples``, in milliseconds."""
    return percentile((s.latency * 1000 for s in samples if s.ok), q)


def turn_window(center: int, width: int = 10) -> range:
    """The turns around ``center``: ``width`` turns starting ``width // 2`` before it."""
    first = max(1, center - width // 2)
    return range(first, first + width)


def in_turns(samples: Iterable[Sample], turns: range) -> list[Sample]:
    return [s for s in samples if s.turn in turns]


def classify_reply(status: int, body: Any) -> str | None:
    """The error of one HTTP reply of the REST endpoint, or None when it answered."""
    if status != 200:
        return f"http {status}"
    if not isinstance(body, list) or not any(
        isinstance(m, dict) and (m.get("text") or m.get("buttons") or m.get("custom")) for m in body
    ):
        return "empty"
    texts = " ".join(str(m.get("text") or "") for m in body if isinstance(m, dict))
    if any(marker in texts for marker in DEGRADED_MARKERS):
        return "degraded"
    return None


# --- the open-loop schedule --------------------------------------------------------------


@dataclass(frozen=True)
class Planned:
    """A message of the open-loop schedule: its send time (seconds after the start), its
    conversation, text and turn."""

    at: float
    sender: str
    text: str
    turn: int


def arrival_times(
    rate: float, duration: float, rng: random.Random, poisson: bool = True
) -> list[float]:
    """Send times in ``[0, duration)`` at ``rate`` per second: Poisson arrivals (exponential
    gaps, as many independent citizens make) or evenly spaced."""
    if rate <= 0 or duration <= 0:
        return []
    if not poisson:
        return [i / rate for i in range(int(duration * rate))]
    times, t = [], rng.expovariate(rate)
    while t < duration:
        times.append(t)
        t += rng.expovariate(rate)
    return times


def open_loop_plan(
    rate: float,
    duration: float,
    scripts: Sequence[Sequence[str]] = SCRIPTS,
    seconds_between_turns: float = 8.0,
    seed: int = 7,
    poisson: bool = True,
) -> list[Planned]:
    """The messages of an open-loop run: ``rate`` messages a second for ``duration`` seconds.

    Message *i* belongs to conversation slot ``i mod K``, with ``K = rate *
    seconds_between_turns``, so a conversation's next turn comes about that many seconds after
    its previous one (a citizen reading and typing); a slot whose script is finished starts a
    new conversation (a new sender id) with the next script.
    """
    rng = random.Random(seed)  # noqa: S311 - a repeatable schedule
    cycle = ScriptCycle(scripts, seed)
    slots = max(1, round(rate * seconds_between_turns))
    state: list[tuple[str, tuple[str, ...], int]] = [("", (), 0)] * slots
    plan = []
    for i, at in enumerate(arrival_times(rate, duration, rng, poisson)):
        sender, script, done = state[i % slots]
        if done >= len(script):
            sender, script, done = new_sender("open"), cycle.next(), 0
        plan.append(Planned(at, sender, script[done], done + 1))
        state[i % slots] = (sender, script, done + 1)
    return plan


# --- the client ----------------------------------------------------------------------------

MAX_SOURCE_ADDRESSES = 250


def source_address(index: int) -> str:
    """The ``index``-th loopback source address of a spread client: 127.0.0.2 onwards."""
    if not 0 <= index < MAX_SOURCE_ADDRESSES:
        raise ValueError(f"source address index {index} outside 0-{MAX_SOURCE_ADDRESSES - 1}")
    return f"127.0.0.{index + 2}"


@dataclass
class Client:
    """An aiohttp session for one endpoint: ``await client.send(sender, text)``.

    With ``addresses`` > 0 each conversation sends from one of that many loopback source
    addresses (127.0.0.2, 127.0.0.3, ...; Linux routes all of 127.0.0.0/8 to the loopback
    interface), chosen by its sender id, like that many citizens on their own connections: a
    balancer that keeps a client address on one replica (nginx's ``hash $remote_addr``)
    spreads them, as it spreads real citizens. Only for a server on this machine.
    """

    url: str
    timeout: float = 30.0
    connections: int = 0  # 0: no limit (per source address when spread)
    addresses: int = 0
    _sessions: list[Any] = field(default_factory=list, repr=False)

    async def __aenter__(self) -> Client:
        import aiohttp

        if not 0 <= self.addresses <= MAX_SOURCE_ADDRESSES:
            raise ValueError(f"addresses: 0 to {MAX_SOURCE_ADDRESSES}, not {self.addresses}")
        sources = [source_address(i) for i in range(self.addresses)] or [None]
        self._sessions = [
            aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(
                    limit=self.connections, local_addr=(host, 0) if host else None
                ),
                timeout=aiohttp.ClientTimeout(total=self.timeout),
            )
            for host in sources
        ]
        return self

    async def __aexit__(self, *_: object) -> None:
        for session in self._sessions:
            await session.close()

    def _session_of(self, sender: str) -> Any:
        return self._sessions[zlib.crc32(sender.encode()) % len(self._sessions)]

    async def send(self, sender: str, text: str) -> str | None:
        """Send one message; return its error (None when answered)."""
        import aiohttp

        try:
            async with self._session_of(sender).post(
                self.url, json={"sender": sender, "message": text}
            ) as resp:
                try:
                    body = json.loads(await resp.read())
                except ValueError:
                    return f"http {resp.status}" if resp.status != 200 else "not json"
                error = classify_reply(resp.status, body)
                if resp.status != 200 and isinstance(body, dict) and "error" in body:
                    error = f"{error}: {str(body['error'])[:60]}"
                return error
        except asyncio.TimeoutError:
            return "timeout"
        except aiohttp.ClientError as exc:
            return f"connection: {type(exc).__name__}"


async def closed_loop(
    client: Client,
    concurrency: int,
    duration: float,
    warmup: float = 0.0,
    seed: int = 1,
) -> tuple[list[Sample], float, float]:
    """``concurrency`` clients sending back to back for ``warmup + duration`` seconds, each
    through whole scripts, a new conversation per script.

    Returns all samples and the measuring window (after the warm-up); messages still in
    flight at its end are awaited (their errors count) but answer after the window.
    """
    loop = asyncio.get_running_loop()
    t0 = loop.time()
    window = (t0 + warmup, t0 + warmup + duration)
    samples: list[Sample] = []

    async def worker(index: int) -> None:
        cycle = ScriptCycle(SCRIPTS, seed * 1000 + index)
        while loop.time() < window[1]:
            sender = new_sender("closed")
            for turn, text in enumerate(cycle.next(), start=1):
                if loop.time() >= window[1]:
                    return
                start = loop.time()
                error = await client.send(sender, text)
                samples.append(Sample(start, loop.time(), turn, error))

    await asyncio.gather(*(worker(i) for i in range(concurrency)))
    return samples, window[0], window[1]


async def open_loop(client: Client, plan: Sequence[Planned]) -> tuple[list[Sample], float]:
    """Send every planned message at its time, without waiting for earlier replies; latency
    counts from the scheduled time. Returns the samples and how late, at most, a message left
    the client (a busy client would make the figures wrong: it should be a few ms)."""
    loop = asyncio.get_running_loop()
    t0 = loop.time() + 0.05
    samples: list[Sample] = []
    worst_lag = 0.0

    async def one(p: Planned) -> None:
        nonlocal worst_lag
        scheduled = t0 + p.at
        delay = scheduled - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)
        worst_lag = max(worst_lag, loop.time() - scheduled)
        error = await client.send(p.sender, p.text)
        samples.append(Sample(scheduled, loop.time(), p.turn, error))

    await asyncio.gather(*(one(p) for p in plan))
    return samples, worst_lag


async def long_conversations(
    client: Client, conversations: int, turns: int, scripts: Sequence[Sequence[str]] = SCRIPTS
) -> list[Sample]:
    """``conversations`` conversations of ``turns`` turns each, side by side, each sending
    back to back; turn *k* of each says message *k* of the cycled mix."""
    loop = asyncio.get_running_loop()
    texts = flattened(scripts)
    samples: list[Sample] = []

    async def conversation(index: int) -> None:
        sender = new_sender("long")
        for turn in range(1, turns + 1):
            start = loop.time()
            error = await client.send(sender, texts[(turn - 1 + index) % len(texts)])
            samples.append(Sample(start, loop.time(), turn, error))

    await asyncio.gather(*(conversation(i) for i in range(conversations)))
    return samples


async def first_answer(client: Client, deadline: float, text: str = "hej") -> float | None:
    """Poll the endpoint with a message until it answers; the monotonic time it did, or None
    when ``deadline`` (monotonic) passed."""
    while time.monotonic() < deadline:
        if await client.send(new_sender("ready"), text) is None:
            return time.monotonic()
        await asyncio.sleep(0.2)
    return None


# --- what the servers use, from /proc ------------------------------------------------------


def descendants(pid: int, proc: Path = Path("/proc")) -> list[int]:
    """``pid`` and every process below it."""
    children: dict[int, list[int]] = {}
    for entry in proc.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        p = todo.pop()
        found.append(p)
        todo.extend(children.get(p, []))
    return found


def rss_kib(pid: int, proc: Path = Path("/proc"), children: bool = True) -> int:
    """Resident memory (VmRSS, KiB) of ``pid`` (and its descendants unless ``children`` is
    False); 0 for a process gone."""
    total = 0
    for p in descendants(pid, proc) if children else [pid]:
        try:
            for line in (proc / str(p) / "status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            continue
    return total


def cpu_seconds(pid: int, proc: Path = Path("/proc"), children: bool = True) -> float:
    """User + system CPU time so far of ``pid`` (and its descendants unless ``children`` is
    False), in seconds."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for p in descendants(pid, proc) if children else [pid]:
        try:
            fields = (proc / str(p) / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / ticks


def machine_busy_seconds(proc: Path = Path("/proc")) -> float:
    """CPU time all processes of the machine spent busy so far (``/proc/stat``: user, nice,
    system, irq, softirq, steal), in seconds summed over the cores."""
    fields = (proc / "stat").read_text().splitlines()[0].split()[1:]
    user, nice, system, _idle, _iowait, irq, softirq, steal = (int(x) for x in fields[:8])
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


def own_cpu_seconds() -> float:
    """CPU time of this process (the load generator) so far."""
    t = os.times()
    return t.user + t.system


# --- tables ---------------------------------------------------------------------------------


def fmt(value: float | int | None, digits: int = 1) -> str:
    """A figure for a table: ``-`` for missing or NaN."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    if isinstance(value, int):
        return str(value)
    return f"{value:.{digits}f}"


def ratio(value: float | None, baseline: float | None) -> float | None:
    """``value / baseline``, or None when either is missing or the baseline is 0."""
    if value is None or baseline is None or baseline == 0:
        return None
    if math.isnan(value) or math.isnan(baseline):
        return None
    return value / baseline


def table(headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    """A plain-text table: the first column left-aligned, the others right-aligned."""
    cells = [[str(c) for c in headers]] + [[str(c) for c in row] for row in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]

    def line(row: list[str]) -> str:
        return "  ".join(
            c.ljust(w) if i == 0 else c.rjust(w)
            for i, (c, w) in enumerate(zip(row, widths, strict=True))
        ).rstrip()

    rule = "  ".join("-" * w for w in widths)
    return "\n".join([line(cells[0]), rule, *(line(r) for r in cells[1:])])


def interleaved(setups: Sequence[str], rounds: int) -> Iterator[tuple[int, str]]:
    """(round, setup) in the order they run: every setup once per round, rounds in turn."""
    for r in range(1, rounds + 1):
        for name in setups:
            yield r, name
