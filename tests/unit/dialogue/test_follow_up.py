"""Follow-ups keep the thread: the registry's choice of entry and the answers it gives."""

from __future__ import annotations

from datetime import datetime

import pytest

from actions.base import thread_after
from bot.dialogue.answers import digital_post, follow_up, hours, kontaktcenter, self_service
from bot.dialogue.outcome import Kind
from bot.dialogue.replies import Answer, Question
from bot.dialogue.thread import Thread
from bot.dialogue.topics import get_registry
from bot.knowledge.profile import load_profile_file, profile_path
from bot.knowledge.profile_model import Profile
from bot.settings import TIMEZONE

MONDAY_10 = datetime(2026, 11, 23, 10, 0, tzinfo=TIMEZONE)


@pytest.fixture(scope="module")
def profile() -> Profile:
    return load_profile_file(profile_path("taarnby"))


NO_THREAD = Thread()


def ask(text: str, thread: Thread = NO_THREAD, follow: bool = False, **entities: str) -> Question:
    return Question(
        now=MONDAY_10,
        text=text,
        intent="follow_up" if follow else None,
        entities={k: (v,) for k, v in entities.items()},
        thread=thread,
        follow_up=follow,
    )


def said(answer: Answer) -> list[tuple[str, dict]]:
    return [(r.response, r.variables) for r in answer.replies]


@pytest.mark.parametrize(
    ("latest", "named", "aspects", "expected"),
    [
        ("kontaktcenter_1881", set(), set(), "kontaktcenter_1881"),  # "og de?" repeats it
        ("kontaktcenter_1881", {"period"}, set(), "opening_hours"),  # their evening hours
        ("opening_hours", {"day"}, set(), "opening_hours"),
        ("opening_hours", {"place", "day"}, set(), "opening_hours"),
        ("digital_post_exemption", {"aspect"}, {"bring"}, "digital_post_exemption"),
        ("digital_post_exemption", {"day"}, set(), "opening_hours"),
        ("self_service", {"task"}, set(), "self_service"),
        ("opening_hours", {"task"}, set(), "self_service"),
        ("appointment", {"place"}, set(), "appointment"),
        (None, {"day"}, set(), "opening_hours"),
        (None, set(), set(), None),  # nothing to continue
        # An aspect stays within the latest entry's topic.
        ("digital_post_info", {"aspect"}, {"age"}, "digital_post_info"),
        ("digital_post_read", {"aspect"}, {"age"}, "digital_post_info"),
        ("digital_post_write", {"aspect"}, {"age"}, "digital_post_info"),
        ("digital_post_info", {"aspect"}, {"bring"}, None),  # the exemption's, not this topic's
        ("digital_post_exemption", {"aspect"}, {"age"}, None),
        ("opening_hours", {"aspect"}, {"age"}, None),
        ("self_service", {"aspect"}, {"on_behalf"}, None),
        ("contact", {"aspect"}, {"duration"}, None),
        (None, {"aspect"}, {"age"}, None),
    ],
)
def test_the_registry_picks_the_entry_a_follow_up_continues(
    latest: str | None, named: set[str], aspects: set[str], expected: str | None
) -> None:
    entry = get_registry().follow_up_entry(latest, frozenset(named), frozenset(aspects))
    assert (entry.id if entry else None) == expected


@pytest.mark.parametrize(
    ("text", "asks"),
    [
        ("og hvis man er 15 år?", True),
        ("hvad med en 15-årig", True),
        ("min datter fylder 15", True),
        ("and if i'm 15?", True),
        ("what about my 15 year old", True),
        ("og efter kl. 15?", False),  # a time of day, not an age
        ("og den 15. december?", False),
        ("hvad med rådhuset", False),
    ],
)
def test_an_age_is_told_from_a_time(text: str, asks: bool) -> None:
    assert digital_post.asks_about_age(text) is asks


def test_the_age_after_digital_post(profile: Profile) -> None:
    first = digital_post.digital_post_read(profile, ask("hvor læser jeg digital post"))
    thread = first.thread or Thread(topic="digital_post_read")
    age = follow_up.follow_up(profile, ask("og hvis man er 15 år?", thread, follow=True))
    assert [r for r, _ in said(age)] == ["utter_digital_post_who", "utter_digital_post_age15"]
    assert age.topic == "digital_post" and age.kind is Kind.INFORMATION
    # Named by the NLU only ("fra hvilken alder?"): the same answer.
    by_entity = follow_up.follow_up(
        profile, ask("fra hvilken alder?", thread, follow=True, aspect="age")
    )
    assert said(by_entity) == said(age)
    # A full question about Digital Post still says what it is first.
    full = digital_post.digital_post_info(profile, ask("skal en 15-årig have digital post"))
    assert said(full)[0][0] == "utter_digital_post_what"


def test_thread_round_trips_through_slots() -> None:
    thread = Thread(topic="opening_hours", place="raadhuset", day="date:2026-11-28")
    slots = thread.to_slots()
    assert slots["thread_period"] is None  # an old value is cleared
    assert Thread.from_slots(slots) == thread
    assert Thread.from_slots({"thread_topic": ""}) == Thread()


def test_their_evening_hours_after_1881(profile: Profile) -> None:
    first = kontaktcenter.kontaktcenter_1881(profile, ask("hvad er 1881"))
    assert first.thread == Thread(topic="kontaktcenter_1881", place="kontaktcenter_1881")
    evening = hours.opening_hours(profile, ask("hvornår har de åbent om aftenen", first.thread))
    ((response, values),) = said(evening)
    assert response == "utter_hours_period_open"
    assert values["place"] == "Kontaktcenter Borger.dk"
    assert values["intervals"] == "kl. 8-22"
    assert evening.thread is not None and evening.thread.period == "om aftenen"
    # "og i weekenden?" keeps place and time of day, and takes the new day.
    weekend = follow_up.follow_up(profile, ask("og i weekenden?", evening.thread, follow=True))
    assert said(weekend)[0][0] == "utter_hours_period_closed"
    assert said(weekend)[0][1]["day"] == "lørdag den 28. november"
    assert weekend.topic == "opening_hours" and weekend.kind is Kind.INFORMATION


def test_a_new_place_keeps_the_day_only_in_a_follow_up(profile: Profile) -> None:
    saturday = hours.opening_hours(profile, ask("har borgerservice åbent på lørdag"))
    town_hall = follow_up.follow_up(profile, ask("hvad med rådhuset?", saturday.thread, True))
    assert said(town_hall)[0] == (
        "utter_hours_day_closed",
        {"place": "Rådhuset", "day": "lørdag den 28. november"},
    )
    # A full question names its own day, or none: the weekly hours, no carried Saturday.
    weekly = hours.opening_hours(profile, ask("hvornår har rådhuset åbent", saturday.thread))
    assert said(weekly)[0][0] == "utter_hours_weekly"


def test_exemption_aspects(profile: Profile) -> None:
    first = digital_post.digital_post_exemption(profile, ask("fritagelse"))
    assert len(first.replies) == 5
    for aspect, expected in [
        ("on_behalf", ["utter_exemption_proxy"]),
        ("bring", ["utter_exemption_bring", "utter_exemption_guardian"]),
        ("duration", ["utter_exemption_lasts", "utter_exemption_self_service"]),
    ]:
        answer = follow_up.follow_up(
            profile, ask("kan de?", first.thread, follow=True, aspect=aspect)
        )
        assert [r for r, _ in said(answer)] == expected
        assert answer.topic == "digital_post_exemption"
        assert answer.kind is Kind.REFERRAL_ATTENDANCE


def test_another_task_as_a_follow_up(profile: Profile) -> None:
    moving = self_service.self_service(profile, ask("jeg skal flytte"))
    assert moving.thread == Thread(topic="self_service", task="moving")
    passport = follow_up.follow_up(profile, ask("hvad med pas?", moving.thread, True))
    assert passport.topic == "self_service:passport"
    assert passport.thread == Thread(topic="self_service", task="passport")


def test_a_follow_up_with_nothing_to_continue(profile: Profile) -> None:
    answer = follow_up.follow_up(profile, ask("hvad med dem?", follow=True))
    assert [r for r, _ in said(answer)] == ["utter_follow_up_no_topic", "utter_help"]
    assert answer.kind is Kind.FALLBACK


def test_next_week_lists_the_open_days(profile: Profile) -> None:
    week = hours.opening_hours(profile, ask("hvornår har rådhuset åbent i næste uge"))
    ((response, values),) = said(week)
    assert response == "utter_hours_week"
    assert values["week"] == 49
    assert "- torsdag den 3. december: kl. 8.45-17" in values["days"]
    assert "lørdag" not in values["days"]


def test_the_thread_after_a_turn() -> None:
    registry = get_registry()
    own = Answer((), thread=Thread(topic="opening_hours", place="raadhuset"))
    assert thread_after(registry.get("opening_hours"), own) == own.thread
    assert thread_after(registry.get("digital_post_read"), Answer(())) == Thread(
        topic="digital_post_read"
    )
    for meta in ("help", "feedback", "fallback", "technical_error"):
        assert thread_after(registry.get(meta), Answer(())) is None  # keep the thread


def test_a_stray_aspect_word_does_not_block_a_follow_up(profile: Profile) -> None:
    evening = hours.opening_hours(profile, ask("hvornår har de åbent om aftenen"))
    # DIET tagged "på" as an aspect in "og på fredag?": not a value any entry answers.
    friday = follow_up.follow_up(
        profile, ask("og på fredag?", evening.thread, follow=True, aspect="på", day="fredag")
    )
    assert friday.topic == "opening_hours"
    assert said(friday)[0][1]["day"] == "fredag den 27. november"
