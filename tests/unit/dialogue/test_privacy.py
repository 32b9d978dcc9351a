"""CPR detection and redaction (pure logic). All numbers here are synthetic."""

import logging
import subprocess
import sys
import textwrap
import unicodedata
from datetime import date
from pathlib import Path

import pytest

from bot.dialogue import cpr
from bot.dialogue.cpr import (
    REDACTED,
    contains_cpr,
    cpr_across,
    find_cpr,
    redact_cpr,
    remainder_after_cpr,
)
from bot.dialogue.privacy import install_log_redaction, redact_value
from testkit import ROOT

FULL_WIDTH = str.maketrans("0123456789-", "０１２３４５６７８９－")
ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
DEVANAGARI = str.maketrans("0123456789", "०१२३४५६७८९")
SUPERSCRIPT = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")

# Synthetic numbers in every spelling we know of. 010190-1234 fails modulus 11 on purpose:
# numbers issued since 2007 may, so the check must not depend on it.
SPELLINGS = [
    "010190-1234",
    "0101901234",
    "010190 1234",
    "01 01 90 1234",
    "01.01.90-1234",
    "01-01-90-1234",
    "010190–1234",  # en dash
    "010190—1234",  # em dash
    "010190‐1234",  # Unicode hyphen
    "010190−1234",  # minus sign U+2212
    "010190 - 1234",
    "01 . 01 . 90 1234",
    "311299-0001",
    "610190-1234",  # substitute number (day + 60)
    "290200-1234",  # 29 February
    "01.01.90.1234",
    "01.01.1990-1234",
    "01011990 1234",
    "01/01/1990 1234",
    "010190 12 34",
    "010190/1234",
    "010190／1234",  # full-width slash
    "01．01．90－1234",  # full-width full stop and hyphen
    "0 1 0 1 9 0 1 2 3 4",
    "0 1 0 1 9 0 1 2 3 4".replace(" ", "\t"),
    "010190\n1234",
    "010190\u00a01234",  # no-break space
    "010190\u20091234",  # thin space
    "010190\u202f1234",  # narrow no-break space
    "010190\u30001234",  # ideographic space
    "0101901234".translate(FULL_WIDTH),
    "010190-1234".translate(FULL_WIDTH),
    "0101901234".translate(ARABIC_INDIC),
    "010190 1234".translate(DEVANAGARI),
    "0101901234".translate(SUPERSCRIPT),
    "\u200b".join("0101901234"),  # zero-width space between every digit
    "010190\u200b\u200c\u200d\u2060\ufeff1234",  # a pile of invisible characters
    "01\u00ad01\u00ad90\u00ad1234",  # soft hyphens
    "0101\u202e90-\u202c1234",  # bidi override and pop inside
    "0\u200e1\u200f0190-1234",  # LRM / RLM
    "0️⃣1️⃣0️⃣1️⃣9️⃣0️⃣1️⃣2️⃣3️⃣4️⃣",  # keycap emoji: digit + variation selector + keycap
]


@pytest.mark.parametrize("number", SPELLINGS)
def test_every_spelling_is_redacted(number: str) -> None:
    text, found = redact_cpr(f"mit cpr er {number} tak")
    assert found == 1
    assert text == f"mit cpr er {REDACTED} tak"
    assert not any(unicodedata.digit(ch, None) is not None for ch in text)


@pytest.mark.parametrize("number", SPELLINGS)
def test_span_covers_the_whole_number(number: str) -> None:
    # From the first digit to the last (and the combining marks on it).
    assert find_cpr(f"cpr:{number}.") == [(4, 4 + len(number))]
    assert find_cpr(f"\u202d{number}\u200b") == [(1, 1 + len(number))]


def test_letters_next_to_the_number_do_not_hide_it() -> None:
    assert find_cpr("cpr:0101901234") == [(4, 14)]
    assert find_cpr("CPR0101901234tak") == [(3, 13)]


@pytest.mark.parametrize(
    "text",
    [
        "ring på 32 76 11 00",  # 8-digit phone number
        "ring på +45 32 76 11 00",
        "ring på 0045 32761100",
        "ring +45 70 80 25 80",  # 10 digits, but 45 is no day
        "1881",
        "den 1. januar 2026",
        "01.01.2026",
        "åbner kl. 9.00-15.00",
        "mandag 10.00-17.30",
        "postnummer 2770 Kastrup",
        "01019012345",  # 11 digits in one group: not a CPR number
        "010119901234",  # 12 digits in one group neither
        "320190-1234",  # day 32
        "011390-1234",  # month 13
        "310290-1234",  # 31 February
        "310490-1234",  # 31 April
        "000190-1234",  # day 0
        "01.01.26 10.00",  # a date and a time
        "01.01.2026 10.00",
        "01.01.2026 10.00 - 15.00",
        "31.12.2025 23.59",
        "mandag 01.01.2026 10.00-15.00",
        "01.02.26 10.00-15.00",
        "01.01.2026-31.12.2026",
        "010190-12.34",  # punctuation inside the serial
        "01.01.2099-1234",  # a year still to come
        "01.01.1850-1234",  # before the oldest birth year in the register
        "sag nr. 2026-123456",
        "1.234,50 kr.",
        "reg.nr. 1234 kontonr. 0012345678",
        "EAN 5701234567899",
    ],
)
def test_other_numbers_are_left_alone(text: str) -> None:
    assert redact_cpr(text) == (text, 0)
    assert not contains_cpr(text)


def test_a_longer_chain_still_yields_the_number() -> None:
    # The run must start and end where a group does; an extra digit group after it is fine.
    assert find_cpr("0101901234 5") == [(0, 10)]
    assert find_cpr("nr 5 010190-1234") == [(5, 16)]
    # One group of 10 and a 12-digit reading overlap: one span covering both.
    assert find_cpr("0101199012 34") == [(0, 13)]


def test_twelve_digit_year_must_be_past() -> None:
    this_year = date.today().year
    assert contains_cpr(f"01.01.{this_year}-1234")
    assert not contains_cpr(f"01.01.{this_year + 1}-1234")
    assert contains_cpr("01.01.1858-1234")


def test_gaps_of_up_to_four_separators() -> None:
    assert contains_cpr("010190 -- 1234")  # four separators
    assert not contains_cpr("010190 --- 1234")  # five: two numbers
    assert contains_cpr("010190 \u200b\u200b\u200b- \u200b1234")  # invisible ones do not count
    # Any character that is not a letter separates: comma, colon, underscore, quotes, ...
    assert contains_cpr("010190, 1234")
    assert contains_cpr("010190:1234")
    assert contains_cpr("010190_1234")
    assert contains_cpr("01|01|90 | 1234")
    assert not contains_cpr("010190,,,,,1234")  # five separators: two numbers
    assert not contains_cpr("010190x1234")  # a letter ends the number
    assert not contains_cpr("010190-12:34")  # "12:34" in the serial reads as a clock time


def test_several_numbers_and_lead_in_words() -> None:
    text = "Mit CPR-nummer er 010190-1234 og min søns er 020205 4321. Hvornår åbner I?"
    redacted, found = redact_cpr(text)
    assert found == 2
    assert "1234" not in redacted and "4321" not in redacted
    assert remainder_after_cpr(text).endswith("Hvornår åbner I?")
    assert "cpr" not in remainder_after_cpr("mit cpr nr: 0101901234").lower()
    assert redact_cpr("0101901234/0202904321") == (f"{REDACTED}/{REDACTED}", 2)
    # A split serial followed by punctuation is no time when no ".MM" follows.
    assert redact_cpr("010190 12 34 / 020290 43 21")[1] == 2
    # (Here a run across the dash, 9012340202, is CPR-shaped too: one span covers both.)
    assert redact_cpr("0 1 0 1 9 0 1 2 3 4 - 0 2 0 2 9 0 4 3 2 1") == (REDACTED, 1)
    assert redact_cpr("010190 12 34.")[1] == 1


@pytest.mark.parametrize(
    ("text", "rest"),
    [
        ("mit cpr er 010190-1234, hvornår åbner i?", "hvornår åbner i?"),
        ("CPR-nr.: 0101901234 hvornår åbner I?", "hvornår åbner I?"),
        ("Mit personnummer er 0101901234", ""),
        ("min cpr. nr. er 010190 1234. Tak", "Tak"),
        ("cprnummer: 0101901234", ""),
        ("Hej  med\tdig, mit cpr-nummer er 0101901234  og\nhvad så", "Hej med dig og hvad så"),
        ("hvornår åbner I?", "hvornår åbner I?"),
        ("vi er 0101901234", "vi er"),
    ],
)
def test_remainder_after_cpr(text: str, rest: str) -> None:
    assert remainder_after_cpr(text) == rest


def test_cpr_split_over_two_messages() -> None:
    assert cpr_across("mit cpr er 010190", "1234") == [(0, 4)]
    assert cpr_across("mit cpr er 010190-", "1234 tak") == [(0, 4)]
    assert cpr_across("mit cpr er 01.01.19", "90-1234") == [(0, 7)]
    assert cpr_across("cpr 01019", "01234") == [(0, 5)]
    assert cpr_across("010190", " - 12 34, hvornår") == [(0, 8)]
    # Wholly inside one of the messages: not a number across the boundary.
    assert cpr_across("0101901234", "5") == []
    assert cpr_across("hej", "0101901234") == []
    assert cpr_across("ring 32 76", "11 00") == []
    assert cpr_across("", "1234") == []
    assert cpr_across("010190", "") == []


def test_metadata_is_redacted_recursively() -> None:
    value = {"a": ["x 0101901234"], "b": {"c": "010190-1234"}, "n": 5}
    assert redact_value(value) == {"a": [f"x {REDACTED}"], "b": {"c": REDACTED}, "n": 5}


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("x 010190-1234", f"x {REDACTED}"),
        ("ingen tal", "ingen tal"),
        (101901234, REDACTED),  # 0101901234 stored as an int loses its leading zero
        (3112991234, REDACTED),
        (-3112991234, REDACTED),
        (1234, 1234),
        (32761100, 32761100),
        (1019012345678, 1019012345678),
        (101901234.0, REDACTED),
        (0.0101901234, REDACTED),
        (1.5, 1.5),
        (True, True),
        (False, False),
        (None, None),
        (float("inf"), float("inf")),
        (10**300, 10**300),
        ([1, "0101901234", [None]], [1, REDACTED, [None]]),
        ((1, "0101901234"), (1, REDACTED)),
        ({"0101901234": "v", "k": 101901234}, {REDACTED: "v", "k": REDACTED}),
        ({}, {}),
        ([], []),
    ],
)
def test_redact_value_for_every_json_type(value: object, expected: object) -> None:
    assert redact_value(value) == expected
    assert type(redact_value(value)) is type(expected)


def test_redact_value_takes_ints_too_long_to_print() -> None:
    huge = 10**5000  # str() refuses more than 4300 digits
    assert redact_value([huge]) == [huge]


def test_redact_value_keeps_keys_that_redact_alike_apart() -> None:
    assert redact_value({"0101901234": 1, "0202904321": 2}) == {REDACTED: 1, f"{REDACTED} (2)": 2}


def test_redact_value_does_not_change_its_input_and_handles_any_depth() -> None:
    value: dict = {"a": ["0101901234"]}
    redact_value(value)
    assert value == {"a": ["0101901234"]}
    deep: list = ["0101901234"]
    for _ in range(5000):  # far deeper than the recursion limit
        deep = [deep]
    out = redact_value(deep)
    for _ in range(5000):
        out = out[0]
    assert out == [REDACTED]


def test_redact_value_refuses_a_value_that_contains_itself() -> None:
    loop: list = []
    loop.append(loop)
    with pytest.raises(ValueError):
        redact_value(loop)


def test_digit_prefilter_knows_every_unicode_digit() -> None:
    missing = [
        hex(c)
        for c in range(sys.maxunicode + 1)
        if unicodedata.digit(chr(c), None) is not None and not cpr.has_digit(chr(c))
    ]
    assert missing == []


# -- logs ----------------------------------------------------------------------------------------


def test_log_records_are_redacted(caplog: pytest.LogCaptureFixture) -> None:
    install_log_redaction()
    install_log_redaction()  # idempotent
    with caplog.at_level(logging.INFO):
        logging.getLogger("rasa.core.processor").info("Received user message '%s'", "0101901234")
    assert "0101901234" not in caplog.text
    assert REDACTED in caplog.text
    assert contains_cpr("0101901234")


@pytest.fixture
def log_file(tmp_path: Path):
    install_log_redaction()
    path = tmp_path / "bot.log"
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s %(message)s"))
    logger = logging.getLogger("tests.privacy.file")
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    logger.propagate = False
    yield logger, path
    logger.removeHandler(handler)
    handler.close()


def test_log_file_message_traceback_and_stack_are_redacted(log_file) -> None:
    logger, path = log_file
    logger.debug("Received user message '%s'", "mit cpr er 010190-1234")
    try:
        raise ValueError("could not parse 010190-1234")
    except ValueError:
        logger.exception("Handling a message failed")
    try:
        raise KeyError("0101901234")
    except KeyError as exc:
        logger.error("lookup failed", exc_info=exc)
    logger.warning("look here: 010190-1234", stack_info=True)  # the stack shows this line too
    for handler in logger.handlers:
        handler.flush()
    text = path.read_text(encoding="utf-8")
    assert "Traceback" in text and "ValueError" in text and "KeyError" in text
    assert "Stack (most recent call last)" in text
    assert text.count(REDACTED) == 7  # message, 2 x 2 traceback lines, warning and its line
    assert "010190" not in text and not contains_cpr(text)


def test_records_without_digits_are_left_as_they_are() -> None:
    install_log_redaction()
    record = logging.getLogRecordFactory()("x", logging.INFO, __file__, 1, "hej %s", ("du",), None)
    assert (record.msg, record.args) == ("hej %s", ("du",))


def test_python_warnings_are_logged_and_redacted(tmp_path: Path) -> None:
    # In a fresh interpreter: pytest replaces warnings.showwarning while a test runs.
    path = tmp_path / "warn.log"
    script = textwrap.dedent(
        f"""
        import logging, warnings
        from bot.dialogue.privacy import install_log_redaction
        install_log_redaction()
        logging.basicConfig(filename={str(path)!r}, level=logging.WARNING)
        warnings.warn("bad input 010190-1234")
        """
    )
    subprocess.run([sys.executable, "-c", script], check=True, cwd=ROOT)
    text = path.read_text(encoding="utf-8")
    assert "UserWarning" in text and REDACTED in text
    assert "010190" not in text and not contains_cpr(text)
