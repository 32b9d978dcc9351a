"""The staff web app as a real process (``python -m bot web``), asked over HTTP.

Every database-backed test runs against SQLite and, when it is reachable, PostgreSQL
(``BOT_TEST_POSTGRES_URL``, default the server at 127.0.0.1:5432), each in a fresh database
(bot.testkit.databases) that is dropped afterwards. Staff users are made with the real CLI and
log in through the real form (bot.testkit.staff); statistics are fed as Rasa events through the
real recorder (bot.testkit.events).
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
from datetime import datetime, timezone
from pathlib import Path

import pytest
import requests
import sqlalchemy as sa

from bot.analytics.models import Conversation, LinkEvent
from bot.knowledge.links import known_links
from bot.knowledge.profile import get_profile
from bot.ops.runner import ROOT, Service, base_env, free_port
from bot.settings import TIMEZONE
from bot.testkit.databases import fresh_database
from bot.testkit.events import Chat, feed
from bot.testkit.fixtures import database_params
from bot.testkit.staff import create_staff_user, form_token, login
from bot.web.public import CLICK_RECORD_TIMEOUT_S

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
    response = web.get(f"/r/moving?s={sender}")
    assert response.status_code == 302
    assert response.headers["Location"] == moving_link()
    with db.connect() as conn:
        rows = conn.execute(
            sa.select(LinkEvent).where(LinkEvent.conversation_id == conversation_id)
        ).all()
    assert len(rows) == 1
    assert rows[0].event == "clicked"
    assert rows[0].link_id == "moving"
    assert rows[0].municipality == "taarnby"


def test_click_without_known_conversation(web: WebApp, db: sa.engine.Engine) -> None:
    def clicks() -> int:
        with db.connect() as conn:
            return conn.execute(
                sa.select(sa.func.count())
                .select_from(LinkEvent)
                .where(
                    LinkEvent.link_id == "moving",
                    LinkEvent.event == "clicked",
                    LinkEvent.conversation_id.is_(None),
                )
            ).scalar_one()

    before = clicks()
    for query in ("?s=abc", "", "?s=%3Cscript%3E", "?s=" + "a" * 129, "?s=a%0Ab"):
        response = web.get("/r/moving" + query)
        assert response.status_code == 302, query
        assert response.headers["Location"] == moving_link()
    assert clicks() == before + 5


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
    assert "Linket findes ikke." in response.text
    assert "evil.example" not in response.text


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
    assert "<code>contact.phone</code>" in examples.text
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
    assert statuses.count(200) == 10, statuses
    assert statuses.count(429) == 20, statuses
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
    from bot.analytics.db import session_scope
    from bot.analytics.report import komhen_csv
    from bot.analytics.stats import Period, komhen_table, overview

    _seed_conversations(web.db_url)
    # The recorder stores UTC; the staff pages' periods are Copenhagen calendar days.
    day = datetime.now(TIMEZONE).date()
    today = day.isoformat()
    browser = login(web.base, *staff_user)
    page = browser.get(web.base + f"/staff/?fra={today}&til={today}", timeout=30)
    assert page.status_code == 200
    with session_scope(web.db_url) as session:
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
    assert csv_response.text == komhen_csv(rows)

    bad = browser.get(web.base + "/staff/?fra=igår&til=2026-13-40", timeout=30)
    assert bad.status_code == 200 and "Perioden er ugyldig" in bad.text
