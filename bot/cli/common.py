"""What several command groups share: the municipality profiles' check."""

from __future__ import annotations

import sys

from bot.knowledge.profile import PROFILE_DIR, load_profile_file, profile_path
from bot.knowledge.profile_model import ProfileError


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
