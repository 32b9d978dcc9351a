"""CLI commands of the web team's retraining loop: model versions.

- ``python -m bot models [--json]``: the versions (id, created, data fingerprint, held-out
  accuracy and macro F1, status, who promoted it and when);
- ``python -m bot promote ID [--override REASON] [--by NAME]``: put a version into service if
  the gate allows it (exit 2 and the gate's reasons when it refuses);
- ``python -m bot rollback [ID]``: back to the version in service before (or to ``ID``);
- ``python -m bot register-model PATH``: register a model file as a version and apply the
  startup rule of :mod:`bot.mlops.serving` (used by ``python -m bot run``).

Errors are one clear line on stderr and exit code 2 (1 when the review store is unreachable).
"""

from __future__ import annotations

import argparse
import getpass
import json
import sys
from collections.abc import Callable
from typing import Any

from bot.cli.common import Subcommands
from bot.settings import TIMEZONE, get_settings


def add_parsers(sub: Subcommands) -> None:
    """Add this module's commands to ``python -m bot``."""
    p = sub.add_parser("models", help="list the model versions and which one is in service")
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")
    p.set_defaults(func=cmd_models)

    p = sub.add_parser("promote", help="put a model version into service (gated)")
    p.add_argument("id", type=int, help="version number (see python -m bot models)")
    p.add_argument(
        "--override",
        metavar="REASON",
        default=None,
        help="promote although the gate refuses; the written reason is recorded",
    )
    p.add_argument("--by", default=None, help="who promotes (default: your user name)")
    p.set_defaults(func=cmd_promote)

    p = sub.add_parser("rollback", help="put the previous (or the given) model version back")
    p.add_argument("id", type=int, nargs="?", default=None, help="version number (optional)")
    p.add_argument("--by", default=None, help="who rolls back (default: your user name)")
    p.set_defaults(func=cmd_rollback)

    p = sub.add_parser(
        "register-model",
        help="register a model file as a version; serve it if nothing is in service",
    )
    p.add_argument("path", help="the model's .tar.gz in the models directory")
    p.set_defaults(func=cmd_register_model)


def _who(given: str | None) -> str:
    if given:
        return given
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "cli"


def _review_store(work: Callable[[], int]) -> int:
    """Run ``work``; a review store that cannot be reached is one clear line, exit 1."""
    from sqlalchemy.exc import SQLAlchemyError

    try:
        return work()
    except (SQLAlchemyError, OSError) as exc:
        print(
            f"The review store is not reachable ({type(exc).__name__}); check BOT_REVIEW_DB_URL",
            file=sys.stderr,
        )
        return 1


def _pct(value: Any) -> str:
    return "-" if value is None else f"{float(value) * 100:.1f} %"


def _local(iso: str | None) -> str:
    from datetime import datetime

    return (
        "-"
        if not iso
        else datetime.fromisoformat(iso).astimezone(TIMEZONE).strftime("%Y-%m-%d %H:%M")
    )


def cmd_models(args: argparse.Namespace) -> int:
    """List the model versions, newest first."""
    from bot.db.engine import session_scope
    from bot.db.stores import REVIEW
    from bot.mlops.versions import as_row, list_versions

    def work() -> int:
        with session_scope(REVIEW) as session:
            # Statuses as the CLI contract names them: in-service, candidate, retired.
            rows = [
                {**as_row(v), "status": v.status.replace("_", "-")} for v in list_versions(session)
            ]
        if args.json:
            print(json.dumps(rows, ensure_ascii=False, indent=2))
            return 0
        if not rows:
            print("No model versions yet. python -m bot run registers the first one.")
            return 0
        print(
            f"{'id':>4}  {'status':<10}  {'created':<16}  {'data':<16}  {'accuracy':>8}  "
            f"{'macro F1':>8}  promoted"
        )
        for r in rows:
            promoted = f"{r['promoted_by']} {_local(r['promoted_at'])}" if r["promoted_by"] else "-"
            print(
                f"{r['id']:>4}  {r['status']:<10}  {_local(r['created_at']):<16}  "
                f"{r['data_fingerprint'][:16]:<16}  {_pct(r['heldout_accuracy']):>8}  "
                f"{_pct(r['heldout_macro_f1']):>8}  {promoted}"
            )
            if r["override_reason"]:
                print(f"      override: {r['override_reason']}")
        return 0

    return _review_store(work)


def cmd_promote(args: argparse.Namespace) -> int:
    """Promote a version; exit 2 with the gate's reasons when it refuses."""
    from bot.db.engine import session_scope
    from bot.db.stores import REVIEW
    from bot.mlops.promotion import promote
    from bot.mlops.versions import VersionError

    def work() -> int:
        try:
            with session_scope(REVIEW) as session:
                result = promote(
                    session,
                    args.id,
                    by=_who(args.by),
                    override_reason=args.override,
                    tolerance=get_settings().promotion_tolerance,
                )
        except VersionError as exc:
            print(f"Cannot promote: {exc}", file=sys.stderr)
            return 2
        decision = result.decision
        for reason in decision.reasons if decision else []:
            print(f"  {reason}")
        for note in decision.notes if decision else []:
            print(f"  ({note})")
        if not result.promoted:
            print(
                f"The gate refuses version {args.id}. To promote it anyway, give a written "
                f'reason: python -m bot promote {args.id} --override "..."',
                file=sys.stderr,
            )
            return 2
        how = " (gate overridden)" if result.overridden else ""
        print(
            f"Version {result.version_id} is in service{how}; the running assistant switches "
            f"within {get_settings().model_poll_seconds} s plus the time to load it."
        )
        return 0

    return _review_store(work)


def cmd_rollback(args: argparse.Namespace) -> int:
    """Put the previous (or the given) version back into service."""
    from bot.db.engine import session_scope
    from bot.db.stores import REVIEW
    from bot.mlops.promotion import rollback
    from bot.mlops.versions import VersionError

    def work() -> int:
        try:
            with session_scope(REVIEW) as session:
                result = rollback(session, args.id, by=_who(args.by))
        except VersionError as exc:
            print(f"Cannot roll back: {exc}", file=sys.stderr)
            return 2
        print(
            f"Version {result.version_id} is in service again (was version "
            f"{result.previous_id}); the running assistant switches within "
            f"{get_settings().model_poll_seconds} s plus the time to load it."
        )
        return 0

    return _review_store(work)


def cmd_register_model(args: argparse.Namespace) -> int:
    """Register a model file as a version (bot.mlops.serving's startup rule)."""
    from bot.mlops.serving import main

    return main(["register", args.path])
