"""A relative asking about an elderly parent's Digital Post ("skal min mor på 92 have Digital
Post?") gets the rule, the exemption and how to apply for the parent (no Rasa needed)."""

from datetime import datetime

import pytest

from bot.dialogue.answers.digital_post import asks_for_parent, digital_post_info
from bot.dialogue.outcome import Kind
from bot.dialogue.replies import Question
from bot.knowledge.profile_model import Profile
from bot.settings import TIMEZONE

MONDAY_10 = datetime(2026, 11, 23, 10, 0, tzinfo=TIMEZONE)
FOR_A_PARENT = [
    "utter_digital_post_who",
    "utter_exemption_grounds",
    "utter_exemption_proxy_relative",
    "utter_exemption_how",
    "utter_exemption_not_by_phone",
    "utter_exemption_paper",
]


@pytest.mark.parametrize(
    "text",
    [
        "skal min mor på 92 have Digital Post?",
        "skal min far paa 88 have digital post",
        "min gamle mormor skal hun have digital post",
        "skal vores bedstefar have digital post",
        "does my 92 year old mother need digital post?",
        "does my grandmother need digital post",
        "must my elderly dad have digital post",
    ],
)
def test_a_question_for_a_parent_gets_the_exemption_and_acting_for_them(
    testrup: Profile, text: str
) -> None:
    language = "en" if text.startswith(("does", "must")) else "da"
    answer = digital_post_info(testrup, Question(now=MONDAY_10, text=text, language=language))
    assert [r.response for r in answer.replies] == FOR_A_PARENT
    assert answer.topic == "digital_post_exemption"
    assert answer.kind is Kind.REFERRAL_ATTENDANCE
    # A follow-up ("hvad skal hun have med?") continues the exemption.
    assert answer.thread is not None and answer.thread.topic == "digital_post_exemption"
    grounds = answer.replies[1].variables["grounds"]
    expected = testrup.digital_post.exemption_grounds_en if language == "en" else None
    assert grounds.splitlines()[0] == f"- {(expected or testrup.digital_post.exemption_grounds)[0]}"


@pytest.mark.parametrize(
    "text",
    [
        "hvad er digital post",
        "skal jeg have digital post",
        "min søn er 15 skal han have digital post",  # a child: the page for 15-year-olds
        "skal min mor have digital post når hun er 15",  # an age question stays one
        "mor og far",  # no "min": not about the asker's own parent
        "formor",
    ],
)
def test_other_digital_post_questions_keep_their_answer(testrup: Profile, text: str) -> None:
    answer = digital_post_info(testrup, Question(now=MONDAY_10, text=text))
    assert "utter_exemption_proxy_relative" not in [r.response for r in answer.replies]
    assert answer.topic is None


def test_asks_for_parent() -> None:
    assert asks_for_parent("Skal MIN MOR på 92 have Digital Post?")
    assert asks_for_parent("my mum")
    assert not asks_for_parent("min mormors hus")  # a possessive noun is no parent
    assert not asks_for_parent("minmor")
