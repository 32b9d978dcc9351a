"""Property tests for CPR detection: every spelling is found, near-misses are not.

All numbers are generated; none is a real person's.
"""

from __future__ import annotations

import unicodedata
from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.dialogue.cpr import REDACTED, contains_cpr, find_cpr, redact_cpr, remainder_after_cpr

MONTH_DAYS = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)
THIS_YEAR = date.today().year

# The zero of each digit script; the nine after it follow in order.
ZEROS = [
    0x30,  # ASCII
    0xFF10,  # full-width
    0x660,  # Arabic-Indic
    0x6F0,  # extended Arabic-Indic (Persian)
    0x966,  # Devanagari
    0x9E6,  # Bengali
    0xE50,  # Thai
    0x1D7CE,  # mathematical bold
    0x1D7F6,  # mathematical monospace
]
SUPERSCRIPTS = "⁰¹²³⁴⁵⁶⁷⁸⁹"
SUBSCRIPTS = "₀₁₂₃₄₅₆₇₈₉"
SCRIPTS = [[chr(z + d) for d in range(10)] for z in ZEROS] + [list(SUPERSCRIPTS), list(SUBSCRIPTS)]

SPACES = [" ", "\t", "\n", "\u00a0", "\u2009", "\u202f", "\u2007", "\u3000", "\u205f"]
PUNCT = [
    "-", ".", "/",
    "\u2010", "\u2011", "\u2012", "\u2013", "\u2014", "\u2015",  # dashes
    "\ufe58", "\ufe63", "\uff0d",  # small and full-width dashes
    "\u2212",  # minus sign
    "\uff0e", "\uff0f",  # full-width full stop and slash
    "\u2044", "\u2215",  # fraction and division slash
    "\u2024", "\ufe52",  # one dot leader, small full stop
]  # fmt: skip
INVISIBLE = [
    "\u200b", "\u200c", "\u200d", "\u2060", "\u00ad", "\ufeff", "\u200e", "\u200f",
    "\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2068", "\u2069",
]  # fmt: skip

# Danish text around the number; it may hold other numbers, but never joined to ours.
PREFIXES = [
    "",
    "mit cpr er ",
    "Mit CPR-nr.: ",
    "cpr:",
    "CPR=",
    "personnummer ",
    "Hej, jeg ringede på 70 80 25 80 i går og ",
    "Jeg bor på Amager Landevej 71, 2770 Kastrup, og mit cpr-nummer er ",
    "Min søn (født 2015) har cpr ",
    "kl. 10.00 skrev jeg mit personnummer ",
    "cpr-nummer\n",
    "Jeg har betalt 1.234,50 kr. Mit cpr: ",
]
SUFFIXES = [
    "",
    " tak",
    ", hvornår har I åbent?",
    ". Kan I hjælpe mig med pas?",
    " og jeg vil gerne bestille tid 1. december kl. 9.30",
    "!",
    " - mvh Jens",
    "\n\nMed venlig hilsen\nJens, tlf. 32 76 11 00",
]


def digit_values(text: str) -> list[int]:
    return [v for v in (unicodedata.digit(ch, None) for ch in text) if v is not None]


@st.composite
def spelled(draw: st.DrawFn, digits: list[int], serial_from: int | None = None) -> str:
    """``digits`` in random scripts, with random gaps (whitespace only inside the serial
    digits ``serial_from..``) and invisible characters anywhere."""
    parts: list[str] = []
    for i, value in enumerate(digits):
        if i:
            in_serial = serial_from is not None and i > serial_from
            seps = SPACES if in_serial else SPACES + PUNCT
            gap = draw(st.lists(st.sampled_from(seps), max_size=4))
            if draw(st.integers(0, 3)) == 0:
                gap = [*gap, *draw(st.lists(st.sampled_from(INVISIBLE), max_size=3))]
                gap = draw(st.permutations(gap))
            parts.append("".join(gap))
        script = draw(st.sampled_from(SCRIPTS))
        parts.append(script[value])
    return "".join(parts)


def _digits(number: int, width: int) -> list[int]:
    return [int(c) for c in str(number).zfill(width)]


@st.composite
def cpr_numbers(draw: st.DrawFn) -> tuple[str, list[int]]:
    """A CPR number spelled any way we know of, and its digit values."""
    month = draw(st.integers(1, 12))
    day = draw(st.integers(1, MONTH_DAYS[month - 1]))
    if draw(st.booleans()):
        day += 60  # substitute number
    four_digit_year = draw(st.booleans())
    year = draw(st.integers(1858, THIS_YEAR) if four_digit_year else st.integers(0, 99))
    digits = [
        *_digits(day, 2),
        *_digits(month, 2),
        *_digits(year, 4 if four_digit_year else 2),
        *_digits(draw(st.integers(0, 9999)), 4),
    ]
    serial_from = len(digits) - 4
    text = draw(spelled(digits, serial_from))
    if four_digit_year and not any(ch in SPACES or ch in PUNCT for ch in text):
        # Twelve digits in one group are not taken for a CPR number; people write a gap.
        cut = len(text) - 4
        text = text[:cut] + draw(st.sampled_from(SPACES + PUNCT)) + text[cut:]
    return text, digits


@settings(max_examples=300, deadline=None)
@given(
    number=cpr_numbers(),
    prefix=st.sampled_from(PREFIXES),
    suffix=st.sampled_from(SUFFIXES),
)
def test_every_spelling_of_a_cpr_number_is_found_and_removed(
    number: tuple[str, list[int]], prefix: str, suffix: str
) -> None:
    spelling, digits = number
    assert digit_values(spelling) == digits
    text = prefix + spelling + suffix
    assert find_cpr(text) == [(len(prefix), len(prefix) + len(spelling))]
    redacted, found = redact_cpr(text)
    assert found == 1
    assert redacted == prefix + REDACTED + suffix
    # Only the number's digits are gone: the rest of the text keeps its own.
    assert digit_values(redacted) == digit_values(prefix) + digit_values(suffix)
    assert not contains_cpr(remainder_after_cpr(text))


# -- near-misses ---------------------------------------------------------------------------


@st.composite
def phone_numbers(draw: st.DrawFn) -> str:
    """A Danish 8-digit phone number in any grouping, with or without +45 / 0045."""
    digits = [draw(st.integers(2, 9)), *draw(st.lists(st.integers(0, 9), min_size=7, max_size=7))]
    cuts = sorted(draw(st.sets(st.integers(1, 7), max_size=7)))
    sep = draw(st.sampled_from([" ", "-", ".", "\u00a0"]))
    groups = [digits[a:b] for a, b in zip([0, *cuts], [*cuts, 8], strict=True)]
    number = sep.join("".join(map(str, g)) for g in groups)
    country = draw(st.sampled_from(["", "+45 ", "+45", "0045 ", "+45-", "(+45) "]))
    return country + number


@st.composite
def long_or_short_groups(draw: st.DrawFn) -> str:
    """9 or 11 digits in one group: order numbers, account numbers, not a CPR number."""
    length = draw(st.sampled_from([9, 11]))
    digits = draw(st.lists(st.integers(0, 9), min_size=length, max_size=length))
    return "".join(map(str, digits))


@st.composite
def invalid_dates(draw: st.DrawFn) -> str:
    """CPR-shaped: ten digits, spelled any way, but DDMM is no calendar day."""
    kind = draw(st.sampled_from(["day", "month", "too long"]))
    if kind == "day":
        month = draw(st.integers(1, 12))
        day = draw(st.sampled_from([0, *range(32, 61), *range(92, 100)]))
    elif kind == "month":
        month = draw(st.sampled_from([0, *range(13, 100)]))
        day = draw(st.integers(0, 99))
    else:  # 30 February, 31 April, ... (and their substitute days)
        month = draw(st.sampled_from([2, 4, 6, 9, 11]))
        day = draw(st.integers(MONTH_DAYS[month - 1] + 1, 31)) + draw(st.sampled_from([0, 60]))
    digits = [*_digits(day, 2), *_digits(month, 2), *_digits(draw(st.integers(0, 99)), 2)]
    digits += _digits(draw(st.integers(0, 9999)), 4)
    return draw(spelled(digits, serial_from=6))


@st.composite
def dates_and_times(draw: st.DrawFn) -> str:
    """A date, then a time or an opening-hours range: "01.01.2026 10.00-15.00"."""
    month = draw(st.integers(1, 12))
    day = draw(st.integers(1, MONTH_DAYS[month - 1]))
    sep = draw(st.sampled_from([".", "-", "/"]))
    pad = draw(st.booleans())
    dd, mm = (f"{day:02d}", f"{month:02d}") if pad else (str(day), str(month))
    yy, yyyy = draw(st.integers(0, 99)), draw(st.integers(1900, 2099))
    year = draw(st.sampled_from([f"{yy:02d}", str(yyyy)]))

    def clock() -> str:
        hour = draw(st.integers(0, 23))
        hh = f"{hour:02d}" if draw(st.booleans()) else str(hour)
        return f"{hh}.{draw(st.integers(0, 59)):02d}"

    time = clock() if draw(st.booleans()) else f"{clock()}-{clock()}"
    between = draw(st.sampled_from([" ", "  ", " kl. ", ", kl. ", " fra "]))
    return f"{dd}{sep}{mm}{sep}{year}{between}{time}"


NEAR_MISS_PREFIXES = ["", "Ring på ", "Vi har åbent ", "Jeg har fået tid ", "nr. ", "tlf: "]
NEAR_MISS_SUFFIXES = ["", " tak", ", hvornår?", ". Mvh Jens", "!"]


@settings(max_examples=300, deadline=None)
@given(
    text=st.one_of(phone_numbers(), long_or_short_groups(), invalid_dates(), dates_and_times()),
    prefix=st.sampled_from(NEAR_MISS_PREFIXES),
    suffix=st.sampled_from(NEAR_MISS_SUFFIXES),
)
def test_near_misses_are_not_found(text: str, prefix: str, suffix: str) -> None:
    message = prefix + text + suffix
    assert find_cpr(message) == []
    assert redact_cpr(message) == (message, 0)


# -- any text ------------------------------------------------------------------------------

ANY_CHAR = st.one_of(
    st.sampled_from(list("0123456789") + SPACES + PUNCT + INVISIBLE + list("ab,:") + ["٣", "５"]),
    st.characters(),
)


@settings(max_examples=300, deadline=None)
@given(text=st.text(ANY_CHAR, max_size=80))
def test_any_text_gives_ordered_disjoint_spans_and_a_clean_redaction(text: str) -> None:
    spans = find_cpr(text)
    last = 0
    for start, end in spans:
        assert last <= start < end <= len(text)
        assert unicodedata.digit(text[start], None) is not None
        last = end
    redacted, found = redact_cpr(text)
    assert found == len(spans)
    assert not contains_cpr(redacted)
    remainder_after_cpr(text)
