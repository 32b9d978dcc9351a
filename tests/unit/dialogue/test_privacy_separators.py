"""Every separator x every spelling: the guard finds and removes the whole number.

The corpus is generated (tests/cpr_separators.py): every Unicode punctuation (P*) and symbol
(S*) code point, the ASCII characters the rule names, tab, newline and other whitespace. One
test per spelling walks all of them and reports every character that fails.
"""

from __future__ import annotations

import unicodedata

import pytest

from bot.dialogue.cpr import REDACTED, find_cpr, redact_cpr
from tests.cpr_separators import NOT_CPR, SPELLINGS, WHITESPACE, all_separators, digits_of

NUMBER = "2304778813"  # synthetic


def _has_digit(text: str) -> bool:
    return any(unicodedata.digit(ch, None) is not None for ch in text)


def test_the_corpus_holds_every_punctuation_and_symbol_and_the_named_characters() -> None:
    separators = set(all_separators())
    assert len(separators) > 8000
    for ch in "_,:+*#'\"()[]{}|\t\n":
        assert ch in separators
    for sub in ("Pc", "Pd", "Ps", "Pe", "Pi", "Pf", "Po", "Sm", "Sc", "Sk", "So"):
        assert any(unicodedata.category(ch) == sub for ch in separators), sub


@pytest.mark.parametrize("spelling", list(SPELLINGS))
def test_every_separator_in_every_spelling_is_redacted(spelling: str) -> None:
    make = SPELLINGS[spelling]
    failed = []
    for ch in all_separators():
        written = make(NUMBER, ch)
        assert digits_of(written) in (NUMBER, NUMBER[:4] + "19" + NUMBER[4:])
        text, found = redact_cpr(f"mit cpr er {written} tak")
        if found != 1 or text != f"mit cpr er {REDACTED} tak" or _has_digit(text):
            failed.append(f"U+{ord(ch):04X} {unicodedata.name(ch, '?')}")
    assert not failed, f"{len(failed)} separators not caught in {spelling}: {failed[:30]}"


def test_several_numbers_in_one_message_are_all_removed() -> None:
    ch = "\u2e3a"  # two-em dash (Pd), one of many
    numbers = ["2304778813", "0101901234", "3112851111"]
    makers = list(SPELLINGS.values())[:3]
    text = " og ".join(make(n, ch) for n, make in zip(numbers, makers, strict=True))
    redacted, found = redact_cpr(text)
    assert found == 3
    assert not _has_digit(redacted)


@pytest.mark.parametrize("case", list(NOT_CPR))
def test_times_stay_times_with_every_separator_but_whitespace(case: str) -> None:
    # With whitespace "10 00" is a known false positive and "12 34" a split serial
    # (docs/cpr-guard.md); every other separator keeps the clock-time exception.
    make = NOT_CPR[case]
    flagged = [
        f"U+{ord(ch):04X}"
        for ch in all_separators()
        if ch not in WHITESPACE and not ch.isspace() and find_cpr(make(ch))
    ]
    assert not flagged, f"{case}: {flagged[:30]}"


def test_a_letter_still_ends_the_number() -> None:
    for letter in "xæßЖא中":
        assert not find_cpr(f"230477{letter}8813")
