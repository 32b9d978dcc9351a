"""Times of day ("om aftenen", "efter kl. 16", "at 5 pm") and checking them against schedules."""

from __future__ import annotations

from datetime import date, time, timedelta

import pytest

from bot.knowledge import periods
from bot.knowledge.hours import (
    day_schedule,
    next_day_open_during,
    open_during,
    week_schedule,
)
from bot.knowledge.periods import END_OF_DAY, Period, format_clock, resolve_period
from bot.knowledge.profile import PROFILE_DIR, load_profile_file
from bot.knowledge.profile_model import Profile, WeeklyHours
from tests.unit.dialogue.test_linear_time import BOT_TEXTS, assert_linear

# 2026-11-23 is a Monday; the Thursday is the 26th, the Friday the 27th.
MONDAY = date(2026, 11, 23)
THURSDAY = date(2026, 11, 26)
FRIDAY = date(2026, 11, 27)
SATURDAY = date(2026, 11, 28)


@pytest.fixture(scope="module")
def taarnby() -> Profile:
    return load_profile_file(PROFILE_DIR / "taarnby.yml")


def period(text: str) -> Period:
    found = resolve_period(text)
    assert found is not None, text
    return found


def test_calendar_assumptions() -> None:
    assert MONDAY.weekday() == 0 and THURSDAY.weekday() == 3 and FRIDAY.weekday() == 4


# -- named periods -------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "period_id"),
    [
        ("om morgenen", "morning"),
        ("tidligt", "morning"),
        ("har I åbent tidligt om morgenen?", "morning"),
        ("i morgen tidlig", "morning"),
        ("morning", "morning"),
        ("in the morning", "morning"),
        ("om formiddagen", "forenoon"),
        ("i formiddag", "forenoon"),
        ("before noon", "forenoon"),
        ("ved middagstid", "lunch"),
        ("middag", "lunch"),
        ("frokost", "lunch"),
        ("kan jeg komme i frokostpausen?", "lunch"),
        ("lunch", "lunch"),
        ("lunchtime", "lunch"),
        ("at noon", "lunch"),
        ("om eftermiddagen", "afternoon"),
        ("i eftermiddag", "afternoon"),
        ("afternoon", "afternoon"),
        ("om aftenen", "evening"),
        ("OM AFTENEN", "evening"),
        ("i aften", "evening"),
        ("aften", "evening"),
        ("sent", "evening"),
        ("hvor sent har I åbent?", "evening"),
        ("evening", "evening"),
        ("tonight", "evening"),
        ("kan man ringe til jer om aftenen", "evening"),
    ],
)
def test_named_periods(text: str, period_id: str) -> None:
    found = period(text)
    assert found.id == period_id
    assert not found.is_instant


def test_named_period_windows_and_labels() -> None:
    evening = period("om aftenen")
    assert (evening.start, evening.end) == (time(17), END_OF_DAY)
    assert evening.label("da") == "om aftenen"
    assert evening.label("en") == "in the evening"
    assert evening.label("de") == "om aftenen"  # unknown language: Danish


def test_leftmost_named_period_wins() -> None:
    assert period("om morgenen eller om aftenen").id == "morning"
    assert period("before noon").id == "forenoon"  # not "noon" (lunch)


# -- clock expressions ---------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "start", "label_da", "label_en"),
    [
        ("efter kl. 16", time(16), "efter kl. 16", "after 4 pm"),
        ("efter klokken 16", time(16), "efter kl. 16", "after 4 pm"),
        ("efter 16", time(16), "efter kl. 16", "after 4 pm"),
        ("efter kl. 16.30", time(16, 30), "efter kl. 16.30", "after 4:30 pm"),
        ("efter kl.16", time(16), "efter kl. 16", "after 4 pm"),
        ("after 4 pm", time(16), "efter kl. 16", "after 4 pm"),
        ("after 4:30 p.m.", time(16, 30), "efter kl. 16.30", "after 4:30 pm"),
        ("after 16:00", time(16), "efter kl. 16", "after 4 pm"),
        ("har I åbent efter kl. 18 på fredag?", time(18), "efter kl. 18", "after 6 pm"),
    ],
)
def test_after(text: str, start: time, label_da: str, label_en: str) -> None:
    found = period(text)
    assert (found.id, found.start, found.end, found.is_instant) == (
        "after",
        start,
        END_OF_DAY,
        False,
    )
    assert found.label("da") == label_da
    assert found.label("en") == label_en


@pytest.mark.parametrize(
    "text", ["før kl. 10", "foer kl. 10", "for kl. 10", "inden kl. 10", "before 10 am"]
)
def test_before(text: str) -> None:
    found = period(text)
    assert (found.id, found.start, found.end, found.is_instant) == (
        "before",
        time(0),
        time(10),
        False,
    )
    assert found.label("da") == "før kl. 10"
    assert found.label("en") == "before 10 am"


@pytest.mark.parametrize(
    ("text", "at"),
    [
        ("kl. 17", time(17)),
        ("klokken 17", time(17)),
        ("at 5 pm", time(17)),
        ("at 17:00", time(17)),
        ("5 pm", time(17)),
        ("kl. 9.30", time(9, 30)),
        ("at 12 pm", time(12)),
        ("at 12 am", time(0)),
    ],
)
def test_instant(text: str, at: time) -> None:
    found = period(text)
    assert (found.id, found.start, found.end, found.is_instant) == ("at", at, at, True)


def test_instant_labels() -> None:
    assert period("kl. 17").label("da") == "kl. 17"
    assert period("kl. 17").label("en") == "at 5 pm"
    assert period("kl. 9.30").label("en") == "at 9:30 am"


def test_clock_inside_after_is_not_an_instant() -> None:
    assert period("efter kl. 16").id == "after"
    assert period("inden kl. 10").id == "before"


def test_clock_beats_named_period() -> None:
    assert period("i aften kl. 19") == period("kl. 19")
    assert period("om eftermiddagen efter kl. 15").id == "after"


def test_same_time_same_period() -> None:
    assert period("efter kl. 16") == period("after 4 pm") == period("after 16:00")


@pytest.mark.parametrize(
    "text",
    [
        None,
        "",
        "   ",
        "hvornår har borgerservice åbent",
        "i morgen",
        "i dag",
        "24/12",
        "den 24.12",
        "efter 3 uger",
        "efter 1. maj",
        "efter 24/12",
        "efter 5.12.2026",
        "for 2 personer",
        "at komme 2 gange",
        "I sent it to you yesterday",
        "have you sent the form",
        "ring på 32 76 11 00",
        "kl. 25",
        "efter kl. 24",
        "før kl. 0",
        "at 5",
        "after 13 pm",
        "formiddagsmad",
        "juleaften",
    ],
)
def test_no_period(text: str | None) -> None:
    assert resolve_period(text) is None


def test_format_clock() -> None:
    assert format_clock(time(16)) == "16"
    assert format_clock(time(16, 30)) == "16.30"
    assert format_clock(END_OF_DAY) == "24"
    assert format_clock(time(16), "en") == "4 pm"
    assert format_clock(time(9, 5), "en") == "9:05 am"
    assert format_clock(time(0), "en") == "12 am"
    assert format_clock(time(12), "en") == "12 pm"
    assert format_clock(END_OF_DAY, "en") == "midnight"


def test_invalid_periods_file(tmp_path, monkeypatch) -> None:
    bad = tmp_path / "periods.yml"
    bad.write_text(
        "periods:\n  - {id: x, start: '18:00', end: '17:00', label: {da: a, en: b}}\nclock: {}\n",
        encoding="utf-8",
    )
    monkeypatch.setattr(periods, "PERIODS_FILE", bad)
    periods._data.cache_clear()
    try:
        with pytest.raises(periods.PeriodsError, match=r"periods\.0\.end"):
            periods._data()
    finally:
        monkeypatch.undo()
        periods._data.cache_clear()
    assert resolve_period("om aftenen") is not None


def test_resolve_period_is_linear() -> None:
    for make in BOT_TEXTS.values():
        assert_linear(resolve_period, make)


# -- open_during / next_day_open_during ----------------------------------------


def test_1881_in_the_evening(taarnby: Profile) -> None:
    hours = taarnby.kontaktcenter_1881.hours  # Mon-Thu 8-22, Fri 8-18
    evening = period("om aftenen")
    [monday] = open_during(hours, MONDAY, evening)
    assert (monday.start, monday.end) == (time(8), time(22))
    after_18 = period("efter kl. 18")
    assert open_during(hours, MONDAY, after_18)
    assert open_during(hours, FRIDAY, after_18) == ()  # closes at 18
    assert open_during(hours, SATURDAY, evening) == ()
    assert next_day_open_during(hours, FRIDAY, after_18) == date(2026, 11, 30)


def test_borgerservice_after_16_only_on_thursdays(taarnby: Profile) -> None:
    hours = taarnby.place("borgerservice").hours  # Mon-Wed 9-15, Thu 9-17, Fri 9-13
    after_16 = period("efter kl. 16")
    open_days = [
        MONDAY + timedelta(days=i)
        for i in range(14)
        if open_during(hours, MONDAY + timedelta(days=i), after_16)
    ]
    assert open_days == [THURSDAY, THURSDAY + timedelta(days=7)]
    assert next_day_open_during(hours, MONDAY, after_16) == THURSDAY
    assert next_day_open_during(hours, THURSDAY, after_16) == THURSDAY + timedelta(days=7)
    assert next_day_open_during(hours, MONDAY, after_16, limit_days=2) is None


def test_borgerservice_at_lunch_on_weekdays(taarnby: Profile) -> None:
    hours = taarnby.place("borgerservice").hours
    lunch = period("ved middagstid")
    for offset in range(5):
        assert open_during(hours, MONDAY + timedelta(days=offset), lunch)
    assert open_during(hours, SATURDAY, lunch) == ()
    assert open_during(hours, SATURDAY + timedelta(days=1), lunch) == ()


def test_closed_on_a_public_holiday(taarnby: Profile) -> None:
    hours = taarnby.place("borgerservice").hours
    monday_after_christmas = date(2026, 12, 28)  # 25/12 and 26/12 are holidays, not this
    assert open_during(hours, monday_after_christmas, period("ved middagstid"))
    easter_monday = date(2026, 4, 6)
    assert day_schedule(hours, easter_monday).closed_reason == "Anden påskedag"
    assert open_during(hours, easter_monday, period("ved middagstid")) == ()
    assert open_during(hours, easter_monday, period("kl. 10")) == ()
    # Wednesday 1 April 2026: Thursday to Monday are Easter holidays.
    assert next_day_open_during(hours, date(2026, 4, 1), period("om formiddagen")) == date(
        2026, 4, 7
    )


def test_instant_inside_or_at_the_edges(taarnby: Profile) -> None:
    hours = taarnby.place("borgerservice").hours
    assert open_during(hours, MONDAY, period("kl. 9"))  # opens at 9
    assert open_during(hours, MONDAY, period("kl. 15")) == ()  # closes at 15
    assert open_during(hours, MONDAY, period("kl. 14.59"))
    assert open_during(hours, THURSDAY, period("kl. 16"))
    assert open_during(hours, MONDAY, period("before 9 am")) == ()
    assert open_during(hours, MONDAY, period("before 10 am"))


def test_lunch_break_interval_overlap() -> None:
    hours = WeeklyHours.parse_obj(
        {"source": "test", "monday": ["09:00-11:30", "13:00-15:00"], "tuesday": ["13:00-15:00"]}
    )
    assert open_during(hours, MONDAY, period("ved middagstid")) == ()
    assert len(open_during(hours, MONDAY, period("før kl. 16"))) == 2
    assert next_day_open_during(hours, MONDAY - timedelta(days=1), period("lunch")) is None
    assert next_day_open_during(hours, MONDAY - timedelta(days=1), period("afternoon")) == MONDAY


# -- week_schedule -------------------------------------------------------------


def test_week_schedule(taarnby: Profile) -> None:
    hours = taarnby.place("borgerservice").hours
    week = week_schedule(hours, MONDAY)
    assert [s.day for s in week] == [MONDAY + timedelta(days=i) for i in range(7)]
    assert [not s.intervals for s in week] == [False] * 5 + [True] * 2
    christmas = week_schedule(hours, date(2026, 12, 21))
    assert [s.closed_reason for s in christmas[3:5]] == ["Juleaftensdag", "Juledag"]
    assert christmas[0] == day_schedule(hours, date(2026, 12, 21))
