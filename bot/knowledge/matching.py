"""Recognising a self-service task or a place in what a citizen wrote.

Synonyms come from the profile, so the web team adds a task or a spelling without touching code.
Text and synonyms are folded (lower case, æ/ø/å as ae/oe/aa) and compared word by word; small
typos are forgiven with rapidfuzz for words long enough that a typo cannot turn them into another.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable
from typing import Protocol, TypeVar

from rapidfuzz import fuzz, process

from bot.knowledge.profile_model import Profile, SelfServiceTask

_FOLD = str.maketrans({"æ": "ae", "ø": "oe", "å": "aa", "é": "e"})
_WORD = re.compile(r"[a-z0-9]+")
FUZZY_MIN_CHARS = 5
FUZZY_MIN_SCORE = 85.0


class Identified(Protocol):
    """Anything with an ``id`` that :func:`best_match` may return (a place, a task, ...)."""

    @property
    def id(self) -> str: ...


T = TypeVar("T", bound=Identified)


def fold(text: str) -> str:
    """Lower case with æ/ø/å spelled ae/oe/aa and other accents removed."""
    text = text.lower().translate(_FOLD)
    if text.isascii():
        return text  # nothing to decompose (the common case, and the fast one)
    text = unicodedata.normalize("NFKD", text)
    return "".join(c for c in text if not unicodedata.combining(c))


def words(text: str) -> list[str]:
    return _WORD.findall(fold(text))


_Windows = tuple[frozenset[str], list[str]]


def _windows(text_words: list[str], n: int) -> _Windows:
    """The distinct runs of ``n`` consecutive words, joined by spaces (as a set and in order)."""
    runs = dict.fromkeys(" ".join(text_words[i : i + n]) for i in range(len(text_words) - n + 1))
    return frozenset(runs), list(runs)


def _phrase_score(
    phrase: list[str], text_words: list[str], windows: dict[int, _Windows] | None = None
) -> float:
    """100 for an exact word-sequence match, else the best fuzzy score of an equal-length window.

    ``windows`` caches :func:`_windows` across the phrases of one text; the best score is found
    by rapidfuzz in one call over the distinct windows, so long texts stay fast.
    """
    n = len(phrase)
    if n == 0 or n > len(text_words):
        return 0.0
    if windows is None:
        windows = {}
    if n not in windows:
        windows[n] = _windows(text_words, n)
    distinct, choices = windows[n]
    target = " ".join(phrase)
    if target in distinct:
        return 100.0
    if len(target) < FUZZY_MIN_CHARS:
        return 0.0
    found = process.extractOne(
        target, choices, scorer=fuzz.ratio, processor=None, score_cutoff=FUZZY_MIN_SCORE
    )
    return found[1] if found is not None else 0.0


def best_match(items: Iterable[T], text: str, names: Callable[[T], list[str]]) -> T | None:
    """The item named in ``text``: by its whole id ("health_card" or "health card"), else the
    item with the best-scoring name (exact word sequence 100, else rapidfuzz; ties go to the
    longer name, then the earlier item); None when no name matches."""
    text_words = words(text)
    if not text_words:
        return None
    joined = " ".join(text_words)
    windows: dict[int, _Windows] = {}
    best: tuple[float, int, T] | None = None
    for item in items:
        if joined == item.id.replace("_", " ") or joined == item.id:
            return item
        for name in names(item):
            phrase = words(name)
            score = _phrase_score(phrase, text_words, windows)
            if score and (best is None or (score, len(phrase)) > best[:2]):
                best = (score, len(phrase), item)
    return best[2] if best else None


def match_task(profile: Profile, text: str | None) -> SelfServiceTask | None:
    """The self-service task named in ``text`` (by id, name or synonym, Danish or English),
    if any."""
    if not text:
        return None
    return best_match(
        profile.self_service,
        text,
        lambda t: [t.name, *t.synonyms, *([t.name_en] if t.name_en else []), *t.synonyms_en],
    )
