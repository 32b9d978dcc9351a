"""The page answer (issue 23) as a pure function of the Tårnby profile and a question: pages
of the catalogue when one fits, the fallback as before when none does."""

from __future__ import annotations

from datetime import datetime

import pytest

from bot.dialogue.answers.fallback import fallback
from bot.dialogue.answers.pages import TOPIC, page_answer
from bot.dialogue.outcome import Kind
from bot.dialogue.replies import Question
from bot.knowledge.links import known_links
from bot.knowledge.pages import get_catalogue, page_link_id
from bot.knowledge.profile import get_profile
from bot.knowledge.profile_model import Profile
from bot.settings import TIMEZONE

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=TIMEZONE)
WASTE = "https://www.taarnby.dk/borger/natur-og-miljoe/affald"


@pytest.fixture(scope="module")
def taarnby() -> Profile:
    return get_profile("taarnby")


def ask(text: str, intent: str = "nlu_fallback", language: str = "da") -> Question:
    return Question(now=NOW, text=text, intent=intent, language=language)


def test_a_waste_question_gets_the_waste_page_as_a_self_service_referral(taarnby: Profile) -> None:
    answer = fallback(taarnby, ask("hvornår bliver skraldespanden tømt"))
    assert answer.topic == TOPIC and answer.kind is Kind.SELF_SERVICE_LINK
    assert answer.area == "Affald"
    assert answer.replies[0].response == "utter_pages_found"
    pages = [r.variables["link"] for r in answer.replies[1:]]
    assert WASTE in pages and 1 <= len(pages) <= 3
    assert {r.response for r in answer.replies[1:]} == {"utter_page_link"}
    assert page_link_id(WASTE) in answer.links


def test_out_of_scope_is_searched_too_but_a_pizza_gets_no_page(taarnby: Profile) -> None:
    assert fallback(taarnby, ask("hvornår kommer skraldebilen", "out_of_scope")).topic == TOPIC
    pizza = fallback(taarnby, ask("kan du bestille en pizza", "out_of_scope"))
    assert pizza.topic is None
    assert pizza.replies[0].response == "utter_out_of_scope"


def test_nothing_found_falls_back_as_before(taarnby: Profile) -> None:
    assert page_answer(taarnby, ask("min kat er syg")) is None
    assert page_answer(taarnby, ask("")) is None
    first = fallback(taarnby, ask("min kat er syg"))
    assert [r.response for r in first.replies] == ["utter_fallback_rephrase", "utter_help"]


def test_a_danish_page_in_an_english_conversation_says_so(taarnby: Profile) -> None:
    answer = page_answer(taarnby, ask("rats in my garden, skadedyr rotter", language="en"))
    assert answer is not None
    assert {r.response for r in answer.replies[1:]} == {"utter_page_link_in_danish"}


def test_every_catalogue_page_is_a_known_link_for_the_redirect(taarnby: Profile) -> None:
    links = known_links(taarnby)
    for page in get_catalogue("taarnby").pages:
        assert links[page_link_id(page.url)] == page.url


def test_a_profile_without_a_catalogue_gets_no_pages(testrup: Profile) -> None:
    assert page_answer(testrup, ask("hvornår bliver skraldespanden tømt")) is None


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("min mand er død, hvad skal jeg gøre", "death"),
        ("Min mor døde i går", "death"),
        ("hvem betaler begravelsen", "death"),
        ("my husband passed away", "death"),
        ("min kone er alvorligt syg", "illness"),
        ("Min hustru har demens. Hvordan får hun sin post på papir?", "illness"),
        ("I am in a crisis", "crisis"),
        ("hvornår har borgerservice åbent", None),
        ("jeg har mistet mit sygesikringsbevis", None),
        ("dødsfaldsattest", None),
    ],
)
def test_a_death_an_illness_or_a_crisis_gets_a_kind_first_sentence(text: str, kind) -> None:
    from bot.dialogue.answers.kindness import kind_of_hardship, kind_response

    assert kind_of_hardship(text) == kind
    assert kind_response(text) == (f"utter_kind_{kind}" if kind else None)


def test_when_the_nlu_found_no_intent_a_page_that_fits_less_well_is_still_offered(
    taarnby: Profile,
) -> None:
    # "Regler for reparation og vedligeholdelse" scores 0.297: over UNSURE_THRESHOLD (0.25),
    # under THRESHOLD (0.30).
    question = "hjulet på min kørestol er punkteret"
    unsure = fallback(taarnby, ask(question, "nlu_fallback"))
    assert unsure.topic == TOPIC
    assert unsure.replies[0].response == "utter_pages_found"
    # A message the NLU called out of scope keeps the full threshold: a polite no, no page.
    said_no = fallback(taarnby, ask("hvad koster en ny iphone", "out_of_scope"))
    assert said_no.topic is None and said_no.replies[0].response == "utter_out_of_scope"
