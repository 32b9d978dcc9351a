"""The one retrying writer (bot/events/retrying.py): the backlog's drop policies and counters, the
back-off's delays and log lines, and the writer thread's order, first attempt and close."""

from __future__ import annotations

import logging
import threading
import time

import pytest

from bot.events.retrying import Backlog, Backoff, RetryingWriter

log = logging.getLogger("tests.retrying")
FULL = "full: %(dropped)d dropped, %(lost)d lost of %(limit)d"


def test_oldest_policy_drops_the_first_item_and_keeps_the_new_one(
    caplog: pytest.LogCaptureFixture,
) -> None:
    backlog: Backlog[int] = Backlog(3, "oldest", log, full=FULL)
    assert all(backlog.put(i) for i in range(5))
    assert backlog.peek(10) == [2, 3, 4]
    assert (backlog.dropped, backlog.lost) == (2, 2)
    assert "full: 1 dropped, 1 lost of 3" in caplog.text
    assert "full: 2 dropped" not in caplog.text  # then only every thousandth


def test_newest_policy_refuses_the_new_item_and_a_closed_backlog_refuses_all() -> None:
    backlog: Backlog[int] = Backlog(2, "newest", log, full=FULL)
    assert [backlog.put(i) for i in range(4)] == [True, True, False, False]
    assert backlog.peek(10) == [0, 1] and (backlog.dropped, backlog.lost) == (2, 2)
    backlog.confirm(1)
    backlog.close()
    assert not backlog.put(9) and backlog.lost == 3 and backlog.dropped == 2
    assert backlog.abandon() == 1 and len(backlog) == 0 and backlog.lost == 4
    backlog.lose()
    assert backlog.lost == 5


def test_waited_counts_what_waits_and_what_comes_while_the_sink_is_away() -> None:
    backlog: Backlog[int] = Backlog(10, "newest", log, full=FULL)
    backlog.put(1)
    assert backlog.waited == 0
    backlog.hold()
    backlog.put(2)
    backlog.hold()  # a second failure changes nothing
    assert backlog.waited == 2
    assert backlog.release() == 2 and backlog.waited == 0
    backlog.put(3)
    assert backlog.waited == 0


def test_an_unknown_drop_policy_is_refused() -> None:
    with pytest.raises(ValueError):
        Backlog(1, "middle", log, full=FULL)  # type: ignore[arg-type]


def test_backoff_doubles_to_its_ceiling_and_logs_away_still_away_and_back(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO)
    backoff = Backoff(
        0.5,
        2.0,
        log,
        went_away="away (%(error)s), %(n)d waiting, next in %(delay).1f s",
        still_away="still away (%(error)s)",
        back="back after %(seconds).0f s, %(waited)d waited",
        report_every_s=3600,
        details=lambda: {"n": 7},
    )
    assert not backoff.succeeded() and not backoff.away
    waits = [backoff.failed(OSError("secret text")) for _ in range(5)]
    assert waits == [0.5, 1.0, 2.0, 2.0, 2.0] and backoff.away
    assert "away (OSError), 7 waiting, next in 0.5 s" in caplog.text
    assert "still away" not in caplog.text and "secret" not in caplog.text
    assert backoff.succeeded(waited=3) and not backoff.away
    assert "back after 0 s, 3 waited" in caplog.text
    assert backoff.failed(None) == 0.5  # the sequence starts again


def test_backoff_with_no_interval_reports_every_failure() -> None:
    backoff = Backoff(1.0, 15.0, log, went_away="x", still_away="x")
    backoff.failed(OSError())
    backoff.failed(OSError())
    assert backoff.reported


class Sink:
    """A sink that is away until ``up`` is set; records what it got, in order."""

    def __init__(self) -> None:
        self.got: list[int] = []
        self.up = threading.Event()

    def send(self, window: list[int]) -> int:
        if not self.up.is_set():
            raise ConnectionError("away")
        self.got.extend(window)
        return len(window)


def writer(sink: Sink, **options: object) -> RetryingWriter[int]:
    return RetryingWriter(
        sink.send,
        Backlog(100, "oldest", log, full=FULL),
        Backoff(0.01, 0.05, log),
        name="test-writer",
        logger=log,
        window=2,
        drained="backlog written",
        left="stopping with %(left)d not written",
        **options,  # type: ignore[arg-type]
    )


def wait_for(condition: object, seconds: float = 5.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition() and time.monotonic() < deadline:  # type: ignore[operator]
        time.sleep(0.01)


def test_the_writer_keeps_order_while_the_sink_is_away_and_says_when_it_is_written(
    caplog: pytest.LogCaptureFixture,
) -> None:
    sink = Sink()
    tried: list[int] = []

    def first(item: int) -> bool:
        tried.append(item)
        return sink.up.is_set() and sink.send([item]) == 1

    out = writer(sink, first_attempt=first)
    out.submit(1)  # tried on this thread, away: queued
    out.submit(2)  # something waits: queued without a try
    out.submit_all([3, 4, 5])
    assert tried == [1] and out.backlog == 5
    sink.up.set()
    wait_for(lambda: out.backlog == 0)
    assert sink.got == [1, 2, 3, 4, 5]
    assert "backlog written" in caplog.text
    out.submit(6)  # nothing waits: written on this thread
    assert sink.got[-1] == 6 and tried == [1, 6] and out.backlog == 0
    assert out.close(1.0) == 0


def test_close_gives_up_after_its_drain_time_and_says_how_many_wait(
    caplog: pytest.LogCaptureFixture,
) -> None:
    out = writer(Sink())
    out.submit_all([1, 2, 3])
    started = time.monotonic()
    assert out.close(0.3) == 3
    assert 0.25 < time.monotonic() - started < 2
    assert "stopping with 3 not written" in caplog.text
