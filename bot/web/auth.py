"""Staff authentication: password hashing, users, signed session cookies, CSRF, rate limit.

Sessions are stateless: the cookie holds a signed (itsdangerous) payload with a random session
id, the CSRF token of the session and, once logged in, the user id and a fingerprint of the
password hash (changing a password ends that user's other sessions). Logged-out session ids
and failed login attempts are kept in the statistics database (tables ``revoked_sessions`` and
``login_failures``), so every web app process sees them and they survive restarts.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timezone

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from itsdangerous import BadSignature, TimestampSigner, URLSafeTimedSerializer
from sqlalchemy import bindparam, delete, distinct, func, select
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
    if not verify_password(user.password_hash, password):
        return None
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


class LoginRateLimiter:
    """At most ``max_failures`` failed logins per username within ``window_seconds``.

    Counted in the statistics database (``login_failures``, by SHA-256 digest of the normalised
    username), so the limit holds across web app processes and over restarts. At most
    ``max_tracked`` usernames are tracked (the longest quiet go first); rows past the window
    are deleted on each attempt and by ``python -m bot purge``. ``clock`` gives epoch seconds.

    Database errors (``SQLAlchemyError``, ``OSError``) are raised: the web app answers them with
    its "database down" page, so no password is checked while attempts cannot be counted.
    """

    def __init__(
        self,
        max_failures: int = 10,
        window_seconds: float = 15 * 60,
        clock: Callable[[], float] = time.time,
        max_tracked: int = 10_000,
        *,
        url: str | None = None,
    ) -> None:
        self.max_failures = max_failures
        self.window_seconds = window_seconds
        self._clock = clock
        self._max_tracked = max_tracked
        self._url = url  # None: BOT_ANALYTICS_DB_URL

    def _recent(self, db: Session, key: str, now: float) -> int:
        """How many attempts ``key`` made within the window."""
        return int(
            db.execute(
                select(func.count())
                .select_from(LoginFailure)
                .where(
                    LoginFailure.username_hash == bindparam("key"),
                    LoginFailure.at > bindparam("since"),
                ),
                {"key": key, "since": _instant(now - self.window_seconds)},
            ).scalar_one()
        )

    def _expire(self, db: Session, now: float) -> None:
        db.execute(
            delete(LoginFailure)
            .execution_options(**_NO_SYNC)
            .where(LoginFailure.expires_at <= bindparam("now")),
            {"now": _instant(now)},
        )

    def _add(self, db: Session, key: str, now: float) -> None:
        db.add(
            LoginFailure(
                username_hash=key,
                at=_instant(now),
                expires_at=_instant(now + self.window_seconds),
            )
        )
        db.flush()
        tracked = db.execute(select(func.count(distinct(LoginFailure.username_hash)))).scalar_one()
        if tracked > self._max_tracked:  # forget the usernames quiet the longest
            quiet = (
                select(LoginFailure.username_hash)
                .group_by(LoginFailure.username_hash)
                .order_by(func.max(LoginFailure.at), LoginFailure.username_hash)
                .limit(bindparam("excess"))
            )
            db.execute(
                delete(LoginFailure)
                .execution_options(**_NO_SYNC)
                .where(LoginFailure.username_hash.in_(quiet)),
                {"excess": int(tracked) - self._max_tracked},
            )

    def blocked(self, username: str) -> bool:
        """True when ``username`` has used up its failed attempts for now."""
        key, now = _digest(normalise_username(username)), self._clock()
        with session_scope(self._url) as db:
            return self._recent(db, key, now) >= self.max_failures

    def attempt(self, username: str) -> bool:
        """Count a login attempt before its password is checked; False when blocked.

        Counted as a failure until :meth:`success` clears it. Check and count are one
        transaction that holds a lock (SQLite: the write lock, taken by the first statement, a
        delete; PostgreSQL: an advisory lock on the username), so parallel requests, in this
        process or another, cannot all pass the check before the first ones are counted.
        """
        key, now = _digest(normalise_username(username)), self._clock()
        with session_scope(self._url) as db:
            if db.get_bind().dialect.name == "postgresql":
                db.execute(
                    select(func.pg_advisory_xact_lock(bindparam("lock"))),
                    {"lock": int.from_bytes(bytes.fromhex(key[:16]), "big", signed=True)},
                )
            self._expire(db, now)
            if self._recent(db, key, now) >= self.max_failures:
                return False
            self._add(db, key, now)
        return True

    def failure(self, username: str) -> None:
        """Count a failed login of ``username``."""
        key, now = _digest(normalise_username(username)), self._clock()
        with session_scope(self._url) as db:
            self._expire(db, now)
            self._add(db, key, now)

    def success(self, username: str) -> None:
        """Forget ``username``'s attempts (it logged in)."""
        key = _digest(normalise_username(username))
        with session_scope(self._url) as db:
            db.execute(
                delete(LoginFailure)
                .execution_options(**_NO_SYNC)
                .where(LoginFailure.username_hash == bindparam("key")),
                {"key": key},
            )
