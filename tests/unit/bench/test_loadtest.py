"""The chat benchmark's load generator (bench/loadtest.py): its pure parts, and its client
against a small local HTTP server."""

from __future__ import annotations

import asyncio
import itertools
import math
import os
import random
import re
import subprocess
import sys
import time

import pytest
from aiohttp import web

from bench import loadtest as lt
from bench.loadtest import MAX_SOURCE_ADDRESSES, Client, Sample, new_sender, source_address


def test_percentile_interpolates_like_numpy() -> None:
    values = [1.0, 2.0, 3.0, 4.0, 5.0]
    assert lt.percentile(values, 0) == 1.0
    assert lt.percentile(values, 50) == 3.0
    assert lt.percentile(values, 100) == 5.0
    assert lt.percentile(values, 95) == pytest.approx(4.8)
    assert lt.percentile([7.0], 95) == 7.0
    assert lt.percentile(reversed(values), 25) == 2.0  # any order


def test_percentile_of_nothing_is_nan_and_range_is_checked() -> None:
    assert math.isnan(lt.percentile([], 50))
    with pytest.raises(ValueError):
        lt.percentile([1.0], 101)


def test_throughput_counts_answers_completed_in_the_window() -> None:
    samples = [
        Sample(0.0, 0.5),  # before the window
        Sample(0.5, 1.5),  # started before, answered inside: counts
        Sample(1.5, 2.0),
        Sample(2.0, 2.5, error="http 503"),  # errors do not count
        Sample(2.5, 3.5),  # answered after the window
    ]
    assert lt.throughput(samples, 1.0, 3.0) == pytest.approx(1.0)
    with pytest.raises(ValueError):
        lt.throughput(samples, 3.0, 3.0)


def test_latency_ignores_errors_and_counts_them() -> None:
    samples = [Sample(0, 0.1), Sample(0, 0.2), Sample(0, 9.0, error="timeout")]
    assert lt.latency_ms(samples, 100) == pytest.approx(200.0)
    assert lt.error_counts(samples) == {"timeout": 1}
    assert lt.error_counts(samples[:2]) == {}


def test_turn_windows_around_turn_10_and_100() -> None:
    assert list(lt.turn_window(10)) == list(range(5, 15))
    assert list(lt.turn_window(100)) == list(range(95, 105))
    assert lt.turn_window(2).start == 1
    samples = [Sample(0, 0.1, turn=t) for t in range(1, 111)]
    assert [s.turn for s in lt.in_turns(samples, lt.turn_window(100))] == list(range(95, 105))


@pytest.mark.parametrize(
    ("status", "body", "error"),
    [
        (200, [{"recipient_id": "x", "text": "Borgerservice har åbent"}], None),
        (200, [{"buttons": [{"title": "Ja", "payload": "/ja"}]}], None),
        (200, [], "empty"),
        (200, [{"recipient_id": "x"}], "empty"),
        (200, {"error": "x"}, "empty"),
        (200, [{"text": "Beklager, jeg kan ikke svare lige nu. Prøv igen"}], "degraded"),
        (429, None, "http 429"),
        (503, None, "http 503"),
    ],
)
def test_classify_reply(status: int, body: object, error: str | None) -> None:
    assert lt.classify_reply(status, body) == error


def test_poisson_arrivals_have_the_rate_and_stay_in_the_duration() -> None:
    times = lt.arrival_times(10, 600, random.Random(3))
    assert all(0 <= t < 600 for t in times)
    assert times == sorted(times)
    assert len(times) / 600 == pytest.approx(10, rel=0.05)
    assert lt.arrival_times(4, 2, random.Random(3), poisson=False) == [
        0.0,
        0.25,
        0.5,
        0.75,
        1.0,
        1.25,
        1.5,
        1.75,
    ]
    assert lt.arrival_times(0, 10, random.Random(3)) == []


def test_open_loop_plan_spreads_conversations_over_slots() -> None:
    plan = lt.open_loop_plan(rate=10, duration=60, seconds_between_turns=5, seed=1)
    by_sender: dict[str, list[lt.Planned]] = {}
    for p in plan:
        by_sender.setdefault(p.sender, []).append(p)
    scripts = set(lt.SCRIPTS)
    all_gaps: list[float] = []
    for turns in by_sender.values():
        # Each conversation says one script's turns in order, numbered from 1 ...
        assert [p.turn for p in turns] == list(range(1, len(turns) + 1))
        texts = tuple(p.text for p in turns)
        assert any(s[: len(texts)] == texts for s in scripts)
        # ... about seconds_between_turns apart (50 slots at 10 msg/s).
        all_gaps += [b.at - a.at for a, b in itertools.pairwise(turns)]
    assert all(g > 0 for g in all_gaps)
    assert 3 < sum(all_gaps) / len(all_gaps) < 7
    assert len(by_sender) > 50
    assert len({p.sender for p in plan[:50]}) == 50


def test_open_loop_plan_is_repeatable_per_seed() -> None:
    a = lt.open_loop_plan(10, 30, seed=2)
    b = lt.open_loop_plan(10, 30, seed=2)
    assert [(p.at, p.text, p.turn) for p in a] == [(p.at, p.text, p.turn) for p in b]
    c = lt.open_loop_plan(10, 30, seed=3)
    assert [p.at for p in a] != [p.at for p in c]


def test_script_cycle_hands_out_every_script_each_round() -> None:
    cycle = lt.ScriptCycle(lt.SCRIPTS, seed=5)
    first = [cycle.next() for _ in lt.SCRIPTS]
    second = [cycle.next() for _ in lt.SCRIPTS]
    assert sorted(first) == sorted(lt.SCRIPTS) == sorted(second)


def test_messages_are_plain_and_senders_valid() -> None:
    texts = lt.flattened()
    assert len(texts) == sum(len(s) for s in lt.SCRIPTS)
    assert not any(re.search(r"\d{6}", t) for t in texts)  # nothing like a CPR number
    sender = lt.new_sender("x")
    assert re.fullmatch(r"x-[a-p]{16}", sender)  # no digits: never anything like a CPR number
    assert sender != lt.new_sender("x")


def test_interleaved_order() -> None:
    assert list(lt.interleaved(["stock", "ours"], 2)) == [
        (1, "stock"),
        (1, "ours"),
        (2, "stock"),
        (2, "ours"),
    ]


def test_ratio_and_fmt() -> None:
    assert lt.ratio(6.0, 3.0) == 2.0
    assert lt.ratio(1.0, 0.0) is None
    assert lt.ratio(None, 1.0) is None
    assert lt.ratio(math.nan, 1.0) is None
    assert lt.fmt(None) == "-"
    assert lt.fmt(math.nan) == "-"
    assert lt.fmt(3) == "3"
    assert lt.fmt(2.345, 2) == "2.35"


def test_table_aligns_columns() -> None:
    text = lt.table(["", "msg/s"], [["stock", "12.5"], ["ours all rounds", "9.0"]])
    lines = text.splitlines()
    assert lines[0].endswith("msg/s")
    assert lines[2] == "stock             12.5"
    assert lines[3] == "ours all rounds    9.0"
    assert set(lines[1]) == {"-", " "}


def test_proc_readers_see_this_process() -> None:
    pid = os.getpid()
    assert pid in lt.descendants(os.getppid())
    assert lt.rss_kib(pid) > 1000
    assert lt.cpu_seconds(pid) >= 0
    assert lt.own_cpu_seconds() >= 0
    assert lt.machine_busy_seconds() > 0
    assert lt.rss_kib(2**22 + 1) == 0  # no such process


def test_proc_readers_count_children_only_when_asked() -> None:
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        deadline = time.monotonic() + 10
        while lt.rss_kib(child.pid) < 1000 and time.monotonic() < deadline:
            time.sleep(0.05)
        pid = os.getpid()
        assert child.pid in lt.descendants(pid)
        alone, with_child = lt.rss_kib(pid, children=False), lt.rss_kib(pid)
        assert with_child - alone >= lt.rss_kib(child.pid) * 0.9  # memory moves a little
        assert lt.cpu_seconds(pid) >= lt.cpu_seconds(pid, children=False)
    finally:
        child.kill()
        child.wait()


def test_source_addresses_are_loopback_from_two() -> None:
    assert source_address(0) == "127.0.0.2"
    assert source_address(MAX_SOURCE_ADDRESSES - 1) == "127.0.0.251"
    with pytest.raises(ValueError):
        source_address(MAX_SOURCE_ADDRESSES)


async def _recording_server() -> tuple[web.AppRunner, str, list[tuple[str, str]]]:
    """A REST endpoint on 127.0.0.1 that answers every message and notes who sent it from
    which address."""
    seen: list[tuple[str, str]] = []

    async def webhook(request: web.Request) -> web.Response:
        body = await request.json()
        seen.append((body["sender"], request.remote or ""))
        return web.json_response([{"recipient_id": body["sender"], "text": "Hej."}])

    app = web.Application()
    app.router.add_post("/webhooks/rest/webhook", webhook)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    return runner, f"http://127.0.0.1:{port}/webhooks/rest/webhook", seen


def test_a_spread_client_keeps_each_conversation_on_one_source_address() -> None:
    async def run() -> list[tuple[str, str]]:
        runner, url, seen = await _recording_server()
        try:
            async with Client(url, timeout=10, addresses=8) as client:
                senders = [new_sender("spread") for _ in range(40)]
                for turn in range(3):
                    errors = await asyncio.gather(*(client.send(s, f"hej {turn}") for s in senders))
                    assert errors == [None] * len(senders)
        finally:
            await runner.cleanup()
        return seen

    seen = asyncio.run(run())
    by_sender: dict[str, set[str]] = {}
    for sender, address in seen:
        by_sender.setdefault(sender, set()).add(address)
    assert len(seen) == 120
    assert all(len(addresses) == 1 for addresses in by_sender.values())
    used = set().union(*by_sender.values())
    assert used <= {source_address(i) for i in range(8)}
    assert len(used) >= 4  # 40 conversations over 8 addresses


def test_an_unspread_client_sends_from_one_address() -> None:
    async def run() -> list[tuple[str, str]]:
        runner, url, seen = await _recording_server()
        try:
            async with Client(url, timeout=10) as client:
                for _ in range(5):
                    assert await client.send(new_sender("one"), "hej") is None
        finally:
            await runner.cleanup()
        return seen

    assert {address for _, address in asyncio.run(run())} == {"127.0.0.1"}
