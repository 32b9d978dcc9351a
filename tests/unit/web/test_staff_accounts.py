"""Staff accounts and the web app's edges, through the real web app (``python -m bot web`` in a
child process) and the real CLI: the session cookie over HTTPS, the model server without a
token, disabling, deleting and new passwords, and the read log of citizen text."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from http.cookies import SimpleCookie
from pathlib import Path

import pytest
import requests
import sqlalchemy as sa

from bot.db.engine import get_engine, session_scope
from bot.db.stores import REVIEW, STATISTICS
from bot.review.collector import ReviewCollector
from bot.review.records import ReviewItem
from bot.review.writer import store
from bot.stack.paths import base_env
from bot.stack.ports import free_port
from bot.stack.supervisor import Service
from bot.web.auth_models import StaffRead
from testkit import ROOT
from testkit.staff import create_staff_user, form_token, login
from tests.unit.review.events import Stream

PASSWORD = "en lang nok adgangskode"
NEW_PASSWORD = "en helt anden adgangskode"
MODEL_PATH = "/model-server/model.tar.gz"
BAD_LOGIN = "Forkert brugernavn eller adgangskode."
CITIZEN_TEXT = "hvornår kan jeg hente mit nye pas"


@dataclass
class WebApp:
    url: str
    env: dict[str, str]
    analytics_url: str
    review_url: str
    log: Path

    def cli(self, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "bot", *args],
            input=stdin,
            env=self.env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )


def start_web(work: Path, **extra: str) -> tuple[Service, WebApp]:
    port = free_port()
    analytics_url = f"sqlite:///{work / 'analytics.db'}"
    review_url = f"sqlite:///{work / 'review.db'}"
    env = base_env(
        {
            "BOT_ENV": "test",
            "BOT_PROFILE": "taarnby",
            "BOT_ANALYTICS_DB_URL": analytics_url,
            "BOT_REVIEW_DB_URL": review_url,
            "BOT_PUBLIC_URL": f"http://localhost:{port}",
            "BOT_MODEL_SERVER_TOKEN": "",
            "BOT_PROXIES_COUNT": "0",
            **extra,
        }
    )
    for name in ("BOT_NOW", "BOT_SESSION_HOURS", "BOT_WEB_PORT"):
        env.pop(name, None)
    log = work / "web.log"
    service = Service(
        "web app",
        [sys.executable, "-m", "bot", "web", "--port", str(port)],
        f"http://127.0.0.1:{port}/healthz",
        log,
    )
    service.start(env)
    try:
        service.wait_ready(60)
    except Exception:
        service.stop()
        service.close_log()
        raise
    return service, WebApp(f"http://127.0.0.1:{port}", env, analytics_url, review_url, log)


@pytest.fixture(scope="module")
def web(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebApp]:
    """A development web app on plain HTTP, without a model server token."""
    service, app = start_web(tmp_path_factory.mktemp("staff-accounts"))
    try:
        yield app
    finally:
        service.stop()
        service.close_log()
        get_engine.cache_clear()


@pytest.fixture(scope="module")
def https_web(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebApp]:
    """A development web app whose public address is https (behind a TLS proxy)."""
    service, app = start_web(
        tmp_path_factory.mktemp("staff-https"), BOT_PUBLIC_URL="https://assistent.example.dk"
    )
    try:
        yield app
    finally:
        service.stop()
        service.close_log()


def set_cookie(response: requests.Response) -> tuple[str, str, str]:
    """Name, value and the whole header of the one cookie the response sets."""
    header = response.headers["Set-Cookie"]
    jar = SimpleCookie()
    jar.load(header)
    assert len(jar) == 1, header
    ((name, morsel),) = jar.items()
    return name, morsel.value, header


# -- the cookie ------------------------------------------------------------------------------


def test_over_https_the_cookie_is_secure_with_a_host_name(https_web: WebApp) -> None:
    create_staff_user(https_web.env, "hanne", PASSWORD)
    form = requests.get(https_web.url + "/staff/login", timeout=30)
    name, value, header = set_cookie(form)
    assert name == "__Host-borger_staff"
    attributes = [part.strip().lower() for part in header.split(";")[1:]]
    assert "secure" in attributes and "httponly" in attributes and "path=/" in attributes
    assert "samesite=lax" in attributes
    assert not any(a.startswith("domain") for a in attributes)

    # A browser sends it back only over HTTPS; the TLS proxy passes it on as it is.
    cookie = {"Cookie": f"{name}={value}"}
    data = {"username": "hanne", "password": PASSWORD, "csrf_token": form_token(form.text)}
    logged_in = requests.post(
        https_web.url + "/staff/login", data=data, headers=cookie, allow_redirects=False, timeout=30
    )
    assert logged_in.status_code == 303
    name2, value2, header2 = set_cookie(logged_in)
    assert name2 == "__Host-borger_staff" and "Secure" in header2 and value2 != value
    page = requests.get(
        https_web.url + "/staff/",
        headers={"Cookie": f"{name2}={value2}"},
        allow_redirects=False,
        timeout=30,
    )
    assert page.status_code == 200 and "Log ud" in page.text
    # The same value under the plain name (set by a page without HTTPS) is not the session.
    plain = requests.get(
        https_web.url + "/staff/",
        headers={"Cookie": f"borger_staff={value2}"},
        allow_redirects=False,
        timeout=30,
    )
    assert plain.status_code == 302 and plain.headers["Location"] == "/staff/login"


def test_over_plain_http_in_development_the_cookie_is_not_secure(web: WebApp) -> None:
    name, _, header = set_cookie(requests.get(web.url + "/staff/login", timeout=30))
    assert name == "borger_staff"
    assert "secure" not in header.lower()


# -- the model server ------------------------------------------------------------------------


def test_without_a_configured_token_the_model_server_serves_nobody(web: WebApp) -> None:
    """BOT_ENV=test and no BOT_MODEL_SERVER_TOKEN: still closed."""
    assert requests.get(web.url + MODEL_PATH, timeout=30).status_code == 401
    assert requests.get(web.url + MODEL_PATH, params={"token": ""}, timeout=30).status_code == 401
    assert requests.get(web.url + MODEL_PATH, params={"token": "x"}, timeout=30).status_code == 403
    bearer = requests.get(
        web.url + MODEL_PATH, headers={"Authorization": "Bearer " + "t" * 40}, timeout=30
    )
    assert bearer.status_code == 403
    assert "BOT_MODEL_SERVER_TOKEN is not set" in web.log.read_text(encoding="utf-8")


# -- disable, enable, delete, new password ---------------------------------------------------


def page_status(browser: requests.Session, url: str) -> int:
    return browser.get(url + "/staff/", allow_redirects=False, timeout=30).status_code


def login_fails(url: str, username: str, password: str) -> bool:
    browser = requests.Session()
    form = browser.get(url + "/staff/login", timeout=30)
    data = {"username": username, "password": password, "csrf_token": form_token(form.text)}
    response = browser.post(url + "/staff/login", data=data, allow_redirects=False, timeout=30)
    assert response.status_code == 200, response.status_code
    return BAD_LOGIN in response.text


def test_a_disabled_user_cannot_log_in_and_their_session_stops(web: WebApp) -> None:
    create_staff_user(web.env, "dorte", PASSWORD)
    browser = login(web.url, "dorte", PASSWORD)
    assert page_status(browser, web.url) == 200

    done = web.cli("disable-user", "dorte")
    assert done.returncode == 0, done.stderr
    assert "Disabled user 'dorte'" in done.stdout
    assert page_status(browser, web.url) == 302  # the open session ends at once
    assert login_fails(web.url, "dorte", PASSWORD)  # the same answer as a wrong password
    assert "dorte\tstaff\tdisabled" in web.cli("users").stdout
    assert "already was" in web.cli("disable-user", "dorte").stdout

    assert web.cli("enable-user", "dorte").returncode == 0
    assert page_status(login(web.url, "dorte", PASSWORD), web.url) == 200
    assert "dorte\tstaff\tactive" in web.cli("users").stdout


def test_a_new_password_ends_the_old_sessions(web: WebApp) -> None:
    create_staff_user(web.env, "rasmus", PASSWORD)
    browser = login(web.url, "rasmus", PASSWORD)
    short = web.cli("reset-password", "rasmus", "--password-stdin", stdin="kort\n")
    assert short.returncode == 2 and "at least 12 characters" in short.stderr
    assert page_status(browser, web.url) == 200  # nothing changed
    done = web.cli("reset-password", "rasmus", "--password-stdin", stdin=NEW_PASSWORD + "\n")
    assert done.returncode == 0, done.stderr
    assert page_status(browser, web.url) == 302
    assert login_fails(web.url, "rasmus", PASSWORD)
    assert page_status(login(web.url, "rasmus", NEW_PASSWORD), web.url) == 200


def test_a_deleted_user_is_gone_with_their_sessions(web: WebApp) -> None:
    create_staff_user(web.env, "sofie", PASSWORD)
    browser = login(web.url, "sofie", PASSWORD)
    done = web.cli("delete-user", "sofie")
    assert done.returncode == 0, done.stderr
    assert page_status(browser, web.url) == 302
    assert login_fails(web.url, "sofie", PASSWORD)
    assert "sofie" not in web.cli("users").stdout
    for command in ("delete-user", "disable-user", "enable-user"):
        unknown = web.cli(command, "sofie")
        assert unknown.returncode == 2 and "no user 'sofie'" in unknown.stderr
        assert "Traceback" not in unknown.stderr


# -- the read log ----------------------------------------------------------------------------


def review_item(review_url: str) -> tuple[int, int]:
    """A fallback filed by the assistant's collector: (item id, conversation id)."""
    stream = Stream("w-read-log").turn(
        CITIZEN_TEXT, "nlu_fallback", 0.4, [("nlu_fallback", 0.4)], kind="fallback"
    )
    collector = ReviewCollector(low_confidence=0.85, sample_rate=0.0)
    with session_scope(REVIEW, review_url) as session:
        for event in stream.events:
            for write in collector.feed(event):
                store(session, write)
    with session_scope(REVIEW, review_url) as session:
        item = session.execute(
            sa.select(ReviewItem.id, ReviewItem.conversation_id).where(
                ReviewItem.text == CITIZEN_TEXT
            )
        ).one()
    return int(item.id), int(item.conversation_id)


def reads(analytics_url: str) -> list[tuple[str, str, int]]:
    with session_scope(STATISTICS, analytics_url) as session:
        rows = session.execute(
            sa.select(StaffRead.username, StaffRead.kind, StaffRead.item_id).order_by(StaffRead.id)
        ).all()
    return [tuple(row) for row in rows]  # type: ignore[misc]


def test_each_read_of_citizen_text_is_logged_with_who_and_which(web: WebApp) -> None:
    create_staff_user(web.env, "webber", PASSWORD, role="webteam")
    create_staff_user(web.env, "stella", PASSWORD, role="staff")
    item, conversation = review_item(web.review_url)
    before = reads(web.analytics_url)

    browser = login(web.url, "webber", PASSWORD)
    listed = browser.get(f"{web.url}/webteam/inbox", timeout=30)
    assert listed.status_code == 200 and CITIZEN_TEXT in listed.text
    shown = browser.get(f"{web.url}/webteam/inbox/{item}", timeout=30)
    assert shown.status_code == 200 and CITIZEN_TEXT in shown.text
    whole = browser.get(f"{web.url}/webteam/conversations/{conversation}", timeout=30)
    assert whole.status_code == 200 and CITIZEN_TEXT in whole.text
    # Nothing shown, nothing logged: an unknown item, and a user without the role.
    assert browser.get(f"{web.url}/webteam/inbox/999999", timeout=30).status_code == 404
    staff = login(web.url, "stella", PASSWORD)
    assert staff.get(f"{web.url}/webteam/inbox/{item}", timeout=30).status_code == 403

    assert reads(web.analytics_url)[len(before) :] == [
        ("webber", "inbox_list", item),  # the list's one line
        ("webber", "inbox_item", item),
        ("webber", "conversation", conversation),
    ]
    log = web.log.read_text(encoding="utf-8")
    assert f"Staff read: webber read inbox_item {item}" in log
    assert CITIZEN_TEXT not in log
    with session_scope(STATISTICS, web.analytics_url) as session:
        at = session.execute(sa.select(sa.func.max(StaffRead.at))).scalar_one()
    assert at is not None and at.tzinfo is not None
