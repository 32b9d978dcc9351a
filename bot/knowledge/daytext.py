"""Which day a citizen asks about: Danish (and English) time expressions to a date or a week.

:func:`resolve_day` takes a whole message ("har I åbent på lørdag?") or an extracted entity
("i morgen", "24. december") and returns a :class:`DayQuery`, or None when the text holds no
time expression it recognises. The moment is always passed in; the clock is never read. The
time of day ("om aftenen", "efter kl. 16") is :func:`bot.knowledge.periods.resolve_period`'s.

Recognised (after folding æ/ø/å to ae/oe/aa and stripping diacritics, so "loerdag", "lordag"
and "lørdag" are the same word; all matched on word boundaries):

* now: "nu", "lige nu", "i øjeblikket"; "now", "right now", "at the moment", "currently";
* relative days: "i dag"/"idag" (also "i aften", "i eftermiddag", "i formiddag"),
  "i morgen"/"imorgen", "i overmorgen"/"overmorgen"; "today" (also "tonight", "this
  morning/afternoon/evening"), "tomorrow", "(the) day after tomorrow";
* weekdays ("lørdag", "på lørdag", "lørdagen"; "saturday", "on saturday", "saturdays"): the
  next such day, today if today is that day; with "i næste uge"/"next week" before or after
  it ("fredag i næste uge", "friday next week"), that weekday in the next week;
* "weekend"/"i weekenden" (and "this weekend", "at the weekend"): the coming Saturday (today
  on a Saturday or a Sunday);
* weeks, as ``DayQuery("week", <its Monday>)``: "næste uge", "i næste uge", "(i) den
  kommende uge", "next week", "the coming week" (next week); "denne uge", "i denne uge",
  "resten af ugen", "this week", "the rest of the week" (this week);
* named days, looked up in the ``holidays`` library (never hand-coded): "juleaften(sdag)",
  "juledag"/"1. juledag", "2./anden juledag", "nytårsaften", "nytårsdag", "grundlovsdag",
  "skærtorsdag", "langfredag", "påskedag", "2./anden påskedag", "kristi himmelfartsdag",
  "pinsedag", "2./anden pinsedag", "arbejdernes kampdag"; in English (the library's
  "en_US" names) "christmas eve", "christmas day", "boxing day", "new year's eve", "new
  year's day", "constitution day", "maundy thursday", "good friday", "easter sunday/monday",
  "ascension day", "whit sunday/monday", "labour day": the next such day, today included;
* explicit dates parsed with ``dateparser``: "24. december", "den 24/12", "5. juni",
  "24.12.2027", "24th of December", "December 24", "May 5, 2027"; without a year a date
  already past this year means next year. Danish month words are parsed as Danish only;
  English-only ones ("may", "october") as Danish or English.

When the text holds several expressions, the leftmost day expression wins (the longest when
several start at the same place); "nu"/"now" counts only when no day is named ("kan jeg nu
komme i morgen?" asks about tomorrow). The English words are not Danish words, so a Danish
text resolves as it would without them.

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
    """What the citizen asked about: right ``now`` (on ``day``), a whole ``date``, or a
    ``week`` (``day`` is its Monday)."""

    kind: Literal["now", "date", "week"]
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

_NOW = _re(
    r"lige\s?nu",
    r"nu",
    _w("i øjeblikket"),
    r"right\snow",
    r"now",
    r"at\sthe\smoment",
    r"currently",
)

_RELATIVE: tuple[tuple[re.Pattern[str], int], ...] = (
    (_re(_w("i dag"), _w("i aften"), _w("i eftermiddag"), _w("i formiddag")), 0),
    (_re(_w("i morgen"), r"i\s?morn"), 1),
    (_re(_w("i overmorgen"), "overmorgen"), 2),
    (_re("today", "tonight", r"this\s(?:morning|afternoon|evening)"), 0),
    (_re("tomorrow"), 1),
    (_re(r"(?:the\s)?day\safter\stomorrow"), 2),
)

_DANISH_WEEKDAYS = ("mandag", "tirsdag", "onsdag", "torsdag", "fredag", "lørdag", "søndag")
_ENGLISH_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
# One regex per weekday (0 = Monday): "lørdag", "lørdagen", "saturday", "saturdays".
_WEEKDAY_WORDS = tuple(
    f"(?:{_w(da)}(?:en)?|{en}s?)"
    for da, en in zip(_DANISH_WEEKDAYS, _ENGLISH_WEEKDAYS, strict=True)
)
_WEEKDAYS = tuple(_re(word) for word in _WEEKDAY_WORDS)

_WEEKEND = _re(r"(?:i\s)?weekend(?:en|s)?")

# Weeks: "næste uge", "(i) den kommende uge", "next week"; "denne uge", "resten af ugen",
# "this week". A leading "i" is left out: nothing else starts there, so nothing changes.
_NEXT_WEEK_WORDS = (
    r"(?:den\s?)?(?:" + _w("næste") + r"|kommende)\s?uge(?:n)?|(?:the\s)?(?:next|coming)\sweek"
)
_NEXT_WEEK = _re(_NEXT_WEEK_WORDS)
_THIS_WEEK = _re(
    r"denne\s?uge",
    r"resten\saf\s(?:denne\s)?ugen?",
    r"this\sweek",
    r"(?:the\s)?rest\sof\s(?:the|this)\sweek",
)
# A weekday in the next week: "fredag i næste uge", "friday next week" (after a weekday);
# "i næste uge på fredag", "next week on friday" (after "next week"). Both of bounded width.
_THEN_NEXT_WEEK = re.compile(r"\s?(?:i\s?)?(?:" + _NEXT_WEEK_WORDS + r")\b")
_THEN_WEEKDAY = re.compile(
    r"\s?(?:" + _w("på") + r"\s?|on\s)?(?:" + "|".join(_WEEKDAY_WORDS) + r")\b"
)

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
# English aliases -> the name the holidays library uses with language "en_US".
_APOSTROPHE_S = r"(?:'|’)?s?"
_NAMED_DAYS_EN: tuple[tuple[str, str], ...] = (
    (r"christmas\s?eve", "Christmas Eve"),
    (r"christmas\sday|first\sday\sof\schristmas", "Christmas Day"),
    (r"boxing\sday|second\sday\sof\schristmas", "Second Day of Christmas"),
    (r"new\s?year" + _APOSTROPHE_S + r"\s?eve", "New Year's Eve"),
    (r"new\s?year" + _APOSTROPHE_S + r"\s?day", "New Year's Day"),
    (r"constitution\sday", "Constitution Day"),
    (r"maundy\sthursday", "Maundy Thursday"),
    (r"good\sfriday", "Good Friday"),
    (r"easter\s(?:sun)?day", "Easter Sunday"),
    (r"easter\smonday", "Easter Monday"),
    (r"ascension(?:\sday)?", "Ascension Day"),
    # Monday before Sunday: "pentecost monday" must not stop at "pentecost".
    (r"whit\s?monday|pentecost\smonday", "Whit Monday"),
    (r"whit\s?sunday|whitsun|pentecost(?:\ssunday)?", "Whit Sunday"),
    (r"labou?r\sday|workers" + _APOSTROPHE_S + r"\sday|may\sday", "Workers' Day"),
)
# One regex for all of them (group n<i> is alias i), so that they cost one pass over the text.
_NAMED_DAY_EN = _re(*(f"(?P<n{i}>{alias})" for i, (alias, _name) in enumerate(_NAMED_DAYS_EN)))
_ENGLISH_NAMES = {f"n{i}": name for i, (_alias, name) in enumerate(_NAMED_DAYS_EN)}


_MONTHS = (
    r"januar|january|jan|februar|february|feb|marts|march|mar|april|apr|maj|may|juni|june|jun|"
    r"juli|july|august|aug|september|sept|sep|oktober|october|okt|oct|november|nov|december|dec"
)
# Month words dateparser reads only in English ("may", "october"); the rest are Danish too.
_ENGLISH_MONTHS = frozenset(
    {"january", "february", "march", "may", "june", "july", "october", "oct"}
)
_ORDINAL = r"(?:st|nd|rd|th)"
_DATE_WORDS = re.compile(
    r"\b(?P<day>\d{1,2})(?:\.|" + _ORDINAL + r")?\s?(?:of\s)?(?P<month>" + _MONTHS + r")\b\.?"
    r"(?:\s?,?\s?(?P<year>\d{4})\b)?"
)
# English order: "December 24", "december 24th, 2027".
_DATE_MONTH_FIRST = re.compile(
    r"\b(?P<month>" + _MONTHS + r")\.?\s?(?:the\s)?(?P<day>\d{1,2})" + _ORDINAL + r"?\b"
    r"(?![.:/-]\d)(?:,?\s?(?P<year>\d{4})\b)?"
)
_DATE_NUMERIC = re.compile(
    r"(?<![\d./-])(?P<day>\d{1,2})[./-](?P<month>\d{1,2})"
    r"(?:[./-](?P<year>\d{4}|\d{2}))?(?![\d/-]|\.\d)"
)
_CLOCK_BEFORE = re.compile(r"\b(?:kl|klokken)\.?\s?$")
# "lørdag den 28. november": the weekday only introduces the date, which is what counts.
_WEEKDAY_BEFORE = re.compile(
    r"\b(?:" + "|".join(_WEEKDAY_WORDS) + r"),?\s?(?:den\s?|d\.\s?|the\s?)?$"
)
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

    def parse(self, phrase: str, english: bool = False) -> datetime | None:
        """``phrase`` read as Danish, or as Danish or English when ``english``."""
        if phrase in self.parsed:
            return self.parsed[phrase]
        if len(self.parsed) >= _MAX_PARSES:
            return None
        result = dateparser.parse(
            phrase,
            languages=["da", "en"] if english else ["da"],
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
def _named_days(year: int, language: str = "da") -> dict[str, date]:
    """Holiday name in ``language`` ("da" or "en_US") -> its date in ``year`` (public and
    optional holidays)."""
    days = holidays.Denmark(years=year, categories=("public", "optional"), language=language)
    # Two holidays on one day share one name: "Anden pinsedag; Grundlovsdag" (5 June 2028).
    return {name: day for day, names in sorted(days.items()) for name in names.split("; ")}


def _next_named(name: str, today: date, language: str = "da") -> date | None:
    for year in (today.year, today.year + 1):
        day = _named_days(year, language).get(name)
        if day is not None and day >= today:
            return day
    return None


def _next_weekday(weekday: int, today: date) -> date:
    return today + timedelta(days=(weekday - today.weekday()) % 7)


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _weekday(weekday: int, text: str, match: re.Match[str], now: datetime) -> date:
    """The next such weekday; with "i næste uge"/"next week" after it, the one next week."""
    today = now.date()
    if _THEN_NEXT_WEEK.match(text, match.end()):
        return _monday(today) + timedelta(days=7 + weekday)
    return _next_weekday(weekday, today)


def _next_week(text: str, match: re.Match[str], now: datetime) -> date | DayQuery:
    """Next week's Monday; with "på fredag"/"on friday" after it, that day of next week."""
    monday = _monday(now.date()) + timedelta(days=7)
    then = _THEN_WEEKDAY.match(text, match.end())
    if then is None:
        return monday
    weekday = next(i for i, pattern in enumerate(_WEEKDAYS) if pattern.search(then[0]))
    return DayQuery("date", monday + timedelta(days=weekday))


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
    english = match["month"] in _ENGLISH_MONTHS if match.re is not _DATE_NUMERIC else False
    parsed = (parser or _DateParser(now)).parse(phrase, english)
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


# A resolver gives the day of its match, or a whole DayQuery when the match means something
# else than its pattern's kind ("næste uge" followed by "på fredag" is a date).
Resolver = Callable[[str, re.Match[str], datetime], "date | DayQuery | None"]
Kind = Literal["date", "week"]


def _candidates() -> list[tuple[re.Pattern[str], Resolver, Kind]]:
    found: list[tuple[re.Pattern[str], Resolver, Kind]] = []
    for pattern, offset in _RELATIVE:
        found.append(
            (pattern, lambda _t, _m, now, o=offset: now.date() + timedelta(days=o), "date")
        )
    for weekday, pattern in enumerate(_WEEKDAYS):
        found.append((pattern, lambda t, m, now, w=weekday: _weekday(w, t, m, now), "date"))

    def weekend(_t: str, _m: re.Match[str], now: datetime) -> date:
        today = now.date()
        return today if today.weekday() == 6 else _next_weekday(5, today)

    found.append((_WEEKEND, weekend, "date"))
    found.append((_THIS_WEEK, lambda _t, _m, now: _monday(now.date()), "week"))
    found.append((_NEXT_WEEK, _next_week, "week"))
    for pattern, name in _NAMED_DAYS:
        found.append((pattern, lambda _t, _m, now, n=name: _next_named(n, now.date()), "date"))
    found.append(
        (
            _NAMED_DAY_EN,
            lambda _t, m, now: _next_named(_ENGLISH_NAMES[str(m.lastgroup)], now.date(), "en_US"),
            "date",
        )
    )
    found.append((_DATE_WORDS, _explicit_date, "date"))
    found.append((_DATE_MONTH_FIRST, _explicit_date, "date"))
    found.append((_DATE_NUMERIC, _explicit_date, "date"))
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
    matches: list[tuple[int, int, re.Match[str], Resolver, Kind]] = []
    for pattern, resolver, kind in _DAY_PATTERNS:
        for match in pattern.finditer(folded):
            start = match.start()
            if resolver is _explicit_date:
                weekday = _ends_before(_WEEKDAY_BEFORE, folded, start)
                start = weekday.start() if weekday else start
            matches.append((start, start - match.end(), match, resolver, kind))
    parser = _DateParser(local_now)
    for _start, _neg_len, match, resolver, kind in sorted(matches, key=lambda m: m[:2]):
        if resolver is _explicit_date:
            day = _explicit_date(folded, match, local_now, parser)
        else:
            day = resolver(folded, match, local_now)
        if isinstance(day, DayQuery):
            return day
        if day is not None:
            return DayQuery(kind, day)
    if _NOW.search(folded):
        return DayQuery("now", local_now.date())
    return None
