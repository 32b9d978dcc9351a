"""The synthetic municipality profile of the unit tests ("Testrup Kommune").

Unit tests of logic (hours, answers, matching, outcomes, labels) use it instead of a real
municipality's profile, so editing Tårnby's or Ishøj's facts cannot break them. Every fact in it
is marked ``example: true``; its links use the reserved ``.example`` domain.
"""

from __future__ import annotations

from pathlib import Path

from bot.knowledge.profile import get_profile
from bot.knowledge.profile_model import Profile

SYNTHETIC_PROFILE_PATH = Path(__file__).parent / "profiles" / "testrup.yml"
SYNTHETIC_MUNICIPALITY = "testrup"


def synthetic_profile() -> Profile:
    """The loaded and validated synthetic profile (cached like every profile)."""
    return get_profile(str(SYNTHETIC_PROFILE_PATH))
