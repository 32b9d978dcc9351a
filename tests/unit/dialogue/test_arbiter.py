"""The arbiter (bot/dialogue/arbiter.py): a message the NLU forced into an intent whose
training examples share none of its words, and that a page or a task clearly fits, is
answered from those; everything else is left to the intent's own answer."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

import pytest

from bot.dialogue.arbiter import reroute
from bot.dialogue.intent_words import content_words, support, vocabularies
from bot.dialogue.replies import Question
from bot.dialogue.thread import Thread
from bot.dialogue.topics import get_registry
from bot.knowledge.profile import get_profile
from bot.knowledge.profile_model import Profile
from bot.settings import TIMEZONE

NOW = datetime(2026, 12, 7, 10, 0, tzinfo=TIMEZONE)


@pytest.fixture(scope="module")
def taarnby() -> Profile:
    return get_profile("taarnby")


def ask(text: str, intent: str, language: str = "da") -> Question:
    return Question(now=NOW, text=text, intent=intent, language=language)


def rerouted(profile: Profile, text: str, intent: str, language: str = "da") -> str | None:
    topic = get_registry().for_intent(intent)
    assert topic is not None
    answer = reroute(profile, ask(text, intent, language), topic)
    return None if answer is None else answer.topic


def test_support_is_the_share_of_content_words_in_the_intents_examples() -> None:
    assert "abningstid" in vocabularies()["opening_hours"]  # skeletons: å as a
    assert support("opening_hours", "hvornår har borgerservice åbent") == 1.0
    assert support("opening_hours", "hvornår er der kommunalvalg") == 0.0
    assert support("goodbye", "farvel") == 1.0
    assert support("greet", "hej") == 1.0  # a word of conversation counts for the intent
    assert support("thank", "tak for oplysningerne") == 0.5
    assert support("greet", "og så") is None  # no content word: nothing to judge
    assert content_words("Hvornår har I ÅBENT?") == content_words("hvornaar har i aabent")


def test_an_unsupported_intent_with_a_clear_page_is_answered_from_the_page(
    taarnby: Profile,
) -> None:
    assert rerouted(taarnby, "parkeringslicens til min bil", "goodbye") == "page"
    assert rerouted(taarnby, "zoneparkering", "opening_hours") == "page"


def test_with_no_support_at_all_a_fairly_clear_page_is_enough(taarnby: Profile) -> None:
    # "zoneparkering" is the page's, "datter" no page's: 0.67 of the words, under STRONG.
    assert rerouted(taarnby, "zoneparkering til min datter på 8", "kontaktcenter_1881") == "page"
    # With a word of the intent's examples ("telefon"), STRONG applies: the intent answers.
    assert rerouted(taarnby, "zoneparkering telefon til min datter", "kontaktcenter_1881") is None
    # A compound's head alone ("kommunalvalg" and the doctor's "valg") scores too little.
    assert rerouted(taarnby, "hvornår er der kommunalvalg", "opening_hours") is None


def test_thanks_or_a_greeting_with_a_page_word_stays_small_talk(taarnby: Profile) -> None:
    assert rerouted(taarnby, "Tak for oplysningerne.", "thank") is None
    assert rerouted(taarnby, "hej allesammen", "greet") is None


def test_a_supported_intent_or_no_clear_alternative_keeps_its_answer(taarnby: Profile) -> None:
    assert rerouted(taarnby, "hvornår har borgerservice åbent", "opening_hours") is None
    assert rerouted(taarnby, "farvel og tak", "goodbye") is None
    assert rerouted(taarnby, "hvornår er der kommunalvalg", "opening_hours") is None  # no page
    assert rerouted(taarnby, "tak jeg forstaar", "thank") is None  # a compound part only


@pytest.mark.parametrize("intent", ["follow_up", "self_service", "help"])
def test_entries_that_read_no_words_or_search_already_are_never_rerouted(
    taarnby: Profile, intent: str
) -> None:
    assert rerouted(taarnby, "parkeringslicens til min bil", intent) is None


def test_a_button_payload_is_never_rerouted(taarnby: Profile) -> None:
    assert rerouted(taarnby, '/greet{"x": "parkeringslicens"}', "greet") is None


def test_small_talk_answers_and_a_long_tail_question_taken_for_it_is_rerouted(
    taarnby: Profile,
) -> None:
    from bot.dialogue.answers.conversation import small_talk

    greet = small_talk(taarnby, ask("hej", "greet"))
    assert [r.response for r in greet.replies] == [
        "utter_greet",
        "utter_privacy_reminder",
        "utter_help",
    ]
    bye = small_talk(taarnby, ask("farvel", "goodbye"))
    assert [r.response for r in bye.replies] == ["utter_goodbye"]
    assert rerouted(taarnby, "farvel og tak for i dag", "goodbye") is None
    assert rerouted(taarnby, "parkeringslicens til min bil", "goodbye") == "page"
    assert rerouted(taarnby, "parkeringslicens til min bil", "personal_data") is None


def test_several_words_and_none_of_the_intents_is_answered_as_a_fallback(
    taarnby: Profile,
) -> None:
    text = "naboen fodrer fuglene på plænen hver eneste dag"
    answer = reroute(taarnby, ask(text, "goodbye"), get_registry().for_intent("goodbye"))
    assert answer is not None
    assert [r.response for r in answer.replies] == ["utter_fallback_rephrase", "utter_help"]
    # Two words are too few to tell ("vi hoeres" is a goodbye the examples do not have).
    assert rerouted(taarnby, "vi hoeres", "goodbye") is None


def test_a_first_follow_up_with_nothing_of_a_follow_up_is_answered_as_a_fallback(
    taarnby: Profile,
) -> None:
    text = "naboen fodrer fuglene på plænen hver eneste dag"
    topic = get_registry().for_intent("follow_up")
    assert topic is not None
    answer = reroute(taarnby, ask(text, "follow_up"), topic)
    assert answer is not None and answer.replies[0].response == "utter_fallback_rephrase"
    # In a thread, a follow-up is the thread's to answer.
    threaded = replace(ask(text, "follow_up"), thread=Thread(topic="opening_hours"))
    assert reroute(taarnby, threaded, topic) is None
