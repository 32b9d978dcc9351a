"""CLI commands for staff users besides ``create-user``: ``disable-user``, ``enable-user``,
``delete-user``, ``reset-password`` and ``users``.

A disabled or deleted user cannot log in, and their sessions stop working at their next
request; a new password ends every session of the user. Errors (unknown user, a password the
rules refuse, the statistics database not reachable) are one line on stderr, never a
traceback: exit code 2 for bad input, 1 when the database cannot be reached.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from typing import Any

from bot.cli.common import Subcommands


def _run(action: Callable[[Any], str], failure: str) -> int:
    """Run ``action(session)`` in one transaction; print its line, or the reason it failed."""
    from sqlalchemy.exc import SQLAlchemyError

    from bot.db.engine import session_scope
    from bot.db.stores import STATISTICS
    from bot.web.auth import UserError

    try:
        with session_scope(STATISTICS) as session:
            done = action(session)
    except UserError as exc:
        print(f"{failure}: {exc}", file=sys.stderr)
        return 2
    except (SQLAlchemyError, OSError) as exc:
        print(
            f"{failure}: the statistics database is not reachable ({type(exc).__name__}); "
            "check BOT_ANALYTICS_DB_URL",
            file=sys.stderr,
        )
        return 1
    print(done)
    return 0


def cmd_disable_user(args: argparse.Namespace) -> int:
    from bot.web.auth import set_disabled

    def action(session: Any) -> str:
        changed = set_disabled(session, args.username, True)
        suffix = "; their sessions have ended" if changed else " (it already was)"
        return f"Disabled user {args.username!r}{suffix}."

    return _run(action, "Cannot disable user")


def cmd_enable_user(args: argparse.Namespace) -> int:
    from bot.web.auth import set_disabled

    def action(session: Any) -> str:
        changed = set_disabled(session, args.username, False)
        return f"Enabled user {args.username!r}" + ("." if changed else " (it already was).")

    return _run(action, "Cannot enable user")


def cmd_delete_user(args: argparse.Namespace) -> int:
    from bot.web.auth import delete_user

    def action(session: Any) -> str:
        delete_user(session, args.username)
        return f"Deleted user {args.username!r}; their sessions have ended."

    return _run(action, "Cannot delete user")


def read_new_password(from_stdin: bool) -> str | None:
    """The new password from one stdin line, or typed twice at a prompt; None on mismatch."""
    import getpass

    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    if not sys.stdin.isatty():
        raise ValueError("no terminal to ask for the password on; use --password-stdin")
    first = getpass.getpass("Password: ")
    second = getpass.getpass("Repeat the password: ")
    return first if first == second else None


def new_password(from_stdin: bool, failure: str) -> str | None:
    """The new password, or None after saying why not on stderr, each line led by ``failure``
    ("Cannot create user"): no terminal, no input, or two different passwords typed."""
    try:
        password = read_new_password(from_stdin)
    except ValueError as exc:
        print(f"{failure}: {exc}", file=sys.stderr)
        return None
    except (EOFError, KeyboardInterrupt):
        print(f"\n{failure}: no password given", file=sys.stderr)
        return None
    if password is None:
        print(f"{failure}: the two passwords differ", file=sys.stderr)
    return password


def cmd_reset_password(args: argparse.Namespace) -> int:
    from bot.web.auth import reset_password

    password = new_password(args.password_stdin, "Cannot reset the password")
    if password is None:
        return 2

    def action(session: Any) -> str:
        reset_password(session, args.username, password)
        return f"New password for {args.username!r}; their other sessions have ended."

    return _run(action, "Cannot reset the password")


def cmd_users(args: argparse.Namespace) -> int:
    from sqlalchemy import select

    from bot.web.auth_models import StaffUser

    def action(session: Any) -> str:
        users = session.execute(select(StaffUser).order_by(StaffUser.username)).scalars().all()
        lines = [
            f"{u.username}\t{u.role}\t{'disabled' if u.disabled_at is not None else 'active'}"
            for u in users
        ]
        return "\n".join(lines) if lines else "No staff users."

    return _run(action, "Cannot list users")


def cmd_create_user(args: argparse.Namespace) -> int:
    """Create a staff user in the statistics database."""
    from sqlalchemy.exc import SQLAlchemyError

    from bot.db.engine import session_scope
    from bot.db.stores import STATISTICS
    from bot.web.auth import UserError, create_user, validate_new_user

    try:
        validate_new_user(args.username, "x" * 12, args.role)  # fail before asking
    except UserError as exc:
        print(f"Cannot create user: {exc}", file=sys.stderr)
        return 2
    password = new_password(args.password_stdin, "Cannot create user")
    if password is None:
        return 2
    try:
        with session_scope(STATISTICS) as session:
            create_user(session, args.username, password, args.role)
    except UserError as exc:
        print(f"Cannot create user: {exc}", file=sys.stderr)
        return 2
    except (SQLAlchemyError, OSError) as exc:
        print(
            f"Cannot create user: the statistics database is not reachable "
            f"({type(exc).__name__}); check BOT_ANALYTICS_DB_URL",
            file=sys.stderr,
        )
        return 1
    print(f"Created user {args.username!r} with role {args.role}.")
    return 0


def add_parsers(sub: Subcommands) -> None:
    """Add this module's commands to ``python -m bot``."""
    p = sub.add_parser("create-user", help="create a staff user for the web app")
    p.add_argument("username", help="3-64 characters: a-z, 0-9, . _ -")
    p.add_argument("--role", choices=("staff", "webteam"), required=True)
    p.add_argument(
        "--password-stdin",
        action="store_true",
        help="read the password from one line on stdin instead of prompting",
    )
    p.set_defaults(func=cmd_create_user)
    p = sub.add_parser("users", help="list the staff users, their roles and whether disabled")
    p.set_defaults(func=cmd_users)
    for name, func, text in (
        ("disable-user", cmd_disable_user, "stop a staff user's logins and sessions"),
        ("enable-user", cmd_enable_user, "let a disabled staff user log in again"),
        ("delete-user", cmd_delete_user, "delete a staff user (their sessions end)"),
    ):
        p = sub.add_parser(name, help=text)
        p.add_argument("username")
        p.set_defaults(func=func)
    p = sub.add_parser(
        "reset-password", help="give a staff user a new password (their sessions end)"
    )
    p.add_argument("username")
    p.add_argument(
        "--password-stdin",
        action="store_true",
        help="read the password from one line on stdin instead of prompting",
    )
    p.set_defaults(func=cmd_reset_password)
