"""Danish (and English) formatting of lists, dates and numbers, from Babel's CLDR data.

The words and patterns come from CLDR, not from tables in this package:

* :func:`format_list`: "a, b og c" / "a, b eller c" (CLDR's "standard" and "or" list patterns);
* :func:`weekday_name`, :func:`month_name`, :func:`format_date`: "mandag", "november",
  "mandag den 24. november" (CLDR's wide format-context names, which are lower case in Danish);
* :func:`format_number`, :func:`format_dkk`, :func:`format_percent`: "1.234,5", "1.234 kr.",
  "12,5 %" (CLDR's Danish separators: "." groups thousands, "," is the decimal mark).

Dates are Copenhagen dates: a naive datetime is taken as Copenhagen local time, an aware one is
converted to Europe/Copenhagen before its date is used.

Every function takes ``language`` ("da", the default, or "en"): English uses Babel's "en"
locale ("Monday 24 November", "a, b, and c", "1,234.5"). Any other value formats in Danish. The
few words that are not CLDR data ("i dag"/"today", "kl. 9"/"at 9 am") are in ``words.yml``
(:func:`word`).

Nothing is loaded at import time: the locale (and with it Babel's locale data) is parsed the
first time a function needs it, and kept (:func:`locale`).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Literal

import yaml
from babel import Locale
from babel.dates import format_date as _babel_format_date
from babel.lists import format_list as _babel_format_list
from babel.numbers import format_currency, format_decimal
from babel.numbers import format_percent as _babel_format_percent

from bot.settings import TIMEZONE

LOCALE = "da_DK"
"""The locale every function formats for by default (Danish)."""

LOCALES = {"da": LOCALE, "en": "en"}
"""Babel locale per conversation language."""

WORDS_FILE = Path(__file__).parent / "words.yml"

Number = int | float | Decimal

DATE_PATTERN = "EEEE 'den' d. MMMM"
"""CLDR date pattern of :func:`format_date`: "mandag den 24. november"."""

DAY_MONTH_PATTERN = "d. MMMM"
"""CLDR date pattern of :func:`format_date` without the weekday: "24. november"."""

DATE_PATTERN_EN = "EEEE d MMMM"
"""English date pattern of :func:`format_date`: "Monday 24 November"."""

DAY_MONTH_PATTERN_EN = "d MMMM"
"""English date pattern without the weekday: "24 November"."""

DKK_PATTERN = "#,##0 ¤"
"""Whole kroner, the currency symbol (CLDR's "kr.") after a plain space: "1.234 kr."."""

_LIST_STYLES = {"and": "standard", "or": "or"}


def _lang(language: str) -> str:
    return language if language in LOCALES else "da"


@lru_cache(maxsize=8)
def locale(language: str = "da") -> Locale:
    """The Babel locale of ``language`` (Danish: da_DK; English: en; any other value: Danish),
    parsed on first use and kept."""
    return Locale.parse(LOCALES[_lang(language)])


@lru_cache(maxsize=1)
def _words() -> dict[str, dict[str, str]]:
    with WORDS_FILE.open(encoding="utf-8") as f:
        return yaml.safe_load(f)


def word(key: str, language: str = "da", **values: object) -> str:
    """A word or short template of ``words.yml`` in ``language``, its {placeholders} filled:
    ``word("at_time", "en", time="9 am")`` -> "at 9 am"."""
    text = _words()[_lang(language)][key]
    return text.format(**values) if values else text


# -- lists ---------------------------------------------------------------------


def format_list(
    items: Iterable[str], style: Literal["and", "or"] = "and", *, language: str = "da"
) -> str:
    """Items joined the Danish way: "", "a", "a og b", "a, b og c" (``style="or"``: "eller").

    Danish puts no comma before the conjunction, and CLDR's Danish patterns agree. English
    (``language="en"``): "a and b", "a, b, and c", "a, b, or c".
    """
    if style not in _LIST_STYLES:
        raise ValueError(f"style must be 'and' or 'or', not {style!r}")
    return _babel_format_list(list(items), style=_LIST_STYLES[style], locale=locale(language))


# -- dates ---------------------------------------------------------------------


def weekday_name(weekday: int, *, language: str = "da") -> str:
    """The Danish weekday name, lower case: 0 = "mandag" ... 6 = "søndag" (``date.weekday()``);
    English: "Monday" ... "Sunday"."""
    if not 0 <= weekday <= 6:
        raise ValueError(f"weekday must be 0-6, not {weekday}")
    return locale(language).days["format"]["wide"][weekday]


def month_name(month: int, *, language: str = "da") -> str:
    """The Danish month name, lower case: 1 = "januar" ... 12 = "december"; English:
    "January" ... "December"."""
    if not 1 <= month <= 12:
        raise ValueError(f"month must be 1-12, not {month}")
    return locale(language).months["format"]["wide"][month]


def local_date(value: date | datetime) -> date:
    """The Copenhagen calendar date of ``value`` (a naive datetime is Copenhagen time)."""
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(TIMEZONE)
        return value.date()
    return value


def format_date(value: date | datetime, *, weekday: bool = True, language: str = "da") -> str:
    """A Danish date without the year: "mandag den 24. november" (``weekday=False``:
    "24. november"); English: "Monday 24 November" ("24 November"). A datetime gives its
    Copenhagen date; the time of day is not shown."""
    if _lang(language) == "en":
        pattern = DATE_PATTERN_EN if weekday else DAY_MONTH_PATTERN_EN
    else:
        pattern = DATE_PATTERN if weekday else DAY_MONTH_PATTERN
    return _babel_format_date(local_date(value), pattern, locale=locale(language))


# -- numbers -------------------------------------------------------------------


def _fixed(pattern: str, decimals: int) -> str:
    """A CLDR number pattern with exactly ``decimals`` decimals ("#,##0 %" -> "#,##0.0 %")."""
    if decimals < 0:
        raise ValueError(f"decimals must not be negative, not {decimals}")
    integer = pattern[: pattern.index("0") + 1]
    rest = pattern[len(integer) :].lstrip("0#.")
    return integer + ("." + "0" * decimals if decimals else "") + rest


def format_number(value: Number, decimals: int | None = None, *, language: str = "da") -> str:
    """A Danish number: "1.234", "3,5", "-1.234,57" (``decimals=2``).

    Without ``decimals`` CLDR's standard pattern (at most three decimals, none when whole);
    with it, exactly that many. Rounding is half to even, as Python's own formatting.
    English: "1,234", "3.5".
    """
    loc = locale(language)
    if decimals is None:
        return format_decimal(value, locale=loc)
    pattern = _fixed(loc.decimal_formats[None].pattern, decimals)
    return format_decimal(value, pattern, locale=loc)


def format_dkk(amount: Number, *, language: str = "da") -> str:
    """Whole Danish kroner: "1.234 kr.", "121.450 kr.", "-1.234 kr." (rounded half to even);
    English: "1,234 DKK"."""
    return format_currency(
        amount, "DKK", DKK_PATTERN, locale=locale(language), currency_digits=False
    )


def format_percent(value: Number, decimals: int = 0, *, language: str = "da") -> str:
    """A share as a Danish percentage: 0.125 -> "12 %" (``decimals=1``: "12,5 %").

    The space before "%" is CLDR's no-break space (U+00A0), which keeps the sign on the line of
    its number.
    """
    loc = locale(language)
    pattern = _fixed(loc.percent_formats[None].pattern, decimals)
    return _babel_format_percent(value, pattern, locale=loc)
