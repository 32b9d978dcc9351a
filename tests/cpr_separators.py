"""A generated corpus of CPR numbers written with every separator (docs/cpr-guard.md).

The rule: every character that is not a letter or a digit may separate the groups of a CPR
number (DD MM YY SSSS), up to the guard's gap length. :func:`all_separators` enumerates them by
Unicode category (every P* and S* code point, plus whitespace such as tab and newline);
:data:`SPELLINGS` are the spellings the tests already know, with the separator in the places a
citizen puts a dash, dot, slash or space. ``tests/unit/dialogue/test_privacy_separators.py``
checks every separator x every spelling; ``tests/integration/test_hostile.py`` sends
:func:`sample_separators` through the real endpoint.

The serial (SSSS) may be split only by whitespace ("12 34"), as before: "12.34" and "12:34"
read as clock times. That exception is checked for every separator too.
"""

from __future__ import annotations

import functools
import random
import sys
import unicodedata
from collections.abc import Callable

# The characters the issue names, whatever their category.
NAMED = "_,:+*#'\"()[]{}<>|\\`~^!?;=@$%&/.-\t\n "
WHITESPACE = "\t\n \u00a0\u2009\u202f\u3000"
SUBCATEGORIES = ("Pc", "Pd", "Ps", "Pe", "Pi", "Pf", "Po", "Sm", "Sc", "Sk", "So")

FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")
ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")


@functools.cache
def all_separators() -> tuple[str, ...]:
    """Every P* and S* code point (no digit values among them), the named ASCII set and the
    whitespace, in code point order."""
    found = set(NAMED) | set(WHITESPACE)
    for cp in range(sys.maxunicode + 1):
        ch = chr(cp)
        if unicodedata.category(ch)[0] in "PS" and unicodedata.digit(ch, None) is None:
            found.add(ch)
    return tuple(sorted(found))


def sample_separators(per_subcategory: int = 6, seed: int = 20) -> list[str]:
    """A deterministic sample for the endpoint: every ASCII and Latin-1 punctuation and
    symbol, the whitespace, and ``per_subcategory`` characters of every P*/S* subcategory
    beyond Latin-1."""
    chosen = [
        ch
        for ch in all_separators()
        if ord(ch) < 0x100 and (unicodedata.category(ch)[0] in "PS" or ch in NAMED)
    ]
    chosen += [ch for ch in WHITESPACE if ch not in chosen]
    rng = random.Random(seed)  # a reproducible sample, not a secret
    for sub in SUBCATEGORIES:
        pool = [
            ch for ch in all_separators() if ord(ch) >= 0x100 and unicodedata.category(ch) == sub
        ]
        chosen += rng.sample(pool, min(per_subcategory, len(pool)))
    return chosen


def _year4(number: str) -> str:
    """DDMMYY SSSS -> DDMM19YY SSSS (the century does not matter to the guard)."""
    return number[:4] + "19" + number[4:]


# Each spelling: (ten digits DDMMYYSSSS, separator) -> the number as written. A separator
# stands where the known spellings have a dash, dot, slash or space between the groups.
SPELLINGS: dict[str, Callable[[str, str], str]] = {
    "DDMMYY_SSSS": lambda n, s: f"{n[:6]}{s}{n[6:]}",
    "DD_MM_YY_SSSS": lambda n, s: f"{n[:2]}{s}{n[2:4]}{s}{n[4:6]}{s}{n[6:]}",
    "DD_MM_YY SSSS": lambda n, s: f"{n[:2]}{s}{n[2:4]}{s}{n[4:6]} {n[6:]}",
    "DD_MM_YY_SS SS": lambda n, s: f"{n[:2]}{s}{n[2:4]}{s}{n[4:6]}{s}{n[6:8]} {n[8:]}",
    "DDMMYY space_space SSSS": lambda n, s: f"{n[:6]} {s} {n[6:]}",
    "DDMMYY__SSSS": lambda n, s: f"{n[:6]}{s}{s}{n[6:]}",
    "D_D_M_M_Y_Y_SSSS": lambda n, s: s.join(n[:6]) + s + n[6:],
    "DD_MM_YYYY_SSSS": lambda n, s: (lambda y: f"{y[:2]}{s}{y[2:4]}{s}{y[4:8]}{s}{y[8:]}")(
        _year4(n)
    ),
    "DDMMYYYY_SSSS": lambda n, s: (lambda y: f"{y[:8]}{s}{y[8:]}")(_year4(n)),
    "full-width DDMMYY_SSSS": lambda n, s: f"{n[:6]}{s}{n[6:]}".translate(FULL_WIDTH),
    "Arabic-Indic DD_MM_YY_SSSS": lambda n, s: f"{n[:2]}{s}{n[2:4]}{s}{n[4:6]}{s}{n[6:]}".translate(
        ARABIC_INDIC
    ),
    "zero-width DDMMYY_SSSS": lambda n, s: f"{n[:6]}\u200b{s}\u200b{n[6:]}",
}


def digits_of(spelled: str) -> str:
    """The ASCII digits of a spelled number, in order (the needle to search the disk for)."""
    return "".join(
        str(unicodedata.digit(ch)) for ch in spelled if unicodedata.digit(ch, None) is not None
    )


# Clock times after a date, and a serial split like a time: never a CPR number, with any
# separator (the exceptions of docs/cpr-guard.md).
NOT_CPR: dict[str, Callable[[str], str]] = {
    "date, then a time": lambda s: f"01.01.2026 10{s}00",
    "date, then a time range": lambda s: f"mandag 01.01.2026 10{s}00-15{s}00",
    "serial written as a time": lambda s: f"010190-12{s}34",
}
