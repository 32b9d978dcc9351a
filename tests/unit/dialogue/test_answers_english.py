"""Answers to an English conversation (Question.language == "en"): the same responses and
facts, with English values, and ``_danish_page`` responses where only a Danish page exists."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from pathlib import Path

import pytest
import yaml

from bot.dialogue.answers import (
    contact,
    conversation,
    digital_post,
    fallback,
    feedback,
    hours,
    kontaktcenter,
    self_service,
)
from bot.dialogue.answers.common import DANISH_PAGE
from bot.dialogue.replies import Question, Reply
from bot.knowledge.hours import day_schedule
from bot.knowledge.places import hours_place
from bot.knowledge.profile_model import Profile
from bot.mlops.validate import language_problems
from bot.settings import TIMEZONE

ROOT = Path(__file__).resolve().parents[3]

MONDAY_10 = datetime(2026, 11, 23, 10, 0, tzinfo=TIMEZONE)
FRIDAY_EVENING = datetime(2026, 11, 27, 19, 0, tzinfo=TIMEZONE)


def ask(language: str, now: datetime = MONDAY_10, text: str = "", **entities: str) -> Question:
    return Question(
        now=now,
        text=text,
        entities={k: (v,) for k, v in entities.items() if v},
        language=language,
    )


def by_name(replies: tuple[Reply, ...]) -> dict[str, Reply]:
    return {r.response: r for r in replies}


def test_weekly_hours_in_english(testrup: Profile) -> None:
    replies = by_name(hours.opening_hours(testrup, ask("en", text="opening hours")).replies)
    weekly = replies["utter_hours_weekly"].variables
    assert weekly["place"] == "Borgerservice (Citizen Service)"
    assert weekly["weekly"].startswith("Monday to Wednesday 9 am–3 pm")
    danish = by_name(hours.opening_hours(testrup, ask("da", text="åbningstider")).replies)
    assert danish["utter_hours_weekly"].variables["place"] == "Borgerservice"
    assert danish["utter_hours_weekly"].variables["weekly"].startswith("mandag-onsdag kl. 9-15")


def test_closed_now_and_next_opening_in_english(testrup: Profile) -> None:
    q = ask("en", FRIDAY_EVENING, text="are you open now", day="now")
    replies = by_name(hours.opening_hours(testrup, q).replies)
    assert "utter_hours_closed_now" in replies
    assert replies["utter_hours_next_open"].variables["next_open"] == (
        "on Monday 30 November at 9 am"
    )


def test_day_words_in_english() -> None:
    assert hours._day_words(MONDAY_10.date(), MONDAY_10, "en") == "today (Monday 23 November)"
    assert hours._day_words(MONDAY_10.date(), MONDAY_10) == "i dag, mandag den 23. november"


def test_holiday_reason_in_english(testrup: Profile) -> None:
    place = hours_place(testrup, "borgerservice")
    christmas = day_schedule(place.hours, datetime(2026, 12, 25).date())
    assert hours._closed_reason(place.hours, christmas, "en") == "Christmas Day"
    assert hours._closed_reason(place.hours, christmas, "da") == "juledag"


def test_appointment_in_english(testrup: Profile) -> None:
    reply = hours.appointment(testrup, ask("en")).replies[0]
    assert reply.variables["appointment"].startswith("For a passport or driving licence")


def test_self_service_english_page_when_there_is_one(testrup: Profile) -> None:
    answer = self_service.self_service(testrup, ask("en", text="moving", task="moving"))
    text, link = answer.replies
    assert text.variables["text"] == "You report your move online."
    assert (link.response, link.variables["link"]) == (
        "utter_self_service_link",
        "https://www.testrup.example/en/moving",
    )


def test_self_service_danish_page_marked_as_danish(testrup: Profile) -> None:
    answer = self_service.self_service(testrup, ask("en", text="passport", task="passport"))
    link = answer.replies[1]
    assert link.response == "utter_self_service_booking_danish_page"
    assert link.variables["link"] == testrup.task("passport").link.value
    danish = self_service.self_service(testrup, ask("da", text="pas", task="passport"))
    assert danish.replies[1].response == "utter_self_service_booking"


def test_task_buttons_in_english(testrup: Profile) -> None:
    answer = self_service.self_service(testrup, ask("en", text="something"))
    buttons = answer.replies[0].buttons
    assert buttons[0] == {"title": "Moving", "payload": '/self_service{"task": "moving"}'}
    danish = self_service.task_buttons(testrup)
    assert [b["payload"] for b in danish] == [b["payload"] for b in buttons]
    assert danish[0]["title"] == "Flytning"


def test_digital_post_in_english(testrup: Profile) -> None:
    info = by_name(digital_post.digital_post_info(testrup, ask("en", text="digital post")).replies)
    assert info["utter_digital_post_who"].variables == {
        "who_must": "Everyone aged 15 or over must have Digital Post.",
        "since": "1 January 2000",
    }
    # The synthetic profile's info page is no English page.
    assert "utter_digital_post_more_danish_page" in info
    read = by_name(digital_post.digital_post_read(testrup, ask("en")).replies)
    assert read["utter_digital_post_read"].variables["read_on"] == "on testrup.example or in an app"
    grounds = digital_post.digital_post_exemption(testrup, ask("en")).replies[0]
    assert grounds.variables["grounds"].startswith("- you do not have a computer")


def test_digital_post_link_on_lifeindenmark_is_english(taarnby_like: Profile) -> None:
    info = by_name(digital_post.digital_post_info(taarnby_like, ask("en")).replies)
    assert (
        info["utter_digital_post_more"]
        .variables["link"]
        .startswith("https://lifeindenmark.borger.dk/")
    )


@pytest.fixture()
def taarnby_like(testrup: Profile) -> Profile:
    """The synthetic profile with its Digital Post page on borger.dk's English site."""
    dp = testrup.digital_post.copy(
        update={
            "info_link": testrup.digital_post.info_link.copy(
                update={
                    "value": "https://lifeindenmark.borger.dk/apps-and-digital-services/Digital-Post"
                }
            )
        }
    )
    return testrup.copy(update={"digital_post": dp})


def test_contact_in_english(testrup: Profile) -> None:
    replies = by_name(contact.contact(testrup, ask("en")).replies)
    assert replies["utter_contact_phone"].variables["phone_hours"].startswith("Monday to")
    assert replies["utter_contact_social_media"].variables["social_media_note"] == (
        "The municipality does not answer messages on social media."
    )
    assert "utter_contact_digital_post_danish_page" in replies
    danish = by_name(contact.contact(testrup, ask("da")).replies)
    assert "utter_contact_digital_post" in danish
    assert (
        danish["utter_contact_social_media"].variables["social_media_note"].startswith("Kommunen")
    )


def test_fallback_and_feedback_pass_the_language_on(testrup: Profile) -> None:
    q = replace(ask("en"), previous_was_miss=True)
    replies = by_name(fallback.fallback(testrup, q).replies)
    assert replies["utter_contact_phone"].variables["phone_hours"].startswith("Monday")
    q = Question(now=MONDAY_10, entities={"helpful": ("nej",)}, language="en")
    replies = by_name(feedback.feedback(testrup, q).replies)
    assert replies["utter_contact_phone"].variables["phone_hours"].startswith("Monday")


def test_kontaktcenter_in_english(testrup: Profile) -> None:
    replies = by_name(kontaktcenter.kontaktcenter_1881(testrup, ask("en", text="1881")).replies)
    assert replies["utter_1881_phone"].variables["name"].startswith("Kontaktcenter Testrup (")
    assert replies["utter_1881_helps"].variables["helps_with"] == (
        "finding out where to turn and using self-service"
    )
    assert replies["utter_1881_hours"].variables["hours"].startswith("Monday to Thursday 8 am")


def test_technical_error_is_the_same_response(testrup: Profile) -> None:
    reply = conversation.technical_error(testrup, ask("en")).replies[0]
    assert reply.response == "utter_technical_error"


def test_every_danish_page_response_is_in_the_domain() -> None:
    domain = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
    for base, danish_page in DANISH_PAGE.items():
        assert base in domain["responses"]
        assert danish_page in domain["responses"]


def test_the_domain_passes_the_language_checks() -> None:
    domain = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
    assert language_problems(domain["responses"]) == []
    broken = {"utter_x": [{"text": "Hej {a}"}]}
    assert language_problems(broken) == ["response utter_x has 0 English variants, not 1"]
