"""The bounded Redis lock store: Redis down or hanging costs a turn seconds, never a hang."""

from __future__ import annotations

import asyncio
import time

import pytest

from bot.rasa_server.lock_store import BoundedRedisLockStore, LockStoreUnavailable
from bot.stack.ports import free_port


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def redis_available() -> bool:
    import redis

    try:
        return bool(redis.Redis(socket_timeout=1, socket_connect_timeout=1).ping())
    except redis.exceptions.RedisError:
        return False


def test_redis_down_fails_fast_then_rests_then_tries_again() -> None:
    clock = Clock()
    store = BoundedRedisLockStore(host="127.0.0.1", port=free_port(), retry_after=5, clock=clock)
    with pytest.raises(LockStoreUnavailable, match=r"endpoints.yml: lock_store\) failed"):
        store.issue_ticket("c1")
    assert store.failures == 1
    # Resting: no call to Redis at all (it could block the event loop again).
    store.red = None  # type: ignore[assignment]
    with pytest.raises(LockStoreUnavailable, match="not trying again yet"):
        store.get_lock("c1")
    assert store.failures == 1


def test_the_endpoint_config_is_read_as_rasa_gives_it() -> None:
    from rasa.utils.endpoints import EndpointConfig

    config = EndpointConfig(
        url="127.0.0.1",
        type="bot.rasa_server.lock_store.BoundedRedisLockStore",
        port=free_port(),
        db=3,
        socket_timeout=1.5,
        retry_after=7,
    )
    store = BoundedRedisLockStore(endpoint_config=config)
    connection = store.red.connection_pool.make_connection()
    assert connection.db == 3
    assert (connection.socket_timeout, connection.socket_connect_timeout) == (1.5, 1.5)
    assert store.retry_after == 7


def test_a_hanging_redis_costs_at_most_the_socket_timeout() -> None:
    import socket

    # A server that accepts connections and never answers (like a stopped Redis process).
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(5)
    port = listener.getsockname()[1]
    try:
        store = BoundedRedisLockStore(host="127.0.0.1", port=port, socket_timeout=0.5)
        started = time.monotonic()
        with pytest.raises(LockStoreUnavailable):
            store.issue_ticket("c1")
        assert time.monotonic() - started < 2
        started = time.monotonic()
        with pytest.raises(LockStoreUnavailable):
            store.issue_ticket("c2")
        assert time.monotonic() - started < 0.1  # resting, not waiting again
    finally:
        listener.close()


@pytest.mark.skipif(not redis_available(), reason="Redis is not running on 127.0.0.1:6379")
def test_the_lock_works_and_a_failed_release_does_not_fail_the_turn() -> None:
    import uuid

    import redis

    store = BoundedRedisLockStore(host="127.0.0.1", port=6379, db=1)
    conversation = f"unit-{uuid.uuid4().hex}"

    async def turn() -> None:
        async with store.lock(conversation):
            assert store.get_lock(conversation) is not None
            # Redis goes away during the turn.
            store.red = redis.Redis(port=free_port(), socket_timeout=1)

    asyncio.run(turn())  # the release failed (logged); the turn itself did not
    assert store.failures >= 1


@pytest.mark.skipif(not redis_available(), reason="Redis is not running on 127.0.0.1:6379")
def test_a_ticket_left_by_a_dead_replica_blocks_for_the_short_lifetime_only() -> None:
    import uuid

    store = BoundedRedisLockStore(host="127.0.0.1", port=6379, db=1, lock_lifetime=1.5)
    conversation = f"unit-{uuid.uuid4().hex}"
    # A replica took the lock and died: the ticket is never released.
    store.issue_ticket(conversation)

    async def turn(poll: float) -> float:
        started = time.monotonic()
        async with store.lock(conversation, wait_time_in_seconds=poll):
            return time.monotonic() - started

    try:
        assert 0.5 < asyncio.run(turn(0.2)) < 3
        # Polling less often than the lifetime: the waiting ticket expires too, and the wait
        # still ends (Rasa's own loop would wait until the turn times out).
        store.issue_ticket(conversation)
        assert asyncio.run(turn(2.5)) < 4
    finally:
        store.red.delete(store.key_prefix + conversation)


@pytest.mark.skipif(not redis_available(), reason="Redis is not running on 127.0.0.1:6379")
def test_a_lock_key_expires_with_its_last_ticket() -> None:
    import uuid

    store = BoundedRedisLockStore(host="127.0.0.1", port=6379, db=1, lock_lifetime=3)
    conversation = f"unit-{uuid.uuid4().hex}"
    store.issue_ticket(conversation)  # never released
    ttl = store.red.ttl(store.key_prefix + conversation)
    store.red.delete(store.key_prefix + conversation)
    assert 1 <= ttl <= 5, ttl
