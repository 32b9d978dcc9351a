"""The web app's shared security (bot/web/security.py), on a real app without a server.

Requests are real Sanic ``Request`` objects handed to the decorated handlers; users and
sessions are real rows and signed cookies in a SQLite statistics database.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import date
from urllib.parse import urlencode

import pytest
from sanic import Sanic
from sanic.compat import Header
from sanic.request import Request
from sanic.response import HTTPResponse, text

from bot.analytics.stats import Period
from bot.db.engine import get_engine
from bot.settings import get_settings
from bot.web.app import create_app
from bot.web.auth import StaffSession
from bot.web.security import (
    DEFAULT_CSP,
    SESSION_COOKIE,
    StaffIdentity,
    message_page,
    render,
    safe_next,
    security_headers,
    staff_only,
)
from testkit.profile import SYNTHETIC_PROFILE_PATH
from testkit.staff import signed_in_cookie

PASSWORD = "en lang nok adgangskode"


@pytest.fixture
def app(sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Sanic]:
    """The web app on a fresh SQLite database, for the synthetic municipality."""
    monkeypatch.setenv("BOT_PROFILE", str(SYNTHETIC_PROFILE_PATH))
    get_settings.cache_clear()
    get_engine.cache_clear()
    yield create_app(sqlite_url)
    get_engine.cache_clear()
    get_settings.cache_clear()


def login_cookie(app: Sanic, username: str, role: str) -> tuple[str, StaffSession]:
    """A signed session cookie of a new user with ``role``."""
    return signed_in_cookie(app, username, PASSWORD, role)


def request(
    app: Sanic,
    path: str,
    method: str = "GET",
    cookie: str | None = None,
    form: dict[str, str] | None = None,
) -> Request:
    headers = {"host": "localhost"}
    if cookie is not None:
        headers["cookie"] = f"{SESSION_COOKIE}={cookie}"
    if form is not None:
        headers["content-type"] = "application/x-www-form-urlencoded"
    req = Request(path.encode(), Header(headers), "1.1", method, None, app)
    req.body = urlencode(form or {}).encode()
    return req


async def page(request: Request, session: StaffSession, user: StaffIdentity) -> HTTPResponse:
    return text(f"hello {user.username} ({user.role})")


def call(handler, req: Request) -> HTTPResponse:  # type: ignore[no-untyped-def]
    return asyncio.run(handler(req))


# -- staff_only and roles -----------------------------------------------------------


def test_anonymous_requests_go_to_the_login_page(app: Sanic) -> None:
    for guarded in (staff_only(page), staff_only(role="webteam")(page)):
        response = call(guarded, request(app, "/staff/examples"))
        assert response.status == 302
        assert response.headers["Location"] == "/staff/login?next=/staff/examples"


@pytest.mark.parametrize(
    ("path", "location"),
    [
        ("/webteam/inbox/29", "/staff/login?next=/webteam/inbox/29"),
        ("/webteam/conversations/3", "/staff/login?next=/webteam/conversations/3"),
        ("/webteam/models", "/staff/login?next=/webteam/models"),
        (
            "/staff/?fra=2026-11-02&til=2026-11-22",
            "/staff/login?next=/staff/%3Ffra%3D2026-11-02%26til%3D2026-11-22",
        ),
        ("/staff/", "/staff/login"),  # the login lands there anyway
    ],
)
def test_every_protected_page_keeps_next(app: Sanic, path: str, location: str) -> None:
    response = call(staff_only(role="webteam")(page), request(app, path))
    assert response.status == 302
    assert response.headers["Location"] == location


def test_a_form_sent_without_a_login_is_not_next(app: Sanic) -> None:
    response = call(staff_only(page), request(app, "/webteam/inbox/29", method="POST"))
    assert response.headers["Location"] == "/staff/login"


def test_any_logged_in_user_passes_without_a_role(app: Sanic) -> None:
    cookie, _ = login_cookie(app, "anna.staff", "staff")
    response = call(staff_only(page), request(app, "/staff/x", cookie=cookie))
    assert response.status == 200
    assert response.body == b"hello anna.staff (staff)"


def test_a_user_without_the_role_gets_a_403_page(app: Sanic) -> None:
    cookie, session = login_cookie(app, "anna.staff", "staff")
    response = call(staff_only(role="webteam")(page), request(app, "/staff/web", cookie=cookie))
    assert response.status == 403
    body = response.body.decode()
    assert "<h1>Ingen adgang</h1>" in body
    assert "Din bruger har ikke adgang til denne side." in body
    assert "hello" not in body
    assert session.csrf in body  # the logout form of the page still works


def test_a_user_with_the_role_passes(app: Sanic) -> None:
    cookie, _ = login_cookie(app, "bo.web", "webteam")
    response = call(staff_only(role="webteam")(page), request(app, "/staff/web", cookie=cookie))
    assert response.status == 200
    assert response.body == b"hello bo.web (webteam)"


def test_posts_need_the_csrf_token_before_the_role_is_looked_at(app: Sanic) -> None:
    staff_cookie, staff_session = login_cookie(app, "anna.staff", "staff")
    web_cookie, web_session = login_cookie(app, "bo.web", "webteam")
    guarded = staff_only(role="webteam")(page)

    for form in (None, {"csrf_token": "x" * 43}, {"csrf_token": staff_session.csrf}):
        response = call(guarded, request(app, "/staff/web", "POST", web_cookie, form))
        assert response.status == 403
        assert "Formularen er udløbet eller ugyldig" in response.body.decode()

    ok = call(
        guarded, request(app, "/staff/web", "POST", web_cookie, {"csrf_token": web_session.csrf})
    )
    assert ok.status == 200
    refused = call(
        guarded,
        request(app, "/staff/web", "POST", staff_cookie, {"csrf_token": staff_session.csrf}),
    )
    assert refused.status == 403
    assert "Ingen adgang" in refused.body.decode()


def test_a_tampered_or_revoked_cookie_is_anonymous_and_dropped(app: Sanic) -> None:
    cookie, session = login_cookie(app, "anna.staff", "staff")
    tampered = call(staff_only(page), request(app, "/staff/", cookie=cookie[:-2] + "xx"))
    assert tampered.status == 302
    assert tampered.cookies[SESSION_COOKIE]["max-age"] == 0
    app.ctx.revoked.revoke(session.sid)
    revoked = call(staff_only(page), request(app, "/staff/", cookie=cookie))
    assert revoked.status == 302
    assert revoked.headers["Location"] == "/staff/login"
    assert revoked.cookies[SESSION_COOKIE]["max-age"] == 0


def test_unknown_roles_are_a_programming_error() -> None:
    with pytest.raises(ValueError, match="unknown role 'admin'"):
        staff_only(role="admin")


# -- headers -----------------------------------------------------------------


def test_security_headers(app: Sanic) -> None:
    staff_page = text("x")
    asyncio.run(security_headers(request(app, "/staff/login"), staff_page))
    assert staff_page.headers["Content-Security-Policy"] == DEFAULT_CSP
    assert staff_page.headers["X-Content-Type-Options"] == "nosniff"
    assert staff_page.headers["X-Frame-Options"] == "DENY"
    assert staff_page.headers["Referrer-Policy"] == "same-origin"
    assert staff_page.headers["Cache-Control"] == "no-store"

    own = text("x", headers={"Content-Security-Policy": "own", "Referrer-Policy": "no-referrer"})
    asyncio.run(security_headers(request(app, "/"), own))
    assert own.headers["Content-Security-Policy"] == "own"
    assert own.headers["Referrer-Policy"] == "no-referrer"
    assert "Cache-Control" not in own.headers


def test_the_login_only_returns_to_staff_pages() -> None:
    for value in (
        "/staff/examples",
        "/staff/komhen?fra=2026-11-02&til=2026-11-22",
        "/webteam/inbox/29",
        "/webteam/inbox?grund=fallback&side=2",
        "/webteam",
    ):
        assert safe_next(value) == value
    for value in (
        None,
        "",
        "https://evil.example",
        "//evil.example",
        "///evil.example",
        "/\\evil.example",
        "/staff/\\..\\r",
        "/staff/../x",
        "/staff/%2e%2e/r/moving",
        "/r/moving",
        "/staffevil",
        "/staff/login",
        "/staff/login?next=/staff/",
        "/staff/logout",
        "javascript:alert(1)",
        "/staff/\tx",
        "/staff/ x",
        "/staff/" + "x" * 3000,
    ):
        assert safe_next(value) is None, value


# -- the Danish texts ----------------------------------------------------------


# The titles and sentences of the error pages exactly as they were when they lived in Python.
ERROR_PAGES = {
    "link_not_found": ("Linket findes ikke", "Linket findes ikke."),
    "page_not_found": ("Siden findes ikke", "Siden findes ikke."),
    "csrf": (
        "Ugyldig formular",
        "Formularen er udløbet eller ugyldig. Gå tilbage, genindlæs siden, og prøv igen.",
    ),
    "method_not_allowed": ("Ikke tilladt", "Siden kan ikke bruges på den måde."),
    "db_down": ("Databasen svarer ikke", "Databasen svarer ikke lige nu. Prøv igen om lidt."),
    "error": ("Fejl", "Der skete en fejl. Prøv igen om lidt."),
}


@pytest.mark.parametrize("key", sorted(ERROR_PAGES))
def test_error_pages_take_their_text_from_the_templates(app: Sanic, key: str) -> None:
    title, message = ERROR_PAGES[key]
    body = message_page(request(app, "/x"), key, 404).body.decode()
    assert f"<title>{title} – Testrup Kommune</title>" in body
    assert f"<h1>{title}</h1>\n<p>{message}</p>" in body


def test_an_unknown_message_key_is_an_error_not_an_empty_page(app: Sanic) -> None:
    with pytest.raises(KeyError, match="no_such_key"):
        message_page(request(app, "/x"), "no_such_key", 404)


# Form errors, as they were when they lived in Python.
FORM_ERRORS = {
    "bad_login": "Forkert brugernavn eller adgangskode.",
    "too_many_logins": "For mange forkerte forsøg. Vent et kvarter, og prøv igen.",
    "bad_period": (
        "Perioden er ugyldig. Skriv datoer som 2026-11-30, og slutdatoen efter startdatoen."
    ),
}


@pytest.mark.parametrize("key", sorted(FORM_ERRORS))
def test_form_errors_take_their_text_from_the_templates(app: Sanic, key: str) -> None:
    req = request(app, "/staff/login")
    login = render(req, "login.html", error=key).body.decode()
    period = Period(date(2026, 11, 1), date(2026, 11, 30))
    period_form = render(req, "_period.html", period=period, period_error=key).body.decode()
    assert f"<p>{FORM_ERRORS[key]}</p>" in login
    assert f'role="alert">{FORM_ERRORS[key]}</p>' in period_form


# -- the client address of the login limits ---------------------------------------------------


@pytest.mark.parametrize(
    ("proxies", "forwarded", "expected"),
    [
        ("0", "203.0.113.9", "127.0.0.1"),  # no proxy: the header is the client's own claim
        ("1", "203.0.113.9", "203.0.113.9"),  # behind nginx: the address nginx saw
        ("1", "198.51.100.1, 203.0.113.9", "203.0.113.9"),  # a forged first entry is ignored
    ],
)
def test_the_login_limits_count_the_address_nginx_saw(
    sqlite_url: str, monkeypatch: pytest.MonkeyPatch, proxies: str, forwarded: str, expected: str
) -> None:
    from bot.web.security import client_address

    monkeypatch.setenv("BOT_PROFILE", str(SYNTHETIC_PROFILE_PATH))
    monkeypatch.setenv("BOT_PROXIES_COUNT", proxies)
    get_settings.cache_clear()
    get_engine.cache_clear()
    try:
        app = create_app(sqlite_url)
        headers = Header({"host": "localhost", "x-forwarded-for": forwarded})
        req = Request(b"/staff/login", headers, "1.1", "POST", None, app)

        class Peer:
            client_ip = "127.0.0.1"
            peername = ("127.0.0.1", 40000)

        req.conn_info = Peer()  # type: ignore[assignment]
        assert client_address(req) == expected
    finally:
        get_engine.cache_clear()
        get_settings.cache_clear()
