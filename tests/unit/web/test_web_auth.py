"""Staff authentication: hashing, users, CSRF, signed sessions, revocation, rate limit."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

import pytest
import sqlalchemy as sa
from argon2 import PasswordHasher
from sqlalchemy.exc import SQLAlchemyError

from bot.db.engine import get_engine, session_scope
from bot.db.stores import STATISTICS
from bot.stack.ports import free_port
from bot.web import auth, login_limits
from bot.web.auth import (
    RevokedSessions,
    SessionCodec,
    StaffSession,
    UserError,
    authenticate,
    create_user,
    csrf_ok,
    hash_password,
    needs_rehash,
    password_fingerprint,
    verify_password,
)
from bot.web.auth_models import LoginFailure, RevokedSession, StaffUser
from bot.web.login_limits import (
    LOGINS_BUSY,
    TOO_MANY_LOGINS,
    LoginRateLimiter,
    client_network,
)

GOOD_PASSWORD = "en lang nok adgangskode"


class Clock:
    """A settable clock for the code that takes ``clock=``."""

    def __init__(self, now: float = 1_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def db_url(sqlite_url: str) -> str:
    return sqlite_url


SECRET = "k" * 40
A, B = "192.0.2.10", "198.51.100.7"  # two client addresses (documentation ranges)


def limiter(url: str, **options: object) -> LoginRateLimiter:
    return LoginRateLimiter(SECRET, url=url, **options)  # type: ignore[arg-type]


def stored_rows(url: str) -> int:
    """How many failed attempts the login limiter keeps."""
    with session_scope(STATISTICS, url) as session:
        return session.execute(sa.select(sa.func.count()).select_from(LoginFailure)).scalar_one()


# -- passwords ---------------------------------------------------------------


def test_hash_and_verify() -> None:
    hashed = hash_password(GOOD_PASSWORD)
    assert hashed.startswith("$argon2id$")
    assert GOOD_PASSWORD not in hashed
    assert hash_password(GOOD_PASSWORD) != hashed  # salted
    assert verify_password(hashed, GOOD_PASSWORD)
    assert not verify_password(hashed, GOOD_PASSWORD + "x")
    assert not verify_password("not a hash", GOOD_PASSWORD)
    assert not needs_rehash(hashed)


def test_weaker_parameters_need_rehash() -> None:
    weak = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1).hash(GOOD_PASSWORD)
    assert verify_password(weak, GOOD_PASSWORD)
    assert needs_rehash(weak)
    assert needs_rehash("not a hash")


# -- users -------------------------------------------------------------------


def test_create_user_stores_a_hash(db_url: str) -> None:
    with session_scope(STATISTICS, db_url) as session:
        user = create_user(session, "anna.b-1_x", GOOD_PASSWORD, "webteam")
        assert user.id is not None
    with session_scope(STATISTICS, db_url) as session:
        stored = session.query(StaffUser).filter_by(username="anna.b-1_x").one()
        assert stored.role == "webteam"
        assert stored.password_hash != GOOD_PASSWORD
        assert verify_password(stored.password_hash, GOOD_PASSWORD)


@pytest.mark.parametrize(
    "username",
    ["ab", "Anna", "anna b", "anna@kommune.dk", "åse", "a" * 65, "", "anna\n", "../x/"],
)
def test_create_user_rejects_bad_usernames(db_url: str, username: str) -> None:
    with session_scope(STATISTICS, db_url) as session, pytest.raises(UserError, match="username"):
        create_user(session, username, GOOD_PASSWORD, "staff")


@pytest.mark.parametrize("role", ["admin", "", "Staff", "root"])
def test_create_user_rejects_bad_roles(db_url: str, role: str) -> None:
    with session_scope(STATISTICS, db_url) as session, pytest.raises(UserError, match="role"):
        create_user(session, "anna", GOOD_PASSWORD, role)


@pytest.mark.parametrize("password", ["", "kort", "elleve tegn", " " + GOOD_PASSWORD, "a\x00" * 8])
def test_create_user_rejects_bad_passwords(db_url: str, password: str) -> None:
    with session_scope(STATISTICS, db_url) as session, pytest.raises(UserError, match="password"):
        create_user(session, "anna", password, "staff")


def test_twelve_characters_is_enough(db_url: str) -> None:
    with session_scope(STATISTICS, db_url) as session:
        create_user(session, "anna", "x" * 12, "staff")


def test_create_user_refuses_a_taken_username(db_url: str) -> None:
    with session_scope(STATISTICS, db_url) as session:
        create_user(session, "anna", GOOD_PASSWORD, "staff")
    with (
        session_scope(STATISTICS, db_url) as session,
        pytest.raises(UserError, match="already exists"),
    ):
        create_user(session, "anna", GOOD_PASSWORD + "2", "staff")


def test_authenticate(db_url: str) -> None:
    with session_scope(STATISTICS, db_url) as session:
        create_user(session, "anna", GOOD_PASSWORD, "staff")
    with session_scope(STATISTICS, db_url) as session:
        user = authenticate(session, " Anna ", GOOD_PASSWORD)
        assert user is not None and user.username == "anna"
        assert authenticate(session, "anna", GOOD_PASSWORD.upper()) is None
        assert authenticate(session, "anna", "") is None


def test_unknown_users_cost_a_password_check(db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Unknown and malformed usernames still verify a hash, so timing does not tell."""
    checked: list[str] = []
    real = auth.verify_password

    def counting(password_hash: str, password: str) -> bool:
        checked.append(password_hash)
        return real(password_hash, password)

    monkeypatch.setattr(auth, "verify_password", counting)
    with session_scope(STATISTICS, db_url) as session:
        assert authenticate(session, "nobody", GOOD_PASSWORD) is None
        assert authenticate(session, "NOT A USERNAME!", GOOD_PASSWORD) is None
    assert len(checked) == 2
    assert all(h.startswith("$argon2id$") for h in checked)


def test_login_rehashes_old_hashes(db_url: str) -> None:
    weak = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1).hash(GOOD_PASSWORD)
    with session_scope(STATISTICS, db_url) as session:
        session.add(StaffUser(username="anna", password_hash=weak, role="staff"))
    with session_scope(STATISTICS, db_url) as session:
        assert authenticate(session, "anna", GOOD_PASSWORD) is not None
    with session_scope(STATISTICS, db_url) as session:
        stored = session.query(StaffUser).filter_by(username="anna").one().password_hash
    assert stored != weak
    assert not needs_rehash(stored)
    assert verify_password(stored, GOOD_PASSWORD)


# -- CSRF --------------------------------------------------------------------


def test_csrf_check() -> None:
    token = auth.new_token()
    assert len(token) >= 40
    assert auth.new_token() != token
    assert csrf_ok(token, token)
    assert not csrf_ok(token, token[:-1])
    assert not csrf_ok(token, token + "x")
    assert not csrf_ok(token, "")
    assert not csrf_ok(token, None)
    assert not csrf_ok(None, token)
    assert not csrf_ok("", "")
    assert not csrf_ok(None, None)


# -- sessions ----------------------------------------------------------------


def test_session_round_trip() -> None:
    codec = SessionCodec("k" * 40, max_age_seconds=3600)
    anonymous = StaffSession.anonymous()
    assert codec.loads(codec.dumps(anonymous)) == anonymous
    user_session = anonymous.logged_in(7, "fp")
    assert codec.loads(codec.dumps(user_session)) == user_session


def test_login_rotates_session_id_and_csrf_token() -> None:
    anonymous = StaffSession.anonymous()
    user_session = anonymous.logged_in(7, "fp")
    assert user_session.user_id == 7
    assert user_session.sid != anonymous.sid
    assert user_session.csrf != anonymous.csrf


def test_session_expires_after_max_age() -> None:
    clock = Clock()
    codec = SessionCodec("k" * 40, max_age_seconds=8 * 3600, clock=clock)
    token = codec.dumps(StaffSession.anonymous().logged_in(1, "fp"))
    clock.now += 8 * 3600
    assert codec.loads(token) is not None
    clock.now += 1
    assert codec.loads(token) is None


def test_session_with_zero_max_age_expires_at_once() -> None:
    clock = Clock()
    codec = SessionCodec("k" * 40, max_age_seconds=0, clock=clock)
    token = codec.dumps(StaffSession.anonymous())
    assert codec.loads(token) is not None  # the same second
    clock.now += 1
    assert codec.loads(token) is None


def test_tampered_or_foreign_sessions_are_refused() -> None:
    codec = SessionCodec("k" * 40, max_age_seconds=3600)
    token = codec.dumps(StaffSession.anonymous().logged_in(1, "fp"))
    other_key = SessionCodec("z" * 40, max_age_seconds=3600)
    assert other_key.loads(token) is None
    payload, timestamp, signature = token.split(".")
    assert codec.loads(f"{payload}x.{timestamp}.{signature}") is None
    assert codec.loads(f"{payload}.{timestamp}.{signature[::-1]}") is None
    for junk in (None, "", "abc", "a.b.c", "x" * 5000):
        assert codec.loads(junk) is None


def test_session_payload_must_be_well_formed() -> None:
    codec = SessionCodec("k" * 40, max_age_seconds=3600)
    serializer = codec._serializer
    assert codec.loads(serializer.dumps(["not", "a", "dict"])) is None
    assert codec.loads(serializer.dumps({"s": "a"})) is None
    assert codec.loads(serializer.dumps({"s": "a", "c": "b", "u": "7", "f": "fp"})) is None


def test_password_fingerprint_changes_with_the_hash() -> None:
    first = password_fingerprint("k" * 40, hash_password(GOOD_PASSWORD))
    second = password_fingerprint("k" * 40, hash_password(GOOD_PASSWORD))
    assert first != second
    assert len(first) == 32


def test_revoked_sessions_are_forgotten_after_their_lifetime(db_url: str) -> None:
    clock = Clock()
    revoked = RevokedSessions(ttl_seconds=100, clock=clock, url=db_url)
    revoked.revoke("abc")
    assert "abc" in revoked
    assert "other" not in revoked
    clock.now += 101
    assert "abc" not in revoked


# -- rate limit --------------------------------------------------------------


def test_client_network_groups_ipv6_by_64() -> None:
    assert client_network("2001:db8:1:2:aaaa::1") == "2001:db8:1:2::/64"
    assert client_network("2001:db8:1:2:ffff:ffff:ffff:ffff") == "2001:db8:1:2::/64"
    assert client_network("2001:db8:1:3::1") == "2001:db8:1:3::/64"
    assert client_network("::ffff:192.0.2.10") == "192.0.2.10"
    assert client_network(" 192.0.2.10 ") == "192.0.2.10"
    assert client_network("fe80::1%eth0") == "fe80::/64"
    assert client_network("") == "unknown"
    assert client_network("x" * 100) == "x" * 64


def test_pair_blocks_after_ten_failures_and_others_still_log_in(db_url: str) -> None:
    clock = Clock()
    lim = limiter(db_url, max_failures=10, window_seconds=900, clock=clock)
    for _ in range(9):
        lim.failure(A, "anna")
    assert lim.check(A, "anna") is None
    lim.failure(A, "ANNA ")
    assert lim.check(A, "anna") is not None
    assert lim.check(A, "anna") == TOO_MANY_LOGINS
    # Nobody can lock anna out from elsewhere: another address still gets its attempts.
    assert lim.check(B, "anna") is None
    assert lim.attempt(B, "anna") is None
    assert lim.check(A, "bo") is None
    clock.now += 901
    assert lim.check(A, "anna") is None


def test_one_address_is_blocked_after_its_failures_whatever_the_usernames(db_url: str) -> None:
    """A flood of random usernames, or one password tried at many users, from one address."""
    lim = limiter(db_url, max_failures=10, max_address_failures=30)
    results = [lim.attempt(A, f"random{i}") for i in range(100)]
    assert results[:30] == [None] * 30
    assert set(results[30:]) == {TOO_MANY_LOGINS}
    assert lim.check(A, "anna") is not None  # the whole address waits
    assert stored_rows(db_url) == 30  # refused attempts are not stored
    assert lim.attempt(B, "anna") is None


def test_an_ipv6_client_cannot_escape_by_changing_its_interface_id(db_url: str) -> None:
    lim = limiter(db_url, max_address_failures=5)
    for i in range(5):
        assert lim.attempt(f"2001:db8:7:7::{i + 1:x}", f"user{i}") is None
    assert lim.attempt("2001:db8:7:7::ffff", "another") == TOO_MANY_LOGINS
    assert lim.attempt("2001:db8:7:8::1", "another") is None  # the next /64 is another client


def test_ten_thousand_random_usernames_do_not_push_out_the_targets_count(db_url: str) -> None:
    """The failures against anna stay counted: a flooding address is refused (not stored), and a
    full table refuses new attempts instead of forgetting any count."""
    lim = limiter(db_url, max_failures=10, max_address_failures=30, max_rows=200)
    for _ in range(9):
        assert lim.attempt(A, "anna") is None
    refused = [lim.attempt(A, f"u{i}") for i in range(10_050)]
    assert refused.count(None) == 21 and stored_rows(db_url) == 30
    # From many addresses: once the table is full, new attempts wait; anna's count stays.
    for n in range(20):
        for i in range(30):
            lim.attempt(f"203.0.113.{n}", f"x{n}-{i}")
    assert stored_rows(db_url) == 200
    assert lim.attempt("198.18.0.1", "bo") == LOGINS_BUSY
    with session_scope(STATISTICS, db_url) as session:
        pair = login_limits.keyed_digest(SECRET, "login-pair", f"{A}\0anna")
        kept = session.execute(
            sa.select(sa.func.count()).where(LoginFailure.pair_hash == pair)
        ).scalar_one()
    assert kept == 9


def test_success_resets_the_pair_only(db_url: str) -> None:
    lim = limiter(db_url, max_failures=3, max_address_failures=5)
    for _ in range(2):
        lim.failure(A, "anna")
    lim.failure(A, "bo")
    lim.success(A, "anna")
    lim.failure(A, "anna")
    lim.failure(A, "anna")
    assert lim.check(A, "anna") is None
    assert stored_rows(db_url) == 3  # bo's failure still counts for the address


def test_digests_are_keyed_and_hide_address_and_username(db_url: str) -> None:
    import hashlib

    limiter(db_url).failure(A, "anna")
    LoginRateLimiter("z" * 40, url=db_url).failure(A, "anna")
    with session_scope(STATISTICS, db_url) as session:
        rows = session.execute(sa.select(LoginFailure.address_hash, LoginFailure.pair_hash)).all()
    stored = {value for row in rows for value in row}
    assert len(stored) == 4  # another key, other digests
    for plain in ("anna", A, f"{A}\0anna"):
        assert hashlib.sha256(plain.encode()).hexdigest() not in stored
        assert all(plain not in value for value in stored)


# -- revocations and the limiter in the database (shared by processes, kept over restarts) ------


@pytest.fixture
def any_db(database_url: str) -> str:
    """A fresh SQLite, then PostgreSQL, database (testkit.fixtures)."""
    return database_url


def test_a_logout_is_seen_by_another_process(any_db: str) -> None:
    """A second instance is what a second web app process, or a restart, has."""
    clock = Clock()
    first = RevokedSessions(ttl_seconds=100, clock=clock, url=any_db)
    first.revoke("abc")
    first.revoke("abc")  # twice is the same
    restarted = RevokedSessions(ttl_seconds=100, clock=clock, url=any_db)
    assert "abc" in restarted
    assert "other" not in restarted
    clock.now += 101
    assert "abc" not in restarted
    # Expired rows go when the next session is revoked; only a digest of the id is stored.
    first.revoke("def")
    with session_scope(STATISTICS, any_db) as session:
        stored = session.execute(sa.select(RevokedSession.sid_hash)).scalars().all()
    assert len(stored) == 1 and "def" not in stored[0] and len(stored[0]) == 64


def test_the_limiter_counts_across_processes(any_db: str) -> None:
    clock = Clock()
    one = limiter(any_db, max_failures=3, window_seconds=900, clock=clock)
    two = limiter(any_db, max_failures=3, window_seconds=900, clock=clock)
    assert one.attempt(A, "anna") is None and two.attempt(A, "Anna ") is None
    assert one.attempt(A, "anna") is None
    assert two.attempt(A, "anna") == TOO_MANY_LOGINS
    assert two.check(A, "anna") is not None and one.check(A, "anna") is not None
    assert one.check(A, "bo") is None
    one.success(A, "anna")  # a login in one process clears the count in all
    assert two.attempt(A, "anna") is None
    clock.now += 901
    assert one.check(A, "anna") is None
    assert stored_rows(any_db) == 1
    one.attempt(A, "bo")  # writing deletes the rows past their window
    assert stored_rows(any_db) == 1


def test_parallel_attempts_cannot_pass_the_limit_together(any_db: str) -> None:
    limiters = [limiter(any_db, max_failures=5, max_address_failures=7) for _ in range(2)]
    limiters[0].success(A, "anna")  # the database's schema exists before the threads start
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(lambda i: limiters[i % 2].attempt(A, "anna"), range(16)))
    assert results.count(None) == 5
    with ThreadPoolExecutor(max_workers=8) as pool:  # the address's limit holds as well
        results = list(pool.map(lambda i: limiters[i % 2].attempt(A, f"u{i}"), range(16)))
    assert results.count(None) == 2


def test_an_unreachable_database_refuses_logins_and_sessions() -> None:
    url = f"postgresql+psycopg2://nobody@127.0.0.1:{free_port()}/none"
    revoked = RevokedSessions(ttl_seconds=100, url=url)
    assert "any session" in revoked  # fails closed
    lim = limiter(url)
    with pytest.raises(SQLAlchemyError):  # the web app answers "database down" (503)
        lim.attempt(A, "anna")
    with pytest.raises(SQLAlchemyError):
        lim.check(A, "anna")
    with pytest.raises(SQLAlchemyError):
        revoked.revoke("abc")
    get_engine.cache_clear()


def test_a_revocation_the_database_missed_is_refused_and_written_later(
    db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    revoked = RevokedSessions(ttl_seconds=100, url=db_url)
    assert "abc" not in revoked

    @contextmanager
    def down(store: object, url: str | None = None) -> Iterator[None]:
        raise sa.exc.OperationalError("connect", {}, Exception("database is down"))
        yield

    monkeypatch.setattr(auth, "session_scope", down)
    with pytest.raises(SQLAlchemyError):
        revoked.revoke("abc")
    assert "abc" in revoked  # refused in this process at once
    monkeypatch.undo()
    other = RevokedSessions(ttl_seconds=100, url=db_url)
    assert "abc" not in other  # not written yet
    assert "xyz" not in revoked  # the next use writes what is pending
    assert "abc" in other


def test_purge_deletes_expired_logouts_and_attempts(any_db: str, tmp_path) -> None:
    from datetime import datetime

    from bot.settings import TIMEZONE, load_settings
    from bot.stack.retention import purge

    now = datetime(2026, 11, 23, 10, 0, tzinfo=TIMEZONE)
    hour_ago, later = Clock(now.timestamp() - 3600), Clock(now.timestamp())
    RevokedSessions(ttl_seconds=1800, clock=later, url=any_db).revoke("current")
    # Written an hour ago, so nothing since has cleaned it away.
    RevokedSessions(ttl_seconds=1800, clock=hour_ago, url=any_db).revoke("expired")
    limiter(any_db, window_seconds=900, clock=hour_ago).failure(A, "old")
    # Reads of citizen text are kept as long as the text (BOT_RETENTION_REVIEW_DAYS, 30 days).
    from datetime import timedelta

    from bot.web.auth_models import StaffRead

    with session_scope(STATISTICS, any_db) as session:
        for days, item in ((31, 1), (29, 2)):
            at = now - timedelta(days=days)
            session.add(StaffRead(at=at, username="webber", kind="inbox_item", item_id=item))
    endpoints = tmp_path / "endpoints.yml"
    endpoints.write_text("action_endpoint:\n  url: http://localhost:5055/webhook\n")
    settings = load_settings({"BOT_ENV": "test"}).copy(update={"analytics_db_url": any_db})

    dry = purge(now, settings, endpoints=endpoints, log_dir=tmp_path / "logs", dry_run=True)
    assert (dry.expired_sessions, dry.expired_login_failures) == (1, 1), dry.errors
    report = purge(now, settings, endpoints=endpoints, log_dir=tmp_path / "logs")
    assert (report.expired_sessions, report.expired_login_failures) == (1, 1), report.errors
    assert "staff logins: 1 expired revoked sessions, 1 expired failed login attempts deleted" in (
        report.lines()
    )
    assert stored_rows(any_db) == 0
    assert "read log: 1 reads of citizen text older than 2026-10-24 10:00 deleted" in (
        report.lines()
    )
    with session_scope(STATISTICS, any_db) as session:
        kept = session.execute(sa.select(StaffRead.item_id)).scalars().all()
    assert kept == [2]
    assert "current" in RevokedSessions(ttl_seconds=1800, clock=later, url=any_db)
