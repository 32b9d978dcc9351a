"""Danish formatting through Babel (bot/knowledge/formatting.py)."""

from __future__ import annotations

import subprocess
import sys
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from bot.knowledge import formatting
from bot.knowledge.formatting import (
    format_date,
    format_dkk,
    format_list,
    format_number,
    format_percent,
    month_name,
    weekday_name,
)
from bot.settings import TIMEZONE

NBSP = "\u00a0"

# -- lists ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("items", "text"),
    [
        ([], ""),
        (["a"], "a"),
        (["a", "b"], "a og b"),
        (["a", "b", "c"], "a, b og c"),
        (
            ["borger.dk", "e-Boks", "mit.dk", "Digital Post-appen"],
            "borger.dk, e-Boks, mit.dk og Digital Post-appen",
        ),
    ],
)
def test_format_list_and(items: list[str], text: str) -> None:
    assert format_list(items) == text
    assert format_list(items, "and") == text


@pytest.mark.parametrize(
    ("items", "text"),
    [
        ([], ""),
        (["a"], "a"),
        (["a", "b"], "a eller b"),
        (["a", "b", "c"], "a, b eller c"),
    ],
)
def test_format_list_or(items: list[str], text: str) -> None:
    assert format_list(items, style="or") == text


def test_format_list_takes_any_iterable() -> None:
    assert format_list(x for x in ("9-12", "13-15")) == "9-12 og 13-15"
    assert format_list(("a", "b", "c")) == "a, b og c"


def test_format_list_refuses_an_unknown_style() -> None:
    with pytest.raises(ValueError, match="style"):
        format_list(["a", "b"], style="unit")  # type: ignore[arg-type]


# -- dates ---------------------------------------------------------------------


def test_weekday_names() -> None:
    assert [weekday_name(i) for i in range(7)] == [
        "mandag",
        "tirsdag",
        "onsdag",
        "torsdag",
        "fredag",
        "lørdag",
        "søndag",
    ]


def test_month_names() -> None:
    assert [month_name(m) for m in range(1, 13)] == [
        "januar",
        "februar",
        "marts",
        "april",
        "maj",
        "juni",
        "juli",
        "august",
        "september",
        "oktober",
        "november",
        "december",
    ]


@pytest.mark.parametrize("bad", [-1, 7])
def test_weekday_name_out_of_range(bad: int) -> None:
    with pytest.raises(ValueError):
        weekday_name(bad)


@pytest.mark.parametrize("bad", [0, 13])
def test_month_name_out_of_range(bad: int) -> None:
    with pytest.raises(ValueError):
        month_name(bad)


@pytest.mark.parametrize(
    ("day", "text"),
    [
        (date(2026, 1, 1), "torsdag den 1. januar"),
        (date(2026, 2, 28), "lørdag den 28. februar"),
        (date(2028, 2, 29), "tirsdag den 29. februar"),
        (date(2026, 3, 29), "søndag den 29. marts"),
        (date(2026, 4, 6), "mandag den 6. april"),
        (date(2026, 5, 2), "lørdag den 2. maj"),
        (date(2026, 6, 5), "fredag den 5. juni"),
        (date(2026, 7, 15), "onsdag den 15. juli"),
        (date(2026, 8, 4), "tirsdag den 4. august"),
        (date(2026, 9, 10), "torsdag den 10. september"),
        (date(2026, 10, 25), "søndag den 25. oktober"),
        (date(2025, 11, 24), "mandag den 24. november"),
        (date(2026, 12, 31), "torsdag den 31. december"),
    ],
)
def test_format_date(day: date, text: str) -> None:
    assert format_date(day) == text


def test_format_date_every_day_of_two_years() -> None:
    """Babel's names agree with Python's weekday() and month numbers on every day."""
    weekdays = ("mandag", "tirsdag", "onsdag", "torsdag", "fredag", "lørdag", "søndag")
    first = date(2027, 1, 1)
    for offset in range(731):
        day = first + timedelta(days=offset)
        expected = f"{weekdays[day.weekday()]} den {day.day}. {month_name(day.month)}"
        assert format_date(day) == expected


def test_format_date_without_weekday() -> None:
    assert format_date(date(2026, 12, 24), weekday=False) == "24. december"
    assert format_date(date(2026, 5, 1), weekday=False) == "1. maj"


def test_format_date_of_a_datetime_is_its_copenhagen_date() -> None:
    # 23:30 UTC on Sunday 29 November is 00:30 on Monday in Copenhagen.
    late = datetime(2026, 11, 29, 23, 30, tzinfo=timezone.utc)
    assert format_date(late) == "mandag den 30. november"
    # A naive datetime is already Copenhagen local time.
    assert format_date(datetime(2026, 11, 29, 23, 30)) == "søndag den 29. november"
    assert format_date(datetime(2026, 6, 5, 0, 15, tzinfo=TIMEZONE)) == "fredag den 5. juni"


# -- numbers -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "text"),
    [
        (0, "0 kr."),
        (37, "37 kr."),
        (999.4, "999 kr."),
        (1234, "1.234 kr."),
        (121450.4, "121.450 kr."),
        (1_000_000, "1.000.000 kr."),
        (Decimal("2500.5"), "2.500 kr."),  # half to even, as Python's own rounding
        (2501.5, "2.502 kr."),
        (-45, "-45 kr."),
        (-1234.5, "-1.234 kr."),
        (-1_234_567.89, "-1.234.568 kr."),
    ],
)
def test_format_dkk(amount: float, text: str) -> None:
    assert format_dkk(amount) == text


def test_format_dkk_matches_the_old_hand_written_format() -> None:
    for amount in (0, 0.5, 1.5, 2.5, 12.3, 999.5, 1234.5, 98765.49, -0.5, -1234.5, 1e9):
        assert format_dkk(amount) == f"{amount:,.0f} kr.".replace(",", ".")


@pytest.mark.parametrize(
    ("value", "decimals", "text"),
    [
        (1234, None, "1.234"),
        (3.5, None, "3,5"),
        (0.1234, None, "0,123"),
        (-1234.5, None, "-1.234,5"),
        (3, 1, "3,0"),
        (1234.567, 2, "1.234,57"),
        (-0.25, 1, "-0,2"),  # half to even
        (1234.5, 0, "1.234"),
    ],
)
def test_format_number(value: float, decimals: int | None, text: str) -> None:
    assert format_number(value, decimals) == text


@pytest.mark.parametrize(
    ("share", "decimals", "text"),
    [
        (0, 0, f"0{NBSP}%"),
        (0.5, 0, f"50{NBSP}%"),
        (1, 0, f"100{NBSP}%"),
        (0.125, 1, f"12,5{NBSP}%"),
        (0.125, 0, f"12{NBSP}%"),  # half to even
        (0.3333, 2, f"33,33{NBSP}%"),
        (12.5, 0, f"1.250{NBSP}%"),
        (-0.05, 1, f"-5,0{NBSP}%"),
    ],
)
def test_format_percent(share: float, decimals: int, text: str) -> None:
    assert format_percent(share, decimals) == text


def test_negative_decimals_are_refused() -> None:
    with pytest.raises(ValueError):
        format_number(1, -1)
    with pytest.raises(ValueError):
        format_percent(0.5, -1)


# -- loading -------------------------------------------------------------------


def test_one_locale_object_is_kept() -> None:
    assert formatting.locale() is formatting.locale()
    assert str(formatting.locale()) == "da_DK"


def test_importing_loads_no_locale_data() -> None:
    """Babel's locale data is read on first use, not when the module is imported."""
    code = (
        "import babel.localedata as d, bot.knowledge.formatting as f, bot.knowledge.hours;"
        "loaded = getattr(d, '_cache', None);"  # Babel's own cache of parsed locale files
        "assert not loaded, sorted(loaded);"
        "assert f.locale.cache_info().currsize == 0;"
        "f.format_list(['a', 'b']);"
        "assert f.locale.cache_info().currsize == 1;"
        "assert loaded is None or 'da_DK' in loaded"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
