"""The web app (Sanic): the public demo page and link redirects, and the staff pages.

``create_app`` builds it from two blueprints that share the security of
:mod:`bot.web.security` (response headers, session cookie, login, CSRF, roles). Run it with
``python -m bot web [--port N]`` (:mod:`bot.web.server`). Routes:

- public (:mod:`bot.web.public`):

  - ``GET /``: a demo front page of the municipality with the citizen chat widget
    (``static/widget/borger-chat.js``); its CSP allows the app's own scripts and calls to the
    assistant (``BOT_ASSISTANT_URL``);
  - ``GET /healthz``: liveness, never touches the database;
  - ``GET /r/<link_id>?s=<sender id>``: records a click (:mod:`bot.analytics.clicks`) and
    redirects to a link of the profile;

- staff (:mod:`bot.web.staff`): ``GET/POST /staff/login``, ``POST /staff/logout``,
  ``GET /staff/`` (overview), ``GET /staff/komhen`` and ``/staff/komhen.csv``,
  ``GET /staff/examples``; every other ``/staff/*`` address needs a login too (then 404);
- ``/static/*``: the app's own CSS, icon and widget (nothing is loaded from elsewhere).

The Danish texts of the error pages and form errors are in ``templates/messages.html``.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from jinja2 import Environment, FileSystemLoader, select_autoescape
from sanic import Sanic
from sanic.exceptions import MethodNotSupported, NotFound, SanicException
from sanic.request import Request
from sanic.response import HTTPResponse
from sqlalchemy.exc import SQLAlchemyError

from bot.analytics.formats import FILTERS as STAFF_FORMATS
from bot.db.engine import get_engine
from bot.db.stores import STATISTICS
from bot.knowledge.profile import get_profile
from bot.rasa_server.internal import original, usable
from bot.rasa_server.internals import SANIC_APP_REGISTRY
from bot.settings import get_settings
from bot.web import catalogue_page  # noqa: F401 (its routes, on the catalogue blueprint)
from bot.web.auth import RevokedSessions, SessionCodec
from bot.web.catalogue import catalogue
from bot.web.inbox import inbox
from bot.web.login_limits import LoginRateLimiter
from bot.web.models import models
from bot.web.public import link_not_found_page, public
from bot.web.security import PasswordCheckGate, in_thread, message_page, security_headers
from bot.web.shadow import shadow
from bot.web.staff import staff
from bot.web.training import training

APP_NAME = "borger_web"
HERE = Path(__file__).resolve().parent
TEMPLATE_DIR = HERE / "templates"
STATIC_DIR = HERE / "static"

log = logging.getLogger(__name__)


def create_app(db_url: str | None = None) -> Sanic:
    """Build the web app for the statistics database at ``db_url`` (default: settings)."""
    settings = get_settings()
    get_profile()  # an invalid profile stops startup here, naming file and field
    url = db_url or settings.analytics_db_url

    # A process builds one app; drop an earlier one of the same name (tests, reloads).
    if usable(SANIC_APP_REGISTRY):
        original(SANIC_APP_REGISTRY).pop(APP_NAME, None)
    app = Sanic(APP_NAME)
    app.config.REQUEST_MAX_SIZE = 64 * 1024
    app.config.ACCESS_LOG = False  # the access log would contain the citizens' sender ids
    app.config.FALLBACK_ERROR_FORMAT = "html"
    if settings.proxies_count:  # behind nginx: the client address for the login limits
        app.config.PROXIES_COUNT = settings.proxies_count

    max_age = settings.session_hours * 3600
    app.ctx.settings = settings
    app.ctx.db_url = url
    app.ctx.review_db_url = settings.review_db_url
    app.ctx.session_max_age = max_age
    app.ctx.codec = SessionCodec(settings.secret_key, max_age)
    app.ctx.revoked = RevokedSessions(max_age, url=url)
    app.ctx.limiter = LoginRateLimiter(settings.secret_key, url=url)
    app.ctx.password_checks = PasswordCheckGate()
    app.ctx.widget_csp = widget_csp(settings.assistant_url)
    app.ctx.templates = Environment(
        loader=FileSystemLoader(str(TEMPLATE_DIR)),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    # The one way pages write numbers and dates: Danish, "57,1 %", "6. dec. 2026 kl. 04.25".
    app.ctx.templates.filters.update(STAFF_FORMATS)

    app.blueprint(public)
    app.blueprint(staff)
    # The web team's retraining loop (role webteam): inbox, retraining, model versions and the
    # model server the Rasa server pulls the model in service from.
    app.blueprint(inbox)
    app.blueprint(training)
    app.blueprint(models)
    app.blueprint(shadow)  # the shadow test's report and verdicts
    app.blueprint(catalogue)  # the page catalogue: keywords, confirmation, questions without a page
    app.static("/static", str(STATIC_DIR), name="static")
    # On the app, not a blueprint: static files and unmatched addresses get the headers too.
    app.register_middleware(security_headers, "response")
    _register_error_pages(app)

    @app.before_server_start
    async def open_database(app: Sanic, _: Any) -> None:
        try:
            await in_thread(get_engine, STATISTICS, url)
        except Exception as exc:
            log.warning(
                "The statistics database is not reachable (%s); clicks are redirected "
                "but not counted, and staff cannot log in until it is back",
                type(exc).__name__,
            )

    return app


def _register_error_pages(app: Sanic) -> None:
    """Danish error pages (texts in templates/messages.html) instead of Sanic's own."""

    @app.exception(NotFound)
    async def not_found(request: Request, exc: Exception) -> HTTPResponse:
        if request.path.startswith("/r/"):  # a citizen's link: the citizen page
            return link_not_found_page(request)
        return message_page(request, "page_not_found", 404)

    @app.exception(MethodNotSupported)
    async def method_not_allowed(request: Request, exc: Exception) -> HTTPResponse:
        return message_page(request, "method_not_allowed", 405)

    @app.exception(SQLAlchemyError, OSError)  # OSError: e.g. SQLite's directory is unusable
    async def database_down(request: Request, exc: Exception) -> HTTPResponse:
        log.warning("Database error on %s: %s", request.path, type(exc).__name__)
        return message_page(request, "db_down", 503)

    @app.exception(Exception)
    async def any_error(request: Request, exc: Exception) -> HTTPResponse:
        status = exc.status_code if isinstance(exc, SanicException) else 500
        if status >= 500:
            log.error("Error on %s: %s", request.path, type(exc).__name__)
        return message_page(request, "error", status)


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
