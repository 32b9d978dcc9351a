"""Unit tests for bot.knowledge.daytext: Danish time expressions to the day asked about."""

from __future__ import annotations

from datetime import date, datetime, timezone

import pytest

from bot.knowledge.daytext import DayQuery, fold, resolve_day
from bot.settings import TIMEZONE

# Tuesday 24 November 2026, 10:00 Copenhagen time (naive = local).
NOW = datetime(2026, 11, 24, 10)
TODAY = date(2026, 11, 24)
SATURDAY = datetime(2026, 11, 28, 12)
SUNDAY = datetime(2026, 11, 29, 12)


def on(day: date) -> DayQuery:
    return DayQuery("date", day)


def test_calendar_assumptions() -> None:
    assert TODAY.weekday() == 1


# -- now -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "nu",
        "Nu",
        "lige nu",
        "Lige nu!",
        "er I åbne nu?",
        "har I åbent lige nu",
        "i øjeblikket",
        "i oejeblikket",
    ],
)
def test_now(text: str) -> None:
    assert resolve_day(text, NOW) == DayQuery("now", TODAY)


def test_now_uses_copenhagen_date_of_aware_now() -> None:
    # 23:30 UTC on 24 November is 00:30 on 25 November in Copenhagen.
    now = datetime(2026, 11, 24, 23, 30, tzinfo=timezone.utc)
    assert resolve_day("nu", now) == DayQuery("now", date(2026, 11, 25))
    assert resolve_day("i dag", now) == on(date(2026, 11, 25))
    assert resolve_day("i morgen", now.astimezone(TIMEZONE)) == on(date(2026, 11, 26))


def test_a_named_day_beats_now() -> None:
    assert resolve_day("kan jeg nu komme i morgen?", NOW) == on(date(2026, 11, 25))


# -- nothing recognisable ------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        None,
        "",
        "   ",
        "nummer",
        "hvad er jeres telefonnummer?",
        "har I åbent?",
        "hvornår har borgerservice åbent",
        "menu",
        "i dagtimerne",
        "om morgenen",
        "hverdage",
        "jeg skal bruge et nyt pas",
        "ring på 32 76 11 00",
        "åbner I kl. 9.30?",
        "har I åbent til 17.30?",
        "32. december",
        "31/4",
        "påske",
    ],
)
def test_nothing_recognisable(text: str | None) -> None:
    assert resolve_day(text, NOW) is None


# -- relative days -------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "day"),
    [
        ("i dag", TODAY),
        ("idag", TODAY),
        ("I DAG", TODAY),
        ("i aften", TODAY),
        ("i eftermiddag", TODAY),
        ("i morgen", date(2026, 11, 25)),
        ("imorgen", date(2026, 11, 25)),
        ("i morn", date(2026, 11, 25)),
        ("i overmorgen", date(2026, 11, 26)),
        ("iovermorgen", date(2026, 11, 26)),
        ("overmorgen", date(2026, 11, 26)),
    ],
)
def test_relative_days(text: str, day: date) -> None:
    assert resolve_day(text, NOW) == on(day)


def test_tomorrow_across_month_and_year() -> None:
    assert resolve_day("i morgen", datetime(2026, 11, 30, 12)) == on(date(2026, 12, 1))
    assert resolve_day("i overmorgen", datetime(2026, 12, 31, 12)) == on(date(2027, 1, 2))


# -- weekdays ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "day"),
    [
        ("mandag", date(2026, 11, 30)),
        ("tirsdag", TODAY),  # today counts
        ("onsdag", date(2026, 11, 25)),
        ("torsdag", date(2026, 11, 26)),
        ("fredag", date(2026, 11, 27)),
        ("lørdag", date(2026, 11, 28)),
        ("på lørdag", date(2026, 11, 28)),
        ("Lørdag", date(2026, 11, 28)),
        ("LØRDAG", date(2026, 11, 28)),
        ("lørdagen", date(2026, 11, 28)),
        ("loerdag", date(2026, 11, 28)),
        ("lordag", date(2026, 11, 28)),
        ("på loerdag", date(2026, 11, 28)),
        ("søndag", date(2026, 11, 29)),
        ("soendag", date(2026, 11, 29)),
        ("sondag", date(2026, 11, 29)),
        ("på søndag", date(2026, 11, 29)),
    ],
)
def test_weekdays(text: str, day: date) -> None:
    assert resolve_day(text, NOW) == on(day)


def test_weekday_today_counts_on_saturday() -> None:
    assert resolve_day("på lørdag", SATURDAY) == on(date(2026, 11, 28))
    assert resolve_day("søndag", SATURDAY) == on(date(2026, 11, 29))
    assert resolve_day("fredag", SATURDAY) == on(date(2026, 12, 4))


def test_holiday_names_containing_weekdays_are_not_weekdays() -> None:
    assert resolve_day("langfredag", NOW) == on(date(2027, 3, 26))
    assert resolve_day("skærtorsdag", NOW) == on(date(2027, 3, 25))


# -- weekend -------------------------------------------------------------------


@pytest.mark.parametrize(
    "text", ["weekend", "i weekenden", "weekenden", "har I åbent i weekenden?"]
)
def test_weekend_is_coming_saturday(text: str) -> None:
    assert resolve_day(text, NOW) == on(date(2026, 11, 28))


def test_weekend_during_the_weekend_is_today() -> None:
    assert resolve_day("i weekenden", SATURDAY) == on(date(2026, 11, 28))
    assert resolve_day("i weekenden", SUNDAY) == on(date(2026, 11, 29))


# -- named days ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "day"),
    [
        ("juleaften", date(2026, 12, 24)),
        ("juleaftensdag", date(2026, 12, 24)),
        ("juleaftens dag", date(2026, 12, 24)),
        ("Juleaften", date(2026, 12, 24)),
        ("nytårsaften", date(2026, 12, 31)),
        ("nytaarsaften", date(2026, 12, 31)),
        ("nytarsaften", date(2026, 12, 31)),
        ("nytårsdag", date(2027, 1, 1)),
        ("grundlovsdag", date(2027, 6, 5)),
        ("juledag", date(2026, 12, 25)),
        ("1. juledag", date(2026, 12, 25)),
        ("første juledag", date(2026, 12, 25)),
        ("2. juledag", date(2026, 12, 26)),
        ("anden juledag", date(2026, 12, 26)),
        ("anden påskedag", date(2027, 3, 29)),
        ("kristi himmelfartsdag", date(2027, 5, 6)),
        ("2. pinsedag", date(2027, 5, 17)),
    ],
)
def test_named_days(text: str, day: date) -> None:
    assert resolve_day(text, NOW) == on(day)


def test_easter_2026_from_january() -> None:
    now = datetime(2026, 1, 10, 12)
    assert resolve_day("skærtorsdag", now) == on(date(2026, 4, 2))
    assert resolve_day("langfredag", now) == on(date(2026, 4, 3))
    assert resolve_day("påskedag", now) == on(date(2026, 4, 5))
    assert resolve_day("2. påskedag", now) == on(date(2026, 4, 6))
    assert resolve_day("anden paaskedag", now) == on(date(2026, 4, 6))


def test_named_day_today_counts_and_past_rolls_over() -> None:
    assert resolve_day("juleaften", datetime(2026, 12, 24, 9)) == on(date(2026, 12, 24))
    assert resolve_day("juleaften", datetime(2026, 12, 25, 9)) == on(date(2027, 12, 24))
    assert resolve_day("grundlovsdag", datetime(2026, 5, 1, 9)) == on(date(2026, 6, 5))


# -- explicit dates ------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "day"),
    [
        ("24. december", date(2026, 12, 24)),
        ("24 december", date(2026, 12, 24)),
        ("24. dec.", date(2026, 12, 24)),
        ("den 24. december", date(2026, 12, 24)),
        ("den 24/12", date(2026, 12, 24)),
        ("24/12", date(2026, 12, 24)),
        ("d. 24.12", date(2026, 12, 24)),
        ("24-12", date(2026, 12, 24)),
        ("5. juni", date(2027, 6, 5)),  # already past this year
        ("1. maj", date(2027, 5, 1)),
        ("24. november", TODAY),  # today is not past
        ("23. november", date(2027, 11, 23)),
        ("23/11", date(2027, 11, 23)),
        ("24.12.2027", date(2027, 12, 24)),
        ("24. december 2027", date(2027, 12, 24)),
        ("den 5/6-2027", date(2027, 6, 5)),
        ("24/12/26", date(2026, 12, 24)),
        ("29/2", date(2028, 2, 29)),
    ],
)
def test_explicit_dates(text: str, day: date) -> None:
    assert resolve_day(text, NOW) == on(day)


def test_explicit_date_with_aware_now() -> None:
    now = datetime(2026, 12, 24, 8, tzinfo=TIMEZONE)
    assert resolve_day("24/12", now) == on(date(2026, 12, 24))
    assert resolve_day("23/12", now) == on(date(2027, 12, 23))


# -- expressions inside sentences ----------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("har i åbent på lørdag?", on(date(2026, 11, 28))),
        ("Har I åbent på lørdag?", on(date(2026, 11, 28))),
        ("er borgerservice åben i morgen", on(date(2026, 11, 25))),
        ("Hvornår åbner I i morgen?", on(date(2026, 11, 25))),
        ("hvornår åbner rådhuset i overmorgen", on(date(2026, 11, 26))),
        ("kan jeg komme juleaften?", on(date(2026, 12, 24))),
        ("har I åbent den 24. december?", on(date(2026, 12, 24))),
        ("er der åbent d. 24/12 om formiddagen", on(date(2026, 12, 24))),
        ("har i åbent i dag?", on(TODAY)),
        ("har i åbent idag", on(TODAY)),
        ("hvad er åbningstiderne nu?", DayQuery("now", TODAY)),
        ("åbent i morgen kl. 10.30?", on(date(2026, 11, 25))),
        ("åbent i dag eller i morgen?", on(TODAY)),  # the first expression
        ("hvad med søndag den 27/12", on(date(2026, 12, 27))),  # the date, not the next Sunday
        ("lørdag d. 5. december", on(date(2026, 12, 5))),
        ("Hvornår holder I lukket i julen, f.eks. 2. juledag?", on(date(2026, 12, 26))),
        ("kan man komme forbi nytårsaften", on(date(2026, 12, 31))),
    ],
)
def test_inside_sentences(text: str, expected: DayQuery) -> None:
    assert resolve_day(text, NOW) == expected


# -- folding -------------------------------------------------------------------


def test_fold() -> None:
    assert fold("  Lørdag  ÆBLE  på ") == "loerdag aeble paa"
    assert fold("Café") == "cafe"
    assert fold("lördag") == "lordag"
