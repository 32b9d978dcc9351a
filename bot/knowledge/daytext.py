"""Which day a citizen asks about: Danish time expressions to a date.

:func:`resolve_day` takes a whole message ("har I åbent på lørdag?") or an extracted entity
("i morgen", "24. december") and returns a :class:`DayQuery`, or None when the text holds no
time expression it recognises. The moment is always passed in; the clock is never read.

Recognised (after folding æ/ø/å to ae/oe/aa and stripping diacritics, so "loerdag", "lordag"
and "lørdag" are the same word; all matched on word boundaries):

* now: "nu", "lige nu", "i øjeblikket";
* relative days: "i dag"/"idag" (also "i aften", "i eftermiddag", "i formiddag"),
  "i morgen"/"imorgen", "i overmorgen"/"overmorgen";
* weekdays ("lørdag", "på lørdag", "lørdagen"): the next such day, today if today is that day;
* "weekend"/"i weekenden": the coming Saturday (today on a Saturday or a Sunday);
* named days, looked up in the ``holidays`` library (never hand-coded): "juleaften(sdag)",
  "juledag"/"1. juledag", "2./anden juledag", "nytårsaften", "nytårsdag", "grundlovsdag",
  "skærtorsdag", "langfredag", "påskedag", "2./anden påskedag", "kristi himmelfartsdag",
  "pinsedag", "2./anden pinsedag", "arbejdernes kampdag": the next such day, today included;
* explicit dates parsed with ``dateparser``: "24. december", "den 24/12", "5. juni",
  "24.12.2027"; without a year a date already past this year means next year.

When the text holds several expressions, the leftmost day expression wins; "nu" counts only
when no day is named ("kan jeg nu komme i morgen?" asks about tomorrow).

The time taken grows linearly with the text: the look-behind checks ("kl." before a number, a
weekday before a date) look at a bounded window, a date that exists in no year never reaches
dateparser, and one message gets at most ``_MAX_PARSES`` (64) dateparser calls (each takes
0.5-1.5 ms; a repeated phrase is parsed once). Only a text with more than 64 distinct explicit
dates that dateparser rejects ("1. sept", "29/2/2025"), before one it accepts, resolves
differently than it would without the cap.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import Literal

import dateparser
import holidays

from bot.knowledge.hours import to_local
from bot.knowledge.matching import fold as fold_letters


@dataclass(frozen=True)
class DayQuery:
    """What the citizen asked about: right ``now`` (on ``day``) or a whole ``date``."""

    kind: Literal["now", "date"]
    day: date


def fold(text: str) -> str:
    """Lower case, æ/ø/å as ae/oe/aa, diacritics stripped, whitespace collapsed."""
    return " ".join(fold_letters(text).split())


def _w(word: str) -> str:
    """A regex for a Danish word that also accepts ASCII spellings (lørdag, loerdag, lordag)."""
    pattern = re.escape(fold(word))
    for folded, plain in (("aa", "a"), ("oe", "o"), ("ae", "a")):
        pattern = pattern.replace(folded, f"(?:{folded}|{plain})")
    return pattern.replace(r"\ ", r"\s?")


def _re(*alternatives: str) -> re.Pattern[str]:
    return re.compile(r"\b(?:" + "|".join(alternatives) + r")\b")


# -- patterns ------------------------------------------------------------------

_NOW = _re(r"lige\s?nu", r"nu", _w("i øjeblikket"))

_RELATIVE: tuple[tuple[re.Pattern[str], int], ...] = (
    (_re(_w("i dag"), _w("i aften"), _w("i eftermiddag"), _w("i formiddag")), 0),
    (_re(_w("i morgen"), r"i\s?morn"), 1),
    (_re(_w("i overmorgen"), "overmorgen"), 2),
)

_WEEKDAY_WORDS = tuple(
    _w(name) + "(?:en)?"
    for name in ("mandag", "tirsdag", "onsdag", "torsdag", "fredag", "lørdag", "søndag")
)
_WEEKDAYS = tuple(_re(word) for word in _WEEKDAY_WORDS)

_WEEKEND = _re(r"(?:i\s)?weekend(?:en)?")

_SECOND = r"(?:2\.?\s?|anden\s|" + r"2den\s)"
# Alias patterns -> the Danish name the holidays library uses (public + optional categories).
_NAMED_DAYS: tuple[tuple[re.Pattern[str], str], ...] = (
    (_re(_w("juleaften") + r"(?:s\s?dag(?:en)?)?"), "Juleaftensdag"),
    (_re(_SECOND + _w("juledag") + "(?:en)?"), "Anden juledag"),
    (_re(r"(?:1\.?\s?|" + _w("første") + r"\s)?" + _w("juledag") + "(?:en)?"), "Juledag"),
    (_re(_w("nytårsaften") + "(?:sdag)?"), "Nytårsaften"),
    (_re(_w("nytårsdag") + "(?:en)?"), "Nytårsdag"),
    (_re(_w("grundlovsdag") + "(?:en)?"), "Grundlovsdag"),
    (_re(_w("skærtorsdag") + "(?:en)?"), "Skærtorsdag"),
    (_re(_w("langfredag") + "(?:en)?"), "Langfredag"),
    (_re(_SECOND + _w("påskedag") + "(?:en)?"), "Anden påskedag"),
    (_re(_w("påskedag") + "(?:en)?", _w("påskesøndag")), "Påskedag"),
    (_re(r"kristi\s?himmelfart(?:sdag(?:en)?)?"), "Kristi himmelfartsdag"),
    (_re(_SECOND + _w("pinsedag") + "(?:en)?"), "Anden pinsedag"),
    (_re(_w("pinsedag") + "(?:en)?", _w("pinsesøndag")), "Pinsedag"),
    (_re(r"arbejdernes\s?kampdag"), "Arbejdernes kampdag"),
)

_MONTHS = (
    r"januar|jan|februar|feb|marts|mar|april|apr|maj|juni|jun|juli|august|aug|"
    r"september|sept|sep|oktober|okt|november|nov|december|dec"
)
_DATE_WORDS = re.compile(
    r"\b(?P<day>\d{1,2})\.?\s?(?P<month>" + _MONTHS + r")\b\.?(?:\s?(?P<year>\d{4})\b)?"
)
_DATE_NUMERIC = re.compile(
    r"(?<![\d./-])(?P<day>\d{1,2})[./-](?P<month>\d{1,2})"
    r"(?:[./-](?P<year>\d{4}|\d{2}))?(?![\d/-]|\.\d)"
)
_CLOCK_BEFORE = re.compile(r"\b(?:kl|klokken)\.?\s?$")
# "lørdag den 28. november": the weekday only introduces the date, which is what counts.
_WEEKDAY_BEFORE = re.compile(r"\b(?:" + "|".join(_WEEKDAY_WORDS) + r")\s?(?:den\s?|d\.\s?)?$")
# Both match at most this many characters (tests/unit/dialogue/test_linear_time.py checks),
# so they are searched in a window before a date instead of in the whole text before it.
_BEFORE_WINDOW = 32
# dateparser calls per message (see the module docstring).
_MAX_PARSES = 64
_MONTH_DAYS = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def _ends_before(pattern: re.Pattern[str], text: str, end: int) -> re.Match[str] | None:
    """``pattern.search(text[:end])`` for a ``$``-anchored pattern of bounded width.

    ``pos`` and ``endpos`` keep the character before the window visible to ``\\b``.
    """
    return pattern.search(text, max(0, end - _BEFORE_WINDOW), end)


class _DateParser:
    """dateparser for one message: each phrase parsed once, at most ``_MAX_PARSES`` calls."""

    def __init__(self, now: datetime) -> None:
        self.now = now
        self.parsed: dict[str, datetime | None] = {}

    def parse(self, phrase: str) -> datetime | None:
        if phrase in self.parsed:
            return self.parsed[phrase]
        if len(self.parsed) >= _MAX_PARSES:
            return None
        result = dateparser.parse(
            phrase,
            languages=["da"],
            settings={
                "RELATIVE_BASE": self.now,
                "PREFER_DATES_FROM": "future",
                "DATE_ORDER": "DMY",
            },
        )
        self.parsed[phrase] = result
        return result


def _exists_in_some_year(day: int, month: int | None) -> bool:
    """Whether day (and month) can be a date at all; 29 February counts."""
    if month is None:
        return 1 <= day <= 31
    return 1 <= month <= 12 and 1 <= day <= _MONTH_DAYS[month - 1]


# -- resolvers -----------------------------------------------------------------


@lru_cache(maxsize=16)
def _named_days(year: int) -> dict[str, date]:
    """Danish holiday name -> its date in ``year`` (public and optional holidays)."""
    days = holidays.Denmark(years=year, categories=("public", "optional"), language="da")
    return {name: day for day, name in sorted(days.items())}


def _next_named(name: str, today: date) -> date | None:
    for year in (today.year, today.year + 1):
        day = _named_days(year).get(name)
        if day is not None and day >= today:
            return day
    return None


def _next_weekday(weekday: int, today: date) -> date:
    return today + timedelta(days=(weekday - today.weekday()) % 7)


def _explicit_date(
    text: str, match: re.Match[str], now: datetime, parser: _DateParser | None = None
) -> date | None:
    """Parse a matched date with dateparser; a past date without a year rolls to next year."""
    if match.re is _DATE_NUMERIC:
        if _ends_before(_CLOCK_BEFORE, text, match.start()):
            return None  # "kl. 9.30" is a clock time
        if not _exists_in_some_year(int(match["day"]), int(match["month"])):
            return None  # dateparser would not keep this day and month either
        year = match["year"]
        phrase = f"{match['day']}/{match['month']}" + (f"/{year}" if year else "")
    else:
        if not _exists_in_some_year(int(match["day"]), None):
            return None
        year = match["year"]
        phrase = f"{match['day']}. {match['month']}" + (f" {year}" if year else "")
    parsed = (parser or _DateParser(now)).parse(phrase)
    # dateparser fills gaps from RELATIVE_BASE ("17.30" would become 17 November); a parse
    # that does not keep the written day (and month) is no date.
    if parsed is None or parsed.day != int(match["day"]):
        return None
    if match.re is _DATE_NUMERIC and parsed.month != int(match["month"]):
        return None
    day = parsed.date()
    if year:
        return day
    today = now.date()
    for candidate_year in (today.year, today.year + 1):
        try:
            candidate = day.replace(year=candidate_year)
        except ValueError:  # 29 February outside a leap year
            continue
        if candidate >= today:
            return candidate
    return day


Resolver = Callable[[str, re.Match[str], datetime], date | None]


def _candidates() -> list[tuple[re.Pattern[str], Resolver]]:
    found: list[tuple[re.Pattern[str], Resolver]] = []
    for pattern, offset in _RELATIVE:
        found.append((pattern, lambda _t, _m, now, o=offset: now.date() + timedelta(days=o)))
    for weekday, pattern in enumerate(_WEEKDAYS):
        found.append((pattern, lambda _t, _m, now, w=weekday: _next_weekday(w, now.date())))

    def weekend(_t: str, _m: re.Match[str], now: datetime) -> date:
        today = now.date()
        return today if today.weekday() == 6 else _next_weekday(5, today)

    found.append((_WEEKEND, weekend))
    for pattern, name in _NAMED_DAYS:
        found.append((pattern, lambda _t, _m, now, n=name: _next_named(n, now.date())))
    found.append((_DATE_WORDS, _explicit_date))
    found.append((_DATE_NUMERIC, _explicit_date))
    return found


_DAY_PATTERNS = _candidates()


def resolve_day(text: str | None, now: datetime) -> DayQuery | None:
    """The day a Danish time expression in ``text`` refers to, seen from ``now``; else None.

    ``now`` may be naive (Copenhagen local time) or aware (converted to Copenhagen).
    """
    if not text:
        return None
    folded = fold(text)
    if not folded:
        return None
    local_now = to_local(now).replace(tzinfo=None)
    matches: list[tuple[int, int, re.Match[str], Resolver]] = []
    for pattern, resolver in _DAY_PATTERNS:
        for match in pattern.finditer(folded):
            start = match.start()
            if resolver is _explicit_date:
                weekday = _ends_before(_WEEKDAY_BEFORE, folded, start)
                start = weekday.start() if weekday else start
            matches.append((start, start - match.end(), match, resolver))
    parser = _DateParser(local_now)
    for _start, _neg_len, match, resolver in sorted(matches, key=lambda m: m[:2]):
        if resolver is _explicit_date:
            day = _explicit_date(folded, match, local_now, parser)
        else:
            day = resolver(folded, match, local_now)
        if day is not None:
            return DayQuery("date", day)
    if _NOW.search(folded):
        return DayQuery("now", local_now.date())
    return None
