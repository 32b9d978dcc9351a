"""When a batch of queued events is complete, and which events this process has handed on.

The queue consumer (:mod:`bot.events.consumer`) records statistics in batches
(:func:`bot.analytics.batches.record_batch`). :class:`Batcher` decides when a batch is
complete: ``max_items`` events, or ``max_wait_s`` after its first event, whichever comes first.
:class:`RecentKeys` remembers the last event keys, so the review collector gets each event once
even when RabbitMQ delivers it twice. Both pure, so the consumer's loop and the tests share them.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Generic, TypeVar

T = TypeVar("T")


class Batcher(Generic[T]):
    """Collects items into a batch that is due when it holds ``max_items`` or ``max_wait_s``
    seconds have passed since its first item (times from the caller's monotonic clock)."""

    def __init__(self, max_items: int, max_wait_s: float) -> None:
        if max_items < 1 or max_wait_s < 0:
            raise ValueError("a batch needs max_items >= 1 and max_wait_s >= 0")
        self.max_items = max_items
        self.max_wait_s = max_wait_s
        self._items: list[T] = []
        self._opened_at: float | None = None

    def __len__(self) -> int:
        return len(self._items)

    def add(self, item: T, now: float) -> None:
        if not self._items:
            self._opened_at = now
        self._items.append(item)

    def due(self, now: float) -> bool:
        """Whether the batch should be recorded now."""
        if not self._items:
            return False
        return len(self._items) >= self.max_items or self.wait(now) == 0.0

    def wait(self, now: float) -> float | None:
        """Seconds until the batch is due by time (None while it is empty)."""
        if self._opened_at is None or not self._items:
            return None
        return max(0.0, self._opened_at + self.max_wait_s - now)

    def take(self) -> list[T]:
        """The batch's items; the next item opens a new batch."""
        items, self._items, self._opened_at = self._items, [], None
        return items


class RecentKeys:
    """The last ``size`` event keys seen in this process, to hand each event to in-memory
    consumers (the review collector) once even when RabbitMQ delivers it twice."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._keys: OrderedDict[str, None] = OrderedDict()

    def __contains__(self, key: object) -> bool:
        return key in self._keys

    def add(self, key: str) -> None:
        self._keys[key] = None
        self._keys.move_to_end(key)
        while len(self._keys) > self.size:
            self._keys.popitem(last=False)
