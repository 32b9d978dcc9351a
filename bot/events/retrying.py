"""The one retrying writer: what waits for a sink that is slow or away, and how it is retried.

Every sink the assistant writes events to may be locked or down for a while (the statistics
database, the review store, RabbitMQ), and none of them may stall or break a reply. So each keeps
what it could not write in memory, in order, bounded, and retries it with back-off, saying in
the log when the sink went away, that it is still away and when it is back, by error type
only, never with an event's content. The three parts:

* :class:`Backlog`: the bounded, ordered, thread-safe queue, with a drop policy ("oldest": the
  statistics and the review store; "newest": RabbitMQ) and the ``dropped``/``lost``/``waited``
  counters;
* :class:`Backoff`: the delay sequence (``first_s``, doubling up to ``most_s``) and the
  "went away / still away / back" log lines;
* :class:`RetryingWriter`: a thread that drives ``send(window) -> confirmed`` over a backlog,
  with an optional first attempt on the caller's thread and ``close(drain_s)``.

The in-process broker's two sinks use :class:`RetryingWriter` (:mod:`bot.events.fanout`); the
RabbitMQ publisher drives a :class:`Backlog` and a :class:`Backoff` from its own asyncio loop
(:mod:`bot.rasa_server.queue_broker`), and the queue consumer retries with :class:`Backoff`
(:mod:`bot.events.consumer`).
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable
from typing import Any, Generic, Literal, TypeVar

T = TypeVar("T")
Drop = Literal["oldest", "newest"]

# A full backlog says so at the first loss and then at every thousandth.
REPORT_EVERY_LOST = 1000


class Backlog(Generic[T]):
    """Items waiting for a sink: at most ``limit``, in order, shared under :attr:`lock`.

    When full, ``drop="oldest"`` discards the first item to take the new one and
    ``drop="newest"`` refuses the new one. Counters: ``dropped`` (discarded because full),
    ``lost`` (never reaching the sink: dropped, refused after :meth:`close`, abandoned, or
    counted by :meth:`lose`) and ``waited`` (put while the sink was away, see :meth:`hold`).
    ``full`` is the log line of a loss (``%(limit)d``, ``%(dropped)d``, ``%(lost)d``)."""

    def __init__(self, limit: int, drop: Drop, logger: logging.Logger, full: str) -> None:
        if drop not in ("oldest", "newest"):
            raise ValueError(f"drop policy {drop!r}: 'oldest' or 'newest'")
        self.limit = limit
        self.drop = drop
        self.lock = threading.RLock()
        self.dropped = 0
        self.lost = 0
        self.waited = 0
        self.holding = False
        self.closed = False
        self._items: deque[T] = deque()
        self._logger = logger
        self._full = full

    def __len__(self) -> int:
        return len(self._items)

    def put(self, item: T) -> bool:
        """Append ``item``; False when it was refused (full under "newest", or closed)."""
        with self.lock:
            kept = not self.closed
            overflow = len(self._items) >= self.limit
            if kept and overflow and self.drop == "newest":
                kept = False
            if not kept or overflow:
                self.lost += 1
                self.dropped += 0 if self.closed else 1
            if kept:
                if overflow:
                    self._items.popleft()
                self._items.append(item)
                if self.holding:
                    self.waited += 1
            lost, dropped = self.lost, self.dropped
        if (not kept or overflow) and (lost == 1 or lost % REPORT_EVERY_LOST == 0):
            self._logger.error(self._full, {"limit": self.limit, "dropped": dropped, "lost": lost})
        return kept

    def peek(self, count: int) -> list[T]:
        """The first ``count`` items, left in place until :meth:`confirm`."""
        with self.lock:
            return [self._items[i] for i in range(min(count, len(self._items)))]

    def confirm(self, count: int) -> None:
        """The sink has the first ``count`` items: remove them."""
        with self.lock:
            for _ in range(min(count, len(self._items))):
                self._items.popleft()

    def hold(self) -> None:
        """The sink went away: what waits now, and what is put from now on, counts as waited."""
        with self.lock:
            if not self.holding:
                self.holding = True
                self.waited += len(self._items)

    def release(self) -> int:
        """The sink is back: how many items waited (the counter starts again at 0)."""
        with self.lock:
            waited, self.waited, self.holding = self.waited, 0, False
            return waited

    def lose(self, count: int = 1) -> None:
        """Count items that failed before they could be put."""
        with self.lock:
            self.lost += count

    def close(self) -> None:
        """Refuse (and count as lost) whatever is put from now on."""
        with self.lock:
            self.closed = True

    def abandon(self) -> int:
        """Give up on what waits: count it as lost, empty the backlog, return how many."""
        with self.lock:
            left = len(self._items)
            self.lost += left
            self._items.clear()
            return left


class Backoff:
    """The waits between attempts at a sink that is away, and the log lines that say so.

    :meth:`failed` returns the wait before the next attempt (``first_s``, doubling up to
    ``most_s``) and logs ``went_away`` at the first failure, then ``still_away`` when
    ``report_every_s`` has passed since the last line (0: at every failure); :meth:`succeeded`
    starts the sequence again and logs ``back`` if the sink was away. The lines are %-templates
    over ``error`` (the error's type, never its message), ``delay`` (the wait), ``seconds``
    (since the sink went away), what ``details()`` returns and the caller's fields."""

    def __init__(
        self,
        first_s: float,
        most_s: float,
        logger: logging.Logger,
        *,
        went_away: str | None = None,
        still_away: str | None = None,
        back: str | None = None,
        report_every_s: float = 0.0,
        details: Callable[[], dict[str, Any]] | None = None,
    ) -> None:
        self.first_s = first_s
        self.most_s = most_s
        self.delay = first_s
        self.down_since: float | None = None
        self.reported = False  # whether the last failure was logged
        self._reported_at = 0.0
        self._logger = logger
        self._went_away = went_away
        self._still_away = still_away
        self._back = back
        self._report_every_s = report_every_s
        self._details = details

    @property
    def away(self) -> bool:
        """Whether the last attempt failed."""
        return self.down_since is not None

    def _fields(self, now: float, **fields: Any) -> dict[str, Any]:
        since = self.down_since if self.down_since is not None else now
        extra = self._details() if self._details is not None else {}
        return {"seconds": now - since, "delay": self.delay, **extra, **fields}

    def failed(self, exc: BaseException | None = None, **fields: Any) -> float:
        """An attempt failed with ``exc``: log as due; the seconds to wait before the next."""
        now = time.monotonic()
        first = self.down_since is None
        if first:
            self.down_since = self._reported_at = now
        self.reported = first or now - self._reported_at >= self._report_every_s
        template = self._went_away if first else self._still_away
        if self.reported:
            self._reported_at = now
            if template:
                error = type(exc).__name__ if exc is not None else "no confirmation"
                self._logger.error(template, self._fields(now, error=error, **fields))
        wait = self.delay
        self.delay = min(self.most_s, self.delay * 2)
        return wait

    def succeeded(self, **fields: Any) -> bool:
        """An attempt went through: start the waits again; True (and ``back`` logged) if the
        sink was away."""
        self.delay = self.first_s
        if self.down_since is None:
            return False
        if self._back:
            self._logger.warning(self._back, self._fields(time.monotonic(), **fields))
        self.down_since = None
        return True


class RetryingWriter(Generic[T]):
    """Hands items to ``send`` on a thread of its own, in order, retrying with back-off.

    ``send(window)`` gets up to ``window`` items from the front of the backlog and returns how
    many of them the sink has (from the front); fewer than all, or an exception, is a failed
    attempt. The thread runs while the backlog holds items. ``first_attempt(item)``, when
    given, is tried on the caller's thread while nothing waits (order is kept: once anything
    waits, everything after it waits too); it returns whether the sink took the item.
    ``drained`` is logged (warning) when the backlog is written out; ``left`` (error,
    ``%(left)d``) when :meth:`close` gives up on what still waits."""

    def __init__(
        self,
        send: Callable[[list[T]], int],
        queue: Backlog[T],
        backoff: Backoff,
        *,
        name: str,
        logger: logging.Logger,
        window: int = 1,
        first_attempt: Callable[[T], bool] | None = None,
        drained: str | None = None,
        left: str | None = None,
    ) -> None:
        self.queue = queue
        self.backoff = backoff
        self.name = name
        self._send = send
        self._window = window
        self._first_attempt = first_attempt
        self._drained = drained
        self._left = left
        self._logger = logger
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        self._closing = False

    @property
    def backlog(self) -> int:
        """Items waiting for the sink."""
        return len(self.queue)

    def submit(self, item: T) -> None:
        """Write ``item`` now (``first_attempt``) or queue it; never raises for the sink."""
        with self.queue.lock:
            # Under the lock: the thread cannot take the backlog's last item meanwhile.
            if self._first_attempt is not None and not len(self.queue):
                if self._first_attempt(item):
                    return
            self.queue.put(item)
            self._start()
        self._wake.set()

    def submit_all(self, items: Iterable[T]) -> None:
        """Queue ``items`` in order for the thread; returns at once."""
        items = list(items)
        if not items:
            return
        with self.queue.lock:
            for item in items:
                self.queue.put(item)
            self._start()
        self._wake.set()

    def _start(self) -> None:
        if self._thread is None or not self._thread.is_alive():
            self._thread = threading.Thread(target=self._drain, name=self.name, daemon=True)
            self._thread.start()

    def _drain(self) -> None:
        """Send the backlog in order until it is empty; wait as :attr:`backoff` says."""
        while True:
            with self.queue.lock:
                window = self.queue.peek(self._window)
                if not window:
                    return
            error: BaseException | None = None
            try:
                confirmed = self._send(window)
            except Exception as exc:  # a sink that raises is a failed attempt
                confirmed, error = 0, exc
            if confirmed:
                with self.queue.lock:
                    self.queue.confirm(confirmed)
                    written = not len(self.queue)
                if written and self._drained:
                    self._logger.warning(self._drained)
            if confirmed >= len(window):
                self.backoff.succeeded()
                continue
            delay = self.backoff.failed(error)
            if self._closing:
                return
            self._wake.clear()
            self._wake.wait(delay)

    def close(self, drain_s: float) -> int:
        """Give the backlog up to ``drain_s`` seconds to reach the sink; return (and log)
        how many items are still waiting."""
        deadline = time.monotonic() + drain_s
        while len(self.queue) and time.monotonic() < deadline:
            self._wake.set()
            time.sleep(0.1)
        self._closing = True
        left = len(self.queue)
        if left and self._left:
            self._logger.error(self._left, {"left": left})
        return left
