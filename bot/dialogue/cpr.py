"""Finding and removing CPR numbers before anything is stored or logged.

A CPR number is DDMMYY followed by four digits (the serial). Citizens type and paste it in many
ways; synthetic examples: ``010190-1234``, ``0101901234``, ``010190 12 34``, ``01.01.90.1234``,
``01.01.1990-1234``, ``0 1 0 1 9 0 1 2 3 4``, with full-width or Arabic-Indic digits, with
no-break spaces, minus signs or zero-width characters in between. docs/cpr-guard.md describes
what is caught and what is not, with measured detection and false-positive rates.

Detection is a linear scan over the characters, not a regular expression:

* a digit is any character with a Unicode digit value (ASCII, full-width, Arabic-Indic,
  superscript, ...);
* invisible characters (format characters such as zero-width spaces, soft hyphens, bidi marks;
  combining marks such as the keycap in "1️⃣"; Hangul fillers) are ignored wherever they are;
* every other character that is not a letter is a *separator*: any whitespace (tabs and
  newlines too) and every punctuation (P*) and symbol (S*) character, such as dashes, dots,
  slashes, commas, colons, underscores, plus, asterisk, hash, quotes, brackets and pipes; the
  rule is Unicode's categories, not a list (a letter ends a chain);
* digits joined by gaps of 1-4 separators form a *chain*; the gaps split the chain into
  *groups*;
* a run of whole consecutive groups with 10 digits (DDMMYY SSSS) or 12 digits (DDMMYYYY SSSS,
  year 1858..this year, not all in one group) is a CPR number when DD/MM is a calendar day
  (29 February included; substitute numbers have day + 60) and the serial has only whitespace
  gaps inside ("12.34" and "12:34" read as clock times). A run with a split serial followed by
  one separator and two digits ("01.01.2026 10.00", "01.01.2026 10:00", where "26 10" would be
  the serial) is a date and a time, not a CPR number.

We do not use the modulus-11 check: numbers issued since 2007 may fail it. A false positive only
costs a redacted number, which is the safe side.
"""

from __future__ import annotations

import re
import unicodedata
from collections import deque
from collections.abc import Iterator
from datetime import date

REDACTED = "[CPR-nummer fjernet]"

# Every character with a Unicode digit value: \d is category Nd; the rest (superscripts,
# subscripts, circled and parenthesised digits, ...) are category No. This class is a superset
# (whole blocks); classify decides. tests/unit/dialogue/test_privacy.py checks it against
# unicodedata.
_DIGIT_PREFILTER = re.compile(
    "[\\d\u00b2\u00b3\u00b9\u1369-\u1371\u19da\u2070-\u2089\u2460-\u24ff\u2776-\u2793"
    "\U00010a40-\U00010a47\U00010e60-\U00010e7e\U00011052-\U00011065\U0001f100-\U0001f10c]"
)

# Character classes of the scanner; 0-9 are digit values.
_INVISIBLE = 10  # format characters (Cf) and fillers
MARK = 11  # combining marks (Mn, Me): invisible too, and part of the digit before them
_SPACE = 12  # a whitespace separator
_PUNCT = 13  # any other separator: punctuation, symbols, anything that is not a letter
LETTER = 14  # a letter: ends a chain

# Default-ignorable letters that render as nothing (Hangul fillers).
_FILLERS = frozenset("\u115f\u1160\u3164\uffa0")
_MARK_CATEGORIES = frozenset({"Mn", "Me"})

_class_cache: dict[str, int] = {}
_CACHE_LIMIT = 20_000

# Gap kinds stored per digit (the gap before it): none (same group), whitespace only, with
# punctuation, and exactly one punctuation character (as in the time "10.00").
_NO_GAP, _WS_GAP, _PUNCT_GAP, _ONE_PUNCT_GAP = 0, 1, 2, 3
_MAX_GAP = 4  # separators in one gap; invisible characters do not count

_MONTH_DAYS = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)
_FIRST_YEAR = 1858  # four-digit years from this one to the current year count


def classify(ch: str) -> int:
    cls = _class_cache.get(ch)
    if cls is not None:
        return cls
    value = unicodedata.digit(ch, None)
    if value is not None:
        cls = value
    elif ch.isspace():
        cls = _SPACE
    else:
        category = unicodedata.category(ch)
        if category in _MARK_CATEGORIES:
            cls = MARK
        elif category == "Cf" or ch in _FILLERS:
            cls = _INVISIBLE
        elif category[0] == "L":
            cls = LETTER
        else:
            # Not a letter, digit, mark or invisible character: punctuation (P*), symbols
            # (S*), spacing marks, numbers without a digit value (½, Ⅻ), controls, private
            # use and unassigned code points. Any of them may separate the groups.
            cls = _PUNCT
    if len(_class_cache) < _CACHE_LIMIT:
        _class_cache[ch] = cls
    return cls


def has_digit(text: str) -> bool:
    """Whether ``text`` holds any character with a digit value (the cheap first check)."""
    return _DIGIT_PREFILTER.search(text) is not None


def _chains(text: str) -> Iterator[tuple[list[int], list[int], list[int], list[int]]]:
    """Digit chains of ``text``: (digit values, start index of each digit, end index of each
    digit with the combining marks after it, gap kind before each digit).

    Every character is looked at a bounded number of times: the prefilter jumps to the next
    digit, the chain loop walks forward, and the next search starts where the chain stopped.
    """
    n = len(text)
    search = _DIGIT_PREFILTER.search
    pos = 0
    while True:
        found = search(text, pos)
        if found is None:
            return
        i = found.start()
        first = classify(text[i])
        if first > 9:  # in a prefilter block but no digit
            pos = i + 1
            continue
        values = [first]
        starts = [i]
        ends = [i + 1]
        gaps = [_NO_GAP]
        p = i + 1
        count = 0
        kind = _NO_GAP
        marks_follow_digit = True
        while p < n:
            cls = classify(text[p])
            if cls <= 9:
                values.append(cls)
                starts.append(p)
                ends.append(p + 1)
                if count == 1 and kind == _PUNCT_GAP:
                    gaps.append(_ONE_PUNCT_GAP)
                else:
                    gaps.append(kind if count else _NO_GAP)
                count = 0
                kind = _NO_GAP
                marks_follow_digit = True
            elif cls == MARK:
                if marks_follow_digit:
                    ends[-1] = p + 1
            elif cls == _INVISIBLE:
                marks_follow_digit = False
            elif cls == _SPACE or cls == _PUNCT:
                marks_follow_digit = False
                count += 1
                if count > _MAX_GAP:
                    break
                if cls == _PUNCT:
                    kind = _PUNCT_GAP
                elif kind == _NO_GAP:
                    kind = _WS_GAP
            else:
                break
            p += 1
        yield values, starts, ends, gaps
        pos = p


def _calendar_day(day: int, month: int) -> bool:
    if day > 60:
        day -= 60  # substitute number
    return 1 <= month <= 12 and 1 <= day <= _MONTH_DAYS[month - 1]


def _minutes_at(gaps: list[int], e: int, n: int) -> bool:
    """Whether digits e, e+1 are a group of two that ends the chain or a range ("10.00-")."""
    return e + 1 < n and gaps[e + 1] == _NO_GAP and (e + 2 == n or gaps[e + 2] >= _PUNCT_GAP)


def _chain_spans(
    values: list[int], starts: list[int], ends: list[int], gaps: list[int], this_year: int
) -> list[tuple[int, int]]:
    """Spans of the CPR numbers in one chain: O(groups) candidate checks, each O(1)."""
    n = len(values)
    spans: list[tuple[int, int]] = []
    for a in range(n - 9):
        if a and not gaps[a]:
            continue  # not the first digit of a group
        for length in (10, 12):
            e = a + length
            if e > n or (e < n and not gaps[e]):
                continue  # must end where a group ends
            s = e - 4  # the serial is values[s:e]
            inner = max(gaps[s + 1], gaps[s + 2], gaps[s + 3])
            if inner >= _PUNCT_GAP:
                continue  # "10.00" is a time, not a serial
            if inner and e < n and gaps[e] == _ONE_PUNCT_GAP and _minutes_at(gaps, e, n):
                continue  # "01.01.2026 10.00": a date, then a time
            day = values[a] * 10 + values[a + 1]
            if not _calendar_day(day, values[a + 2] * 10 + values[a + 3]):
                continue
            if length == 12:
                if not any(gaps[a + 1 : e]):
                    continue  # twelve digits in one group: an account or article number
                y = values[a + 4 : a + 8]
                year = y[0] * 1000 + y[1] * 100 + y[2] * 10 + y[3]
                if not _FIRST_YEAR <= year <= this_year:
                    continue
            start, end = starts[a], ends[e - 1]
            if spans and start < spans[-1][1]:
                spans[-1] = (spans[-1][0], max(end, spans[-1][1]))
            else:
                spans.append((start, end))
    return spans


def find_cpr(text: str) -> list[tuple[int, int]]:
    """Spans (start, end) of every CPR number in ``text``, in order and not overlapping.

    A span covers the whole number, separators and invisible characters inside it included.
    """
    if not text or not has_digit(text):
        return []
    this_year = date.today().year
    spans: list[tuple[int, int]] = []
    for values, starts, ends, gaps in _chains(text):
        if len(values) >= 10:
            spans.extend(_chain_spans(values, starts, ends, gaps, this_year))
    return spans


def contains_cpr(text: str) -> bool:
    return bool(find_cpr(text))


def _replace(text: str, spans: list[tuple[int, int]]) -> str:
    parts: list[str] = []
    last = 0
    for start, end in spans:
        parts.append(text[last:start])
        parts.append(REDACTED)
        last = end
    parts.append(text[last:])
    return "".join(parts)


def redact_cpr(text: str) -> tuple[str, int]:
    """``text`` with every CPR number replaced by :data:`REDACTED`, and how many were found."""
    spans = find_cpr(text)
    if not spans:
        return text, 0
    return _replace(text, spans), len(spans)


def cpr_across(previous: str, current: str) -> list[tuple[int, int]]:
    """Spans in ``current`` of a CPR number that began at the end of ``previous``.

    For a number split over two messages: previous "mit cpr er 010190", current "1234 tak"
    gives [(0, 4)]. Numbers wholly inside ``current`` (or ``previous``) are not returned.
    """
    if not previous or not current or not has_digit(current) or not has_digit(previous):
        return []
    # The message boundary counts as one whitespace separator, unless either side already
    # ends/starts with a separator or an invisible character.
    edge_classes = (classify(previous[-1]), classify(current[0]))
    joiner = " " if all(c <= 9 for c in edge_classes) else ""
    offset = len(previous) + len(joiner)
    joined = previous + joiner + current
    return [
        (max(start - offset, 0), end - offset)
        for start, end in find_cpr(joined)
        if start < len(previous) and end > offset
    ]


# -- the rest of a message --------------------------------------------------------------------

_TOKEN = re.compile(r"\w+|[^\w\s]")  # a word or one other visible character; linear
_POSSESSIVES = frozenset(
    {"mit", "min", "mine", "hans", "hendes", "vores", "dit", "din", "deres", "sit", "sin"}
)
# Words around "cpr" as token sequences, matched at the end of the text before a number.
_LEAD_WORDS: tuple[tuple[str, ...], ...] = tuple(
    sorted(
        {
            *(
                (*head, tail)
                for head in (("cpr",), ("cpr", "."), ("cpr", "-"))
                for tail in ("nr", "nummer", "nummeret", "no")
            ),
            ("cprnr",),
            ("cprnummer",),
            ("cprnummeret",),
            ("personnummer",),
            ("personnummeret",),
            ("personnr",),
            ("cpr",),
        },
        key=len,
        reverse=True,
    )
)
_TRAILING_FILLER = frozenset({"er", ":", "=", "-", "."})


def _lead_in_start(piece: str) -> int | None:
    """Where lead-in words like "mit cpr-nr. er:" start at the end of ``piece``, if they do."""
    tokens: deque[tuple[str, int, int]] = deque(maxlen=8)
    for match in _TOKEN.finditer(piece):
        tokens.append((match.group().lower(), match.start(), match.end()))
    words = list(tokens)
    for _ in range(3):
        if words and words[-1][0] in _TRAILING_FILLER:
            words.pop()
    texts = tuple(w[0] for w in words)
    for lead in _LEAD_WORDS:
        if texts[-len(lead) :] == lead:
            first = len(words) - len(lead)
            start = words[first][1]
            if first and texts[first - 1] in _POSSESSIVES and words[first - 1][2] < start:
                start = words[first - 1][1]
            return start
    return None


def remainder_after_cpr(text: str) -> str:
    """What is left of a message when the CPR numbers and their lead-in words are taken out.

    "mit cpr er 010190-1234, hvornår åbner i?" -> "hvornår åbner i?"  (synthetic number)
    """
    pieces: list[str] = []
    last = 0
    for start, end in find_cpr(text):
        before = text[last:start]
        cut = _lead_in_start(before)
        pieces.append(before if cut is None else before[:cut])
        last = end
    pieces.append(text[last:])
    kept = (" ".join(p.strip(" ,.;:-").split()) for p in pieces)
    return " ".join(p for p in kept if p)
