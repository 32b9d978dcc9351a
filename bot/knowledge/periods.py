"""Which time of day a citizen asks about: "om aftenen", "efter kl. 16", "at 5 pm".

:func:`resolve_period` takes a whole message or an extracted entity and returns a
:class:`Period` (a window of the day, or an instant), or None. Danish and English are read by
the same resolver. The named periods (morning, forenoon, lunch, afternoon, evening), their
windows, labels and phrases live in ``periods.yml`` next to this module; clock expressions
are recognised here, with their lead words and label templates from the same file:

* "efter kl. 16", "efter klokken 16", "efter 16", "efter kl. 16.30", "after 4 pm",
  "after 16:00": from that time to the end of the day;
* "før kl. 10", "inden kl. 10", "before 10 am": from the start of the day to that time;
* "kl. 17", "klokken 17", "at 5 pm", "at 17:00", "5 pm": that instant.

A bare number counts only after an after/before word ("efter 16", not "efter 3 uger" or
"efter 1. maj"); "kl."/"klokken", minutes after a colon, "am"/"pm" or "o'clock" make a number
a clock time anywhere. A clock expression wins over a named period in the same text ("i aften
kl. 19" is 19.00); among several of one sort the leftmost wins. Text is folded first (lower
case, æ/ø/å as ae/oe/aa, accents stripped), and phrases also match their ASCII spellings
("om aftenen", "OM AFTENEN", "foer kl. 10" and "for kl. 10" alike). Every pattern has bounded
width and the look-back for a lead word a bounded window, so the time taken grows linearly
with the text. Which *day* is meant is :func:`bot.knowledge.daytext.resolve_day`'s business.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import time
from functools import lru_cache
from pathlib import Path

from pydantic import BaseModel, Extra, Field, validator

from bot.knowledge.matching import fold as fold_letters
from bot.knowledge.yamlfile import load_model

PERIODS_FILE = Path(__file__).parent / "periods.yml"
END_OF_DAY = time(23, 59, 59)  # how the profile stores "24:00"
LANGUAGES = ("da", "en")

_KINDS = ("after", "before", "at")


class PeriodsError(Exception):
    """periods.yml is missing or invalid; the message names the file and field."""


@dataclass(frozen=True)
class Period:
    """A window of the day (``start`` to ``end``) or, when ``is_instant``, the moment ``start``.

    ``id`` is a named period's id ("evening") or a clock expression's kind ("after", "before",
    "at"). ``end`` of :data:`END_OF_DAY` is the end of the day; an instant has ``end == start``.
    """

    id: str
    start: time
    end: time
    is_instant: bool = False
    labels: tuple[tuple[str, str], ...] = field(default=(), repr=False)

    def label(self, language: str = "da") -> str:
        """How an answer names the period in ``language`` ("da" or "en"; else Danish)."""
        found = dict(self.labels)
        return found.get(language) or found.get("da") or self.id


# -- the data file -------------------------------------------------------------


def _clock(value: object) -> time:
    match = re.fullmatch(r"(\d{2}):(\d{2})", str(value))
    if not match:
        raise ValueError(f'"{value}" is not of the form "HH:MM"')
    hour, minute = int(match[1]), int(match[2])
    if (hour, minute) == (24, 0):
        return END_OF_DAY
    if hour > 23 or minute > 59:
        raise ValueError(f'"{value}" is not a valid time of day')
    return time(hour, minute)


class _Model(BaseModel):
    class Config:
        extra = Extra.forbid
        allow_mutation = False


class _Labels(_Model):
    da: str = Field(..., min_length=1)
    en: str = Field(..., min_length=1)


class _NamedPeriod(_Model):
    id: str
    start: time
    end: time
    label: _Labels
    phrases: list[str] = []
    patterns: list[str] = []

    _times = validator("start", "end", pre=True, allow_reuse=True)(_clock)

    @validator("end")
    def _after_start(cls, v: time, values: dict) -> time:
        if "start" in values and v <= values["start"]:
            raise ValueError("ends before it starts")
        return v

    @validator("patterns", each_item=True)
    def _compiles(cls, v: str) -> str:
        try:
            re.compile(v)
        except re.error as exc:
            raise ValueError(f"not a valid regular expression: {exc}") from exc
        return v


class _ClockKind(_Model):
    words: list[str] = Field(..., min_items=1)
    label: _Labels

    @validator("words", each_item=True)
    def _short(cls, v: str) -> str:
        if not 0 < len(v) <= _MAX_LEAD_CHARS:
            raise ValueError(f'"{v}" must be 1 to {_MAX_LEAD_CHARS} characters')
        return v

    @validator("label")
    def _has_time(cls, v: _Labels) -> _Labels:
        for text in (v.da, v.en):
            if "{time}" not in text:
                raise ValueError(f'"{text}" has no {{time}}')
        return v


class _Clock(_Model):
    after: _ClockKind
    before: _ClockKind
    at: _ClockKind


class _PeriodsFile(_Model):
    periods: list[_NamedPeriod] = Field(..., min_items=1)
    clock: _Clock


def fold(text: str) -> str:
    """Lower case, æ/ø/å as ae/oe/aa, diacritics stripped, whitespace collapsed."""
    return " ".join(fold_letters(text).split())


def _phrase(words: str) -> str:
    """A regex for a phrase that also accepts ASCII spellings (morgenen, før/foer/for)."""
    pattern = re.escape(fold(words))
    for folded, plain in (("aa", "a"), ("oe", "o"), ("ae", "a")):
        pattern = pattern.replace(folded, f"(?:{folded}|{plain})")
    return pattern.replace(r"\ ", r"\s?")


def _alternatives(phrases: Sequence[str], patterns: Sequence[str] = ()) -> str:
    """One regex for whole-word ``phrases`` (longest first) and raw ``patterns``."""
    words = [rf"\b{_phrase(p)}\b" for p in sorted(phrases, key=len, reverse=True)]
    return "|".join([*words, *(f"(?:{p})" for p in patterns)])


@dataclass(frozen=True)
class _Data:
    named: tuple[tuple[re.Pattern[str], Period], ...]
    lead: re.Pattern[str]  # lead word and "kl." right before a clock time ($-anchored)
    clock_labels: dict[str, tuple[tuple[str, str], ...]]


# A clock time starts where a number starts (not at the "12" of "24.12" or "24/12"). It is
# looked at only when a lead word or "kl." may end right before it (a letter or "." there,
# perhaps with a space between) or when it carries its own mark (":MM", am/pm, o'clock), so
# that a long run of bare numbers costs little. Then ``_Data.lead`` looks back for the words.
_TIME = re.compile(
    r"(?<![\d:/-])(?<!\d\.)"
    r"(?:(?<=[a-z.])|(?<=[a-z.]\s)|(?=\d{1,2}(?::\d{2}|\s?[ap]\.?m\b|\s?o'?clock)))"
    r"(?P<hour>\d{1,2})(?:(?P<sep>[.:])(?P<minute>\d{2}))?"
    r"(?:\s?(?P<ampm>[ap])\.?m\b\.?)?(?:\s?(?P<oclock>o'?clock))?(?!\d)"
)
_MARKER = r"(?:\b(?P<marker>kl\.?|klokken)\s?)"
# Lead words are at most this long, so lead word and marker fit in _LEAD_WINDOW characters.
_MAX_LEAD_CHARS = 24
_LEAD_WINDOW = 40
_MONTHS = (
    r"januar|january|jan|februar|february|feb|marts|march|mar|april|apr|maj|may|juni|june|"
    r"jun|juli|july|jul|august|aug|september|sept|sep|oktober|october|okt|oct|november|nov|"
    r"december|dec"
)
_DATE_AFTER = re.compile(r"[./]\d")
# After a bare number these make it an amount or a date, not a clock time ("efter 3 uger").
_NOT_A_TIME = re.compile(
    r"\s?(?:[./-]\s?\d|\.?\s?(?:" + _MONTHS + r")\b|(?:dage?|dagen|uger?|ugen|maaneder|"
    r"maaned|mdr|aar|aaret|timer?|timen|minutter|min|sekunder|kr|kroner|personer|gange?|"
    r"days?|weeks?|months?|years?|hours?|minutes?|mins?|people|persons|times|dkk|%)\b)"
)


@lru_cache(maxsize=1)
def _data() -> _Data:
    raw = load_model(PERIODS_FILE, _PeriodsFile, "periods file", PeriodsError)
    named = tuple(
        (
            re.compile(_alternatives(p.phrases, p.patterns)),
            Period(p.id, p.start, p.end, False, (("da", p.label.da), ("en", p.label.en))),
        )
        for p in raw.periods
        if p.phrases or p.patterns
    )
    leads = "|".join(
        rf"(?P<{kind}>{_alternatives(getattr(raw.clock, kind).words)})" for kind in _KINDS
    )
    lead = re.compile(rf"(?:(?:{leads})\s?)?{_MARKER}?$")
    labels = {
        kind: (("da", getattr(raw.clock, kind).label.da), ("en", getattr(raw.clock, kind).label.en))
        for kind in _KINDS
    }
    return _Data(named, lead, labels)


# -- clock times ---------------------------------------------------------------


def format_clock(t: time, language: str = "da") -> str:
    """A clock time for a label: Danish "16", "16.30" ("24" at the end of the day);
    English "4 pm", "4:30 pm", "12 pm" at noon, "midnight" at the end of the day."""
    if language == "en":
        if t == END_OF_DAY:
            return "midnight"
        hour = t.hour % 12 or 12
        suffix = "am" if t.hour < 12 else "pm"
        return f"{hour} {suffix}" if t.minute == 0 else f"{hour}:{t.minute:02d} {suffix}"
    if t == END_OF_DAY:
        return "24"
    return str(t.hour) if t.minute == 0 else f"{t.hour}.{t.minute:02d}"


def _clock_period(text: str, match: re.Match[str], data: _Data) -> Period | None:
    """The period of one clock time, or None when it is no clock time after all."""
    if _DATE_AFTER.match(text, match.end()):
        return None  # "efter 5.12.2026" is a date
    # The lead word and "kl." end right before the number (bounded window, see _LEAD_WINDOW).
    before = data.lead.search(text, max(0, match.start() - _LEAD_WINDOW), match.start())
    kind = next((k for k in _KINDS if before and before[k] is not None), "at")
    lead = before[kind] if before else None  # None for a clock time without a lead word
    marker = before["marker"] if before else None
    explicit_anywhere = bool(marker or match["ampm"] or match["oclock"])
    explicit = explicit_anywhere or match["sep"] == ":" or (match["minute"] and lead)
    if not explicit:
        # A bare number ("efter 16") is a time only after an after/before word that is not
        # also an everyday Danish word ("for"), and not an amount or a date ("efter 3 uger").
        if kind == "at" or lead is None or lead == "for":
            return None
        if _NOT_A_TIME.match(text, match.end()):
            return None
    if kind == "at" and lead is not None and not explicit_anywhere and match["sep"] != ":":
        return None  # "at 5" alone is no clock time; "at 5 pm" or "at 17:00" is
    if lead == "for" and not explicit_anywhere:
        return None
    hour, minute = int(match["hour"]), int(match["minute"] or 0)
    if match["ampm"]:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if match["ampm"] == "p" else 0)
    if minute > 59 or hour > 24 or (hour == 24 and minute):
        return None
    t = END_OF_DAY if hour == 24 else time(hour, minute)
    labels = tuple(
        (language, template.format(time=format_clock(t, language)))
        for language, template in data.clock_labels[kind]
    )
    if kind == "after":
        return None if t == END_OF_DAY else Period("after", t, END_OF_DAY, False, labels)
    if kind == "before":
        return None if t == time(0) else Period("before", time(0), t, False, labels)
    return None if t == END_OF_DAY else Period("at", t, t, True, labels)


# -- resolving -----------------------------------------------------------------


def resolve_period(text: str | None) -> Period | None:
    """The time of day ``text`` asks about (Danish or English), else None."""
    if not text:
        return None
    folded = fold(text)
    if not folded:
        return None
    data = _data()
    for match in _TIME.finditer(folded):
        period = _clock_period(folded, match, data)
        if period is not None:
            return period
    best: tuple[int, int, Period] | None = None
    for pattern, period in data.named:
        match = pattern.search(folded)
        if match and (best is None or (match.start(), -len(match[0])) < best[:2]):
            best = (match.start(), -len(match[0]), period)
    return best[2] if best else None
