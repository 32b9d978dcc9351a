"""The one way tests log staff in.

Against a running web app: :func:`create_staff_user` makes the user with the real command
(``python -m bot create-user NAME --role ROLE --password-stdin``) and :func:`login` logs in
through the real login form, CSRF token and all, returning the logged-in ``requests.Session``.
For an app tested in-process (no server): :func:`signed_in_cookie` makes the user with
``bot.web.auth.create_user`` and signs a logged-in session with the app's own codec.
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Mapping
from typing import Any

import requests

from bot.db.engine import session_scope
from bot.db.stores import STATISTICS
from bot.settings import get_settings
from bot.stack.paths import base_env
from bot.web.auth import StaffSession, create_user, password_fingerprint
from testkit import ROOT

CSRF_INPUT = re.compile(r'name="csrf_token" value="([^"]+)"')
LOGIN_PATH = "/staff/login"


class StaffLoginError(AssertionError):
    """Making a staff user or logging in failed; the message says how."""


def form_token(html: str) -> str:
    """The CSRF token of the first form in a staff page."""
    match = CSRF_INPUT.search(html)
    if match is None:
        raise StaffLoginError(f"no csrf_token in the page: {html[:300]!r}")
    return match.group(1)


def create_staff_user(
    env_or_url: str | Mapping[str, str], username: str, password: str, role: str = "staff"
) -> subprocess.CompletedProcess[str]:
    """Create a staff user with the real CLI, the password on stdin.

    ``env_or_url`` is the statistics database's URL, or the whole environment of the processes
    of a running assistant (``StackConfig.child_env()``). Returns the finished command (for
    checks of its output); raises :class:`StaffLoginError` when it fails.
    """
    if isinstance(env_or_url, str):
        env = base_env({"BOT_ANALYTICS_DB_URL": env_or_url, "BOT_ENV": "test"})
    else:
        env = dict(env_or_url)
    proc = subprocess.run(
        [sys.executable, "-m", "bot", "create-user", username, "--role", role, "--password-stdin"],
        input=password + "\n",
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    if proc.returncode != 0:
        raise StaffLoginError(
            f"create-user {username} failed (exit {proc.returncode}): {proc.stderr.strip()}"
        )
    return proc


def login(web_url: str, username: str, password: str, **form: str) -> requests.Session:
    """A browser-like session logged in through the web app's login form at ``web_url``.

    Fetches the form (and so the anonymous session cookie and its CSRF token), posts the
    credentials and any extra ``form`` fields (e.g. ``next``), and expects the redirect of a
    successful login; raises :class:`StaffLoginError` otherwise.
    """
    base = web_url.rstrip("/")
    browser = requests.Session()
    page = browser.get(base + LOGIN_PATH, timeout=30)
    data = {"username": username, "password": password, "csrf_token": form_token(page.text)}
    response = browser.post(
        base + LOGIN_PATH, data={**data, **form}, allow_redirects=False, timeout=30
    )
    if response.status_code != 303:
        raise StaffLoginError(
            f"login of {username} answered {response.status_code}, not 303: {response.text[:300]}"
        )
    return browser


def staff_login(
    web_url: str,
    env_or_url: str | Mapping[str, str],
    username: str,
    password: str,
    role: str = "staff",
) -> requests.Session:
    """:func:`create_staff_user`, then :func:`login`."""
    create_staff_user(env_or_url, username, password, role)
    return login(web_url, username, password)


def signed_in_cookie(
    app: Any, username: str, password: str, role: str = "staff"
) -> tuple[str, StaffSession]:
    """For an app made by ``bot.web.app.create_app`` and tested without a server: a new user
    with ``role`` in the app's database, and the signed cookie value of a session logged in as
    that user (with the session it holds)."""
    with session_scope(STATISTICS, app.ctx.db_url) as db:
        user = create_user(db, username, password, role)
        user_id, password_hash = user.id, user.password_hash
    fingerprint = password_fingerprint(get_settings().secret_key, password_hash)
    session = StaffSession.anonymous().logged_in(user_id, fingerprint)
    return app.ctx.codec.dumps(session), session
