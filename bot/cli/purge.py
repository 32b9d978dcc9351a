"""Retention: delete what is older than its retention period."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bot.cli.common import Subcommands
from bot.settings import get_settings


def cmd_purge(args: argparse.Namespace) -> int:
    """Delete what is older than its retention period (BOT_RETENTION_*; docs/privacy.md)."""
    from bot.stack.paths import Project
    from bot.stack.retention import models_folder, purge

    settings = get_settings()
    report = purge(
        settings.now(),
        settings,
        endpoints=Path(args.endpoints),
        log_dir=Path(args.log_dir),
        dry_run=args.dry_run,
        retrain_log_dir=Project.current().logs,  # the web page's retrain logs
        models_dir=models_folder(settings),
    )
    for line in report.lines():
        print(line)
    for error in report.errors:
        print(f"Cannot purge: {error}", file=sys.stderr)
    return 0 if report.ok else 1


def add_parsers(sub: Subcommands) -> None:
    p = sub.add_parser(
        "purge", help="delete conversations, statistics and logs older than their retention"
    )
    p.add_argument(
        "--dry-run", action="store_true", help="count what would be deleted, delete nothing"
    )
    p.add_argument("--endpoints", default="endpoints.yml", help="Rasa endpoints file")
    p.add_argument("--log-dir", default="var/logs", help="directory of the log files")
    p.set_defaults(func=cmd_purge)
