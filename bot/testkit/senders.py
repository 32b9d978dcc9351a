"""Conversation ids for tests and benchmarks.

Letters only, like the widget's (``w-`` and 24 letters): a random hex id sometimes holds ten
digits in a row that read as a CPR number, and the privacy guard rightly refuses such a
``sender`` with a 400 (about 1 % of 12-character hex ids).
"""

from __future__ import annotations

import secrets
import string


def new_sender(prefix: str = "test", letters: int = 12) -> str:
    """``<prefix>-`` and ``letters`` random lowercase letters."""
    return f"{prefix}-" + "".join(secrets.choice(string.ascii_lowercase) for _ in range(letters))
