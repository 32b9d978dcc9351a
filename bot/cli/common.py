"""What several command groups share: the municipality profiles' check, the type of the
subcommands each group adds its parsers to."""

from __future__ import annotations

import argparse
import sys
from typing import Any, Protocol

from bot.knowledge.profile import PROFILE_DIR, load_profile_file, profile_path
from bot.knowledge.profile_model import ProfileError


class Subcommands(Protocol):
    """What ``ArgumentParser.add_subparsers()`` returns, as the command groups use it: its
    class is private to argparse, so it is named here by what it does."""

    def add_parser(self, name: str, **kwargs: Any) -> argparse.ArgumentParser: ...


def validate_profiles(names: list[str]) -> int:
    """Load each profile (all by default) and print OK or its error; 1 when one failed."""
    paths = [profile_path(n) for n in names] or sorted(PROFILE_DIR.glob("*.yml"))
    failed = 0
    for path in paths:
        try:
            profile = load_profile_file(path)
        except ProfileError as exc:
            print(exc, file=sys.stderr)
            failed += 1
            continue
        print(f"{path}: OK ({profile.municipality.name}, {len(profile.self_service)} tasks)")
    return 1 if failed else 0
