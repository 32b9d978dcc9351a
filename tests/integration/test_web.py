"""The staff web app as a real process (``python -m bot web``), asked over HTTP.

Every database-backed test runs against SQLite and, when it is reachable, PostgreSQL
(``BOT_TEST_POSTGRES_URL``, default the server at 127.0.0.1:5432), each in a fresh database
(testkit.databases) that is dropped afterwards. Staff users are made with the real CLI and
log in through the real form (testkit.staff); statistics are fed as Rasa events through the
real recorder (testkit.events).
"""

from __future__ import annotations

import os
import re
import sqlite3
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
import requests
import sqlalchemy as sa

from bot.analytics.models import Conversation, LinkEvent
from bot.knowledge.links import known_links
from bot.knowledge.profile import get_profile
from bot.settings import TIMEZONE
from bot.stack.paths import base_env
from bot.stack.ports import free_port
from bot.stack.supervisor import Service
from bot.web.public import CLICK_RECORD_TIMEOUT_S
from testkit import ROOT
from testkit.databases import fresh_database
from testkit.events import Chat, feed
from testkit.fixtures import database_params
from testkit.staff import create_staff_user, form_token, login

pytestmark = pytest.mark.integration

USERNAME = "anna.test"
PASSWORD = "korrekt hest batteri 42"
BAD_LOGIN = "Forkert brugernavn eller adgangskode."
# Words that only appear on the pages behind the login.
STAFF_ONLY = ("Statistik", "contact.phone", "EKSEMPEL-værdier", "Log ud")


@dataclass
class Backend:
    name: str
    url: str


@dataclass
class WebApp:
    """A running web app and the database it writes to."""

    base: str
    db_url: str
    log_path: Path

    def get(self, path: str, **kwargs: object) -> requests.Response:
        kwargs.setdefault("allow_redirects", False)
        return requests.get(self.base + path, timeout=30, **kwargs)  # type: ignore[arg-type]

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")


def app_env(db_url: str) -> dict[str, str]:
    env = base_env({"BOT_ANALYTICS_DB_URL": db_url, "BOT_ENV": "test", "BOT_PROFILE": "taarnby"})
    for name in ("BOT_NOW", "BOT_SECRET_KEY", "BOT_SESSION_HOURS", "BOT_WEB_PORT"):
        env.pop(name, None)
    return env


def run_cli(db_url: str, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        input=stdin,
        env=app_env(db_url),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


def start_web(db_url: str, workdir: Path) -> tuple[Service, WebApp]:
    port = free_port()
    log_path = workdir / f"web-{port}.log"
    service = Service(
        "web app",
        [sys.executable, "-m", "bot", "web", "--port", str(port)],
        f"http://127.0.0.1:{port}/healthz",
        log_path,
    )
    service.start(app_env(db_url))
    try:
        service.wait_ready(timeout=60)
    except Exception:
        service.stop()
        raise
    return service, WebApp(f"http://127.0.0.1:{port}", db_url, log_path)


def csrf_of(response: requests.Response) -> str:
    return form_token(response.text)


def moving_link() -> str:
    return known_links(get_profile("taarnby"))["moving"]


# -- fixtures ----------------------------------------------------------------


@pytest.fixture(scope="module", params=database_params())
def backend(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Backend]:
    with fresh_database(request.param, tmp_path_factory.mktemp(f"web-{request.param}")) as url:
        yield Backend(request.param, url)


@pytest.fixture(scope="module")
def web(backend: Backend, tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebApp]:
    service, app = start_web(backend.url, tmp_path_factory.mktemp(f"web-{backend.name}"))
    try:
        yield app
    finally:
        service.stop()


@pytest.fixture(scope="module")
def db(web: WebApp) -> Iterator[sa.engine.Engine]:
    """The test's own connection to the app's database (tables exist once the app runs)."""
    engine = sa.create_engine(web.db_url, future=True)
    yield engine
    engine.dispose()


@pytest.fixture(scope="module")
def staff_user(web: WebApp) -> tuple[str, str]:
    """A user made with the real CLI, password on stdin."""
    result = create_staff_user(web.db_url, USERNAME, PASSWORD)
    assert PASSWORD not in result.stdout + result.stderr
    return USERNAME, PASSWORD


# -- public routes ---------------------------------------------------------------


def test_healthz(web: WebApp) -> None:
    response = web.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_static_files_are_served_locally(web: WebApp) -> None:
    page = web.get("/staff/login")
    assets = re.findall(r'(?:href|src)="([^"#]+)"', page.text)
    assert "/static/style.css" in assets
    for asset in assets:
        assert asset.startswith("/"), f"{asset} is not one of the app's own files"
        if asset.startswith("/static/"):
            assert web.get(asset).status_code == 200
    assert "<script" not in page.text


@pytest.mark.parametrize(
    "path",
    ["/staff/", "/staff", "/staff/examples", "/staff/komhen", "/staff/komhen.csv", "/staff/nope/x"],
)
def test_anonymous_staff_pages_redirect_to_login(web: WebApp, path: str) -> None:
    response = web.get(path)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/staff/login")
    for word in STAFF_ONLY:
        assert word not in response.text


def test_anonymous_post_redirects_to_login(web: WebApp) -> None:
    response = requests.post(web.base + "/staff/logout", allow_redirects=False, timeout=30)
    assert response.status_code == 302
    assert response.headers["Location"] == "/staff/login"


def test_login_page(web: WebApp) -> None:
    response = web.get("/staff/login")
    assert response.status_code == 200
    assert '<html lang="da">' in response.text
    assert 'href="#indhold"' in response.text
    assert '<label for="username">' in response.text
    assert '<label for="password">' in response.text
    assert 'id="password" name="password" type="password"' in response.text
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Path=/" in cookie.split("; ")
    assert "Secure" not in cookie  # BOT_ENV=test; Secure in production
    assert response.headers["Cache-Control"] == "no-store"
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    for word in STAFF_ONLY:
        assert word not in response.text


def test_click_is_recorded_and_redirected(web: WebApp, db: sa.engine.Engine) -> None:
    sender = f"widget-{uuid.uuid4().hex[:8]}"
    with db.begin() as conn:
        started = datetime(2026, 11, 23, 9, 0, tzinfo=timezone.utc)
        conversation_id = conn.execute(
            sa.insert(Conversation).values(
                sender_id=sender,
                municipality="taarnby",
                started_at=started,
                last_event_at=started,
                n_turns=1,
                n_answers=1,
                n_links=1,
                n_referrals=0,
                n_fallbacks=0,
            )
        ).inserted_primary_key[0]
        # The assistant gave the link in this conversation (the recorder's "shown" event).
        conn.execute(
            sa.insert(LinkEvent).values(
                conversation_id=conversation_id,
                municipality="taarnby",
                link_id="moving",
                event="shown",
                at=started,
            )
        )
    for _ in range(2):  # a second click is redirected but not counted again
        response = web.get(f"/r/moving?s={sender}")
        assert response.status_code == 302
        assert response.headers["Location"] == moving_link()
    # A link that was not given in the conversation: redirected, not counted.
    assert web.get(f"/r/passport?s={sender}").status_code == 302
    with db.connect() as conn:
        rows = conn.execute(
            sa.select(LinkEvent).where(
                LinkEvent.conversation_id == conversation_id, LinkEvent.event == "clicked"
            )
        ).all()
    assert len(rows) == 1
    assert rows[0].link_id == "moving"
    assert rows[0].municipality == "taarnby"


def test_click_without_known_conversation(web: WebApp, db: sa.engine.Engine) -> None:
    """A made-up, missing or invalid ``s=`` is redirected, and not counted as a click."""

    def clicks() -> int:
        with db.connect() as conn:
            return conn.execute(
                sa.select(sa.func.count())
                .select_from(LinkEvent)
                .where(LinkEvent.link_id == "moving", LinkEvent.event == "clicked")
            ).scalar_one()

    before = clicks()
    for query in ("?s=abc", "", "?s=%3Cscript%3E", "?s=" + "a" * 129, "?s=a%0Ab"):
        response = web.get("/r/moving" + query)
        assert response.status_code == 302, query
        assert response.headers["Location"] == moving_link()
    assert clicks() == before


@pytest.mark.parametrize(
    "path",
    [
        "/r/evil",
        "/r/https:%2F%2Fevil.example",
        "/r/https://evil.example",
        "/r/moving%2F..%2Fevil",
        "/r/",
        "/r/moving?url=https://evil.example&next=https://evil.example",
    ],
)
def test_unknown_links_are_not_redirected(web: WebApp, path: str) -> None:
    response = web.get(path)
    if path.startswith("/r/moving?"):  # extra parameters are ignored, target stays the profile's
        assert response.status_code == 302
        assert response.headers["Location"] == moving_link()
        return
    assert response.status_code == 404
    assert "Location" not in response.headers
    assert "<h1>Linket findes ikke</h1>" in response.text
    assert "evil.example" not in response.text
    assert "Kun for ansatte" not in response.text  # a citizen page


# -- staff -------------------------------------------------------------------


def test_login_with_cli_user_and_pages(web: WebApp, staff_user: tuple[str, str]) -> None:
    browser = requests.Session()
    form = browser.get(web.base + "/staff/login", timeout=30)
    anonymous_token = csrf_of(form)
    anonymous_cookie = browser.cookies.get("borger_staff")
    response = browser.post(
        web.base + "/staff/login",
        data={"username": staff_user[0], "password": staff_user[1], "csrf_token": anonymous_token},
        allow_redirects=False,
        timeout=30,
    )
    assert response.status_code == 303
    assert response.headers["Location"] == "/staff/"
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Path=/" in cookie.split("; ")
    assert browser.cookies.get("borger_staff") != anonymous_cookie

    overview = browser.get(web.base + "/staff/", allow_redirects=False, timeout=30)
    assert overview.status_code == 200
    assert "Statistik" in overview.text
    assert "Tårnby Kommune" in overview.text
    assert 'href="/staff/examples"' in overview.text
    assert "<dt>Samtaler på engelsk</dt>" in overview.text
    assert csrf_of(overview) != anonymous_token  # login rotated the session
    assert overview.headers["Cache-Control"] == "no-store"
    without_slash = browser.get(web.base + "/staff", allow_redirects=False, timeout=30)
    assert without_slash.status_code == 200
    assert "Statistik" in without_slash.text

    examples = browser.get(web.base + "/staff/examples", allow_redirects=False, timeout=30)
    assert examples.status_code == 200
    assert '<th scope="row">Telefonnummer</th>' in examples.text
    assert "32 76 11 00" in examples.text

    unknown = browser.get(web.base + "/staff/nope", allow_redirects=False, timeout=30)
    assert unknown.status_code == 404
    assert "Siden findes ikke." in unknown.text

    # Already logged in: the login page sends you on.
    again = browser.get(web.base + "/staff/login", allow_redirects=False, timeout=30)
    assert again.status_code == 302


def test_login_returns_to_the_page_asked_for(web: WebApp, staff_user: tuple[str, str]) -> None:
    browser = requests.Session()
    first = browser.get(web.base + "/staff/examples", allow_redirects=False, timeout=30)
    form = browser.get(web.base + first.headers["Location"], timeout=30)
    assert 'name="next" value="/staff/examples"' in form.text
    response = browser.post(
        web.base + "/staff/login",
        data={
            "username": staff_user[0],
            "password": staff_user[1],
            "csrf_token": csrf_of(form),
            "next": "/staff/examples",
        },
        allow_redirects=False,
        timeout=30,
    )
    assert response.headers["Location"] == "/staff/examples"
    # "next" never leads off the staff pages.
    form = browser.get(web.base + "/staff/login?next=https://evil.example", timeout=30)
    assert "evil.example" not in form.text


# A page of every protected area, with a query, and how the login page's address carries it.
DEEP_LINKS = {
    "/webteam/inbox/29": "/staff/login?next=/webteam/inbox/29",
    "/staff/komhen?fra=2026-11-02&til=2026-11-22": (
        "/staff/login?next=/staff/komhen%3Ffra%3D2026-11-02%26til%3D2026-11-22"
    ),
    "/staff/examples": "/staff/login?next=/staff/examples",
}


@pytest.mark.parametrize("page", sorted(DEEP_LINKS))
def test_a_deep_link_survives_the_login(
    web: WebApp, staff_user: tuple[str, str], page: str
) -> None:
    """An anonymous request to any protected page goes to the login with ``next``; the login
    lands on that page (for a user without the role, its 403 page says so)."""
    browser = requests.Session()
    first = browser.get(web.base + page, allow_redirects=False, timeout=30)
    assert first.status_code == 302
    assert first.headers["Location"] == DEEP_LINKS[page]
    form = browser.get(web.base + first.headers["Location"], timeout=30)
    assert f'name="next" value="{page.replace("&", "&amp;")}"' in form.text
    response = browser.post(
        web.base + "/staff/login",
        data={
            "username": staff_user[0],
            "password": staff_user[1],
            "csrf_token": csrf_of(form),
            "next": page,
        },
        allow_redirects=False,
        timeout=30,
    )
    assert response.status_code == 303
    assert response.headers["Location"] == page


@pytest.mark.parametrize(
    "next_page",
    [
        "https://evil.example/staff/",
        "//evil.example/staff/",
        "/\\evil.example",
        "/staff/../r/moving",
        "/staff/%2e%2e/r/moving",
        "/r/moving",
        "/staff/login",
        "javascript:alert(1)",
    ],
)
def test_next_never_leaves_the_protected_pages(
    web: WebApp, staff_user: tuple[str, str], next_page: str
) -> None:
    browser = requests.Session()
    form = browser.get(web.base + "/staff/login", timeout=30)
    response = browser.post(
        web.base + "/staff/login",
        data={
            "username": staff_user[0],
            "password": staff_user[1],
            "csrf_token": csrf_of(form),
            "next": next_page,
        },
        allow_redirects=False,
        timeout=30,
    )
    assert response.status_code == 303
    assert response.headers["Location"] == "/staff/"


@pytest.mark.parametrize(
    ("username", "password"),
    [(USERNAME, "forkert adgangskode 1"), ("findes.ikke", PASSWORD), ("", ""), ("x" * 300, "y")],
)
def test_wrong_login_fails_with_a_generic_message(
    web: WebApp, staff_user: tuple[str, str], username: str, password: str
) -> None:
    browser = requests.Session()
    form = browser.get(web.base + "/staff/login", timeout=30)
    response = browser.post(
        web.base + "/staff/login",
        data={"username": username, "password": password, "csrf_token": csrf_of(form)},
        allow_redirects=False,
        timeout=30,
    )
    assert response.status_code == 200
    assert BAD_LOGIN in response.text
    if len(password) > 3:
        assert password not in response.text  # the password is never echoed
    after = browser.get(web.base + "/staff/", allow_redirects=False, timeout=30)
    assert after.status_code == 302


def test_login_without_csrf_is_forbidden(web: WebApp, staff_user: tuple[str, str]) -> None:
    browser = requests.Session()
    form = browser.get(web.base + "/staff/login", timeout=30)
    for token in (None, "", csrf_of(form) + "x"):
        data = {"username": staff_user[0], "password": staff_user[1]}
        if token is not None:
            data["csrf_token"] = token
        response = browser.post(
            web.base + "/staff/login", data=data, allow_redirects=False, timeout=30
        )
        assert response.status_code == 403
        assert "Formularen er udløbet eller ugyldig" in response.text
    # Without the session cookie a token from the page is worth nothing either.
    response = requests.post(
        web.base + "/staff/login",
        data={"username": staff_user[0], "password": staff_user[1], "csrf_token": csrf_of(form)},
        allow_redirects=False,
        timeout=30,
    )
    assert response.status_code == 403


def test_logout_needs_csrf_and_ends_the_session(web: WebApp, staff_user: tuple[str, str]) -> None:
    browser = login(web.base, *staff_user)
    page = browser.get(web.base + "/staff/", timeout=30)
    token = csrf_of(page)
    stolen_cookie = browser.cookies.get("borger_staff")

    forbidden = browser.post(web.base + "/staff/logout", allow_redirects=False, timeout=30)
    assert forbidden.status_code == 403
    assert "Formularen er udløbet eller ugyldig" in forbidden.text
    wrong = browser.post(
        web.base + "/staff/logout",
        data={"csrf_token": "x" * 43},
        allow_redirects=False,
        timeout=30,
    )
    assert wrong.status_code == 403
    assert browser.get(web.base + "/staff/", allow_redirects=False, timeout=30).status_code == 200

    response = browser.post(
        web.base + "/staff/logout", data={"csrf_token": token}, allow_redirects=False, timeout=30
    )
    assert response.status_code == 303
    assert response.headers["Location"] == "/staff/login"
    assert "Max-Age=0" in response.headers["Set-Cookie"]
    after = browser.get(web.base + "/staff/", allow_redirects=False, timeout=30)
    assert after.status_code == 302
    assert after.headers["Location"].startswith("/staff/login")

    # A copy of the cookie taken before logout no longer works either.
    replay = requests.get(
        web.base + "/staff/",
        cookies={"borger_staff": stolen_cookie},
        allow_redirects=False,
        timeout=30,
    )
    assert replay.status_code == 302


def test_failed_logins_are_rate_limited(web: WebApp, staff_user: tuple[str, str]) -> None:
    browser = requests.Session()
    token = csrf_of(browser.get(web.base + "/staff/login", timeout=30))
    username = f"gaet.{uuid.uuid4().hex[:6]}"
    statuses = []
    for i in range(11):
        response = browser.post(
            web.base + "/staff/login",
            data={"username": username, "password": f"gæt nummer {i}", "csrf_token": token},
            allow_redirects=False,
            timeout=30,
        )
        statuses.append(response.status_code)
    assert statuses == [200] * 10 + [429]
    assert "For mange forkerte forsøg" in response.text


def test_parallel_logins_cannot_bypass_the_limit(web: WebApp) -> None:
    """30 guesses at once: the limit counts each before its (slow) password check."""
    from concurrent.futures import ThreadPoolExecutor

    username, password = f"parallel.{uuid.uuid4().hex[:6]}", PASSWORD
    create_staff_user(web.db_url, username, password)
    browser = requests.Session()
    token = csrf_of(browser.get(web.base + "/staff/login", timeout=30))
    cookies = browser.cookies.get_dict()

    def guess(i: int) -> int:
        return requests.post(
            web.base + "/staff/login",
            data={"username": username, "password": f"gæt nummer {i}", "csrf_token": token},
            cookies=cookies,
            allow_redirects=False,
            timeout=60,
        ).status_code

    with ThreadPoolExecutor(max_workers=30) as pool:
        statuses = list(pool.map(guess, range(30)))
    # One password check at a time: guesses that wait longer than 3 s get the "busy" 429 page
    # before they are counted, so on a slow machine fewer than 10 are checked, never more.
    assert 1 <= statuses.count(200) <= 10, statuses
    assert statuses.count(200) + statuses.count(429) == 30, statuses
    more = [guess(100 + i) for i in range(10 - statuses.count(200))]  # the rest, one by one
    assert more == [200] * len(more) and guess(200) == 429
    # Now even the right password is refused until the window has passed.
    right = requests.post(
        web.base + "/staff/login",
        data={"username": username, "password": password, "csrf_token": token},
        cookies=cookies,
        allow_redirects=False,
        timeout=30,
    )
    assert right.status_code == 429


# -- CLI -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "stdin", "message"),
    [
        (["create-user", "Bad Name", "--role", "staff", "--password-stdin"], PASSWORD, "username"),
        (["create-user", "ok.name", "--role", "admin", "--password-stdin"], PASSWORD, "role"),
        (["create-user", "ok.name", "--role", "staff", "--password-stdin"], "kort\n", "password"),
        (["create-user", "ok.name", "--role", "staff", "--password-stdin"], "", "password"),
        (["create-user", "ok.name", "--role", "staff"], "", "--password-stdin"),
        (["create-user", USERNAME, "--role", "staff", "--password-stdin"], PASSWORD, "exists"),
    ],
)
def test_create_user_refuses_bad_input(
    web: WebApp, staff_user: tuple[str, str], args: list[str], stdin: str, message: str
) -> None:
    result = run_cli(web.db_url, *args, stdin=stdin)
    assert result.returncode == 2, result.stdout + result.stderr
    assert message in result.stderr


# -- when the database fails ---------------------------------------------------------


def test_redirect_survives_a_locked_sqlite(web: WebApp, backend: Backend) -> None:
    if backend.name != "sqlite":
        pytest.skip("locking is a SQLite case")
    lock = sqlite3.connect(backend.url.removeprefix("sqlite:///"), timeout=1)
    try:
        lock.execute("BEGIN EXCLUSIVE")
        started = time.monotonic()
        response = web.get("/r/moving?s=locked-sender")
        elapsed = time.monotonic() - started
    finally:
        lock.rollback()
        lock.close()
    assert response.status_code == 302
    assert response.headers["Location"] == moving_link()
    assert elapsed < CLICK_RECORD_TIMEOUT_S + 2


def _unusable_database_url(case: str, tmp_path: Path) -> str:
    if case == "postgresql-down":  # nothing listens on a fresh free port
        return f"postgresql+psycopg2://postgres@127.0.0.1:{free_port()}/none"
    if case == "sqlite-under-a-file":  # the database's directory is a regular file
        blocker = tmp_path / "not-a-directory"
        blocker.write_text("", encoding="utf-8")
        return f"sqlite:///{blocker / 'analytics.db'}"
    if os.geteuid() == 0:
        pytest.skip("running as root: a read-only directory does not stop root from writing")
    readonly = tmp_path / "readonly"
    readonly.mkdir()
    readonly.chmod(0o555)
    return f"sqlite:///{readonly / 'analytics.db'}"


@pytest.mark.parametrize("case", ["postgresql-down", "sqlite-under-a-file", "sqlite-readonly"])
def test_redirect_survives_an_unusable_database(tmp_path: Path, case: str) -> None:
    url = _unusable_database_url(case, tmp_path)
    service, app = start_web(url, tmp_path)
    try:
        sender = f"secret-sender-{uuid.uuid4().hex[:8]}"
        response = app.get(f"/r/moving?s={sender}")
        assert response.status_code == 302
        assert response.headers["Location"] == moving_link()
        assert app.get("/r/evil").status_code == 404

        # Staff cannot log in, and are told so in Danish.
        browser = requests.Session()
        form = browser.get(app.base + "/staff/login", timeout=30)
        assert form.status_code == 200
        login = browser.post(
            app.base + "/staff/login",
            data={"username": USERNAME, "password": PASSWORD, "csrf_token": csrf_of(form)},
            allow_redirects=False,
            timeout=30,
        )
        assert login.status_code == 503
        assert "Databasen svarer ikke" in login.text
    finally:
        service.stop()
    log = app.log()
    assert "Could not record a click on link 'moving'" in log
    assert sender not in log


# -- statistics pages ------------------------------------------------------------


def _seed_conversations(db_url: str) -> None:
    """Three conversations now: resolved (with phone as the otherwise channel), referred, lost."""
    now = datetime.now(TIMEZONE)
    taarnby = get_profile("taarnby")
    feed(
        db_url,
        [
            Chat("stat-a", taarnby)
            .ask("opening_hours", at=now)
            .answered()
            .feedback(otherwise="telephone", at=now),
            Chat("stat-b", taarnby).ask("self_service", at=now).answered("self_service:passport"),
            Chat("stat-c", taarnby).ask("nlu_fallback", at=now).answered(),
        ],
    )


def test_overview_and_komhen_pages_show_the_figures(
    web: WebApp, staff_user: tuple[str, str]
) -> None:
    from bot.analytics.report import komhen_csv_bytes
    from bot.analytics.stats import Period, komhen_table, overview
    from bot.db.engine import session_scope
    from bot.db.stores import STATISTICS

    _seed_conversations(web.db_url)
    # The recorder stores UTC; the staff pages' periods are Copenhagen calendar days.
    day = datetime.now(TIMEZONE).date()
    today = day.isoformat()
    browser = login(web.base, *staff_user)
    page = browser.get(web.base + f"/staff/?fra={today}&til={today}", timeout=30)
    assert page.status_code == 200
    with session_scope(STATISTICS, web.db_url) as session:
        o = overview(session, get_profile("taarnby"), Period(day, day))
        rows = komhen_table(session, get_profile("taarnby"), Period(day, day))
    assert o.conversations >= 3
    assert f"Udfald af {o.conversations} samtaler" in page.text
    assert f"<td>{o.outcomes['resolved']}</td>" in page.text
    assert "Forudsætninger" in page.text and "standardfordelingen" in page.text
    assert "<svg" in page.text and "<script" not in page.text

    table = browser.get(web.base + f"/staff/komhen?fra={today}&til={today}", timeout=30)
    assert "personligt fremmøde" in table.text
    csv_response = browser.get(web.base + f"/staff/komhen.csv?fra={today}&til={today}", timeout=30)
    assert csv_response.headers["Content-Type"].startswith("text/csv")
    assert "attachment" in csv_response.headers["Content-Disposition"]
    assert csv_response.content == komhen_csv_bytes(rows)

    bad = browser.get(web.base + "/staff/?fra=igår&til=2026-13-40", timeout=30)
    assert bad.status_code == 200 and "Perioden er ugyldig" in bad.text


# -- the staff figures in Danish ---------------------------------------------------

# Three weeks: ISO week 45 with four resolved conversations (one about housing benefit, area
# "Boligstøtte"), week 46 without any, week 47 with three the assistant did not understand.
WEEK_45 = datetime(2026, 11, 3, 10, 0, tzinfo=TIMEZONE)
WEEK_47 = datetime(2026, 11, 18, 10, 0, tzinfo=TIMEZONE)
THREE_WEEKS = "fra=2026-11-02&til=2026-11-22"
NBSP = "\u00a0"  # CLDR's space before "%" keeps the sign on its number's line


@pytest.fixture(scope="module")
def three_weeks(web: WebApp) -> str:
    taarnby = get_profile("taarnby")
    chats = [
        Chat(f"fig-r{i}", taarnby).ask("opening_hours", at=WEEK_45 + timedelta(minutes=i))
        for i in range(3)
    ]
    chats = [chat.answered() for chat in chats]
    chats.append(
        Chat("fig-bolig", taarnby)
        .ask("self_service", at=WEEK_45 + timedelta(hours=1))
        .answered("self_service:housing_benefit")
    )
    chats += [
        Chat(f"fig-f{i}", taarnby).ask("nlu_fallback", at=WEEK_47 + timedelta(minutes=i)).answered()
        for i in range(3)
    ]
    feed(web.db_url, chats)
    return THREE_WEEKS


def test_the_overview_writes_danish_figures(
    web: WebApp, staff_user: tuple[str, str], three_weeks: str
) -> None:
    browser = login(web.base, *staff_user)
    page = browser.get(f"{web.base}/staff/?{three_weeks}", timeout=30)
    assert page.status_code == 200
    text = page.text
    assert "2. nov. 2026 til 22. nov. 2026" in text
    assert "Udfald af 7 samtaler" in text
    assert f"<td>4</td><td>57,1{NBSP}%</td>" in text  # resolved: 4 of 7
    assert f"<td>3</td><td>42,9{NBSP}%</td>" in text  # not understood
    assert f"0 af 7 (0,0{NBSP}%)" in text
    # No decimal point and no ISO date outside the period form's own fields.
    visible = re.sub(r'<input[^>]*>|href="[^"]*"', "", text)
    assert not re.search(r"\d\.\d\s?%|\d{4}-\d{2}-\d{2}", visible), re.findall(
        r".{30}(?:\d\.\d\s?%|\d{4}-\d{2}-\d{2}).{30}", visible
    )
    # Savings: 4 resolved without an answer, spread by the profile's EXAMPLE mix; whole numbers.
    assert "4 (0 oplyst af borgeren, 4 skønnet)" in text
    assert "158 kr." in text  # 4 × (0,6 × 37 + 0,15 × 45 + 0,15 × 70) kr. = 157,8 kr.
    assert "Skøn på eksempelværdier." in text
    assert "assistentens omkostning pr. samtale" in text
    assert 'href="#forudsaetninger"' in text and 'id="forudsaetninger"' in text
    assert 'href="/staff/examples"' in text
    assert "3,6" not in text and "157,8" not in text

    # The chart: every week of the period, the empty one as zero, with a legend.
    assert (
        '<title id="chart-title">Samtaler og løste samtaler pr. uge, 3 uger. '
        "Tallene står i tabellen under grafen.</title>"
    ) in text
    svg = text[text.index("<svg") : text.index("</svg>")]
    assert (
        'class="legend"' in svg
        and ">Alle samtaler</text>" in svg
        and ">Løste samtaler</text>" in svg
    )
    assert [w for w in ("U45", "U46", "U47") if f">{w}</text>" in svg] == ["U45", "U46", "U47"]
    weeks = re.findall(r'<th scope="row">(\d{4}-U\d\d) .*?</th><td>(\d+)</td><td>(\d+)</td>', text)
    assert weeks == [("2026-U45", "4", "4"), ("2026-U46", "0", "0"), ("2026-U47", "3", "0")]

    one_week = browser.get(f"{web.base}/staff/?fra=2026-11-02&til=2026-11-08", timeout=30)
    assert "Samtaler og løste samtaler pr. uge, 1 uge. " in one_week.text


def test_the_komhen_csv_opens_in_danish_excel(
    web: WebApp, staff_user: tuple[str, str], three_weeks: str
) -> None:
    browser = login(web.base, *staff_user)
    response = browser.get(f"{web.base}/staff/komhen.csv?{three_weeks}", timeout=30)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    body = response.content
    assert body.startswith(b"\xef\xbb\xbf")  # the UTF-8 byte order mark Excel looks for
    assert "Boligstøtte".encode() in body and "Boligstøtte".encode("latin-1") not in body
    lines = body.decode("utf-8-sig").splitlines()
    assert lines[0] == "uge;mandag;område;kanal;henvendelser"
    assert "2026-U45;2026-11-02;Boligstøtte;selvbetjening;1" in lines
    assert all(len(line.split(";")) == 5 for line in lines)
    table = browser.get(f"{web.base}/staff/komhen?{three_weeks}", timeout=30)
    assert "Henvendelser 2. nov. 2026 til 22. nov. 2026" in table.text


def test_the_example_values_are_all_shown_with_danish_labels(
    web: WebApp, staff_user: tuple[str, str]
) -> None:
    browser = login(web.base, *staff_user)
    page = browser.get(f"{web.base}/staff/examples", timeout=30)
    assert page.status_code == 200
    text = page.text
    assert "(ugeskema)" not in text
    assert "places.1.address" not in text and "<code>" not in text  # every field has a label
    assert '<th scope="row">Rådhuset: Adresse</th>' in text
    assert "Amager Landevej 76, 2770 Kastrup" in text
    assert '<th scope="row">Borgerservice: Åbningstider</th>' in text
    assert "<li>mandag: 09.00–15.00</li>" in text and "<li>lørdag: lukket</li>" in text
    assert "Lukket hvert år: 5. jun., 24. dec., 31. dec." in text
    # The savings' inputs, hidden before: the channel mix and the cost per conversation.
    assert f"<li>telefon: 60{NBSP}%</li>" in text and f"<li>e-mail: 15{NBSP}%</li>" in text
    assert f"<li>ville ikke have kontaktet kommunen: 10{NBSP}%</li>" in text
    assert "0 kr. pr. samtale" in text
    assert '<th scope="row">Selvbetjening: Lægevalg</th>' in text


def test_staff_pages_in_a_browser(
    web: WebApp, backend: Backend, staff_user: tuple[str, str], three_weeks: str
) -> None:
    """The overview and the EKSEMPEL page in Chromium, as a manager sees them (screenshots in
    test-artifacts/)."""
    if backend.name != "sqlite":
        pytest.skip("the pages are the same on PostgreSQL; one browser run is enough")
    from playwright.sync_api import sync_playwright

    artifacts = ROOT / "test-artifacts"
    artifacts.mkdir(exist_ok=True)
    playwright = sync_playwright().start()
    try:
        chromium = playwright.chromium.launch(
            executable_path="/usr/bin/chromium", args=["--no-sandbox", "--disable-gpu"]
        )
        context = chromium.new_context(viewport={"width": 1280, "height": 900}, locale="da-DK")
        page = context.new_page()
        page.goto(f"{web.base}/staff/?{three_weeks}")
        # The period survives the login.
        assert page.url == (
            f"{web.base}/staff/login?next=/staff/%3Ffra%3D2026-11-02%26til%3D2026-11-22"
        )
        page.get_by_label("Brugernavn").fill(staff_user[0])
        page.get_by_label("Adgangskode").fill(staff_user[1])
        page.get_by_role("button", name="Log ind").click()
        page.wait_for_url(f"{web.base}/staff/?{three_weeks}")
        legend = page.locator("svg.chart .legend")
        assert legend.count() == 2 and legend.first.is_visible()
        assert page.locator("#skoen-eksempel").is_visible()
        page.screenshot(path=str(artifacts / "staff-overview.png"), full_page=True)
        page.get_by_role("link", name="EKSEMPEL-værdier").first.click()
        page.wait_for_url("**/staff/examples")
        assert page.get_by_role("rowheader", name="Standardfordeling", exact=False).is_visible()
        page.screenshot(path=str(artifacts / "staff-examples.png"), full_page=True)
        chromium.close()
    finally:
        playwright.stop()
