"""resolve_day in English, and weeks ("næste uge", "next week") in both languages."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from bot.knowledge.daytext import DayQuery, resolve_day

# Tuesday 24 November 2026, 10:00 Copenhagen time (naive = local).
NOW = datetime(2026, 11, 24, 10)
TODAY = date(2026, 11, 24)
THIS_MONDAY = date(2026, 11, 23)
NEXT_MONDAY = date(2026, 11, 30)


def on(day: date) -> DayQuery:
    return DayQuery("date", day)


def week(monday: date) -> DayQuery:
    return DayQuery("week", monday)


# -- now and relative days -----------------------------------------------------


@pytest.mark.parametrize(
    "text", ["now", "Now", "right now", "at the moment", "are you open now?", "currently"]
)
def test_now(text: str) -> None:
    assert resolve_day(text, NOW) == DayQuery("now", TODAY)


@pytest.mark.parametrize(
    ("text", "day"),
    [
        ("today", TODAY),
        ("are you open today?", TODAY),
        ("tonight", TODAY),
        ("this morning", TODAY),
        ("this afternoon", TODAY),
        ("this evening", TODAY),
        ("tomorrow", date(2026, 11, 25)),
        ("Tomorrow morning", date(2026, 11, 25)),
        ("the day after tomorrow", date(2026, 11, 26)),
        ("day after tomorrow", date(2026, 11, 26)),
    ],
)
def test_relative_days(text: str, day: date) -> None:
    assert resolve_day(text, NOW) == on(day)


def test_a_named_day_beats_now() -> None:
    assert resolve_day("can I come now or tomorrow?", NOW) == on(date(2026, 11, 25))


# -- weekdays and weekend ------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "day"),
    [
        ("monday", date(2026, 11, 30)),
        ("tuesday", TODAY),
        ("on wednesday", date(2026, 11, 25)),
        ("Thursday", date(2026, 11, 26)),
        ("friday", date(2026, 11, 27)),
        ("saturday", date(2026, 11, 28)),
        ("on saturday", date(2026, 11, 28)),
        ("saturdays", date(2026, 11, 28)),
        ("are you open on Sundays?", date(2026, 11, 29)),
    ],
)
def test_weekdays(text: str, day: date) -> None:
    assert resolve_day(text, NOW) == on(day)


@pytest.mark.parametrize(
    "text", ["weekend", "this weekend", "at the weekend", "on the weekend", "weekends"]
)
def test_weekend(text: str) -> None:
    assert resolve_day(text, NOW) == on(date(2026, 11, 28))


# -- named days ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "day"),
    [
        ("christmas eve", date(2026, 12, 24)),
        ("Christmas Eve", date(2026, 12, 24)),
        ("christmas day", date(2026, 12, 25)),
        ("boxing day", date(2026, 12, 26)),
        ("new year's eve", date(2026, 12, 31)),
        ("new years eve", date(2026, 12, 31)),
        ("New Year’s Day", date(2027, 1, 1)),
        ("constitution day", date(2027, 6, 5)),
        ("maundy thursday", date(2027, 3, 25)),
        ("good friday", date(2027, 3, 26)),
        ("easter sunday", date(2027, 3, 28)),
        ("easter monday", date(2027, 3, 29)),
        ("ascension day", date(2027, 5, 6)),
        ("whit sunday", date(2027, 5, 16)),
        ("whit monday", date(2027, 5, 17)),
        ("are you open on good friday?", date(2027, 3, 26)),
    ],
)
def test_named_days(text: str, day: date) -> None:
    assert resolve_day(text, NOW) == on(day)


def test_named_days_same_as_danish() -> None:
    for english, danish in [
        ("christmas eve", "juleaften"),
        ("boxing day", "2. juledag"),
        ("easter monday", "2. påskedag"),
        ("whit monday", "2. pinsedag"),
        ("ascension day", "kristi himmelfartsdag"),
    ]:
        for now in (NOW, datetime(2026, 1, 10, 12), datetime(2027, 12, 25, 12)):
            assert resolve_day(english, now) == resolve_day(danish, now), english


def test_holiday_names_containing_weekdays_are_not_weekdays() -> None:
    assert resolve_day("good friday", NOW) != resolve_day("friday", NOW)
    assert resolve_day("easter monday", NOW) == on(date(2027, 3, 29))


# -- explicit dates ------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "day"),
    [
        ("24 December", date(2026, 12, 24)),
        ("December 24", date(2026, 12, 24)),
        ("December 24th", date(2026, 12, 24)),
        ("24th of December", date(2026, 12, 24)),
        ("on the 24th of december", date(2026, 12, 24)),
        ("are you open on december 24?", date(2026, 12, 24)),
        ("May 5", date(2027, 5, 5)),
        ("5 may", date(2027, 5, 5)),
        ("October 3rd", date(2027, 10, 3)),
        ("3rd of October 2027", date(2027, 10, 3)),
        ("May 5, 2027", date(2027, 5, 5)),
        ("saturday, december 5", date(2026, 12, 5)),  # the date, not the next Saturday
        ("1st of march", date(2027, 3, 1)),
    ],
)
def test_explicit_dates(text: str, day: date) -> None:
    assert resolve_day(text, NOW) == on(day)


@pytest.mark.parametrize("text", ["december 2026", "juli 2027", "in may", "easter", "christmas"])
def test_no_day(text: str) -> None:
    assert resolve_day(text, NOW) is None


# -- weeks ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("næste uge", week(NEXT_MONDAY)),
        ("i næste uge", week(NEXT_MONDAY)),
        ("i naeste uge", week(NEXT_MONDAY)),
        ("naste uge", week(NEXT_MONDAY)),
        ("den kommende uge", week(NEXT_MONDAY)),
        ("i den kommende uge", week(NEXT_MONDAY)),
        ("har I åbent i næste uge?", week(NEXT_MONDAY)),
        ("denne uge", week(THIS_MONDAY)),
        ("i denne uge", week(THIS_MONDAY)),
        ("resten af ugen", week(THIS_MONDAY)),
        ("next week", week(NEXT_MONDAY)),
        ("the coming week", week(NEXT_MONDAY)),
        ("are you open this week?", week(THIS_MONDAY)),
        ("the rest of the week", week(THIS_MONDAY)),
    ],
)
def test_weeks(text: str, expected: DayQuery) -> None:
    assert resolve_day(text, NOW) == expected


def test_week_on_monday_and_sunday() -> None:
    monday, sunday = datetime(2026, 11, 30, 9), datetime(2026, 12, 6, 20)
    assert resolve_day("denne uge", monday) == week(date(2026, 11, 30))
    assert resolve_day("næste uge", monday) == week(date(2026, 12, 7))
    assert resolve_day("this week", sunday) == week(date(2026, 11, 30))
    assert resolve_day("next week", sunday) == week(date(2026, 12, 7))


@pytest.mark.parametrize(
    ("text", "day"),
    [
        ("fredag i næste uge", date(2026, 12, 4)),
        ("i næste uge på fredag", date(2026, 12, 4)),
        ("friday next week", date(2026, 12, 4)),
        ("next week on friday", date(2026, 12, 4)),
        ("tirsdag i næste uge", date(2026, 12, 1)),  # not today
    ],
)
def test_weekday_in_next_week(text: str, day: date) -> None:
    assert resolve_day(text, NOW) == on(day)


def test_day_before_week_wins() -> None:
    assert resolve_day("i morgen eller i næste uge", NOW) == on(date(2026, 11, 25))
    assert resolve_day("i næste uge eller i morgen", NOW) == week(NEXT_MONDAY)


@pytest.mark.parametrize("text", ["ugen", "uge", "ugedag", "weekly", "a week"])
def test_not_a_week(text: str) -> None:
    assert resolve_day(text, NOW) is None


def test_holidays_sharing_a_day() -> None:
    # 5 June 2028 is both Anden pinsedag (Whit Monday) and Grundlovsdag (Constitution Day).
    now = datetime(2027, 12, 25, 12)
    for text in ("2. pinsedag", "whit monday", "grundlovsdag", "constitution day"):
        assert resolve_day(text, now) == on(date(2028, 6, 5)), text
