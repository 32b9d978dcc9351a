"""The Danish formats staff read: one formatter for the staff pages, the web team's pages, the
statistics' text templates and the KOMHEN CSV, built on Babel's CLDR data (da_DK).

* :func:`number`: "231,3", "10.139" (``decimals``: exactly that many);
* :func:`whole`: a count as a whole number, "10.139" (a fractional count is rounded);
* :func:`percent`: a share, 0.571 -> "57,1 %" (the space is CLDR's no-break space);
* :func:`dkk`: whole kroner, "10.139 kr.";
* :func:`day`: a date, "9. nov. 2026" (a datetime gives its Copenhagen date); :func:`day_month`
  a day of the year, "5. jun.";
* :func:`moment`: a point in time in Copenhagen, "6. dec. 2026 kl. 04.25"; :func:`clock` its
  time of day with seconds, "04.25.13" (a log line);
* :func:`iso_week`: a week as KOMHEN writes it, "2026-U48".

:data:`FILTERS` registers them as Jinja2 filters (``{{ share|percent(1) }}``); no page or
template formats a number or a date any other way. The citizens' formats (answers in Danish
and English) are :mod:`bot.knowledge.formatting`, which the numbers here share.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timezone
from typing import Any

from babel.dates import format_date, format_datetime, format_time

from bot.knowledge.formatting import LOCALE, Number, format_dkk, format_number, format_percent
from bot.settings import TIMEZONE

DATE_PATTERN = "d. MMM y"
"""CLDR pattern of :func:`day`: "9. nov. 2026" (CLDR's abbreviated Danish month names)."""

DAY_MONTH_PATTERN = "d. MMM"
"""CLDR pattern of :func:`day_month`: "5. jun."."""

CLOCK_PATTERN = "HH.mm.ss"
"""CLDR pattern of :func:`clock`: "04.25.13"."""

MOMENT_PATTERN = "d. MMM y 'kl.' HH.mm"
"""CLDR pattern of :func:`moment`: "6. dec. 2026 kl. 04.25" (Danish writes the clock with a dot)."""


def number(value: Number | None, decimals: int | None = None) -> str:
    """A Danish number: "231,3" (``decimals=1``), "10.139"; "" for None."""
    return "" if value is None else format_number(value, decimals)


def whole(value: Number | None) -> str:
    """A count as staff read it: a whole number, "10.139" (rounded half to even)."""
    return "" if value is None else format_number(round(value), 0)


def percent(share: Number | None, decimals: int = 1) -> str:
    """A share as a Danish percentage: 0.571 -> "57,1 %" (``decimals=0``: "57 %")."""
    return "" if share is None else format_percent(share, decimals)


def dkk(amount: Number) -> str:
    """Whole Danish kroner: "10.139 kr."."""
    return format_dkk(amount)


def _local(value: datetime) -> datetime:
    """A stored time in Copenhagen; a naive one is UTC (how the databases keep times)."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(TIMEZONE)


def day(value: date | datetime | None) -> str:
    """A Danish date: "9. nov. 2026"; a datetime gives its Copenhagen date; "" for None."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = _local(value).date()
    return format_date(value, DATE_PATTERN, locale=LOCALE)


def day_month(value: date) -> str:
    """A day of the year without the year: "5. jun." (a yearly closed day)."""
    return format_date(value, DAY_MONTH_PATTERN, locale=LOCALE)


def moment(value: datetime | None) -> str:
    """A point in time in Copenhagen: "6. dec. 2026 kl. 04.25"; "" for None."""
    if value is None:
        return ""
    return format_datetime(_local(value), MOMENT_PATTERN, tzinfo=TIMEZONE, locale=LOCALE)


def clock(value: datetime | None) -> str:
    """The time of day in Copenhagen with seconds, as a log line shows it: "04.25.13"."""
    if value is None:
        return ""
    return format_time(_local(value), CLOCK_PATTERN, tzinfo=TIMEZONE, locale=LOCALE)


def iso_week(monday: date) -> str:
    """The ISO week of a day as KOMHEN writes it: "2026-U48" (year of the ISO week)."""
    year, week, _ = monday.isocalendar()
    return f"{year}-U{week:02d}"


def csv_cell(value: Any) -> str:
    """A value as a cell of a Danish spreadsheet: numbers with a decimal comma and no
    thousands separator ("12,5", "1234"), dates as ISO dates, text as it is."""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return f"{value:.6f}".rstrip("0").rstrip(".").replace(".", ",")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


FILTERS: dict[str, Callable[..., str]] = {
    "number": number,
    "whole": whole,
    "percent": percent,
    "dkk": dkk,
    "day": day,
    "day_month": day_month,
    "moment": moment,
    "clock": clock,
    "iso_week": iso_week,
}
"""The formats as Jinja2 filters, for every template environment that shows staff figures."""
