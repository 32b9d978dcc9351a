"""Opening hours: which days are open, whether a place is open at a moment, and Danish formatting.

Every function takes the moment explicitly and never reads the clock. All local times are
Europe/Copenhagen: a naive datetime is taken as Copenhagen local time, an aware one is converted.

Order of rules for one day (:func:`day_schedule`):

1. a dated exception (``WeeklyHours.exceptions``) wins: its hours, or closed with its note;
2. a Danish public holiday closes the day when ``closed_on_public_holidays`` (reason: the
   holiday's Danish name from the ``holidays`` library, e.g. "Juledag");
3. a ``closed_yearly`` "MM-DD" closes the day (reason: the Danish name of the day when the
   ``holidays`` library knows it as an optional holiday, e.g. "Juleaftensdag"; else None);
4. otherwise the weekday's intervals.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from functools import lru_cache

import holidays

from bot.knowledge.formatting import format_date, format_list, weekday_name, word
from bot.knowledge.periods import Period
from bot.knowledge.profile_model import Interval, WeeklyHours
from bot.settings import TIMEZONE

SEARCH_DAYS = 366
"""How many days after the moment's date :func:`next_opening` looks for an opening."""

_END_OF_DAY = time(23, 59, 59)  # how the profile stores "24:00"


@dataclass(frozen=True)
class DaySchedule:
    """The opening intervals of one calendar day and, when closed, why (if known).

    ``closed_reason`` is set only for a day without intervals: an exception's note, a public
    holiday's Danish name, or the Danish name of a ``closed_yearly`` day. ``note`` carries a
    dated exception's note also when the exception has (special) hours.
    """

    day: date
    intervals: tuple[Interval, ...]
    closed_reason: str | None = None
    note: str | None = None


@dataclass(frozen=True)
class OpenStatus:
    """Whether a place is open at a moment, and when that changes."""

    is_open: bool
    closes_at: datetime | None
    next_open: datetime | None
    today: DaySchedule


# -- holidays ------------------------------------------------------------------


@lru_cache(maxsize=32)
def _public_holidays(year: int) -> holidays.HolidayBase:
    return holidays.Denmark(years=year, language="da")


# Our language codes -> the holidays library's.
_HOLIDAY_LANGUAGES = {"da": "da", "en": "en_US"}


@lru_cache(maxsize=32)
def _named_days(year: int, language: str = "da") -> holidays.HolidayBase:
    return holidays.Denmark(
        years=year, categories=("public", "optional"), language=_HOLIDAY_LANGUAGES[language]
    )


def public_holiday_name(day: date) -> str | None:
    """The Danish name of the public holiday on ``day`` (e.g. "Anden påskedag"), else None."""
    return _public_holidays(day.year).get(day)


def named_day(day: date, language: str = "da") -> str | None:
    """The name of a public or optional holiday on ``day`` in ``language`` ("da" or "en"),
    e.g. "Juleaftensdag" / "Christmas Eve"; else None."""
    return _named_days(day.year, language).get(day)


# -- schedules -----------------------------------------------------------------


def day_schedule(hours: WeeklyHours, day: date) -> DaySchedule:
    """The intervals of ``day`` after exceptions, public holidays and yearly closed days."""
    for exception in hours.exceptions:
        if exception.date == day:
            intervals = tuple(exception.hours)
            reason = None if intervals else exception.note
            return DaySchedule(day, intervals, reason, exception.note)
    if hours.closed_on_public_holidays:
        name = public_holiday_name(day)
        if name:
            return DaySchedule(day, (), name)
    if day.strftime("%m-%d") in hours.closed_yearly:
        return DaySchedule(day, (), named_day(day))
    return DaySchedule(day, tuple(hours.for_weekday(day.weekday())))


def to_local(moment: datetime) -> datetime:
    """``moment`` as an aware Copenhagen datetime (naive = already Copenhagen local time)."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=TIMEZONE)
    return moment.astimezone(TIMEZONE)


def _at(day: date, t: time) -> datetime:
    """Local wall-clock ``t`` on ``day``; the profile's 23:59:59 ("24:00") is next midnight."""
    if t == _END_OF_DAY:
        return datetime.combine(day + timedelta(days=1), time(0), tzinfo=TIMEZONE)
    return datetime.combine(day, t, tzinfo=TIMEZONE)


def _real(dt: datetime) -> datetime:
    """A wall-clock time that exists: 02:30 on the spring-forward day becomes 03:30."""
    return dt.astimezone(timezone.utc).astimezone(TIMEZONE)


def _open_periods(
    hours: WeeklyHours, first: date, days: int
) -> Iterator[tuple[datetime, datetime]]:
    """Open periods (start, end) from ``first`` on, touching intervals merged into one.

    Datetimes share the Copenhagen tzinfo, so they compare by local wall-clock time.
    """
    current: tuple[datetime, datetime] | None = None
    for offset in range(days + 1):
        day = first + timedelta(days=offset)
        for interval in day_schedule(hours, day).intervals:
            start, end = _at(day, interval.start), _at(day, interval.end)
            if current is not None and start <= current[1]:
                current = (current[0], max(current[1], end))
                continue
            if current is not None:
                yield current
            current = (start, end)
    if current is not None:
        yield current


def status_at(hours: WeeklyHours, moment: datetime) -> OpenStatus:
    """Whether the place is open at ``moment``; closing time if open, next opening if closed."""
    local = to_local(moment)
    today = day_schedule(hours, local.date())
    # Start a day early so that a period running past midnight is seen whole.
    first = local.date() - timedelta(days=1)
    days = SEARCH_DAYS + 1
    beyond = datetime.combine(first + timedelta(days=days + 1), time(0), tzinfo=TIMEZONE)
    for start, end in _open_periods(hours, first, days):
        if end <= local:
            continue
        if start <= local:
            # An open period reaching the end of the search has no known closing time.
            closes_at = None if end >= beyond else _real(end)
            return OpenStatus(True, closes_at, None, today)
        return OpenStatus(False, None, _real(start), today)
    return OpenStatus(False, None, None, today)


def next_opening(hours: WeeklyHours, moment: datetime) -> datetime | None:
    """The next moment strictly after ``moment`` at which the place opens (None within a year).

    When the place is open at ``moment`` this is the start of the next open period.
    """
    local = to_local(moment)
    first = local.date() - timedelta(days=1)
    for start, _end in _open_periods(hours, first, SEARCH_DAYS + 1):
        if start > local:
            return _real(start)
    return None


# -- formatting ----------------------------------------------------------------
# Weekday and month names, dates and lists come from Babel (bot/knowledge/formatting.py);
# ``weekday_name`` and ``format_date`` stay importable from here for existing callers. Clock
# times ("8.45", whole hours as "9", the profile's "24:00" as "24") follow the Danish
# convention for opening hours, which is not a CLDR time pattern, so they are written here;
# "i dag", "i morgen", "kl." and their English counterparts, which Babel's locale data does not
# carry, are in words.yml (``formatting.word``).


def format_time(t: time, *, language: str = "da") -> str:
    """Danish clock time: "9", "8.45", "17.30"; the profile's "24:00" gives "24".

    English (``language="en"``, the style of the English period labels): "9 am", "8:45 am",
    "5:30 pm", "12 pm" at noon, "midnight" for "24:00".
    """
    if language == "en":
        if t == _END_OF_DAY:
            return "midnight"
        hour, suffix = t.hour % 12 or 12, "am" if t.hour < 12 else "pm"
        return f"{hour} {suffix}" if t.minute == 0 else f"{hour}:{t.minute:02d} {suffix}"
    if t == _END_OF_DAY:
        return "24"
    return str(t.hour) if t.minute == 0 else f"{t.hour}.{t.minute:02d}"


def format_intervals(intervals: Iterable[Interval], *, language: str = "da") -> str:
    """ "kl. 9-15", "kl. 9-12 og 13-15", or "lukket" when there are no intervals.

    English: "9 am–3 pm", "9 am–12 pm and 1 pm–3 pm", or "closed".
    """
    parts = [
        word(
            "time_range",
            language,
            start=format_time(i.start, language=language),
            end=format_time(i.end, language=language),
        )
        for i in intervals
    ]
    if not parts:
        return word("closed", language)
    if language == "en":
        return format_list(parts, language=language)
    return word("at_time", language, time=format_list(parts, language=language))


def _same(a: Sequence[Interval], b: Sequence[Interval]) -> bool:
    return [(i.start, i.end) for i in a] == [(i.start, i.end) for i in b]


def format_weekly(hours: WeeklyHours, *, language: str = "da") -> str:
    """The weekly pattern, consecutive equal days grouped.

    E.g. "mandag-onsdag kl. 9-15, torsdag kl. 9-17, fredag kl. 9-13, lørdag-søndag lukket";
    English: "Monday to Wednesday 9 am–3 pm, ..., Saturday to Sunday closed".
    """
    groups: list[tuple[int, int]] = []
    for i in range(7):
        if groups and _same(hours.for_weekday(groups[-1][0]), hours.for_weekday(i)):
            groups[-1] = (groups[-1][0], i)
        else:
            groups.append((i, i))
    parts = []
    for first, last in groups:
        name = weekday_name(first, language=language)
        if first != last:
            name = word(
                "day_range", language, first=name, last=weekday_name(last, language=language)
            )
        parts.append(f"{name} {format_intervals(hours.for_weekday(first), language=language)}")
    return ", ".join(parts)


def format_moment(dt: datetime, now: datetime, *, language: str = "da") -> str:
    """A coming moment relative to ``now``: "i dag kl. 9", "i morgen kl. 9",
    or "mandag den 30. november kl. 9"; English: "today at 9 am", "tomorrow at 9 am",
    "on Monday 30 November at 9 am"."""
    local, today = to_local(dt), to_local(now).date()
    clock = word("at_time", language, time=format_time(local.time(), language=language))
    if local.date() == today:
        return f"{word('today', language)} {clock}"
    if local.date() == today + timedelta(days=1):
        return f"{word('tomorrow', language)} {clock}"
    day = word("day_other", language, date=format_date(local.date(), language=language))
    return f"{day} {clock}"


# -- periods of a day and weeks ------------------------------------------------


def open_during(hours: WeeklyHours, day: date, period: Period) -> tuple[Interval, ...]:
    """The intervals of ``day`` (see :func:`day_schedule`) that overlap ``period``'s window;
    for an instant, the interval that contains it (open at its start, closed at its end)."""
    intervals = day_schedule(hours, day).intervals
    if period.is_instant:
        return tuple(i for i in intervals if i.start <= period.start < i.end)
    return tuple(i for i in intervals if i.start < period.end and i.end > period.start)


def next_day_open_during(
    hours: WeeklyHours, after: date, period: Period, limit_days: int = 14
) -> date | None:
    """The first day strictly after ``after`` (at most ``limit_days`` on) that is open
    during ``period``, else None."""
    for offset in range(1, limit_days + 1):
        day = after + timedelta(days=offset)
        if open_during(hours, day, period):
            return day
    return None


def week_schedule(hours: WeeklyHours, monday: date) -> tuple[DaySchedule, ...]:
    """The schedules of the seven days from ``monday`` (normally a Monday) on."""
    return tuple(day_schedule(hours, monday + timedelta(days=i)) for i in range(7))
