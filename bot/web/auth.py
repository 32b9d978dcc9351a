"""Staff authentication: password hashing, users, signed session cookies, CSRF.

Sessions are stateless: the cookie holds a signed (itsdangerous) payload with a random session
id, the CSRF token of the session and, once logged in, the user id and a fingerprint of the
password hash (changing a password ends that user's other sessions). Logged-out session ids
are kept in the statistics database (table ``revoked_sessions``), so every web app process sees
them and they survive restarts; so are failed login attempts (:mod:`bot.web.login_limits`). A
disabled user (``staff_users.disabled_at``) cannot log in.
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
from sqlalchemy import bindparam, delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from bot.db.engine import session_scope
from bot.db.stores import STATISTICS
from bot.web.auth_models import RevokedSession, StaffUser

log = logging.getLogger(__name__)
# Bulk deletes of the login tables (here and in bot.web.login_limits) need not update objects
# of the session (it has none of these rows).
NO_SYNC = {"synchronize_session": False}

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


def instant(epoch_seconds: float) -> datetime:
    """``epoch_seconds`` as a UTC time (the login tables' columns)."""
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
        with session_scope(STATISTICS, self._url) as db:
            db.execute(
                delete(RevokedSession)
                .execution_options(**NO_SYNC)
                .where(RevokedSession.expires_at <= bindparam("now")),
                {"now": instant(now)},
            )
            dialect = db.get_bind().dialect.name
            insert = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(
                RevokedSession
            )
            for digest, until in pending.items():
                statement = insert.values(sid_hash=digest, expires_at=instant(until))
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
            with session_scope(STATISTICS, self._url) as db:
                found = db.execute(
                    select(RevokedSession.sid_hash).where(
                        RevokedSession.sid_hash == bindparam("digest"),
                        RevokedSession.expires_at > bindparam("now"),
                    ),
                    {"digest": digest, "now": instant(now)},
                ).first()
        except (SQLAlchemyError, OSError) as exc:
            log.warning(
                "Staff sessions are refused: the statistics database cannot be read (%s)",
                type(exc).__name__,
            )
            return True
        return found is not None

