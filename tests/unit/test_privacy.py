"""CPR detection and redaction (pure logic)."""

import logging

import pytest

from bot.privacy import (
    REDACTED,
    contains_cpr,
    install_log_redaction,
    redact_cpr,
    redact_value,
    remainder_after_cpr,
)

# Synthetic numbers in every common spelling. 010190-1234 fails modulus 11 on purpose:
# numbers issued since 2007 may, so the check must not depend on it.
SPELLINGS = [
    "010190-1234",
    "0101901234",
    "010190 1234",
    "01 01 90 1234",
    "01.01.90-1234",
    "01-01-90-1234",
    "010190–1234",  # en dash
    "010190 - 1234",
    "311299-0001",
    "610190-1234",  # substitute number (day + 60)
]


@pytest.mark.parametrize("number", SPELLINGS)
def test_every_common_spelling_is_redacted(number: str) -> None:
    text, found = redact_cpr(f"mit cpr er {number} tak")
    assert found == 1
    assert text == f"mit cpr er {REDACTED} tak"
    assert not any(ch.isdigit() for ch in text)


@pytest.mark.parametrize(
    "text",
    [
        "ring på 32 76 11 00",  # 8-digit phone number
        "1881",
        "ring +45 70 80 25 80",  # 10 digits, but 45 is no day
        "åbner kl. 9.00-15.00",
        "postnummer 2770 Kastrup",
        "01019012345",  # 11 digits: not a CPR number
        "320190-1234",  # day 32
        "011390-1234",  # month 13
    ],
)
def test_other_numbers_are_left_alone(text: str) -> None:
    assert redact_cpr(text) == (text, 0)


def test_several_numbers_and_lead_in_words() -> None:
    text = "Mit CPR-nummer er 010190-1234 og min søns er 020205 4321. Hvornår åbner I?"
    redacted, found = redact_cpr(text)
    assert found == 2
    assert "1234" not in redacted and "4321" not in redacted
    assert remainder_after_cpr(text).endswith("Hvornår åbner I?")
    assert "cpr" not in remainder_after_cpr("mit cpr nr: 0101901234").lower()


def test_metadata_is_redacted_recursively() -> None:
    value = {"a": ["x 0101901234"], "b": {"c": "010190-1234"}, "n": 5}
    assert redact_value(value) == {"a": [f"x {REDACTED}"], "b": {"c": REDACTED}, "n": 5}


def test_log_records_are_redacted(caplog: pytest.LogCaptureFixture) -> None:
    install_log_redaction()
    with caplog.at_level(logging.INFO):
        logging.getLogger("rasa.core.processor").info("Received user message '%s'", "0101901234")
    assert "0101901234" not in caplog.text
    assert REDACTED in caplog.text
    assert contains_cpr("0101901234")
