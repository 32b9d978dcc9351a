"""Which responses the assistant picks, and the profile values it fills in (no Rasa needed)."""

from datetime import datetime

import pytest

from bot.dialogue.answers import contact, digital_post, fallback, feedback, hours, self_service
from bot.dialogue.replies import Question, Reply
from bot.knowledge.profile_model import Profile
from bot.settings import TIMEZONE

MONDAY_10 = datetime(2026, 11, 23, 10, 0, tzinfo=TIMEZONE)
FRIDAY_EVENING = datetime(2026, 11, 27, 19, 0, tzinfo=TIMEZONE)


@pytest.fixture(scope="module")
def profile(testrup: Profile) -> Profile:
    """The synthetic municipality: the values asserted here are its, not a real one's."""
    return testrup


def names(replies: tuple[Reply, ...]) -> list[str]:
    return [r.response for r in replies]


def ask(now: datetime = MONDAY_10, text: str = "", **entities: str) -> Question:
    """A question as the actions build it; entities given by name."""
    return Question(now=now, text=text, entities={k: (v,) for k, v in entities.items() if v})


def hours_replies(profile, text: str, place, day, now: datetime) -> tuple[Reply, ...]:
    return hours.opening_hours(profile, ask(now, text, place=place, day=day)).replies


def feedback_replies(profile, helpful, otherwise, ask_otherwise: bool) -> tuple[Reply, ...]:
    q = Question(
        now=MONDAY_10,
        entities={k: (v,) for k, v in {"helpful": helpful, "otherwise": otherwise}.items() if v},
        chance=0.0 if ask_otherwise else 1.0,
    )
    return feedback.feedback(profile, q).replies


def test_fallback_first_then_contact(profile) -> None:
    first = fallback.fallback(profile, Question(now=MONDAY_10)).replies
    assert names(first) == ["utter_fallback_rephrase", "utter_help"]
    second = fallback.fallback(profile, Question(now=MONDAY_10, previous_was_miss=True)).replies
    assert names(second)[:3] == [
        "utter_fallback_contact",
        "utter_contact_self_service",
        "utter_contact_phone",
    ]
    oos = fallback.fallback(profile, Question(now=MONDAY_10, intent="out_of_scope")).replies
    assert names(oos) == ["utter_out_of_scope", "utter_help"]


def test_contact_follows_the_channel_strategy(profile) -> None:
    assert names(contact.contact(profile, ask()).replies) == [
        "utter_contact_self_service",
        "utter_contact_phone",
        "utter_contact_form",
        "utter_contact_digital_post",
        "utter_contact_authorities",
        "utter_contact_social_media",
    ]


def test_closed_now_says_when_it_opens(profile) -> None:
    replies = hours_replies(profile, "har i åbent nu", None, "nu", FRIDAY_EVENING)
    assert names(replies) == ["utter_hours_closed_now", "utter_hours_next_open"]
    assert replies[1].variables["next_open"] == "mandag den 30. november kl. 9"


def test_open_now(profile) -> None:
    replies = hours_replies(profile, "er borgerservice åben nu", None, None, MONDAY_10)
    assert names(replies) == ["utter_hours_open_now"]
    assert replies[0].variables == {"place": "Borgerservice", "closes": "15"}


def test_holiday_gives_reason_and_next_opening(profile) -> None:
    replies = hours_replies(profile, "åbent juleaften?", None, None, MONDAY_10)
    assert names(replies) == [
        "utter_hours_day_closed",
        "utter_hours_closed_reason",
        "utter_hours_next_open",
    ]
    assert replies[1].variables["reason"] == "juleaftensdag"
    assert replies[2].variables["next_open"] == "mandag den 28. december kl. 9"


def test_weekly_hours_include_the_address(profile) -> None:
    replies = hours_replies(profile, "åbningstider rådhuset", None, None, MONDAY_10)
    assert names(replies) == ["utter_hours_weekly", "utter_hours_address"]
    assert replies[0].variables["place"] == "Rådhuset"


def test_self_service_task_or_catalogue(profile) -> None:
    replies = self_service.self_service(profile, ask(text="jeg skal have nyt kørekort")).replies
    assert names(replies) == ["utter_self_service_task", "utter_self_service_booking"]
    catalogue = self_service.self_service(profile, ask(text="selvbetjening")).replies
    assert len(catalogue[0].buttons) == len(profile.self_service)


def test_digital_post_for_15_year_olds(profile) -> None:
    replies = digital_post.digital_post_info(
        profile, ask(text="min søn bliver 15 skal han have digital post")
    ).replies
    assert "digital-post-for-15-aarige" in replies[-1].variables["link"]


def test_feedback_replies(profile) -> None:
    assert names(feedback_replies(profile, "ja", None, ask_otherwise=True)) == [
        "utter_feedback_glad",
        "utter_ask_otherwise",
    ]
    assert names(feedback_replies(profile, "ja", None, ask_otherwise=False)) == [
        "utter_feedback_glad"
    ]
    no = feedback_replies(profile, "nej", None, ask_otherwise=True)
    assert names(no)[:2] == ["utter_feedback_sorry", "utter_contact_self_service"]
    assert names(feedback_replies(profile, None, "telephone", True)) == ["utter_feedback_thanks"]
