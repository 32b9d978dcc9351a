"""Rate limits and other per-client state of the public endpoint, bounded in memory.

The state lives in the Rasa server process: one process is the embedded default. Every map is
bounded (least recently used entries are dropped first) and entries expire, so a flood of new
client addresses or conversation ids cannot grow the process without limit.

(The ``limits`` library would be the obvious choice, but it needs ``packaging>=21`` and Rasa 3.6
pins ``packaging<21``.)
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

V = TypeVar("V")

Clock = Callable[[], float]


class ExpiringLRU(Generic[V]):
    """A mapping of at most ``max_items`` entries, each forgotten ``ttl`` seconds after it was
    last written."""

    def __init__(self, max_items: int, ttl: float, clock: Clock = time.monotonic) -> None:
        self.max_items = max_items
        self.ttl = ttl
        self._clock = clock
        self._items: OrderedDict[str, tuple[float, V]] = OrderedDict()

    def get(self, key: str) -> V | None:
        item = self._items.get(key)
        if item is None:
            return None
        written, value = item
        if self._clock() - written > self.ttl:
            del self._items[key]
            return None
        return value

    def set(self, key: str, value: V) -> None:
        self._items[key] = (self._clock(), value)
        self._items.move_to_end(key)
        while len(self._items) > self.max_items:
            self._items.popitem(last=False)

    def pop(self, key: str) -> None:
        self._items.pop(key, None)

    def __len__(self) -> int:
        return len(self._items)


@dataclass
class _Bucket:
    tokens: float
    updated: float


class TokenBucketLimiter:
    """At most ``per_minute`` events per key and minute, with bursts up to ``per_minute``.

    ``hit(key)`` takes one token and returns 0 when allowed, else the seconds until the next
    token (for a ``Retry-After`` header). A refused hit takes nothing.
    """

    def __init__(self, per_minute: int, max_keys: int = 50_000, clock: Clock = time.monotonic):
        self.capacity = float(per_minute)
        self.rate = per_minute / 60.0  # tokens per second
        self._clock = clock
        # A bucket untouched for a minute is full again, so forgetting it changes nothing.
        self._buckets: ExpiringLRU[_Bucket] = ExpiringLRU(max_keys, 60.0, clock)

    def hit(self, key: str) -> float:
        now = self._clock()
        bucket = self._buckets.get(key) or _Bucket(self.capacity, now)
        bucket.tokens = min(self.capacity, bucket.tokens + (now - bucket.updated) * self.rate)
        bucket.updated = now
        if bucket.tokens >= 1.0:
            bucket.tokens -= 1.0
            self._buckets.set(key, bucket)
            return 0.0
        self._buckets.set(key, bucket)
        return (1.0 - bucket.tokens) / self.rate


class TurnCounter:
    """Messages per conversation; a conversation idle for ``ttl`` seconds starts again at 0."""

    def __init__(
        self, max_turns: int, ttl: float, max_keys: int = 50_000, clock: Clock = time.monotonic
    ) -> None:
        self.max_turns = max_turns
        self._counts: ExpiringLRU[int] = ExpiringLRU(max_keys, ttl, clock)

    def hit(self, key: str) -> bool:
        """Count one message; False when the conversation has used up its turns."""
        count = (self._counts.get(key) or 0) + 1
        self._counts.set(key, count)
        return count <= self.max_turns
