"""Rasa's Redis lock store, bounded in time: a Redis that is down or hangs costs a turn at most
a couple of seconds, and the citizen gets the Danish "try again" reply instead of a hang.

Several Rasa replicas must share a lock store (Redis), so that two messages of one
conversation are not processed at the same time on two replicas. Rasa 3.6's ``RedisLockStore``
talks to Redis with blocking calls *inside the server's event loop* and a 10 s socket timeout:
a Redis that does not answer (stopped with SIGSTOP, a dropped network path) blocks every
conversation of that replica for 10 s per call, several calls a turn. A stopped Redis
(connection refused) fails at once, but as an error the REST channel can only answer with a 503.

:class:`BoundedRedisLockStore` is the same store (same keys, same ticket locks) with

- a short socket and connect timeout (``socket_timeout``, default 2 s);
- a circuit breaker: after a Redis error, calls fail at once for ``retry_after`` seconds
  (default 5) instead of blocking the event loop again; then one call tries Redis again;
- every Redis error raised as :class:`LockStoreUnavailable` (a Rasa ``LockError``) naming
  endpoints.yml's ``lock_store``, which the guarded REST channel turns into the Danish
  technical-error reply (bot/rasa_server/turn_errors.py);
- releasing a lock that fails (Redis went away during the turn) logged, not raised: the turn
  is done and saved, and the lock expires by its lifetime; every lock key carries a Redis
  expiry at its last ticket's end, so no key (it names the conversation) outlives its tickets;
- a ticket lifetime of its own (``lock_lifetime``, default 5 s instead of Rasa's 60 s): a Rasa
  replica killed in the middle of a turn leaves its ticket behind, and the citizen's retry on
  another replica waits for it to expire. The guarded channel gives up a turn after
  ``BOT_TURN_TIMEOUT_SECONDS`` (10 s), so with 60 s the retry and every message of that
  conversation for a minute got the "try again" reply. A turn longer than the lifetime loses
  its lock (a second message of the same conversation could then be processed alongside it);
  the widget sends one message at a time, and nginx keeps a conversation on one replica.

Enable it in endpoints.yml with the fields of ``type: redis``::

    lock_store:
      type: bot.rasa_server.lock_store.BoundedRedisLockStore
      url: 127.0.0.1
      port: 6379
      db: 1

``socket_timeout``, ``retry_after`` and ``lock_lifetime`` may be given too; the defaults below
are what the production topology uses (bot.stack.endpoints.lock_store_section).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from typing import Any, TypeVar

from rasa.core.lock_store import LockError, RedisLockStore

logger = logging.getLogger(__name__)

DEFAULT_SOCKET_TIMEOUT_S = 2.0
DEFAULT_RETRY_AFTER_S = 5.0
DEFAULT_LOCK_LIFETIME_S = 5.0

T = TypeVar("T")


class LockStoreUnavailable(LockError):
    """The lock store (Redis) failed or is resting after a failure; the turn is not processed."""


class BoundedRedisLockStore(RedisLockStore):
    """Rasa's Redis lock store with short timeouts and a circuit breaker (see the module)."""

    def __init__(
        self,
        endpoint_config: Any = None,
        *,
        host: str = "localhost",
        retry_after: float = DEFAULT_RETRY_AFTER_S,
        clock: Callable[[], float] = time.monotonic,
        **kwargs: Any,
    ) -> None:
        if endpoint_config is not None:  # how Rasa builds a lock store given by module path
            host = endpoint_config.url or host
            kwargs = {**endpoint_config.kwargs, **kwargs}
        retry_after = float(kwargs.pop("retry_after", retry_after))
        self.lock_lifetime = float(kwargs.pop("lock_lifetime", DEFAULT_LOCK_LIFETIME_S))
        kwargs["socket_timeout"] = float(kwargs.get("socket_timeout", DEFAULT_SOCKET_TIMEOUT_S))
        kwargs.pop("type", None)
        super().__init__(host=host, **kwargs)
        self.where = f"Redis at {host}:{kwargs.get('port', 6379)}"
        self.retry_after = retry_after
        self._clock = clock
        self._resting_until = 0.0
        self.failures = 0

    # -- every Redis call goes through here ------------------------------------------------

    def _call(self, what: Callable[[], T]) -> T:
        import redis

        if self._clock() < self._resting_until:
            raise LockStoreUnavailable(
                f"The lock store ({self.where}, endpoints.yml: lock_store) failed less than "
                f"{self.retry_after:.0f} s ago; not trying again yet."
            )
        try:
            return what()
        except redis.exceptions.RedisError as exc:
            self.failures += 1
            self._resting_until = self._clock() + self.retry_after
            message = (
                f"The lock store ({self.where}, endpoints.yml: lock_store) failed: "
                f"{type(exc).__name__}. Trying again in {self.retry_after:.0f} s."
            )
            logger.error("%s", message)
            raise LockStoreUnavailable(message) from None

    def get_lock(self, conversation_id: str) -> Any:
        return self._call(lambda: super(BoundedRedisLockStore, self).get_lock(conversation_id))

    def delete_lock(self, conversation_id: str) -> None:
        self._call(lambda: super(BoundedRedisLockStore, self).delete_lock(conversation_id))

    def save_lock(self, lock: Any) -> None:
        """Rasa's ``save_lock`` with an expiry: the key (it names the conversation) is gone
        once its last ticket expired, also when a release never came (a killed replica)."""
        import math

        expires = max((t.expires for t in lock.tickets), default=time.time())
        ttl = max(1, math.ceil(expires - time.time()) + 1)
        key = self.key_prefix + lock.conversation_id
        self._call(lambda: self.red.set(key, lock.dumps(), ex=ttl))

    # -- Rasa's lock protocol, with our error kept as it is ---------------------------------

    def lock(
        self,
        conversation_id: str,
        lock_lifetime: float | None = None,
        wait_time_in_seconds: float = 1,
    ) -> AbstractAsyncContextManager[Any]:
        """Rasa's ``lock``, with this store's ticket lifetime unless one is given."""
        lifetime = self.lock_lifetime if lock_lifetime is None else lock_lifetime
        return super().lock(conversation_id, lifetime, wait_time_in_seconds)

    def issue_ticket(self, conversation_id: str, lock_lifetime: float | None = None) -> int:
        """Rasa's ``issue_ticket`` (with this store's lifetime unless one is given), raising
        :class:`LockStoreUnavailable` unwrapped."""
        lifetime = self.lock_lifetime if lock_lifetime is None else lock_lifetime
        try:
            lock = self.get_or_create_lock(conversation_id)
            ticket = lock.issue_ticket(lifetime)
            self.save_lock(lock)
            return ticket
        except LockStoreUnavailable:
            raise
        except Exception as exc:
            raise LockError(f"Error while acquiring lock: {type(exc).__name__}") from None

    async def _acquire_lock(
        self, conversation_id: str, ticket: int, wait_time_in_seconds: float
    ) -> Any:
        """Rasa's wait for the ticket's turn, ending also when the ticket itself expired
        while it waited (Rasa's loop would then wait forever: the tickets before it expired
        first, as every ticket has the same lifetime, so nobody holds the lock)."""
        import asyncio

        while True:
            lock = self.get_lock(conversation_id)
            if not lock:
                raise LockError(f"Could not acquire lock for conversation_id '{conversation_id}'.")
            if not lock.is_locked(ticket):
                return lock
            if all(t.number != ticket for t in lock.tickets):  # expired while waiting
                logger.debug("A conversation lock's ticket expired while it waited; going on.")
                return lock
            await asyncio.sleep(wait_time_in_seconds)
            self.update_lock(conversation_id)

    def cleanup(self, conversation_id: str, ticket_number: int) -> None:
        """Release the ticket; when Redis fails now, the turn is done: log it and let the lock
        expire by its lifetime."""
        try:
            super().cleanup(conversation_id, ticket_number)
        except LockStoreUnavailable:
            logger.warning("Could not release a conversation lock; it expires by its lifetime.")
