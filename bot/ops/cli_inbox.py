"""CLI commands of the web team's retraining loop: inbox."""

from __future__ import annotations

import argparse


def add_parsers(sub: argparse._SubParsersAction) -> None:
    """Add this module's commands to ``python -m bot``."""
