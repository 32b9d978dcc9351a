"""Staff authentication: password hashing, users, signed session cookies, CSRF, rate limit.

Sessions are stateless: the cookie holds a signed (itsdangerous) payload with a random session
id, the CSRF token of the session and, once logged in, the user id and a fingerprint of the
password hash (changing a password ends that user's other sessions). Logged-out session ids
and failed login attempts (per client network and per network and username, by keyed digest)
are kept in the statistics database (tables ``revoked_sessions`` and ``login_failures``), so
every web app process sees them and they survive restarts. A disabled user
(``staff_users.disabled_at``) cannot log in.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import logging
import re
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from itsdangerous import BadSignature, TimestampSigner, URLSafeTimedSerializer
from sqlalchemy import bindparam, delete, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from bot.analytics.db import session_scope
from bot.analytics.models import LoginFailure, RevokedSession, StaffUser

log = logging.getLogger(__name__)
# Bulk deletes here need not update objects of the session (it has none of these rows).
_NO_SYNC = {"synchronize_session": False}

ROLES = ("staff", "webteam")
USERNAME_PATTERN = re.compile(r"^[a-z0-9._-]{3,64}$")
MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 1024
SESSION_SALT = "borger-web.staff-session.v1"

_hasher = PasswordHasher()
_dummy_hash: str | None = None


class UserError(ValueError):
    """A username, password or role that cannot be used; the message says why."""


# -- passwords ---------------------------------------------------------------


def hash_password(password: str) -> str:
    """An argon2id hash of ``password`` (salted, with the library's current parameters)."""
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    """True when ``password`` matches ``password_hash``; False on mismatch or a broken hash."""
    try:
        return _hasher.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    """True when the hash was made with other parameters than the current ones."""
    try:
        return _hasher.check_needs_rehash(password_hash)
    except InvalidHashError:
        return True


def _dummy() -> str:
    """A hash of a random password, verified against for unknown users (same timing)."""
    global _dummy_hash
    if _dummy_hash is None:
        _dummy_hash = hash_password(secrets.token_urlsafe(24))
    return _dummy_hash


# -- users -------------------------------------------------------------------


def validate_new_user(username: str, password: str, role: str) -> None:
    """Raise :class:`UserError` unless username, password and role are acceptable."""
    if not USERNAME_PATTERN.fullmatch(username):
        raise UserError(
            "username must be 3-64 characters of lower case letters a-z, digits and . _ -"
        )
    if role not in ROLES:
        raise UserError(f"role must be one of: {', '.join(ROLES)}")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise UserError(f"password must be at least {MIN_PASSWORD_LENGTH} characters")
    if len(password) > MAX_PASSWORD_LENGTH:
        raise UserError(f"password must be at most {MAX_PASSWORD_LENGTH} characters")
    if password.strip() != password or any(ord(c) < 32 for c in password):
        raise UserError("password must not start or end with spaces or contain control characters")


def create_user(session: Session, username: str, password: str, role: str) -> StaffUser:
    """Add a staff user (validated, password hashed); raise UserError if invalid or taken."""
    validate_new_user(username, password, role)
    if session.execute(select(StaffUser.id).where(StaffUser.username == username)).first():
        raise UserError(f"user {username!r} already exists")
    user = StaffUser(
        username=username,
        password_hash=hash_password(password),
        role=role,
        created_at=datetime.now(timezone.utc),
    )
    session.add(user)
    session.flush()
    return user


def _existing(session: Session, username: str) -> StaffUser:
    user = session.execute(
        select(StaffUser).where(StaffUser.username == username)
    ).scalar_one_or_none()
    if user is None:
        raise UserError(f"no user {username!r}")
    return user


def set_disabled(session: Session, username: str, disabled: bool) -> bool:
    """Disable (no login; the user's sessions stop at their next request) or enable a user.

    Returns False when the user already was in that state; raises UserError for an unknown one.
    """
    user = _existing(session, username)
    if (user.disabled_at is not None) == disabled:
        return False
    user.disabled_at = datetime.now(timezone.utc) if disabled else None
    return True


def delete_user(session: Session, username: str) -> None:
    """Delete a user (their sessions stop working); UserError for an unknown one. What they did
    stays under their username (annotations, promotions, the read log)."""
    session.delete(_existing(session, username))


def reset_password(session: Session, username: str, password: str) -> None:
    """Give a user a new password; every session of theirs ends (the fingerprint changes)."""
    user = _existing(session, username)
    validate_new_user(username, password, user.role)
    user.password_hash = hash_password(password)


def normalise_username(raw: str) -> str:
    """What the login form's username field is compared as (trimmed, lower case)."""
    return raw.strip().lower()[:128]


def authenticate(session: Session, username: str, password: str) -> StaffUser | None:
    """The user when the password is right, else None; unknown users cost the same time.

    Rehashes the stored hash when the hashing parameters have changed since it was made.
    """
    username = normalise_username(username)
    user = None
    if USERNAME_PATTERN.fullmatch(username) and len(password) <= MAX_PASSWORD_LENGTH:
        user = session.execute(
            select(StaffUser).where(StaffUser.username == username)
        ).scalar_one_or_none()
    if user is None:
        verify_password(_dummy(), password)
        return None
    if not verify_password(user.password_hash, password) or user.disabled_at is not None:
        return None  # a disabled user costs the same check, so timing does not tell
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    return user


def password_fingerprint(secret_key: str, password_hash: str) -> str:
    """A short keyed digest of the stored hash, kept in the session to notice changes."""
    digest = hmac.new(secret_key.encode(), password_hash.encode(), hashlib.sha256)
    return digest.hexdigest()[:32]


# -- CSRF --------------------------------------------------------------------


def new_token() -> str:
    """A random, URL-safe token (session ids and CSRF tokens)."""
    return secrets.token_urlsafe(32)


def csrf_ok(expected: str | None, given: str | None) -> bool:
    """Constant-time check of a submitted CSRF token against the session's token."""
    if not expected or not given:
        return False
    return hmac.compare_digest(expected.encode(), given.encode())


# -- sessions ----------------------------------------------------------------


@dataclass(frozen=True)
class StaffSession:
    """What the session cookie holds. ``user_id`` is None before login."""

    sid: str
    csrf: str
    user_id: int | None = None
    fingerprint: str | None = None

    @classmethod
    def anonymous(cls) -> StaffSession:
        return cls(sid=new_token(), csrf=new_token())

    def logged_in(self, user_id: int, fingerprint: str) -> StaffSession:
        """A new session (new id and CSRF token) for the user: login rotates the session."""
        return replace(StaffSession.anonymous(), user_id=user_id, fingerprint=fingerprint)


class SessionCodec:
    """Signs and checks session cookies; ``clock`` (seconds) can be injected for tests."""

    def __init__(
        self, secret_key: str, max_age_seconds: int, clock: Callable[[], float] = time.time
    ) -> None:
        self.max_age_seconds = max_age_seconds

        class _Signer(TimestampSigner):
            def get_timestamp(self) -> int:
                return int(clock())

        self._serializer = URLSafeTimedSerializer(secret_key, salt=SESSION_SALT, signer=_Signer)

    def dumps(self, session: StaffSession) -> str:
        payload = {"s": session.sid, "c": session.csrf}
        if session.user_id is not None:
            payload.update(u=session.user_id, f=session.fingerprint)
        return self._serializer.dumps(payload)

    def loads(self, token: str | None) -> StaffSession | None:
        """The session, or None when missing, tampered with, malformed or expired."""
        if not token or len(token) > 4096:
            return None
        try:
            data = self._serializer.loads(token, max_age=self.max_age_seconds)
        except (BadSignature, ValueError, TypeError):
            return None
        if not isinstance(data, dict):
            return None
        sid, csrf, user_id, fp = data.get("s"), data.get("c"), data.get("u"), data.get("f")
        if not isinstance(sid, str) or not isinstance(csrf, str) or not sid or not csrf:
            return None
        if user_id is not None and (not isinstance(user_id, int) or not isinstance(fp, str)):
            return None
        return StaffSession(sid=sid, csrf=csrf, user_id=user_id, fingerprint=fp)


def _digest(value: str) -> str:
    """SHA-256 of ``value`` (hex): what the login tables store instead of ids and usernames."""
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


def _instant(epoch_seconds: float) -> datetime:
    return datetime.fromtimestamp(epoch_seconds, timezone.utc)


class RevokedSessions:
    """Session ids that logged out, refused until their cookies would have expired anyway.

    Kept in the statistics database (``revoked_sessions``, by SHA-256 digest), so a logout holds
    in every web app process and over restarts; expired rows are deleted on each revocation and
    by ``python -m bot purge``. ``clock`` gives epoch seconds (compared across processes).

    Fails closed: while the database cannot be read, every session counts as revoked. A
    revocation that cannot be written is refused in this process at once, written when the
    database answers again, and its error raised (the web app shows "database down").
    """

    MAX_PENDING = 10_000  # unwritten revocations kept in memory while the database is away

    def __init__(
        self,
        ttl_seconds: float,
        clock: Callable[[], float] = time.time,
        *,
        url: str | None = None,
    ) -> None:
        self._ttl = ttl_seconds
        self._clock = clock
        self._url = url  # None: BOT_ANALYTICS_DB_URL
        self._pending: dict[str, float] = {}  # digest -> expiry (epoch s), not written yet
        self._lock = threading.Lock()

    def revoke(self, sid: str) -> None:
        """Refuse ``sid`` from now until its cookie would have expired.

        Raises ``SQLAlchemyError`` or ``OSError`` when the database cannot be written.
        """
        now = self._clock()
        with self._lock:
            self._pending = {d: t for d, t in self._pending.items() if t > now}
            if len(self._pending) >= self.MAX_PENDING:
                self._pending.pop(next(iter(self._pending)))
            self._pending[_digest(sid)] = now + self._ttl
        self._write_pending(now)

    def _write_pending(self, now: float) -> None:
        with self._lock:
            pending = dict(self._pending)
        if not pending:
            return
        with session_scope(self._url) as db:
            db.execute(
                delete(RevokedSession)
                .execution_options(**_NO_SYNC)
                .where(RevokedSession.expires_at <= bindparam("now")),
                {"now": _instant(now)},
            )
            dialect = db.get_bind().dialect.name
            insert = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(
                RevokedSession
            )
            for digest, until in pending.items():
                statement = insert.values(sid_hash=digest, expires_at=_instant(until))
                db.execute(
                    statement.on_conflict_do_update(
                        index_elements=["sid_hash"],
                        set_={"expires_at": statement.excluded.expires_at},
                    )
                )
        with self._lock:
            for digest, until in pending.items():
                if self._pending.get(digest) == until:
                    del self._pending[digest]

    def __contains__(self, sid: object) -> bool:
        if not isinstance(sid, str):
            return False
        now = self._clock()
        digest = _digest(sid)
        with self._lock:
            until = self._pending.get(digest)
        if until is not None and until > now:
            return True
        try:
            self._write_pending(now)
            with session_scope(self._url) as db:
                found = db.execute(
                    select(RevokedSession.sid_hash).where(
                        RevokedSession.sid_hash == bindparam("digest"),
                        RevokedSession.expires_at > bindparam("now"),
                    ),
                    {"digest": digest, "now": _instant(now)},
                ).first()
        except (SQLAlchemyError, OSError) as exc:
            log.warning(
                "Staff sessions are refused: the statistics database cannot be read (%s)",
                type(exc).__name__,
            )
            return True
        return found is not None


# -- rate limit --------------------------------------------------------------


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
                {"key": key, "since": _instant(now - self.window_seconds)},
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
            .execution_options(**_NO_SYNC)
            .where(LoginFailure.expires_at <= bindparam("now")),
            {"now": _instant(now)},
        )

    def _add(self, db: Session, address_key: str, pair_key: str, now: float) -> None:
        db.add(
            LoginFailure(
                address_hash=address_key,
                pair_hash=pair_key,
                at=_instant(now),
                expires_at=_instant(now + self.window_seconds),
            )
        )
        db.flush()

    def check(self, address: str, username: str) -> str | None:
        """Read only: the refusal (``too_many_logins``) when ``address`` or the pair has used up
        its failed attempts for now, else None."""
        address_key, pair_key = self._keys(address, username)
        with session_scope(self._url) as db:
            return self._verdict(db, address_key, pair_key, self._clock())

    def blocked(self, address: str, username: str) -> bool:
        """True when a login of ``username`` from ``address`` would be refused now."""
        return self.check(address, username) is not None

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
        with session_scope(self._url) as db:
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
        with session_scope(self._url) as db:
            self._expire(db, now)
            self._add(db, address_key, pair_key, now)

    def success(self, address: str, username: str) -> None:
        """Forget the attempts of ``username`` from ``address`` (it logged in); the network's
        failures with other usernames still count."""
        _, pair_key = self._keys(address, username)
        with session_scope(self._url) as db:
            db.execute(
                delete(LoginFailure)
                .execution_options(**_NO_SYNC)
                .where(LoginFailure.pair_hash == bindparam("key")),
                {"key": pair_key},
            )
