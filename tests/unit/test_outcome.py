"""What each action did, as the statistics record it."""

from bot.analytics.outcome import describe_turn
from bot.dialogue import answers
from bot.knowledge.profile import get_profile


def test_self_service_link_and_booking() -> None:
    profile = get_profile("taarnby")
    moving = describe_turn(
        "action_self_service", profile, answers.self_service(profile, "jeg skal flytte", [])
    )
    assert moving == {
        "topic": "self_service:moving",
        "kind": "self_service_link",
        "area": "Folkeregister",
        "links": ["moving"],
    }
    passport = describe_turn(
        "action_self_service", profile, answers.self_service(profile, "nyt pas", [])
    )
    assert passport["kind"] == "referral_attendance" and passport["area"] == "Pas"


def test_contact_is_a_phone_referral_with_its_links() -> None:
    profile = get_profile("taarnby")
    outcome = describe_turn("action_contact", profile, answers.contact(profile))
    assert outcome["kind"] == "referral_phone"
    assert {"website", "contact_form", "digital_post"} <= set(outcome["links"])


def test_feedback_no_is_a_referral() -> None:
    profile = get_profile("taarnby")
    replies = answers.feedback(profile, "nej", None, ask_otherwise=False)
    assert describe_turn("action_feedback", profile, replies)["kind"] == "referral_phone"
    glad = answers.feedback(profile, "ja", None, ask_otherwise=False)
    assert describe_turn("action_feedback", profile, glad)["kind"] == "meta"


def test_links_go_through_the_redirect() -> None:
    from bot.knowledge.links import through_redirect

    profile = get_profile("taarnby")
    replies = answers.self_service(profile, "jeg skal flytte", [])
    redirected = [through_redirect(r, profile, "http://x.test", "abc") for r in replies]
    assert redirected[0] == replies[0]  # no link in the task text
    assert redirected[1].variables["link"] == "http://x.test/r/moving?s=abc"
