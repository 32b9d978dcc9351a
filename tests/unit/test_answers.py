"""Which responses the assistant picks, and the profile values it fills in (no Rasa needed)."""

from datetime import datetime

import pytest

from bot.dialogue import answers
from bot.knowledge.profile import get_profile
from bot.settings import TIMEZONE

MONDAY_10 = datetime(2026, 11, 23, 10, 0, tzinfo=TIMEZONE)
FRIDAY_EVENING = datetime(2026, 11, 27, 19, 0, tzinfo=TIMEZONE)


@pytest.fixture(scope="module")
def taarnby():
    return get_profile("taarnby")


def names(replies: list[answers.Reply]) -> list[str]:
    return [r.response for r in replies]


def test_fallback_first_then_contact(taarnby) -> None:
    first = answers.fallback(taarnby, previous_was_miss=False, out_of_scope=False)
    assert names(first) == ["utter_fallback_rephrase", "utter_help"]
    second = answers.fallback(taarnby, previous_was_miss=True, out_of_scope=False)
    assert names(second)[:3] == [
        "utter_fallback_contact",
        "utter_contact_self_service",
        "utter_contact_phone",
    ]
    oos = answers.fallback(taarnby, previous_was_miss=False, out_of_scope=True)
    assert names(oos) == ["utter_out_of_scope", "utter_help"]


def test_contact_follows_the_channel_strategy(taarnby) -> None:
    assert names(answers.contact(taarnby)) == [
        "utter_contact_self_service",
        "utter_contact_phone",
        "utter_contact_form",
        "utter_contact_digital_post",
        "utter_contact_authorities",
        "utter_contact_social_media",
    ]


def test_closed_now_says_when_it_opens(taarnby) -> None:
    replies = answers.opening_hours(taarnby, "har i åbent nu", None, "nu", FRIDAY_EVENING)
    assert names(replies) == ["utter_hours_closed_now", "utter_hours_next_open"]
    assert replies[1].variables["next_open"] == "mandag den 30. november kl. 9"


def test_open_now(taarnby) -> None:
    replies = answers.opening_hours(taarnby, "er borgerservice åben nu", None, None, MONDAY_10)
    assert names(replies) == ["utter_hours_open_now"]
    assert replies[0].variables == {"place": "Borgerservice", "closes": "15"}


def test_holiday_gives_reason_and_next_opening(taarnby) -> None:
    replies = answers.opening_hours(taarnby, "åbent juleaften?", None, None, MONDAY_10)
    assert names(replies) == [
        "utter_hours_day_closed",
        "utter_hours_closed_reason",
        "utter_hours_next_open",
    ]
    assert replies[1].variables["reason"] == "juleaftensdag"
    assert replies[2].variables["next_open"] == "mandag den 28. december kl. 9"


def test_weekly_hours_include_the_address(taarnby) -> None:
    replies = answers.opening_hours(taarnby, "åbningstider rådhuset", None, None, MONDAY_10)
    assert names(replies) == ["utter_hours_weekly", "utter_hours_address"]
    assert replies[0].variables["place"] == "Rådhuset"


def test_self_service_task_or_catalogue(taarnby) -> None:
    replies = answers.self_service(taarnby, "jeg skal have nyt kørekort", [])
    assert names(replies) == ["utter_self_service_task", "utter_self_service_booking"]
    catalogue = answers.self_service(taarnby, "selvbetjening", [])
    assert len(catalogue[0].buttons) == len(taarnby.self_service)


def test_digital_post_for_15_year_olds(taarnby) -> None:
    replies = answers.digital_post_info(taarnby, "min søn bliver 15 skal han have digital post")
    assert "digital-post-for-15-aarige" in replies[-1].variables["link"]


def test_join_danish() -> None:
    assert answers.join_danish(["a"]) == "a"
    assert answers.join_danish(["a", "b", "c"]) == "a, b og c"


def test_feedback_replies(taarnby) -> None:
    assert names(answers.feedback(taarnby, "ja", None, ask_otherwise=True)) == [
        "utter_feedback_glad",
        "utter_ask_otherwise",
    ]
    assert names(answers.feedback(taarnby, "ja", None, ask_otherwise=False)) == [
        "utter_feedback_glad"
    ]
    no = answers.feedback(taarnby, "nej", None, ask_otherwise=True)
    assert names(no)[:2] == ["utter_feedback_sorry", "utter_contact_self_service"]
    assert names(answers.feedback(taarnby, None, "telephone", True)) == ["utter_feedback_thanks"]
