"""The staff login rate limit: failed logins counted per client network and per (network,
username), by keyed digest, in the statistics database (table ``login_failures``), so every web
app process sees them and they survive restarts (:class:`LoginRateLimiter`)."""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import logging
import time
from collections.abc import Callable
from typing import Any

from sqlalchemy import bindparam, delete, func, select
from sqlalchemy.orm import Session

from bot.db.engine import session_scope
from bot.db.stores import STATISTICS
from bot.web.auth import NO_SYNC, instant, normalise_username
from bot.web.auth_models import LoginFailure

log = logging.getLogger(__name__)


def client_network(address: str) -> str:
    """The network a login attempt is counted against: an IPv4 address itself, an IPv6
    address's /64 (one subscriber usually has a whole /64, so counting single IPv6 addresses
    would let one client count as millions); anything unparseable as it is (at most 64
    characters)."""
    try:
        ip = ipaddress.ip_address(address.strip().split("%", 1)[0])
    except ValueError:
        return address.strip()[:64] or "unknown"
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


def keyed_digest(secret_key: str, purpose: str, value: str) -> str:
    """HMAC-SHA-256 (hex) of ``value`` for ``purpose``, keyed with the settings' secret: what the
    login limiter stores instead of addresses and usernames. Without the key a dictionary of
    usernames cannot be matched against the stored digests."""
    message = f"{purpose}\0{value}".encode()
    return hmac.new(secret_key.encode(), message, hashlib.sha256).hexdigest()


# What LoginRateLimiter.check / attempt answer (the key of the login page's message), or None.
TOO_MANY_LOGINS = "too_many_logins"
LOGINS_BUSY = "login_busy"


class LoginRateLimiter:
    """Failed staff logins, counted per client network and per (network, username).

    - At most ``max_failures`` failures of one username from one network within
      ``window_seconds`` (a password guessed at one user).
    - At most ``max_address_failures`` failures from one network, whatever the usernames (a
      flood of random usernames, one password tried at many users).

    Nothing is counted per username alone: a lockout that anyone anywhere could trigger by
    failing logins for a known username would let them shut that member of staff out. A
    guesser is limited by its networks instead, and each attempt costs an argon2 check that
    the web app runs one at a time (``bot.web.security.PASSWORD_CHECKS``).

    Counted in the statistics database (``login_failures``, by keyed digest, see
    :func:`keyed_digest`), so the limit holds across web app processes and over restarts. No
    count is ever pushed out to make room: when ``max_rows`` failures are live (an attack from
    more than ``max_rows / max_address_failures`` networks at once) new attempts are refused
    (``login_busy``) until rows expire. Rows past the window are deleted on each attempt and by
    ``python -m bot purge``. ``clock`` gives epoch seconds.

    Database errors (``SQLAlchemyError``, ``OSError``) are raised: the web app answers them with
    its "database down" page, so no password is checked while attempts cannot be counted.
    """

    def __init__(
        self,
        secret_key: str,
        max_failures: int = 10,
        max_address_failures: int = 30,
        window_seconds: float = 15 * 60,
        clock: Callable[[], float] = time.time,
        max_rows: int = 100_000,
        *,
        url: str | None = None,
    ) -> None:
        self._secret_key = secret_key
        self.max_failures = max_failures
        self.max_address_failures = max_address_failures
        self.window_seconds = window_seconds
        self._clock = clock
        self._max_rows = max_rows
        self._url = url  # None: BOT_ANALYTICS_DB_URL

    def _keys(self, address: str, username: str) -> tuple[str, str]:
        network = client_network(address)
        return (
            keyed_digest(self._secret_key, "login-address", network),
            keyed_digest(
                self._secret_key, "login-pair", f"{network}\0{normalise_username(username)}"
            ),
        )

    def _recent(self, db: Session, column: Any, key: str, now: float) -> int:
        """How many attempts within the window have ``key`` in ``column``."""
        return int(
            db.execute(
                select(func.count())
                .select_from(LoginFailure)
                .where(column == bindparam("key"), LoginFailure.at > bindparam("since")),
                {"key": key, "since": instant(now - self.window_seconds)},
            ).scalar_one()
        )

    def _verdict(self, db: Session, address_key: str, pair_key: str, now: float) -> str | None:
        if self._recent(db, LoginFailure.pair_hash, pair_key, now) >= self.max_failures:
            return TOO_MANY_LOGINS
        if self._recent(db, LoginFailure.address_hash, address_key, now) >= (
            self.max_address_failures
        ):
            return TOO_MANY_LOGINS
        return None

    def _expire(self, db: Session, now: float) -> None:
        db.execute(
            delete(LoginFailure)
            .execution_options(**NO_SYNC)
            .where(LoginFailure.expires_at <= bindparam("now")),
            {"now": instant(now)},
        )

    def _add(self, db: Session, address_key: str, pair_key: str, now: float) -> None:
        db.add(
            LoginFailure(
                address_hash=address_key,
                pair_hash=pair_key,
                at=instant(now),
                expires_at=instant(now + self.window_seconds),
            )
        )
        db.flush()

    def check(self, address: str, username: str) -> str | None:
        """Read only: the refusal (``too_many_logins``) when ``address`` or the pair has used up
        its failed attempts for now, else None."""
        address_key, pair_key = self._keys(address, username)
        with session_scope(STATISTICS, self._url) as db:
            return self._verdict(db, address_key, pair_key, self._clock())

    def attempt(self, address: str, username: str) -> str | None:
        """Count a login attempt before its password is checked; the refusal's message key
        (``too_many_logins``, or ``login_busy`` while the table is full) or None to go on.

        Counted as a failure until :meth:`success` clears it. Check and count are one
        transaction that holds a lock (SQLite: the write lock, taken by the first statement, a
        delete; PostgreSQL: an advisory lock on the network), so parallel requests, in this
        process or another, cannot all pass the check before the first ones are counted.
        """
        address_key, pair_key = self._keys(address, username)
        now = self._clock()
        with session_scope(STATISTICS, self._url) as db:
            if db.get_bind().dialect.name == "postgresql":
                db.execute(
                    select(func.pg_advisory_xact_lock(bindparam("lock"))),
                    {"lock": int.from_bytes(bytes.fromhex(address_key[:16]), "big", signed=True)},
                )
            self._expire(db, now)
            refusal = self._verdict(db, address_key, pair_key, now)
            if refusal is not None:
                return refusal
            live = db.execute(select(func.count()).select_from(LoginFailure)).scalar_one()
            if live >= self._max_rows:
                log.warning(
                    "Staff logins are refused: %d failed logins within %d minutes (the limit)",
                    live,
                    int(self.window_seconds // 60),
                )
                return LOGINS_BUSY
            self._add(db, address_key, pair_key, now)
        return None

    def failure(self, address: str, username: str) -> None:
        """Count a failed login of ``username`` from ``address`` (without the checks)."""
        address_key, pair_key = self._keys(address, username)
        now = self._clock()
        with session_scope(STATISTICS, self._url) as db:
            self._expire(db, now)
            self._add(db, address_key, pair_key, now)

    def success(self, address: str, username: str) -> None:
        """Forget the attempts of ``username`` from ``address`` (it logged in); the network's
        failures with other usernames still count."""
        _, pair_key = self._keys(address, username)
        with session_scope(STATISTICS, self._url) as db:
            db.execute(
                delete(LoginFailure)
                .execution_options(**NO_SYNC)
                .where(LoginFailure.pair_hash == bindparam("key")),
                {"key": pair_key},
            )
