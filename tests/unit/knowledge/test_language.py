"""bot.knowledge.language: Danish, English or unclear for short citizen messages."""

from __future__ import annotations

import subprocess
import sys

import pytest

from bot.knowledge.language import (
    DANISH,
    ENGLISH,
    classify,
    content_words,
    detect_language,
    language_confidence,
)


@pytest.mark.parametrize(
    "text",
    [
        "hvornår åbner i",
        "hvornaar aabner i",
        "og i weekenden?",
        "jeg har mistet mit sundhedskort",
        "fritagelse for digital post",
        "hvad er nummeret til 1881",
        "tak for hjælpen",
        "HVORNÅR ÅBNER I",
    ],
)
def test_danish(text: str) -> None:
    assert detect_language(text) == DANISH


@pytest.mark.parametrize(
    "text",
    [
        "when are you open",
        "what about saturday",
        "and tomorrow?",
        "how do i get exempt from digital post",
        "i lost my passport",
        "thank you so much",
        "what is 1881",
        "WHEN ARE YOU OPEN",
    ],
)
def test_english(text: str) -> None:
    assert detect_language(text) == ENGLISH


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "ok",
        "k",
        "1881",
        "70 80 25 80",
        "?",
        "!!!",
        "👍",
        ":)",
        "MitID",
        "CPR",
        "Borger.dk",
        "OK!",
        "hi@example.com",
    ],
)
def test_unclear_is_none(text: str) -> None:
    assert detect_language(text) is None
    assert language_confidence(text) == (None, 0.0)


def test_names_numbers_and_addresses_are_not_words() -> None:
    assert content_words("MitID virker ikke på borger.dk, ring 1881") == [
        "virker",
        "ikke",
        "på",
        "ring",
    ]
    assert content_words("HJÆLP MIG") == ["hjælp", "mig"]  # shouting, not abbreviations


def test_confidence_is_that_of_the_answer() -> None:
    language, confidence = language_confidence("what about saturday")
    assert language == ENGLISH
    assert 0.7 <= confidence <= 1.0


def _fixed(scores: dict[str, float]):
    return lambda text: scores.get(text, 0.5)


def test_rules_with_a_fake_scorer() -> None:
    scorer = _fixed({"hej thanks": 0.55, "hej": 0.01, "thanks": 0.99, "hmm": 0.5})
    assert classify("hej thanks", scorer) == DANISH  # mixed: Danish wins
    assert classify("hej thanks", scorer, word_confidence=None) is None  # mixed rule off
    assert classify("hmm", scorer) is None  # under-confident
    assert classify("thanks", scorer) == ENGLISH
    assert classify("hej", scorer) == DANISH
    assert classify("ok", scorer) is None  # too short to tell


def test_importing_loads_no_detector() -> None:
    code = (
        "import sys, bot.knowledge.language as l; "
        "assert 'lingua' not in sys.modules; "
        "assert l._lingua_detector.cache_info().currsize == 0"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


@pytest.mark.parametrize(
    "text",
    ["fghfgh", "jkhkjh", "nnnn", "qwerty", "hjkl", "asdf", "sdf sdf sdf", "fghfgh jkhkjh"],
)
def test_typed_nonsense_is_never_english(text: str) -> None:
    """Nonsense that lingua scores as English (some at 0.9 or more) has no English word in it:
    it must not switch a Danish conversation to English."""
    assert detect_language(text) != ENGLISH


def test_english_needs_an_english_word() -> None:
    scorer = _fixed({"zzq qqz": 0.99, "zzq hello": 0.99})
    assert classify("zzq qqz", scorer) == ENGLISH  # the rule is off unless asked for
    known = {"hello"}.__contains__
    assert classify("zzq qqz", scorer, is_english_word=known) is None
    assert classify("zzq hello", scorer, is_english_word=known) == ENGLISH


def test_a_capitalised_name_inside_a_sentence_is_of_no_language() -> None:
    # "Taarnby" scored Danish and made the message mixed, so Danish.
    assert content_words("I just moved to Taarnby what should I do") == [
        "I",
        "just",
        "moved",
        "to",
        "what",
        "should",
        "I",
        "do",
    ]
    assert content_words("Hej. Hvornår har Rådhuset åbent") == ["Hej", "Hvornår", "har", "åbent"]


def test_an_english_sentence_with_a_danish_term_is_english() -> None:
    text = "The kommune rejected my application for help and I think it is wrong. How do I appeal?"
    assert detect_language(text) == ENGLISH
    # A short mixed message is still Danish, the default.
    assert detect_language("hi jeg skal have nyt pas") == DANISH
