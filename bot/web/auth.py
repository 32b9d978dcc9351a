"""Staff authentication: password hashing, users, signed session cookies, CSRF, rate limit.

Sessions are stateless: the cookie holds a signed (itsdangerous) payload with a random session
id, the CSRF token of the session and, once logged in, the user id and a fingerprint of the
password hash (changing a password ends that user's other sessions). Logged-out session ids
are remembered in memory until they would have expired anyway.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timezone

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from itsdangerous import BadSignature, TimestampSigner, URLSafeTimedSerializer
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.analytics.models import StaffUser

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
        created_at=datetime.now(timezone.utc).replace(tzinfo=None),
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


class RevokedSessions:
    """Session ids that logged out, remembered until their cookies would have expired."""

    def __init__(self, ttl_seconds: float, clock: Callable[[], float] = time.monotonic) -> None:
        self._ttl = ttl_seconds
        self._clock = clock
        self._until: dict[str, float] = {}

    def revoke(self, sid: str) -> None:
        now = self._clock()
        self._until = {s: t for s, t in self._until.items() if t > now}
        self._until[sid] = now + self._ttl

    def __contains__(self, sid: object) -> bool:
        until = self._until.get(sid) if isinstance(sid, str) else None
        return until is not None and until > self._clock()


# -- rate limit --------------------------------------------------------------


class LoginRateLimiter:
    """At most ``max_failures`` failed logins per username within ``window_seconds``.

    In memory and per process: enough to slow down guessing against one running app.
    """

    def __init__(
        self,
        max_failures: int = 10,
        window_seconds: float = 15 * 60,
        clock: Callable[[], float] = time.monotonic,
        max_tracked: int = 10_000,
    ) -> None:
        self.max_failures = max_failures
        self.window_seconds = window_seconds
        self._clock = clock
        self._max_tracked = max_tracked
        self._failures: dict[str, deque[float]] = {}

    def _recent(self, key: str) -> deque[float]:
        now = self._clock()
        times = self._failures.get(key, deque())
        while times and times[0] <= now - self.window_seconds:
            times.popleft()
        return times

    def blocked(self, username: str) -> bool:
        """True when ``username`` has used up its failed attempts for now."""
        return len(self._recent(normalise_username(username))) >= self.max_failures

    def attempt(self, username: str) -> bool:
        """Count a login attempt before its password is checked; False when blocked.

        Counted as a failure until :meth:`success` clears it. Check and count happen without
        an ``await`` in between, so parallel requests cannot all pass the check while the
        slow password hashes of the first ones are still being computed.
        """
        if self.blocked(username):
            return False
        self.failure(username)
        return True

    def failure(self, username: str) -> None:
        key = normalise_username(username)
        if len(self._failures) >= self._max_tracked:
            for k in list(self._failures):
                if not self._recent(k):
                    del self._failures[k]
            if len(self._failures) >= self._max_tracked:
                self._failures.pop(next(iter(self._failures)))
        times = self._recent(key)
        times.append(self._clock())
        self._failures[key] = times

    def success(self, username: str) -> None:
        self._failures.pop(normalise_username(username), None)
