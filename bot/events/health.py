"""What the events consumer says about itself: its counters, a summary line a minute, and the
answer to ``GET /health`` (the supervisor's probe). Counters and state only, never an event.

Kept apart from :mod:`bot.events.consumer` so that the consumer's module is the loop and the
batch; the consumer owns one :class:`ConsumerHealth` and hands it what happened.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Callable
from typing import Any

from bot.analytics.event_fields import is_recorded

logger = logging.getLogger("bot.events")

# How often a summary line (events recorded, lag after a batch) is logged.
SUMMARY_EVERY_S = 60.0


class ConsumerHealth:
    """The consumer's counters (``counts``), the lag after its last batch and the summary."""

    def __init__(self) -> None:
        self.counts = {
            "batches": 0,
            "events": 0,
            "recorded": 0,
            "redelivered": 0,
            "duplicates": 0,
            "skipped": 0,
        }
        self.last_lag_ms: float | None = None
        self._summary: dict[str, Any] = {"at": time.monotonic(), "events": 0, "lags": []}

    def count(self, events: list[dict[str, Any]], recorded: int) -> None:
        """A batch of ``events`` is acknowledged, ``recorded`` of them new to the statistics."""
        self.counts["batches"] += 1
        self.counts["duplicates"] += sum(1 for e in events if is_recorded(e)) - recorded
        self.counts["events"] += len(events)
        self.counts["recorded"] += recorded
        stamps = [e.get("timestamp") for e in events if isinstance(e.get("timestamp"), float)]
        if stamps:
            self.last_lag_ms = max(0.0, (time.time() - max(stamps)) * 1000)
            self._summary["lags"].append(self.last_lag_ms)
        self._summary["events"] += len(events)

    def summarize(self, now: float) -> None:
        """Log the summary line when a minute has passed since the last (monotonic ``now``)."""
        if now - self._summary["at"] < SUMMARY_EVERY_S:
            return
        lags = sorted(self._summary["lags"])
        if self._summary["events"]:
            logger.info(
                "Recorded %d events in the last %.0f s; lag after a batch: median %.0f ms, "
                "max %.0f ms.",
                self._summary["events"],
                now - self._summary["at"],
                lags[len(lags) // 2] if lags else 0.0,
                lags[-1] if lags else 0.0,
            )
        self._summary = {"at": now, "events": 0, "lags": []}

    def status(self, **state: Any) -> dict[str, Any]:
        """``state`` (consuming, queue, database), the lag, then ``backlogs`` and counters."""
        backlogs = state.pop("backlogs", {})
        lag = None if self.last_lag_ms is None else round(self.last_lag_ms, 1)
        return {**state, "last_lag_ms": lag, **backlogs, **self.counts}


async def answer(
    reader: asyncio.StreamReader,
    writer: asyncio.StreamWriter,
    state: Callable[[], tuple[bool, dict[str, Any]]],
) -> None:
    """Answer one HTTP request (any path) with ``state()``'s status as JSON: 200 when it says
    ready, else 503."""
    try:
        await asyncio.wait_for(reader.readline(), 5)
        ok, status = state()
        body = json.dumps(status).encode()
        writer.write(
            f"HTTP/1.1 {'200 OK' if ok else '503 Service Unavailable'}\r\n"
            "Content-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode()
            + body
        )
        await writer.drain()
    except Exception:  # noqa: S110 - a health probe that went away
        pass
    finally:
        writer.close()
