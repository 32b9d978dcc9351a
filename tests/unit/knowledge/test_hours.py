"""Unit tests for bot.knowledge.hours: schedules, open/closed status and Danish formatting."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone

import pytest

from bot.knowledge.hours import (
    DaySchedule,
    OpenStatus,
    day_schedule,
    format_date,
    format_intervals,
    format_moment,
    format_time,
    format_weekly,
    next_opening,
    status_at,
    to_local,
    weekday_name,
)
from bot.knowledge.profile_model import Interval, Profile, WeeklyHours
from bot.settings import TIMEZONE

UTC = timezone.utc


def weekly(**fields: object) -> WeeklyHours:
    """A WeeklyHours from YAML-like values ("HH:MM-HH:MM" strings)."""
    return WeeklyHours.parse_obj({"source": "test", **fields})


# A typical Borgerservice: Mon-Wed 9-15, Thu 9-17, Fri 9-13, closed weekends.
STANDARD = weekly(
    monday=["09:00-15:00"],
    tuesday=["09:00-15:00"],
    wednesday=["09:00-15:00"],
    thursday=["09:00-17:00"],
    friday=["09:00-13:00"],
    closed_on_public_holidays=True,
    closed_yearly=["06-05", "12-24", "12-31"],
)


def cph(*args: int) -> datetime:
    """An aware Copenhagen datetime."""
    return datetime(*args, tzinfo=TIMEZONE)


def spans(schedule: DaySchedule) -> list[tuple[time, time]]:
    return [(i.start, i.end) for i in schedule.intervals]


# 2026-11-23 is a Monday; 2026-11-27 Friday; 2026-11-30 Monday.
def test_calendar_assumptions() -> None:
    assert date(2026, 11, 23).weekday() == 0
    assert date(2026, 11, 27).weekday() == 4
    assert date(2026, 4, 2).weekday() == 3  # Skærtorsdag
    assert date(2026, 12, 24).weekday() == 3


# -- day_schedule --------------------------------------------------------------


def test_plain_weekday_schedule() -> None:
    s = day_schedule(STANDARD, date(2026, 11, 26))
    assert s == DaySchedule(date(2026, 11, 26), s.intervals, None)
    assert spans(s) == [(time(9), time(17))]
    assert s.closed_reason is None


def test_weekend_is_closed_without_reason() -> None:
    for d in (date(2026, 11, 28), date(2026, 11, 29)):
        s = day_schedule(STANDARD, d)
        assert s.intervals == ()
        assert s.closed_reason is None


@pytest.mark.parametrize(
    ("day", "name"),
    [
        (date(2026, 4, 2), "Skærtorsdag"),
        (date(2026, 4, 3), "Langfredag"),
        (date(2026, 4, 5), "Påskedag"),
        (date(2026, 4, 6), "Anden påskedag"),
        (date(2026, 5, 14), "Kristi himmelfartsdag"),
        (date(2026, 5, 25), "Anden pinsedag"),
        (date(2026, 12, 25), "Juledag"),
        (date(2026, 12, 26), "Anden juledag"),
        (date(2027, 1, 1), "Nytårsdag"),
    ],
)
def test_public_holidays_closed_with_danish_name(day: date, name: str) -> None:
    s = day_schedule(STANDARD, day)
    assert s.intervals == ()
    assert s.closed_reason == name


def test_store_bededag_is_no_longer_a_holiday() -> None:
    # Abolished from 2024; 1 May 2026 (Arbejdernes kampdag) is no public holiday either.
    assert spans(day_schedule(STANDARD, date(2026, 5, 1))) == [(time(9), time(13))]


def test_public_holidays_ignored_when_not_closed_on_them() -> None:
    hours = weekly(monday=["09:00-15:00"], closed_on_public_holidays=False)
    s = day_schedule(hours, date(2026, 4, 6))
    assert spans(s) == [(time(9), time(15))]
    assert s.closed_reason is None


@pytest.mark.parametrize(
    ("day", "name"),
    [
        (date(2026, 12, 24), "Juleaftensdag"),
        (date(2026, 12, 31), "Nytårsaften"),
        (date(2026, 6, 5), "Grundlovsdag"),
        (date(2027, 12, 24), "Juleaftensdag"),
    ],
)
def test_closed_yearly_named_by_optional_holidays(day: date, name: str) -> None:
    s = day_schedule(STANDARD, day)
    assert s.intervals == ()
    assert s.closed_reason == name


def test_closed_yearly_unknown_day_has_no_reason() -> None:
    hours = weekly(monday=["09:00-15:00"], closed_yearly=["08-17"])
    s = day_schedule(hours, date(2026, 8, 17))  # a Monday
    assert s.intervals == ()
    assert s.closed_reason is None


def test_christmas_eve_open_without_closed_yearly() -> None:
    hours = weekly(thursday=["09:00-17:00"])
    assert spans(day_schedule(hours, date(2026, 12, 24))) == [(time(9), time(17))]


EXCEPTIONS = weekly(
    monday=["09:00-15:00"],
    tuesday=["09:00-15:00"],
    wednesday=["09:00-15:00"],
    thursday=["09:00-17:00"],
    friday=["09:00-13:00"],
    closed_yearly=["12-24"],
    exceptions=[
        {"date": "2026-11-25", "note": "Lukket på grund af flytning"},
        {"date": "2026-11-26", "hours": ["10:00-12:00"], "note": "Personalemøde"},
        {"date": "2026-12-24", "hours": ["09:00-12:00"]},
        {"date": "2026-04-06", "hours": ["10:00-14:00"]},
        {"date": "2026-11-30"},
    ],
)


def test_exception_closure_note_is_reason() -> None:
    s = day_schedule(EXCEPTIONS, date(2026, 11, 25))
    assert s.intervals == ()
    assert s.closed_reason == "Lukket på grund af flytning"
    assert s.note == "Lukket på grund af flytning"


def test_exception_special_hours() -> None:
    s = day_schedule(EXCEPTIONS, date(2026, 11, 26))
    assert spans(s) == [(time(10), time(12))]
    assert s.closed_reason is None
    assert s.note == "Personalemøde"


def test_exception_beats_closed_yearly_and_public_holiday() -> None:
    assert spans(day_schedule(EXCEPTIONS, date(2026, 12, 24))) == [(time(9), time(12))]
    assert spans(day_schedule(EXCEPTIONS, date(2026, 4, 6))) == [(time(10), time(14))]


def test_exception_without_hours_or_note() -> None:
    s = day_schedule(EXCEPTIONS, date(2026, 11, 30))
    assert s.intervals == ()
    assert s.closed_reason is None


def test_exception_status() -> None:
    st = status_at(EXCEPTIONS, cph(2026, 11, 26, 9, 30))
    assert not st.is_open
    assert st.next_open == cph(2026, 11, 26, 10)
    assert st.today.note == "Personalemøde"
    st = status_at(EXCEPTIONS, cph(2026, 11, 26, 11))
    assert st.is_open and st.closes_at == cph(2026, 11, 26, 12)
    st = status_at(EXCEPTIONS, cph(2026, 11, 26, 12))
    assert not st.is_open and st.next_open == cph(2026, 11, 27, 9)
    # Tuesday after closing: Wednesday is closed by the exception.
    st = status_at(EXCEPTIONS, cph(2026, 11, 24, 16))
    assert st.next_open == cph(2026, 11, 26, 10)
    st = status_at(EXCEPTIONS, cph(2026, 11, 25, 10))
    assert not st.is_open
    assert st.today.closed_reason == "Lukket på grund af flytning"


# -- status_at / next_opening --------------------------------------------------


def test_open_exactly_at_opening() -> None:
    st = status_at(STANDARD, cph(2026, 11, 23, 9))
    assert st == OpenStatus(True, cph(2026, 11, 23, 15), None, st.today)
    assert st.today.day == date(2026, 11, 23)


def test_closed_just_before_opening() -> None:
    st = status_at(STANDARD, cph(2026, 11, 23, 8, 59, 59))
    assert not st.is_open
    assert st.closes_at is None
    assert st.next_open == cph(2026, 11, 23, 9)


def test_open_just_before_closing() -> None:
    st = status_at(STANDARD, cph(2026, 11, 26, 16, 59, 59))
    assert st.is_open
    assert st.closes_at == cph(2026, 11, 26, 17)
    assert st.next_open is None


def test_closed_exactly_at_closing() -> None:
    st = status_at(STANDARD, cph(2026, 11, 23, 15))
    assert not st.is_open
    assert st.next_open == cph(2026, 11, 24, 9)


def test_friday_after_closing_next_opening_monday() -> None:
    st = status_at(STANDARD, cph(2026, 11, 27, 13))
    assert not st.is_open
    assert st.next_open == cph(2026, 11, 30, 9)
    assert status_at(STANDARD, cph(2026, 11, 27, 12, 59)).is_open


@pytest.mark.parametrize(
    "moment",
    [
        cph(2026, 11, 28, 0, 0),
        cph(2026, 11, 28, 12),
        cph(2026, 11, 29, 10),
        cph(2026, 11, 29, 23, 59),
    ],
)
def test_weekend_closed_next_monday(moment: datetime) -> None:
    st = status_at(STANDARD, moment)
    assert not st.is_open
    assert st.next_open == cph(2026, 11, 30, 9)
    assert st.today.intervals == ()


def test_naive_moment_is_copenhagen_time() -> None:
    st = status_at(STANDARD, datetime(2026, 11, 23, 9))
    assert st.is_open
    assert st.closes_at == cph(2026, 11, 23, 15)
    assert st.closes_at.tzinfo is TIMEZONE


def test_aware_moment_is_converted() -> None:
    # 08:00 UTC is 09:00 in Copenhagen in winter (CET, +01:00).
    assert status_at(STANDARD, datetime(2026, 11, 23, 8, tzinfo=UTC)).is_open
    assert not status_at(STANDARD, datetime(2026, 11, 23, 7, 59, tzinfo=UTC)).is_open
    # 23:30 UTC on Sunday is already Monday 00:30 in Copenhagen.
    st = status_at(STANDARD, datetime(2026, 11, 29, 23, 30, tzinfo=UTC))
    assert st.today.day == date(2026, 11, 30)
    assert st.next_open == cph(2026, 11, 30, 9)


def test_easter_2026() -> None:
    # Wednesday 1 April after closing: Thu-Mon are Easter holidays, next opening Tuesday.
    st = status_at(STANDARD, cph(2026, 4, 1, 15, 30))
    assert st.next_open == cph(2026, 4, 7, 9)
    for day, name in [(2, "Skærtorsdag"), (3, "Langfredag"), (6, "Anden påskedag")]:
        st = status_at(STANDARD, cph(2026, 4, day, 10))
        assert not st.is_open
        assert st.today.closed_reason == name
        assert st.next_open == cph(2026, 4, 7, 9)


def test_christmas_2026() -> None:
    # Wednesday 23 December after closing: 24 (closed yearly), 25, 26, weekend -> Mon 28.
    st = status_at(STANDARD, cph(2026, 12, 23, 15))
    assert st.next_open == cph(2026, 12, 28, 9)
    st = status_at(STANDARD, cph(2026, 12, 24, 10))
    assert not st.is_open
    assert st.today.closed_reason == "Juleaftensdag"
    # Wednesday 30 December: 31 (closed yearly), 1 January (holiday), weekend -> Mon 4 Jan.
    st = status_at(STANDARD, cph(2026, 12, 30, 15, 30))
    assert st.next_open == cph(2027, 1, 4, 9)


def test_lunch_break() -> None:
    hours = weekly(monday=["09:00-12:00", "13:00-15:00"])
    st = status_at(hours, cph(2026, 11, 23, 11))
    assert st.is_open and st.closes_at == cph(2026, 11, 23, 12)
    st = status_at(hours, cph(2026, 11, 23, 12))
    assert not st.is_open and st.next_open == cph(2026, 11, 23, 13)
    st = status_at(hours, cph(2026, 11, 23, 13))
    assert st.is_open and st.closes_at == cph(2026, 11, 23, 15)


def test_touching_intervals_are_one_open_period() -> None:
    hours = weekly(monday=["09:00-12:00", "12:00-15:00"])
    st = status_at(hours, cph(2026, 11, 23, 10))
    assert st.closes_at == cph(2026, 11, 23, 15)
    assert next_opening(hours, cph(2026, 11, 23, 10)) == cph(2026, 11, 30, 9)


def test_open_past_midnight() -> None:
    hours = weekly(monday=["20:00-24:00"], tuesday=["00:00-02:00"])
    st = status_at(hours, cph(2026, 11, 23, 22))
    assert st.is_open and st.closes_at == cph(2026, 11, 24, 2)
    st = status_at(hours, cph(2026, 11, 24, 1))
    assert st.is_open and st.closes_at == cph(2026, 11, 24, 2)
    assert st.today.day == date(2026, 11, 24)


def test_always_open_has_no_closing_time() -> None:
    always = {
        day: ["00:00-24:00"]
        for day in ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
    }
    hours = weekly(**always, closed_on_public_holidays=False)
    st = status_at(hours, cph(2026, 11, 23, 10))
    assert st.is_open
    assert st.closes_at is None


def test_never_open() -> None:
    hours = weekly()
    st = status_at(hours, cph(2026, 11, 23, 10))
    assert st == OpenStatus(False, None, None, st.today)
    assert next_opening(hours, cph(2026, 11, 23, 10)) is None


def test_next_opening_searches_a_year_ahead() -> None:
    # Open only on 2 January (an exception); seen from 3 January the year before.
    hours = weekly(exceptions=[{"date": "2027-01-02", "hours": ["10:00-11:00"]}])
    assert next_opening(hours, cph(2026, 1, 3, 12)) == cph(2027, 1, 2, 10)
    assert status_at(hours, cph(2026, 1, 3, 12)).next_open == cph(2027, 1, 2, 10)
    assert next_opening(hours, cph(2025, 12, 1, 12)) is None


def test_next_opening() -> None:
    # Closed: the same as status_at's next_open.
    assert next_opening(STANDARD, cph(2026, 11, 27, 14)) == cph(2026, 11, 30, 9)
    # Open: the next opening after the current period.
    assert next_opening(STANDARD, cph(2026, 11, 23, 10)) == cph(2026, 11, 24, 9)
    # Exactly at opening: strictly after, so the next day's.
    assert next_opening(STANDARD, cph(2026, 11, 23, 9)) == cph(2026, 11, 24, 9)
    assert next_opening(STANDARD, datetime(2026, 11, 23, 8)) == cph(2026, 11, 23, 9)


# -- daylight saving time ------------------------------------------------------


def test_dst_spring_forward_2026() -> None:
    # Clocks go 02:00 -> 03:00 on Sunday 29 March 2026.
    st = status_at(STANDARD, cph(2026, 3, 27, 13, 30))  # Friday after closing
    assert st.next_open == cph(2026, 3, 30, 9)
    assert st.next_open.utcoffset() == timedelta(hours=2)
    assert st.next_open.astimezone(UTC) == datetime(2026, 3, 30, 7, tzinfo=UTC)
    st = status_at(STANDARD, cph(2026, 3, 29, 2, 30))  # a non-existent local time
    assert not st.is_open
    assert st.today.day == date(2026, 3, 29)
    assert st.next_open == cph(2026, 3, 30, 9)
    assert status_at(STANDARD, datetime(2026, 3, 30, 7, tzinfo=UTC)).is_open
    assert not status_at(STANDARD, datetime(2026, 3, 30, 6, 59, tzinfo=UTC)).is_open


def test_dst_spring_forward_interval_over_the_gap() -> None:
    hours = weekly(sunday=["01:00-04:00"])
    # 01:30 UTC is 03:30 CEST, inside the interval.
    st = status_at(hours, datetime(2026, 3, 29, 1, 30, tzinfo=UTC))
    assert st.is_open
    assert st.closes_at == cph(2026, 3, 29, 4)
    assert st.closes_at.astimezone(UTC) == datetime(2026, 3, 29, 2, tzinfo=UTC)


def test_dst_fall_back_2026() -> None:
    # Clocks go 03:00 -> 02:00 on Sunday 25 October 2026.
    st = status_at(STANDARD, cph(2026, 10, 23, 13))
    assert st.next_open == cph(2026, 10, 26, 9)
    assert st.next_open.utcoffset() == timedelta(hours=1)
    assert st.next_open.astimezone(UTC) == datetime(2026, 10, 26, 8, tzinfo=UTC)
    assert status_at(STANDARD, datetime(2026, 10, 26, 8, tzinfo=UTC)).is_open
    assert not status_at(STANDARD, datetime(2026, 10, 26, 7, 59, tzinfo=UTC)).is_open


def test_dst_fall_back_repeated_hour() -> None:
    hours = weekly(sunday=["01:00-04:00"])
    for utc_hour in (0, 1):  # 02:30 CEST and 02:30 CET
        st = status_at(hours, datetime(2026, 10, 25, utc_hour, 30, tzinfo=UTC))
        assert st.is_open
        assert st.closes_at == cph(2026, 10, 25, 4)
        assert st.closes_at.utcoffset() == timedelta(hours=1)
    st = status_at(hours, datetime(2026, 10, 25, 3, tzinfo=UTC))  # 04:00 CET
    assert not st.is_open
    assert st.next_open == cph(2026, 11, 1, 1)


def test_to_local() -> None:
    assert to_local(datetime(2026, 7, 1, 12)) == cph(2026, 7, 1, 12)
    assert to_local(datetime(2026, 7, 1, 10, tzinfo=UTC)).hour == 12
    assert to_local(datetime(2026, 1, 1, 10, tzinfo=UTC)).hour == 11


# -- formatting ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (time(9), "9"),
        (time(8, 45), "8.45"),
        (time(17, 30), "17.30"),
        (time(9, 5), "9.05"),
        (time(0), "0"),
        (time(23, 59, 59), "24"),
    ],
)
def test_format_time(value: time, text: str) -> None:
    assert format_time(value) == text


def iv(start: str, end: str) -> Interval:
    return Interval(start=time.fromisoformat(start), end=time.fromisoformat(end))


def test_format_intervals() -> None:
    assert format_intervals([]) == "lukket"
    assert format_intervals(()) == "lukket"
    assert format_intervals([iv("09:00", "15:00")]) == "kl. 9-15"
    assert format_intervals([iv("08:45", "17:30")]) == "kl. 8.45-17.30"
    assert format_intervals([iv("09:00", "12:00"), iv("13:00", "15:00")]) == "kl. 9-12 og 13-15"
    three = [iv("08:00", "10:00"), iv("11:00", "12:00"), iv("13:00", "15:30")]
    assert format_intervals(three) == "kl. 8-10, 11-12 og 13-15.30"


def test_format_weekly_standard() -> None:
    assert format_weekly(STANDARD) == (
        "mandag-onsdag kl. 9-15, torsdag kl. 9-17, fredag kl. 9-13, lørdag-søndag lukket"
    )


def test_format_weekly_single_days_and_gaps() -> None:
    hours = weekly(
        monday=["09:00-12:00", "13:00-15:00"],
        tuesday=["09:00-12:00", "13:00-15:00"],
        thursday=["10:00-18:00"],
        saturday=["10:00-13:00"],
    )
    assert format_weekly(hours) == (
        "mandag-tirsdag kl. 9-12 og 13-15, onsdag lukket, torsdag kl. 10-18, fredag lukket, "
        "lørdag kl. 10-13, søndag lukket"
    )


def test_format_weekly_every_day_the_same() -> None:
    all_days = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
    hours = weekly(**{day: ["10:00-16:00"] for day in all_days})
    assert format_weekly(hours) == "mandag-søndag kl. 10-16"
    assert format_weekly(weekly()) == "mandag-søndag lukket"


def test_weekday_name() -> None:
    assert [weekday_name(i) for i in range(7)] == [
        "mandag",
        "tirsdag",
        "onsdag",
        "torsdag",
        "fredag",
        "lørdag",
        "søndag",
    ]


@pytest.mark.parametrize(
    ("day", "text"),
    [
        (date(2025, 11, 24), "mandag den 24. november"),
        (date(2026, 12, 24), "torsdag den 24. december"),
        (date(2026, 1, 1), "torsdag den 1. januar"),
        (date(2026, 3, 29), "søndag den 29. marts"),
        (date(2026, 5, 2), "lørdag den 2. maj"),
        (date(2026, 6, 5), "fredag den 5. juni"),
    ],
)
def test_format_date(day: date, text: str) -> None:
    assert format_date(day) == text


def test_format_moment() -> None:
    now = cph(2026, 11, 23, 8)
    assert format_moment(cph(2026, 11, 23, 9), now) == "i dag kl. 9"
    assert format_moment(cph(2026, 11, 24, 9), now) == "i morgen kl. 9"
    assert format_moment(cph(2026, 11, 24, 8, 45), now) == "i morgen kl. 8.45"
    assert format_moment(cph(2026, 11, 30, 9), now) == "mandag den 30. november kl. 9"
    assert format_moment(cph(2026, 11, 25, 10, 30), now) == "onsdag den 25. november kl. 10.30"


def test_format_moment_converts_to_copenhagen() -> None:
    # Naive now = Copenhagen; aware dt in UTC (08:00 UTC = 09:00 CET).
    now = datetime(2026, 11, 23, 23, 30)
    assert format_moment(datetime(2026, 11, 24, 8, tzinfo=UTC), now) == "i morgen kl. 9"
    # now 23:30 UTC Sunday = Monday 00:30 in Copenhagen.
    now_utc = datetime(2026, 11, 29, 23, 30, tzinfo=UTC)
    assert format_moment(cph(2026, 11, 30, 9), now_utc) == "i dag kl. 9"


def test_format_next_opening_after_friday() -> None:
    now = cph(2026, 11, 27, 14)
    st = status_at(STANDARD, now)
    assert st.next_open is not None
    assert format_moment(st.next_open, now) == "mandag den 30. november kl. 9"


# -- a whole profile (the synthetic one: editing a real municipality's hours breaks nothing) ----


def test_profile_places_and_1881(testrup: Profile) -> None:
    borgerservice = testrup.places[0].hours
    assert format_weekly(borgerservice) == (
        "mandag-onsdag kl. 9-15, torsdag kl. 9-17, fredag kl. 9-13, lørdag-søndag lukket"
    )
    assert format_weekly(testrup.place("raadhuset").hours) == (
        "mandag-onsdag kl. 8.45-15, torsdag kl. 8.45-17, fredag kl. 8.45-13, lørdag-søndag lukket"
    )
    assert format_weekly(testrup.kontaktcenter_1881.hours) == (
        "mandag-torsdag kl. 8-22, fredag kl. 8-18, lørdag-søndag lukket"
    )
    st = status_at(borgerservice, cph(2026, 12, 23, 16))
    assert st.next_open == cph(2026, 12, 28, 9)
    assert day_schedule(borgerservice, date(2026, 6, 5)).closed_reason == "Grundlovsdag"
    assert day_schedule(borgerservice, date(2026, 4, 6)).closed_reason == "Anden påskedag"


def test_profile_half_hour_closing(testrup: Profile) -> None:
    phone_hours = testrup.contact.phone_hours
    assert format_weekly(phone_hours) == (
        "mandag-onsdag kl. 10-14, torsdag kl. 10-17.30, fredag kl. 10-13, lørdag-søndag lukket"
    )
    st = status_at(phone_hours, cph(2026, 11, 26, 17, 29))
    assert st.is_open and st.closes_at == cph(2026, 11, 26, 17, 30)
