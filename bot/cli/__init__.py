"""Command line: ``python -m bot <command>``. Run ``python -m bot --help`` for the list.

Every command group is a module of this package with an ``add_parsers(sub)``; they are
registered here, in one place.
"""

from __future__ import annotations

import argparse
import sys

from bot.cli import (
    import_site,
    inbox,
    models,
    production,
    purge,
    retrain,
    run,
    setup,
    shadow,
    stats,
    users,
)
from bot.knowledge.profile_model import ProfileError
from bot.settings import SettingsError

GROUPS = (setup, run, production, stats, inbox, retrain, models, shadow, import_site, users, purge)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bot", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    for group in GROUPS:
        group.add_parsers(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args))
    except (SettingsError, ProfileError) as exc:
        print(exc, file=sys.stderr)
        return 2
