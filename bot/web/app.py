"""The staff web app (Sanic): click-counting link redirects and the staff pages.

Run with ``python -m bot web [--port N]``. Routes:

- ``GET /``: a demo front page of the municipality with the citizen chat widget
  (``static/widget/borger-chat.js``); its CSP allows the app's own scripts and calls to the
  assistant (``BOT_ASSISTANT_URL``);
- ``GET /healthz``: liveness, never touches the database;
- ``GET /r/<link_id>?s=<sender id>``: records a click and redirects to a link of the profile;
- ``/staff/login``, ``POST /staff/logout``, ``/staff/`` and ``/staff/examples``: the staff
  pages; every other ``/staff/*`` address needs a login too;
- ``/static/*``: the app's own CSS and icon (nothing is loaded from elsewhere).
"""

from __future__ import annotations

import asyncio
import functools
import hmac
import logging
import re
import sys
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit

from jinja2 import Environment, FileSystemLoader, select_autoescape
from sanic import Sanic
from sanic.exceptions import MethodNotSupported, NotFound, SanicException
from sanic.request import Request
from sanic.response import HTTPResponse, html, json, redirect, text
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from bot.analytics.db import get_engine, session_scope
from bot.analytics.models import Conversation, LinkEvent, StaffUser
from bot.analytics.report import OUTCOME_LABELS, dkk, iso_week, komhen_csv, topic_label
from bot.analytics.stats import Overview, Period, komhen_table, overview
from bot.knowledge.links import known_links
from bot.knowledge.profile import example_facts, get_profile
from bot.settings import get_settings
from bot.web.auth import (
    LoginRateLimiter,
    RevokedSessions,
    SessionCodec,
    StaffSession,
    authenticate,
    csrf_ok,
    password_fingerprint,
)
from bot.web.charts import weekly_chart

APP_NAME = "borger_web"
HERE = Path(__file__).resolve().parent
TEMPLATE_DIR = HERE / "templates"
STATIC_DIR = HERE / "static"
SESSION_COOKIE = "borger_staff"
COOKIE_PATH = "/staff"
CSRF_FIELD = "csrf_token"
LOGIN_URL = "/staff/login"
SENDER_ID = re.compile(r"^[A-Za-z0-9_.:-]{1,128}$")
# A click is recorded before redirecting, but a slow or locked database may delay the
# citizen by at most this long; the write then finishes (or fails) in the background.
CLICK_RECORD_TIMEOUT_S = 2.0
# Staff pages the login may send the user back to (no other "next" is accepted).
STAFF_PAGES = ("/staff/", "/staff/examples", "/staff/komhen")

log = logging.getLogger(__name__)

MSG_LINK_NOT_FOUND = "Linket findes ikke."
MSG_PAGE_NOT_FOUND = "Siden findes ikke."
MSG_BAD_LOGIN = "Forkert brugernavn eller adgangskode."
MSG_TOO_MANY = "For mange forkerte forsøg. Vent et kvarter, og prøv igen."
MSG_CSRF = "Formularen er udløbet eller ugyldig. Gå tilbage, genindlæs siden, og prøv igen."
MSG_DB_DOWN = "Databasen svarer ikke lige nu. Prøv igen om lidt."
MSG_ERROR = "Der skete en fejl. Prøv igen om lidt."
MSG_BAD_PERIOD = (
    "Perioden er ugyldig. Skriv datoer som 2026-11-30, og slutdatoen efter startdatoen."
)

Handler = TypeVar("Handler", bound=Callable[..., Awaitable[HTTPResponse]])


@dataclass(frozen=True)
class StaffIdentity:
    """The logged-in member of staff, as the pages need it."""

    id: int
    username: str
    role: str


def create_app(db_url: str | None = None) -> Sanic:
    """Build the web app for the statistics database at ``db_url`` (default: settings)."""
    settings = get_settings()
    get_profile()  # an invalid profile stops startup here, naming file and field
    url = db_url or settings.analytics_db_url

    # A process builds one app; drop an earlier one of the same name (tests, reloads).
    Sanic._app_registry.pop(APP_NAME, None)
    app = Sanic(APP_NAME)
    app.config.REQUEST_MAX_SIZE = 64 * 1024
    app.config.ACCESS_LOG = False  # the access log would contain the citizens' sender ids
    app.config.FALLBACK_ERROR_FORMAT = "html"

    max_age = settings.session_hours * 3600
    codec = SessionCodec(settings.secret_key, max_age)
    revoked = RevokedSessions(max_age)
    limiter = LoginRateLimiter()
    templates = Environment(
        loader=FileSystemLoader(str(TEMPLATE_DIR)),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )

    async def in_thread(fn: Callable[..., Any], *args: Any) -> Any:
        """Run blocking work (database, password hashing) off the event loop."""
        return await asyncio.get_running_loop().run_in_executor(None, functools.partial(fn, *args))

    def render(
        request: Request,
        template: str,
        status: int = 200,
        session: StaffSession | None = None,
        user: StaffIdentity | None = None,
        **context: Any,
    ) -> HTTPResponse:
        profile = get_profile()
        body = templates.get_template(template).render(
            municipality=profile.municipality,
            csrf_field=CSRF_FIELD,
            csrf_token=session.csrf if session else "",
            user=user,
            path=request.path,
            **context,
        )
        return html(body, status=status)

    def set_session_cookie(response: HTTPResponse, session: StaffSession) -> None:
        response.cookies[SESSION_COOKIE] = codec.dumps(session)
        cookie = response.cookies[SESSION_COOKIE]
        cookie["path"] = COOKIE_PATH
        cookie["max-age"] = max_age
        cookie["httponly"] = True
        cookie["samesite"] = "Lax"
        if settings.cookie_secure:
            cookie["secure"] = True

    def clear_session_cookie(response: HTTPResponse) -> None:
        response.cookies[SESSION_COOKIE] = ""
        cookie = response.cookies[SESSION_COOKIE]
        cookie["path"] = COOKIE_PATH
        cookie["max-age"] = 0
        cookie["httponly"] = True
        cookie["samesite"] = "Lax"
        if settings.cookie_secure:
            cookie["secure"] = True

    def read_session(request: Request) -> StaffSession | None:
        session = codec.loads(request.cookies.get(SESSION_COOKIE))
        if session is None or session.sid in revoked:
            return None
        return session

    def load_identity(session: StaffSession) -> StaffIdentity | None:
        with session_scope(url) as db:
            user = db.get(StaffUser, session.user_id)
            if user is None:
                return None
            current = password_fingerprint(settings.secret_key, user.password_hash)
            if not hmac.compare_digest(current, session.fingerprint or ""):
                return None  # the password changed since this login
            return StaffIdentity(id=user.id, username=user.username, role=user.role)

    async def logged_in(request: Request) -> tuple[StaffSession, StaffIdentity] | None:
        session = read_session(request)
        if session is None or session.user_id is None:
            return None
        identity = await in_thread(load_identity, session)
        return (session, identity) if identity is not None else None

    def to_login(request: Request) -> HTTPResponse:
        target = LOGIN_URL
        if request.method == "GET" and request.path in STAFF_PAGES and request.path != "/staff/":
            target += f"?next={request.path}"
        response = redirect(target, status=302)
        if request.cookies.get(SESSION_COOKIE) and read_session(request) is None:
            clear_session_cookie(response)  # expired or revoked: drop it
        return response

    def forbidden(request: Request, session: StaffSession | None) -> HTTPResponse:
        return render(
            request,
            "error.html",
            status=403,
            session=session,
            title="Ugyldig formular",
            message=MSG_CSRF,
        )

    def staff_only(handler: Handler) -> Handler:
        """Anonymous requests go to the login page; POSTs must carry the CSRF token."""

        @functools.wraps(handler)
        async def wrapper(request: Request, *args: Any, **kwargs: Any) -> HTTPResponse:
            found = await logged_in(request)
            if found is None:
                return to_login(request)
            session, user = found
            if request.method == "POST" and not csrf_ok(session.csrf, request.form.get(CSRF_FIELD)):
                return forbidden(request, session)
            return await handler(request, session, user, *args, **kwargs)

        return wrapper  # type: ignore[return-value]

    # -- public ------------------------------------------------------------

    @app.get("/healthz")
    async def healthz(request: Request) -> HTTPResponse:
        return json({"status": "ok"})

    def record_click(municipality: str, link_id: str, sender_id: str | None) -> None:
        at = get_settings().now().replace(tzinfo=None)  # local Copenhagen wall-clock time
        with session_scope(url) as db:
            conversation_id = None
            if sender_id is not None:
                conversation_id = db.execute(
                    select(Conversation.id)
                    .where(
                        Conversation.sender_id == sender_id,
                        Conversation.municipality == municipality,
                    )
                    .order_by(Conversation.last_event_at.desc(), Conversation.id.desc())
                    .limit(1)
                ).scalar()
            db.add(
                LinkEvent(
                    conversation_id=conversation_id,
                    municipality=municipality,
                    link_id=link_id,
                    event="clicked",
                    at=at,
                )
            )

    def record_click_safely(municipality: str, link_id: str, sender_id: str | None) -> None:
        try:
            record_click(municipality, link_id, sender_id)
        except Exception as exc:
            # Only the exception's class: database messages may quote the sender id.
            log.warning(
                "Could not record a click on link %r (%s); redirected anyway",
                link_id,
                type(exc).__name__,
            )

    @app.get("/r/<link_id:str>")
    async def link_redirect(request: Request, link_id: str) -> HTTPResponse:
        profile = get_profile()
        target = known_links(profile).get(link_id)
        if target is None:
            return render(
                request,
                "error.html",
                status=404,
                title="Linket findes ikke",
                message=MSG_LINK_NOT_FOUND,
            )
        sender_id = request.args.get("s")
        if sender_id is not None and not SENDER_ID.fullmatch(sender_id):
            sender_id = None
        write = asyncio.get_running_loop().run_in_executor(
            None, record_click_safely, profile.municipality.id, link_id, sender_id
        )
        try:
            await asyncio.wait_for(asyncio.shield(write), timeout=CLICK_RECORD_TIMEOUT_S)
        except asyncio.TimeoutError:
            log.warning("Recording a click on link %r is slow; redirected anyway", link_id)
        response = redirect(target, status=302)
        response.headers["Cache-Control"] = "no-store"
        response.headers["Referrer-Policy"] = "no-referrer"
        return response

    # -- staff ---------------------------------------------------------------

    @app.get("/staff/login")
    async def login_form(request: Request) -> HTTPResponse:
        if await logged_in(request) is not None:
            return redirect("/staff/", status=302)
        session = read_session(request) or StaffSession.anonymous()
        response = render(
            request, "login.html", session=session, next=_safe_next(request.args.get("next"))
        )
        set_session_cookie(response, session)
        return response

    @app.post("/staff/login")
    async def login_submit(request: Request) -> HTTPResponse:
        session = read_session(request)
        if session is None or not csrf_ok(session.csrf, request.form.get(CSRF_FIELD)):
            return forbidden(request, session)
        username = request.form.get("username", "")
        password = request.form.get("password", "")
        next_page = _safe_next(request.form.get("next"))
        if not limiter.attempt(username):
            return render(
                request,
                "login.html",
                status=429,
                session=session,
                error=MSG_TOO_MANY,
                username=username,
                next=next_page,
            )

        def check() -> tuple[int, str] | None:
            with session_scope(url) as db:
                user = authenticate(db, username, password)
                return (user.id, user.password_hash) if user is not None else None

        found = await in_thread(check)
        if found is None:
            return render(
                request,
                "login.html",
                status=200,
                session=session,
                error=MSG_BAD_LOGIN,
                username=username,
                next=next_page,
            )
        limiter.success(username)
        revoked.revoke(session.sid)
        user_id, password_hash = found
        new_session = session.logged_in(
            user_id, password_fingerprint(settings.secret_key, password_hash)
        )
        response = redirect(next_page or "/staff/", status=303)
        set_session_cookie(response, new_session)
        return response

    @app.post("/staff/logout")
    @staff_only
    async def logout(request: Request, session: StaffSession, user: StaffIdentity) -> HTTPResponse:
        revoked.revoke(session.sid)
        response = redirect(LOGIN_URL, status=303)
        clear_session_cookie(response)
        return response

    def parse_period(request: Request) -> tuple[Period, str | None]:
        """The period from ?fra=YYYY-MM-DD&til=YYYY-MM-DD (default: the last 28 days)."""
        today = get_settings().now().date()
        default = Period(today - timedelta(days=27), today)
        start, end = request.args.get("fra"), request.args.get("til")
        if not start and not end:
            return default, None
        try:
            period = Period(date.fromisoformat(start or ""), date.fromisoformat(end or ""))
        except ValueError:
            return default, MSG_BAD_PERIOD
        if period.end < period.start or (period.end - period.start).days > 3700:
            return default, MSG_BAD_PERIOD
        return period, None

    def figures(period: Period) -> Overview:
        with session_scope(url) as db:
            return overview(db, get_profile(), period)

    def komhen_rows(period: Period) -> list[tuple[date, str, str, int]]:
        with session_scope(url) as db:
            return komhen_table(db, get_profile(), period)

    async def overview_page(
        request: Request, session: StaffSession, user: StaffIdentity
    ) -> HTTPResponse:
        period, error = parse_period(request)
        o = await in_thread(figures, period)
        return render(
            request,
            "overview.html",
            session=session,
            user=user,
            o=o,
            period=period,
            period_error=error,
            chart=weekly_chart(o.weekly),
            labels=OUTCOME_LABELS,
            topic_label=lambda topic: topic_label(get_profile(), topic),
            iso_week=iso_week,
            dkk=dkk,
        )

    @app.get("/staff/komhen")
    @staff_only
    async def komhen_page(
        request: Request, session: StaffSession, user: StaffIdentity
    ) -> HTTPResponse:
        period, error = parse_period(request)
        rows = await in_thread(komhen_rows, period)
        return render(
            request,
            "komhen.html",
            session=session,
            user=user,
            rows=rows,
            period=period,
            period_error=error,
            iso_week=iso_week,
        )

    @app.get("/staff/komhen.csv")
    @staff_only
    async def komhen_csv_download(
        request: Request, session: StaffSession, user: StaffIdentity
    ) -> HTTPResponse:
        period, _ = parse_period(request)
        rows = await in_thread(komhen_rows, period)
        filename = f"komhen-{period.start}-{period.end}.csv"
        return text(
            komhen_csv(rows),
            content_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{filename}"'},
        )

    # "/staff" reaches this route, "/staff/" the catch-all below (the router's choice).
    app.get("/staff", name="overview")(staff_only(overview_page))

    @app.get("/staff/examples")
    @staff_only
    async def examples(
        request: Request, session: StaffSession, user: StaffIdentity
    ) -> HTTPResponse:
        facts = example_facts(get_profile())
        return render(request, "examples.html", session=session, user=user, facts=facts)

    @app.route("/staff/<rest:path>", methods=["GET", "POST"])
    @staff_only
    async def staff_not_found(
        request: Request, session: StaffSession, user: StaffIdentity, rest: str
    ) -> HTTPResponse:
        if rest == "" and request.method == "GET":
            return await overview_page(request, session, user)
        return render(
            request,
            "error.html",
            status=404,
            session=session,
            user=user,
            title="Siden findes ikke",
            message=MSG_PAGE_NOT_FOUND,
        )

    @app.get("/")
    async def demo_page(request: Request) -> HTTPResponse:
        """A municipal front page with the chat widget, configured from settings and profile."""
        contact = get_profile().contact
        response = render(
            request,
            "demo.html",
            assistant_url=settings.assistant_url,
            phone=contact.phone.value,
            digital_post_link=contact.digital_post_link.value,
        )
        # This page only: the widget's script and CSS (own files) and its calls to the assistant.
        response.headers["Content-Security-Policy"] = widget_csp(settings.assistant_url)
        return response

    app.static("/static", str(STATIC_DIR), name="static")

    # -- errors, headers, startup ------------------------------------------------

    @app.exception(NotFound)
    async def not_found(request: Request, exc: Exception) -> HTTPResponse:
        message = MSG_LINK_NOT_FOUND if request.path.startswith("/r/") else MSG_PAGE_NOT_FOUND
        return render(request, "error.html", status=404, title=message.rstrip("."), message=message)

    @app.exception(MethodNotSupported)
    async def method_not_allowed(request: Request, exc: Exception) -> HTTPResponse:
        return render(
            request,
            "error.html",
            status=405,
            title="Ikke tilladt",
            message="Siden kan ikke bruges på den måde.",
        )

    @app.exception(SQLAlchemyError, OSError)  # OSError: e.g. SQLite's directory is unusable
    async def database_down(request: Request, exc: Exception) -> HTTPResponse:
        log.warning("Database error on %s: %s", request.path, type(exc).__name__)
        return render(
            request, "error.html", status=503, title="Databasen svarer ikke", message=MSG_DB_DOWN
        )

    @app.exception(Exception)
    async def any_error(request: Request, exc: Exception) -> HTTPResponse:
        status = exc.status_code if isinstance(exc, SanicException) else 500
        if status >= 500:
            log.error("Error on %s: %s", request.path, type(exc).__name__)
        return render(request, "error.html", status=status, title="Fejl", message=MSG_ERROR)

    @app.on_response
    async def security_headers(request: Request, response: HTTPResponse) -> None:
        headers = response.headers
        # No scripts anywhere, except on the demo page ("/"), which sets widget_csp() itself.
        headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; script-src 'none'; object-src 'none'; base-uri 'none'; "
            "form-action 'self'; frame-ancestors 'none'",
        )
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Referrer-Policy", "same-origin")
        if request.path.startswith("/staff"):
            headers["Cache-Control"] = "no-store"

    @app.before_server_start
    async def open_database(app: Sanic, _: Any) -> None:
        try:
            await in_thread(get_engine, url)
        except Exception as exc:
            log.warning(
                "The statistics database is not reachable (%s); clicks are redirected "
                "but not counted, and staff cannot log in until it is back",
                type(exc).__name__,
            )

    return app


def widget_csp(assistant_url: str) -> str:
    """The Content-Security-Policy of the page that embeds the chat widget: the app's own
    script and CSS, and fetch() to the app itself and to the assistant's origin."""
    parts = urlsplit(assistant_url)
    assistant = (
        f"{parts.scheme}://{parts.netloc}"
        if parts.scheme in ("http", "https") and re.fullmatch(r"[A-Za-z0-9.:\[\]-]+", parts.netloc)
        else ""
    )
    return (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; "
        f"connect-src 'self' {assistant}".rstrip()
        + "; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    )


def _safe_next(value: str | None) -> str | None:
    """A staff page to return to after login, only from a fixed list (no open redirect)."""
    return value if value in STAFF_PAGES else None


def run(port: int | None = None, host: str = "127.0.0.1") -> int:
    """Serve the web app until interrupted; return an exit code."""
    from bot.dialogue.privacy import install_log_redaction
    from bot.ops.runner import port_in_use

    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    bot_log = logging.getLogger("bot")
    bot_log.addHandler(handler)
    bot_log.setLevel(logging.INFO)
    bot_log.propagate = False  # Sanic configures the root logging; do not print twice
    install_log_redaction()
    port = port or get_settings().web_port
    if port_in_use(port):
        print(
            f"Port {port} is already in use. Stop what uses it, or choose another with --port.",
            file=sys.stderr,
        )
        return 2
    app = create_app()
    app.run(host=host, port=port, workers=1, access_log=False, motd=False)
    return 0
