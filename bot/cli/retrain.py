"""CLI commands of the web team's retraining loop: retrain.

``python -m bot retrain [--json] [--job ID] [--folds N] [--log FILE]`` is
``python -m bot.mlops.retrain`` (:func:`bot.mlops.retrain.main`, the same options and exit
codes): validate -> train -> compare at low CPU priority, and print the report's figures
(``--json``: one machine-readable object on stdout; progress goes to stderr). ``--job ID`` runs
a job the web team's page created (``bot.web.training``); without it the command makes its own
job, so the page shows its progress too.

Exit codes: 0 done, 2 failed (invalid data, training error; the message says why), 3 another
retrain is running (only one at a time).
"""

from __future__ import annotations

import argparse

from bot.cli.common import Subcommands


def cmd_retrain(args: argparse.Namespace) -> int:
    from bot.mlops.retrain import main, options

    return main(options(args) + (["--log", args.log] if args.log else []))


def add_parsers(sub: Subcommands) -> None:
    """Add this module's commands to ``python -m bot``."""
    from bot.mlops.retrain import add_arguments

    p = sub.add_parser(
        "retrain",
        help="export reviewed examples, validate, train a candidate, compare it with the "
        "model in service",
    )
    add_arguments(p)
    p.set_defaults(func=cmd_retrain)
