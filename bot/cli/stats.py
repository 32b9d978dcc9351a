"""``python -m bot stats``: the staff overview figures on the command line."""

from __future__ import annotations

import argparse
import sys
from datetime import date

from bot.analytics.report import komhen_csv, overview_text
from bot.analytics.stats import Period, komhen_table, overview
from bot.cli.common import Subcommands
from bot.db.engine import session_scope
from bot.db.stores import STATISTICS
from bot.knowledge.profile import get_profile


def _date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a date like 2026-11-30") from None


def add_parsers(sub: Subcommands) -> None:
    p = sub.add_parser("stats", help="print the statistics for a period")
    p.add_argument("--from", dest="start", type=_date, required=True, help="first day, YYYY-MM-DD")
    p.add_argument("--to", dest="end", type=_date, required=True, help="last day, YYYY-MM-DD")
    p.add_argument("--db", help="database URL (default BOT_ANALYTICS_DB_URL)")
    p.add_argument(
        "--komhen-csv", action="store_true", help="print the KOMHEN-style table as CSV instead"
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if args.end < args.start:
        print("--to must not be before --from", file=sys.stderr)
        return 2
    period = Period(args.start, args.end)
    profile = get_profile()
    with session_scope(STATISTICS, args.db) as session:
        if args.komhen_csv:
            sys.stdout.write(komhen_csv(komhen_table(session, profile, period)))
        else:
            print(overview_text(overview(session, profile, period), profile))
    return 0
