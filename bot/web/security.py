"""What every blueprint of the web app shares: pages, staff sessions, login, CSRF, headers.

- :func:`security_headers`: the response middleware (CSP, nosniff, frame and referrer policy,
  ``no-store`` on ``/staff`` and ``/webteam``), registered once on the app so it also covers
  static files and the error pages of addresses that match no route;
- :func:`staff_only`: the decorator of staff pages: anonymous requests go to the login page,
  POSTs must carry the session's CSRF token, ``role=`` limits a page to one role (a logged-in
  user without it gets a 403 page);
- the session cookie (path ``/``: staff pages under ``/staff``, the web team's under
  ``/webteam``): :func:`set_session_cookie`, :func:`clear_session_cookie`,
  :func:`read_session`, :func:`logged_in` (logged-out sessions and failed logins are kept in
  the database by :mod:`bot.web.auth`, so those checks run in a thread);
- :func:`render` and :func:`message_page`, which put the CSRF token into every page's forms and
  take the Danish texts of error pages from ``templates/messages.html``.

The handlers reach the shared services through ``request.app.ctx`` (see ``create_app``):
``settings``, ``db_url``, ``codec``, ``revoked``, ``limiter``, ``password_checks``,
``templates``, ``session_max_age``.
"""

from __future__ import annotations

import asyncio
import functools
import hmac
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, overload
from urllib.parse import unquote, urlencode, urlsplit

from sanic.request import Request
from sanic.response import HTTPResponse, html, redirect

from bot.db.engine import session_scope
from bot.db.stores import STATISTICS
from bot.knowledge.profile import get_profile
from bot.web.auth import ROLES, StaffSession, csrf_ok, password_fingerprint
from bot.web.auth_models import StaffUser

SESSION_COOKIE = "borger_staff"
# The name over HTTPS: browsers keep a "__Host-" cookie only when it is Secure, has Path=/ and
# no Domain, so no subdomain and no plain-HTTP page can set or overwrite it.
SECURE_SESSION_COOKIE = "__Host-" + SESSION_COOKIE
# "/" and not "/staff": the web team's pages live under /webteam and need the same login.
COOKIE_PATH = "/"
CSRF_FIELD = "csrf_token"
LOGIN_URL = "/staff/login"
# The protected areas: a login may send the user back to any page under them ("next"), and
# to nothing else (no open redirect).
PROTECTED_PREFIXES = ("/staff", "/webteam")
# Addresses under them that are never a page to return to.
NOT_NEXT = (LOGIN_URL, "/staff/logout")
MAX_NEXT = 2000
MESSAGES_TEMPLATE = "messages.html"
# No scripts anywhere, except on the demo page ("/"), which sets its own policy (widget_csp).
DEFAULT_CSP = (
    "default-src 'self'; script-src 'none'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)

StaffHandler = Callable[..., Awaitable[HTTPResponse]]
"""A staff page: ``handler(request, session, user, **route_params)``."""
RouteHandler = Callable[..., Awaitable[HTTPResponse]]
"""What Sanic calls: ``handler(request, **route_params)``."""


@dataclass(frozen=True)
class StaffIdentity:
    """The logged-in member of staff, as the pages need it."""

    id: int
    username: str
    role: str


async def in_thread(fn: Callable[..., Any], *args: Any) -> Any:
    """Run blocking work (database, password hashing) off the event loop."""
    return await asyncio.get_running_loop().run_in_executor(None, functools.partial(fn, *args))


# -- pages -------------------------------------------------------------------


def render(
    request: Request,
    template: str,
    status: int = 200,
    session: StaffSession | None = None,
    user: StaffIdentity | None = None,
    **context: Any,
) -> HTTPResponse:
    """An HTML page from ``template``, with the municipality, the CSRF token of ``session``
    for its forms, the logged-in ``user`` (None: no staff navigation) and ``context``."""
    body = request.app.ctx.templates.get_template(template).render(
        municipality=get_profile().municipality,
        csrf_field=CSRF_FIELD,
        csrf_token=session.csrf if session else "",
        user=user,
        path=request.path,
        **context,
    )
    return html(body, status=status)


def message_keys(request: Request) -> frozenset[str]:
    """The keys of the texts in ``templates/messages.html``."""
    module = request.app.ctx.templates.get_template(MESSAGES_TEMPLATE).module
    return frozenset(module.MESSAGES)  # type: ignore[attr-defined]


def message_page(
    request: Request,
    key: str,
    status: int,
    session: StaffSession | None = None,
    user: StaffIdentity | None = None,
) -> HTTPResponse:
    """The error page whose title and sentence are ``key`` in ``templates/messages.html``."""
    if key not in message_keys(request):
        raise KeyError(f"no text {key!r} in templates/{MESSAGES_TEMPLATE}")
    return render(request, "error.html", status=status, session=session, user=user, key=key)


# -- session cookie ----------------------------------------------------------------


def session_cookie_name(settings: Any) -> str:
    """The session cookie's name: ``__Host-borger_staff`` when it is Secure (production, or
    ``BOT_PUBLIC_URL`` on https), else ``borger_staff`` (a plain-HTTP development app)."""
    return SECURE_SESSION_COOKIE if settings.cookie_secure else SESSION_COOKIE


def _cookie_attributes(request: Request, response: HTTPResponse, max_age: int) -> None:
    cookie = response.cookies[session_cookie_name(request.app.ctx.settings)]
    cookie["path"] = COOKIE_PATH
    cookie["max-age"] = max_age
    cookie["httponly"] = True
    cookie["samesite"] = "Lax"
    if request.app.ctx.settings.cookie_secure:
        cookie["secure"] = True


def set_session_cookie(request: Request, response: HTTPResponse, session: StaffSession) -> None:
    """Send ``session`` as the signed session cookie (path /, HttpOnly, SameSite=Lax; Secure
    with the ``__Host-`` name over HTTPS, see :func:`session_cookie_name`)."""
    name = session_cookie_name(request.app.ctx.settings)
    response.cookies[name] = request.app.ctx.codec.dumps(session)
    _cookie_attributes(request, response, request.app.ctx.session_max_age)


def clear_session_cookie(request: Request, response: HTTPResponse) -> None:
    """Tell the browser to drop the session cookie."""
    response.cookies[session_cookie_name(request.app.ctx.settings)] = ""
    _cookie_attributes(request, response, 0)


def decode_session(request: Request) -> StaffSession | None:
    """The session of the request's cookie when it is signed and unexpired; not yet checked
    against the logged-out sessions (that needs the database: :func:`read_session`)."""
    name = session_cookie_name(request.app.ctx.settings)
    return request.app.ctx.codec.loads(request.cookies.get(name))


def _revoked(ctx: Any, session: StaffSession) -> bool:
    """Blocking: True when ``session`` logged out (also while the database cannot say)."""
    return session.sid in ctx.revoked


async def read_session(request: Request) -> StaffSession | None:
    """The request's session; None when missing, invalid, expired or logged out."""
    session = decode_session(request)
    if session is None or await in_thread(_revoked, request.app.ctx, session):
        return None
    return session


def _identity(ctx: Any, session: StaffSession) -> StaffIdentity | None:
    """Blocking: the session's user, unless deleted or disabled, the password changed, or
    logged out.

    The user is read first: while the database is down that raises, and the page says so,
    instead of the revocation check (which fails closed) quietly logging everyone out.
    """
    with session_scope(STATISTICS, ctx.db_url) as db:
        user = db.get(StaffUser, session.user_id)
        if user is None or user.disabled_at is not None:
            return None  # deleted or disabled (python -m bot delete-user / disable-user)
        current = password_fingerprint(ctx.settings.secret_key, user.password_hash)
        if not hmac.compare_digest(current, session.fingerprint or ""):
            return None  # the password changed since this login
        identity = StaffIdentity(id=user.id, username=user.username, role=user.role)
    return None if _revoked(ctx, session) else identity


async def logged_in(request: Request) -> tuple[StaffSession, StaffIdentity] | None:
    """The session and user when the request comes from a logged-in member of staff."""
    session = decode_session(request)
    if session is None or session.user_id is None:
        return None
    identity = await in_thread(_identity, request.app.ctx, session)
    return (session, identity) if identity is not None else None


# -- login: client address and password checks -------------------------------------


def client_address(request: Request) -> str:
    """The client's address: the peer, or behind nginx (``BOT_PROXIES_COUNT``, which the app
    gives Sanic as ``PROXIES_COUNT``) the address nginx saw."""
    return request.remote_addr or request.ip or "unknown"


# At most this many argon2 password checks run at once in a web app process. One check
# (64 MiB, t=3, p=4) already keeps both cores busy for a tenth of a second or more; the citizen
# chat runs on the same cores.
PASSWORD_CHECKS = 1
# A login waits at most this long for its turn, then gets the "busy" page (429).
PASSWORD_CHECK_WAIT_S = 3.0


class PasswordCheckGate:
    """At most ``places`` password checks at once; the others wait up to ``wait_s``.

    A counter on the event loop (one thread: no race between the check and the increment),
    polled while full, so a waiter that gives up can never leak a place.
    """

    POLL_S = 0.05

    def __init__(
        self, places: int = PASSWORD_CHECKS, wait_s: float = PASSWORD_CHECK_WAIT_S
    ) -> None:
        self.places = places
        self.wait_s = wait_s
        self.running = 0

    async def run(self, fn: Callable[..., Any], *args: Any) -> tuple[bool, Any]:
        """``(True, fn(*args))`` run in a thread once a place is free, or ``(False, None)``
        when none was free within ``wait_s``."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.wait_s
        while self.running >= self.places:
            if loop.time() >= deadline:
                return False, None
            await asyncio.sleep(self.POLL_S)
        self.running += 1
        try:
            return True, await in_thread(fn, *args)
        finally:
            self.running -= 1


# -- staff_only --------------------------------------------------------------


async def to_login(request: Request) -> HTTPResponse:
    """A redirect to the login page with ``next``: the page asked for (path and query), which
    the login returns to. Only for GET (a form sent without a login is not sent again); the
    overview without a period, where the login lands anyway, needs no ``next``."""
    target = LOGIN_URL
    asked = request.path + (f"?{request.query_string}" if request.query_string else "")
    if (
        request.method in ("GET", "HEAD")
        and asked not in ("/staff", "/staff/")
        and safe_next(asked) is not None
    ):
        target += "?" + urlencode({"next": asked}, safe="/")
    response = redirect(target, status=302)
    name = session_cookie_name(request.app.ctx.settings)
    if request.cookies.get(name) and await read_session(request) is None:
        clear_session_cookie(request, response)  # expired or revoked: drop it
    return response


def _guard(handler: StaffHandler, role: str | None) -> RouteHandler:
    @functools.wraps(handler)
    async def wrapper(request: Request, *args: Any, **kwargs: Any) -> HTTPResponse:
        found = await logged_in(request)
        if found is None:
            return await to_login(request)
        session, user = found
        if request.method == "POST" and not csrf_ok(session.csrf, request.form.get(CSRF_FIELD)):
            return message_page(request, "csrf", 403, session=session)
        if role is not None and user.role != role:
            return message_page(request, "forbidden_role", 403, session=session, user=user)
        return await handler(request, session, user, *args, **kwargs)

    return wrapper


@overload
def staff_only(handler: StaffHandler) -> RouteHandler: ...


@overload
def staff_only(
    handler: None = None, *, role: str | None = None
) -> Callable[[StaffHandler], RouteHandler]: ...


def staff_only(
    handler: StaffHandler | None = None, *, role: str | None = None
) -> RouteHandler | Callable[[StaffHandler], RouteHandler]:
    """Protect a staff page: ``@staff_only`` (any logged-in user) or
    ``@staff_only(role="webteam")`` (only users with that role; others get a 403 page).

    Anonymous requests are sent to the login page; POSTs without the session's CSRF token get
    a 403 page. The page is called as ``handler(request, session, user, **route_params)``.
    """
    if role is not None and role not in ROLES:
        raise ValueError(f"staff_only: unknown role {role!r}; roles are {', '.join(ROLES)}")
    if handler is not None:
        return _guard(handler, role)
    return lambda page: _guard(page, role)


def safe_next(value: str | None) -> str | None:
    """A page to return to after login: a relative path on this site under ``/staff`` or
    ``/webteam`` (with its query), never another site (no open redirect), never the login."""
    if not value or len(value) > MAX_NEXT or not value.startswith("/"):
        return None
    if any(c == "\\" or ord(c) < 0x21 or ord(c) == 0x7F for c in value):
        return None  # backslashes, spaces and control characters: browsers read them oddly
    parts = urlsplit(value)
    if parts.scheme or parts.netloc or value.startswith("//"):
        return None
    path = parts.path
    if any(unquote(segment) in (".", "..") for segment in path.split("/")):
        return None  # "/staff/../r/x" is not under /staff
    protected = any(path == p or path.startswith(p + "/") for p in PROTECTED_PREFIXES)
    if not protected or path.rstrip("/") in NOT_NEXT:
        return None
    return value


# -- headers -----------------------------------------------------------------


async def security_headers(request: Request, response: HTTPResponse) -> None:
    """Response middleware: security headers on every response, ``no-store`` on staff pages.

    Headers a handler set itself (the demo page's CSP, the redirect's referrer policy) win.
    """
    headers = response.headers
    headers.setdefault("Content-Security-Policy", DEFAULT_CSP)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Referrer-Policy", "same-origin")
    if request.path.startswith(("/staff", "/webteam")):
        headers["Cache-Control"] = "no-store"
