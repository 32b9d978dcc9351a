"""The staff blueprint: login and logout, the statistics overview, the KOMHEN table (+ CSV) and
the profile's EXAMPLE values. Every ``/staff/*`` address but the login needs a login."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sanic import Blueprint
from sanic.request import Request
from sanic.response import HTTPResponse, raw, redirect

from bot.analytics.report import OUTCOME_LABELS, komhen_csv_bytes, topic_label
from bot.analytics.stats import Overview, Period, komhen_table, overview
from bot.db.engine import session_scope
from bot.db.stores import STATISTICS
from bot.knowledge.profile import get_profile
from bot.settings import get_settings
from bot.web.auth import StaffSession, authenticate, csrf_ok, password_fingerprint
from bot.web.charts import weekly_chart
from bot.web.examples import example_rows
from bot.web.login_limits import LOGINS_BUSY
from bot.web.security import (
    CSRF_FIELD,
    LOGIN_URL,
    StaffIdentity,
    clear_session_cookie,
    client_address,
    decode_session,
    in_thread,
    logged_in,
    message_page,
    read_session,
    render,
    safe_next,
    set_session_cookie,
    staff_only,
)

# The longest period the pages accept, in days (about ten years).
MAX_PERIOD_DAYS = 3700

staff = Blueprint("staff")


# -- login -------------------------------------------------------------------


@staff.get("/staff/login")
async def login_form(request: Request) -> HTTPResponse:
    if await logged_in(request) is not None:
        return redirect("/staff/", status=302)
    session = await read_session(request) or StaffSession.anonymous()
    response = render(
        request, "login.html", session=session, next=safe_next(request.args.get("next"))
    )
    set_session_cookie(request, response, session)
    return response


def _check_password(url: str, username: str, password: str) -> tuple[int, str] | None:
    """The user's id and password hash when the password is right."""
    with session_scope(STATISTICS, url) as db:
        user = authenticate(db, username, password)
        return (user.id, user.password_hash) if user is not None else None


def _refused_login(
    request: Request, session: StaffSession, key: str, username: str, next_page: str | None
) -> HTTPResponse:
    """The login form again with the refusal ``key`` (429, Retry-After)."""
    response = render(
        request,
        "login.html",
        status=429,
        session=session,
        error=key,
        username=username,
        next=next_page,
    )
    response.headers["Retry-After"] = "60" if key == LOGINS_BUSY else "900"
    return response


def _attempt_and_check(
    ctx: Any, address: str, username: str, password: str
) -> str | tuple[int, str] | None:
    """Blocking, one password check at a time (``ctx.password_checks``): count the attempt,
    then check the password. The refusal's message key, the user's id and password hash, or
    None for a wrong login."""
    refusal = ctx.limiter.attempt(address, username)
    if refusal is not None:
        return refusal
    return _check_password(ctx.db_url, username, password)


@staff.post("/staff/login")
async def login_submit(request: Request) -> HTTPResponse:
    ctx = request.app.ctx
    session = decode_session(request)
    if session is None or not csrf_ok(session.csrf, request.form.get(CSRF_FIELD)):
        return message_page(request, "csrf", 403, session=session)
    username = request.form.get("username", "")
    password = request.form.get("password", "")
    next_page = safe_next(request.form.get("next"))
    address = client_address(request)
    # A network or a username of it that used up its attempts is refused before it waits for
    # a password check (cheap: one read). While the database cannot say, this raises (the
    # "database down" page) and no password is checked.
    refusal = await in_thread(ctx.limiter.check, address, username)
    if refusal is not None:
        return _refused_login(request, session, refusal, username, next_page)
    if await read_session(request) is None:  # a session that logged out cannot log in again
        return message_page(request, "csrf", 403)
    # The attempt is counted and the password checked with one of the few places for argon2.
    ran, found = await ctx.password_checks.run(_attempt_and_check, ctx, address, username, password)
    if not ran:
        return _refused_login(request, session, LOGINS_BUSY, username, next_page)
    if isinstance(found, str):
        return _refused_login(request, session, found, username, next_page)
    if found is None:
        return render(
            request,
            "login.html",
            status=200,
            session=session,
            error="bad_login",
            username=username,
            next=next_page,
        )
    await in_thread(ctx.limiter.success, address, username)
    await in_thread(ctx.revoked.revoke, session.sid)
    user_id, password_hash = found
    new_session = session.logged_in(
        user_id, password_fingerprint(ctx.settings.secret_key, password_hash)
    )
    response = redirect(next_page or "/staff/", status=303)
    set_session_cookie(request, response, new_session)
    return response


@staff.post("/staff/logout")
@staff_only
async def logout(request: Request, session: StaffSession, user: StaffIdentity) -> HTTPResponse:
    await in_thread(request.app.ctx.revoked.revoke, session.sid)
    response = redirect(LOGIN_URL, status=303)
    clear_session_cookie(request, response)
    return response


# -- statistics --------------------------------------------------------------


def parse_period(request: Request) -> tuple[Period, str | None]:
    """The period from ?fra=YYYY-MM-DD&til=YYYY-MM-DD (default: the last 28 days), and the
    message key of the error when the parameters are unusable (the default is shown then)."""
    today = get_settings().now().date()
    default = Period(today - timedelta(days=27), today)
    start, end = request.args.get("fra"), request.args.get("til")
    if not start and not end:
        return default, None
    try:
        period = Period(date.fromisoformat(start or ""), date.fromisoformat(end or ""))
    except ValueError:
        return default, "bad_period"
    if period.end < period.start or (period.end - period.start).days > MAX_PERIOD_DAYS:
        return default, "bad_period"
    return period, None


def _figures(url: str, period: Period) -> Overview:
    with session_scope(STATISTICS, url) as db:
        return overview(db, get_profile(), period)


def _komhen_rows(url: str, period: Period) -> list[tuple[date, str, str, int]]:
    with session_scope(STATISTICS, url) as db:
        return komhen_table(db, get_profile(), period)


async def overview_page(
    request: Request, session: StaffSession, user: StaffIdentity
) -> HTTPResponse:
    period, error = parse_period(request)
    o = await in_thread(_figures, request.app.ctx.db_url, period)
    return render(
        request,
        "overview.html",
        session=session,
        user=user,
        o=o,
        period=period,
        period_error=error,
        weekly_chart=weekly_chart,
        labels=OUTCOME_LABELS,
        topic_label=lambda topic: topic_label(get_profile(), topic),
    )


# "/staff" reaches this route, "/staff/" the catch-all below (the router's choice).
staff.add_route(staff_only(overview_page), "/staff", methods=["GET"], name="overview")


@staff.get("/staff/komhen")
@staff_only
async def komhen_page(request: Request, session: StaffSession, user: StaffIdentity) -> HTTPResponse:
    period, error = parse_period(request)
    rows = await in_thread(_komhen_rows, request.app.ctx.db_url, period)
    return render(
        request,
        "komhen.html",
        session=session,
        user=user,
        rows=rows,
        period=period,
        period_error=error,
    )


@staff.get("/staff/komhen.csv")
@staff_only
async def komhen_csv_download(
    request: Request, session: StaffSession, user: StaffIdentity
) -> HTTPResponse:
    period, _ = parse_period(request)
    rows = await in_thread(_komhen_rows, request.app.ctx.db_url, period)
    filename = f"komhen-{period.start}-{period.end}.csv"
    return raw(
        komhen_csv_bytes(rows),
        content_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@staff.get("/staff/examples")
@staff_only
async def examples(request: Request, session: StaffSession, user: StaffIdentity) -> HTTPResponse:
    rows = example_rows(get_profile())
    return render(request, "examples.html", session=session, user=user, rows=rows)


@staff.route("/staff/<rest:path>", methods=["GET", "POST"])
@staff_only
async def staff_not_found(
    request: Request, session: StaffSession, user: StaffIdentity, rest: str
) -> HTTPResponse:
    """``GET /staff/`` is the overview; every other unknown staff address is a 404 page."""
    if rest == "" and request.method == "GET":
        return await overview_page(request, session, user)
    return message_page(request, "page_not_found", 404, session=session, user=user)
