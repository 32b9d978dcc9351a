"""Which language a citizen wrote in: ``"da"``, ``"en"`` or ``None`` (cannot tell).

The detector is the maintained ``lingua-language-detector`` library restricted to Danish and
English: the most accurate of the libraries measured (langid, langdetect) on short chat
messages. A classifier on the NLU's own character features scored higher still, but needs
language-labelled training data that Rasa's training does not provide yet; figures, method and
the reasons: docs/language-detection.md, ``scripts/measure_language_detection.py``. There is
no hand-written word list: the library scores the text, a word-frequency table checks that an
"English" message has English words in it, and the rules below decide what counts as too
little to go on.

Rules, in order (:func:`classify`):

1. Only words count. Numbers, punctuation, emoji, web and e-mail addresses, and name-shaped
   tokens (a capital after the first letter: ``MitID``, ``NemID``, ``CPR``, ``SKAT``; a
   capitalised word inside a sentence: "moved to Taarnby", "på Rådhuset") are dropped; a
   message written wholly in capitals is lower-cased instead (shouting, not names).
2. Fewer than :data:`MIN_LETTERS` letters left -> ``None`` ("ok", "1881", "?").
3. Mixed: one word scores at least :data:`WORD_CONFIDENCE` Danish and another at least that
   English -> ``"da"`` (Danish is the default language); but an English sentence with a
   Danish term or two ("The kommune rejected my application ...": four clearly English words
   or more, three times the Danish ones) is judged as a whole by rule 4.
4. The whole message scores at least :data:`MIN_CONFIDENCE` for one language -> that language,
   except that English also needs at least one common English word (:func:`common_english_word`:
   the :data:`ENGLISH_WORDS_LOG_PROB` most frequent words of spaCy's English word-frequency
   table). Typed nonsense ("fghfgh", "nnnn", "asdf qwerty") often scores as English with high
   confidence, and must not switch a Danish conversation to English.
5. Otherwise ``None``: the conversation keeps the language it has.

Nothing heavy happens at import: the lingua detector is built, its language models and the
English word table are loaded, on the first call of :func:`detect_language`, and then cached
for the process.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import Literal

DANISH: Literal["da"] = "da"
ENGLISH: Literal["en"] = "en"

MIN_LETTERS = 3
"""Fewer letters than this (after dropping numbers and names) is too short to tell."""

MIN_CONFIDENCE = 0.7
"""Lingua's relative confidence (Danish vs English, summing to 1) needed for an answer."""

WORD_CONFIDENCE = 0.95
"""A word scored at least this for each language, in one message, makes the message mixed."""

ENGLISH_SENTENCE_WORDS = 4
ENGLISH_SENTENCE_RATIO = 3
"""A mixed message with this many clearly English words, and this many times as many as the
Danish ones, is an English sentence with a Danish term, not a mixed message (rule 3)."""
MIN_WORD_LETTERS = 3
"""Words shorter than this are not scored alone for the mixed rule ("i", "a", "en", "du")."""

ENGLISH_WORDS_LOG_PROB = -14.0
"""A word counts as common English when spaCy's English table gives it at least this log
probability: about 28,000 words ("hello", "passport", "municipality"; not "qwerty", "asdf")."""

EnglishProbability = Callable[[str], float]
"""Scores a text: the probability, 0..1, that it is English rather than Danish."""

IsEnglishWord = Callable[[str], bool]
"""Whether a (lower-case) word is a known English word."""

_ADDRESS = re.compile(r"\S+@\S+|https?://\S+|www\.\S+|\b\S+\.(?:dk|com|org|net|eu)\b", re.I)
_TOKEN = re.compile(r"\S+")
_LETTERS = re.compile(r"[^\W\d_]+")


def content_words(text: str) -> list[str]:
    """The words of ``text`` that can tell its language (rule 1), in order."""
    text = unicodedata.normalize("NFKC", text)
    text = _ADDRESS.sub(" ", text)
    tokens = [t for t in _TOKEN.findall(text) if not any(c.isdigit() for c in t)]
    letters = "".join(c for c in text if c.isalpha())
    shouting = len(tokens) > 1 and letters.isupper()
    found: list[str] = []
    sentence_start = True
    for token in tokens:
        for word in _LETTERS.findall(token):
            if shouting:
                word = word.lower()
            elif any(c.isupper() for c in word[1:]):
                continue  # MitID, NemID, CPR, SKAT, OK: names and abbreviations
            elif not sentence_start and len(word) > 1 and word[0].isupper():
                continue  # "moved to Taarnby", "åbent på Rådhuset": a name, of no language
            found.append(word)
            sentence_start = False
        sentence_start = sentence_start or token[-1] in ".!?:"
    return found


def classify(
    text: str,
    english_probability: EnglishProbability,
    *,
    min_confidence: float = MIN_CONFIDENCE,
    word_confidence: float | None = WORD_CONFIDENCE,
    is_english_word: IsEnglishWord | None = None,
) -> str | None:
    """The language of ``text`` by the rules above, with ``english_probability`` as scorer.

    ``word_confidence=None`` switches the mixed rule off; ``is_english_word=None`` switches
    off the need for a known English word (rule 4). The measurement script calls this with
    other scorers, so every detector is compared under the same rules.
    """
    words = content_words(text)
    if sum(len(w) for w in words) < MIN_LETTERS:
        return None
    if word_confidence is not None and len(words) > 1:
        scores = [english_probability(w) for w in words if len(w) >= MIN_WORD_LETTERS]
        english = sum(s >= word_confidence for s in scores)
        danish = sum(1.0 - s >= word_confidence for s in scores)
        if english and danish and not _english_sentence(english, danish):
            return DANISH
    p_en = english_probability(" ".join(words))
    if p_en >= min_confidence:
        if is_english_word is not None and not any(is_english_word(w.lower()) for w in words):
            return None  # scored as English, but not one English word: nonsense
        return ENGLISH
    if 1.0 - p_en >= min_confidence:
        return DANISH
    return None


def _english_sentence(english: int, danish: int) -> bool:
    """An English sentence with a Danish word or two in it ("The kommune rejected my
    application"): at least :data:`ENGLISH_SENTENCE_WORDS` clearly English words and
    :data:`ENGLISH_SENTENCE_RATIO` times as many as the Danish ones. It is judged as a whole."""
    return english >= ENGLISH_SENTENCE_WORDS and english >= ENGLISH_SENTENCE_RATIO * danish


def language_confidence(text: str) -> tuple[str | None, float]:
    """:func:`detect_language` and lingua's confidence in the whole message for that answer.

    The confidence is 0.0 when the answer is ``None``; for a mixed message it is the Danish
    confidence of the whole message (which may be low: the message is half English).
    """
    language = detect_language(text)
    if language is None:
        return None, 0.0
    p_en = lingua_english_probability(" ".join(content_words(text)))
    return language, round(p_en if language == ENGLISH else 1.0 - p_en, 4)


def detect_language(text: str) -> str | None:
    """``"en"``, ``"da"``, or ``None`` when the message cannot tell (see the module rules)."""
    return classify(text, lingua_english_probability, is_english_word=common_english_word)


def common_english_word(word: str) -> bool:
    """Whether ``word`` (lower case) is one of the common English words (rule 4)."""
    return word in _english_words()


@lru_cache(maxsize=1)
def _english_words() -> frozenset[str]:
    """The common English words of spaCy's word-frequency table (spacy-lookups-data, a
    dependency): read once (about a second), kept as a set of about 28,000 words."""
    import spacy_lookups_data
    import srsly

    table = Path(spacy_lookups_data.__file__).parent / "data" / "en_lexeme_prob.json.gz"
    log_probs: dict[str, float] = srsly.read_gzip_json(table)
    return frozenset(w for w, p in log_probs.items() if p >= ENGLISH_WORDS_LOG_PROB and w.isalpha())


def lingua_english_probability(text: str) -> float:
    """Lingua's relative confidence that ``text`` is English rather than Danish."""
    from lingua import Language

    return _lingua_detector().compute_language_confidence(text, Language.ENGLISH)


@lru_cache(maxsize=1)
def _lingua_detector():  # type: ignore[no-untyped-def]
    from lingua import Language, LanguageDetectorBuilder

    return LanguageDetectorBuilder.from_languages(Language.DANISH, Language.ENGLISH).build()
