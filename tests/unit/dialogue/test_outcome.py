"""What each answer did, as the registry reports it to the statistics."""

from datetime import datetime

from bot.dialogue.answers import self_service
from bot.dialogue.outcome import Kind, Outcome
from bot.dialogue.redirects import through_redirect
from bot.dialogue.replies import Question
from bot.dialogue.topics import get_registry
from bot.settings import TIMEZONE
from testkit.profile import synthetic_profile

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=TIMEZONE)


def outcome_of(entry_id: str, question: Question) -> dict:
    profile = synthetic_profile()
    topic = get_registry().get(entry_id)
    return topic.outcome(topic.ask(profile, question)).to_slot()


def test_self_service_link_and_booking() -> None:
    moving = outcome_of("self_service", Question(NOW, "jeg skal flytte"))
    assert moving == {
        "topic": "self_service:moving",
        "kind": "self_service_link",
        "area": "Folkeregister",
        "links": ["moving"],
    }
    passport = outcome_of("self_service", Question(NOW, "nyt pas"))
    assert passport["kind"] == "referral_attendance" and passport["area"] == "Pas"


def test_contact_is_a_phone_referral_with_its_links() -> None:
    outcome = outcome_of("contact", Question(NOW))
    assert outcome["kind"] == "referral_phone"
    assert {"website", "contact_form", "digital_post"} <= set(outcome["links"])


def test_feedback_no_is_a_referral() -> None:
    no = Question(NOW, entities={"helpful": ("nej",)}, chance=1.0)
    assert outcome_of("feedback", no)["kind"] == "referral_phone"
    assert outcome_of("feedback", no)["topic"] == "contact"
    yes = Question(NOW, entities={"helpful": ("ja",)}, chance=1.0)
    assert outcome_of("feedback", yes)["kind"] == "meta"


def test_the_slot_value_reads_back() -> None:
    outcome = Outcome("contact", Kind.REFERRAL_PHONE, "Generel information", ("website",))
    assert Outcome.from_slot(outcome.to_slot()) == outcome
    assert Outcome.from_slot({"kind": "no such kind"}) is None
    assert Outcome.from_slot("not a mapping") is None


def test_links_go_through_the_redirect() -> None:
    profile = synthetic_profile()
    replies = self_service.self_service(profile, Question(NOW, "jeg skal flytte")).replies
    redirected = [through_redirect(r, profile, "http://x.test", "abc") for r in replies]
    assert redirected[0] == replies[0]  # no link in the task text
    assert redirected[1].variables["link"] == (
        "[testrup.example: Flytning](http://x.test/r/moving?s=abc)"
    )
