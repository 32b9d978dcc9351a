"""English formatting (language="en") and the profile's English texts (``localized``)."""

from __future__ import annotations

from datetime import date, datetime, time

import pytest

from bot.knowledge.formatting import (
    format_date,
    format_list,
    month_name,
    weekday_name,
    word,
)
from bot.knowledge.hours import format_intervals, format_moment, format_time, format_weekly
from bot.knowledge.profile import english_page, get_profile, localized
from bot.knowledge.profile_model import Interval, Profile
from bot.settings import TIMEZONE


def test_english_names_and_dates() -> None:
    assert weekday_name(0, language="en") == "Monday"
    assert month_name(11, language="en") == "November"
    assert format_date(date(2026, 11, 23), language="en") == "Monday 23 November"
    assert format_date(date(2026, 11, 23), weekday=False, language="en") == "23 November"


def test_danish_stays_the_default() -> None:
    assert weekday_name(0) == "mandag"
    assert format_date(date(2026, 11, 23)) == "mandag den 23. november"
    assert format_list(["a", "b", "c"]) == "a, b og c"


def test_english_lists() -> None:
    assert format_list(["a", "b"], language="en") == "a and b"
    assert format_list(["a", "b", "c"], "or", language="en") == "a, b, or c"


@pytest.mark.parametrize(
    ("t", "text"),
    [
        (time(9), "9 am"),
        (time(8, 45), "8:45 am"),
        (time(12), "12 pm"),
        (time(17, 30), "5:30 pm"),
        (time(23, 59, 59), "midnight"),
    ],
)
def test_english_clock_times(t: time, text: str) -> None:
    assert format_time(t, language="en") == text


def test_english_intervals() -> None:
    morning = Interval(start=time(9), end=time(12))
    afternoon = Interval(start=time(13), end=time(15))
    assert format_intervals([morning], language="en") == "9 am–12 pm"
    assert format_intervals([morning, afternoon], language="en") == "9 am–12 pm and 1 pm–3 pm"
    assert format_intervals([], language="en") == "closed"
    assert format_intervals([morning, afternoon]) == "kl. 9-12 og 13-15"


def test_english_weekly_hours(testrup: Profile) -> None:
    hours = testrup.place("borgerservice").hours
    assert format_weekly(hours, language="en") == (
        "Monday to Wednesday 9 am–3 pm, Thursday 9 am–5 pm, Friday 9 am–1 pm, "
        "Saturday to Sunday closed"
    )
    assert format_weekly(hours).startswith("mandag-onsdag kl. 9-15")


def test_english_moments() -> None:
    now = datetime(2026, 11, 20, 18, 0, tzinfo=TIMEZONE)  # a Friday
    assert format_moment(now.replace(hour=19), now, language="en") == "today at 7 pm"
    assert format_moment(datetime(2026, 11, 21, 9, tzinfo=TIMEZONE), now, language="en") == (
        "tomorrow at 9 am"
    )
    monday = datetime(2026, 11, 23, 9, tzinfo=TIMEZONE)
    assert format_moment(monday, now, language="en") == "on Monday 23 November at 9 am"
    assert format_moment(monday, now) == "mandag den 23. november kl. 9"


def test_words_have_the_same_keys_in_both_languages() -> None:
    assert word("today", "en") == "today"
    assert word("at_time", "da", time="9") == "kl. 9"
    from bot.knowledge.formatting import _words

    words = _words()
    assert set(words["da"]) == set(words["en"])


def test_localized_gives_english_when_set(testrup: Profile) -> None:
    place = testrup.place("borgerservice")
    assert localized(place, "name", "en") == "Borgerservice (Citizen Service)"
    assert localized(place, "name", "da") == "Borgerservice"
    # A TextFact gives its text; its English translation when asked for English.
    assert localized(place, "appointment", "en").startswith("For a passport")
    assert localized(place, "appointment", "da") == place.appointment.value
    # No English counterpart: the Danish text (an address is the same in both).
    assert localized(place, "address", "en") == place.address.value
    task = testrup.task("moving")
    assert localized(task, "text", "en") == "You report your move online."
    assert localized(testrup.digital_post, "read_on", "en") == ["on testrup.example", "in an app"]


def test_an_english_list_must_match_the_danish_one(testrup: Profile) -> None:
    data = testrup.kontaktcenter_1881.dict()
    data["helps_with_en"] = ["only one"]
    with pytest.raises(ValueError, match="as many items as helps_with"):
        type(testrup.kontaktcenter_1881)(**data)


@pytest.mark.parametrize("name", ["taarnby", "ishoj"])
def test_real_profiles_english_pages(name: str) -> None:
    profile = get_profile(name)
    # The only checked English pages: Digital Post and moving.
    moving = english_page(profile.task("moving"), "link")
    assert moving == "https://lifeindenmark.borger.dk/housing-and-moving/moving/change-address"
    others = [english_page(t, "link") for t in profile.self_service if t.id != "moving"]
    assert others == [None] * len(others)
    assert english_page(profile.digital_post, "info_link") == (
        "https://lifeindenmark.borger.dk/apps-and-digital-services/Digital-Post"
    )
    assert english_page(profile.digital_post, "age15_link") is None
