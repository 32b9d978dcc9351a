"""Ranking the page catalogue against a citizen's question (issue 23).

Two scores per page, both from the catalogue alone (title, description, keywords and the words
of the URL's path), combined half and half:

- **characters**: TF-IDF over character n-grams (``char_wb``, 3-5) of the folded text, cosine
  similarity. Shared n-grams find a compound's parts ("skraldespanden" ~ "skraldespand",
  "p-licens" ~ "parkeringslicens") and survive most typos.
- **words**: the share of the question's content words (weighted by IDF) that match a word of
  the page, where a word matches exactly (1.0), with a typo: rapidfuzz ratio >= 85 (0.8), or
  as a compound part of at least 4 letters: one word ends with the other, the compound's head
  (0.7), or the page's word starts with the question's (0.7); a question's compound that only
  starts with the page's word (its first part, "papirpost" and "papir") counts 0.5. Words
  are lemmatised with spaCy's Danish lookup table (spacy-lookups-data: "rotter" -> "rotte",
  "gået" -> "gå") and stripped of common Danish endings.

Folding makes "å"/"aa", "ø"/"oe"/"o" and "æ"/"ae" the same letters. A page is offered only
when the combined score reaches ``THRESHOLD`` and at least one content word of the question
matched the page (character overlap alone never offers a page); at most three pages, and only
those within ``RELATIVE_CUTOFF`` of the best. How the threshold was chosen and how to tune it:
docs/knowledge-pages.md.

The index is built lazily, once per catalogue (the lemma table is read then, ~0.7 s, and only
the lemmas of the catalogue's own words are kept).
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from rapidfuzz import fuzz

from bot.knowledge.pages import Page, PageCatalogue
from bot.knowledge.words import (
    DANISH_STOPWORDS,
    STOPWORDS,
    english_base,
    english_glossary,
    raw_words,
    read_lemmas,
    skeleton,
    stem,
    synonym_groups,
    url_words,
)

THRESHOLD = 0.30
# When the NLU found no intent at all (nlu_fallback, not out_of_scope), nothing else will
# answer: a page that fits less well still beats "det forstod jeg ikke". Off-topic messages
# rarely get there (the NLU calls them out_of_scope; of 49 off-topic messages 6 were
# nlu_fallback, none with a page at 0.25). docs/knowledge-pages.md, "The threshold".
UNSURE_THRESHOLD = 0.25
RELATIVE_CUTOFF = 0.6
MAX_RESULTS = 3
# Only a question's first words are searched: a citizen's question is short, and each word
# costs a pass over the catalogue's vocabulary (a pasted text of 16 KB would take seconds).
MAX_QUESTION_WORDS = 60
CHAR_WEIGHT = 0.5

EXACT, TYPO, PART, MODIFIER = 1.0, 0.8, 0.7, 0.5
# A word found only in a page's body text, not in what the page says it is about (title,
# description, keywords, headings, URL), counts this much: the body's common words ("koster",
# "ny", "liv") would otherwise find a page for any question.
TEXT_ONLY = 0.5
PART_MIN_CHARS = 4
TYPO_MIN_CHARS = 4
TYPO_MIN_RATIO = 85.0
# A word of the question found on no page counts as 0.3 of an average word: it may be a common
# word ("løber", "rundt", "farmor") that says little; the page's words say what it is about.
# (Chosen on the development sets, docs/knowledge-pages.md.) When the NLU calls the message out
# of scope, such a word counts fully (OUT_OF_SCOPE_UNKNOWN_WORD_WEIGHT): most of the message
# must be on the page ("hvor bor julemanden" is no page's).
UNKNOWN_WORD_WEIGHT = 0.3
OUT_OF_SCOPE_UNKNOWN_WORD_WEIGHT = 1.0


@dataclass(frozen=True)
class PageHit:
    """A page offered for a question, with its combined score and the two parts of it."""

    page: Page
    score: float
    word_score: float
    char_score: float


# Of an imported page's main text, only its beginning is indexed: the lead says what the page
# is about; the rest would let every long page match every question a little.
TEXT_CHARS = 400
# A question's compound finds a synonym group by a word of the group this long at its start or
# end ("plejehjemsplads" by "plejehjem"); shorter words only as whole words.
SYNONYM_PART_CHARS = 6


def _page_head(page: Page) -> str:
    """What the page says it is about: title, description, keywords, headings, URL words."""
    # The title twice: it says what the page is about in the site's own words.
    return " ".join(
        [
            page.title,
            page.title,
            page.description,
            " ".join(page.keywords),
            " ".join(page.keywords_en),
            " ".join(page.headings),
            url_words(page.url),
        ]
    )


def _page_text(page: Page) -> str:
    """All that is indexed of a page: its head and the first ``TEXT_CHARS`` of its text."""
    return f"{_page_head(page)} {page.text[:TEXT_CHARS]}"




class PageIndex:
    """The ranking's index of one catalogue; build with :func:`get_index`."""

    def __init__(
        self, catalogue: PageCatalogue, unknown_word_weight: float = UNKNOWN_WORD_WEIGHT
    ) -> None:
        self.unknown_word_weight = unknown_word_weight
        from sklearn.feature_extraction.text import TfidfVectorizer

        self.catalogue = catalogue
        self.pages = catalogue.pages
        texts = [_page_text(p) for p in self.pages]
        # The lemmas of the catalogue's words and of the synonyms' ("plejehjemmet" is
        # "plejehjem", a synonym of the pages' "plejebolig").
        synonyms = " ".join(w for group in synonym_groups() for w in group)
        wanted = {skeleton(w) for t in (*texts, synonyms) for w in raw_words(t)}
        self._lemmas = read_lemmas(wanted)
        self._vectorizer = TfidfVectorizer(
            analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True, preprocessor=skeleton
        )
        self._matrix = self._vectorizer.fit_transform(texts)
        self._page_words: list[frozenset[str]] = [frozenset(self.words(t)) for t in texts]
        self._head_words: list[frozenset[str]] = [
            frozenset(self.words(_page_head(p))) for p in self.pages
        ]
        vocabulary = set().union(*self._page_words) if self._page_words else set()
        n = len(self.pages)
        self._idf = {
            w: math.log((1 + n) / (1 + sum(w in pw for pw in self._page_words))) + 1
            for w in vocabulary
        }
        self._vocabulary = sorted(vocabulary)
        self._mean_idf = sum(self._idf.values()) / len(self._idf) if self._idf else 1.0

    def words(self, text: str) -> list[str]:
        """Content words of ``text``: lemmatised, folded to skeletons, stemmed, no stopwords."""
        result = []
        for raw in raw_words(text):
            lemma = self._lemmas.get(raw, raw)
            word = skeleton(lemma)
            # The lemma is Danish: "døde" -> "dø" is no English "do".
            if word in DANISH_STOPWORDS or skeleton(raw) in STOPWORDS or len(word) < 2:
                continue
            result.append(stem(word))
        return result

    @cached_property
    def _synonyms(self) -> dict[str, tuple[str, ...]]:
        """Each synonym group's one-word members (as compared: lemmatised, folded, stemmed) ->
        the other words of their groups."""
        table: dict[str, set[str]] = {}
        for group in synonym_groups():
            # A member of several words ("gult kort", "p-tilladelse") takes no part: one of its
            # words alone ("kort", "tilladelse") would stand for the whole group.
            members = {
                w[0] for m in group if len(raw_words(m)) == 1 and len(w := self.words(m)) == 1
            }
            for member in members:
                table.setdefault(member, set()).update(members)
        return {k: tuple(sorted(v - {k})) for k, v in table.items()}

    def _synonyms_of(self, word: str) -> tuple[str, ...]:
        """The other words of ``word``'s synonym groups; for a compound, of the group whose
        long word (``SYNONYM_PART_CHARS``) it begins or ends with."""
        table = self._synonyms
        if word in table:
            return table[word]
        for key, alternatives in table.items():
            if len(key) >= SYNONYM_PART_CHARS and (word.startswith(key) or word.endswith(key)):
                return alternatives
        return ()

    @staticmethod
    def _strength(word: str, other: str) -> float:
        """How strongly a question's ``word`` matches a page's ``other`` (0: not at all)."""
        if word == other:
            return EXACT
        short, long_ = (word, other) if len(word) <= len(other) else (other, word)
        if len(short) >= TYPO_MIN_CHARS and fuzz.ratio(word, other) >= TYPO_MIN_RATIO:
            return TYPO
        if len(short) >= PART_MIN_CHARS and long_.endswith(short):
            return PART  # the compound's head: "skraldespand" is a kind of "spand"
        if len(short) >= PART_MIN_CHARS and long_.startswith(short):
            # The compound's first part: a question's "papirpost" is no page's "papir", but
            # a question's "husleje" may be a page's "huslejetilskud".
            return PART if long_ == other else MODIFIER
        return 0.0

    def search(
        self,
        question: str,
        language: str = "da",
        threshold: float = THRESHOLD,
        unknown_word_weight: float | None = None,
    ) -> list[PageHit]:
        """Up to three pages for ``question``, best first; empty when none scores high enough.

        Danish questions get Danish pages. English questions get every page, and of those that
        score high enough the English ones first (a Danish page is marked "(page in Danish)" by
        the reply)."""
        hits = self.rank(question, language, unknown_word_weight)
        if not hits or hits[0].score < threshold:
            return []
        floor = max(threshold, RELATIVE_CUTOFF * hits[0].score)
        offered = [h for h in hits if h.score >= floor]
        if language == "en":  # the catalogue's English pages first, where they fit
            offered.sort(key=lambda h: h.page.language != "en")
        return offered[:MAX_RESULTS]

    def query_groups(self, question: str, language: str = "da") -> list[tuple[str, ...]]:
        """The question's content words, each as a group of alternatives that count as one
        word: the word itself, and for an English question also the Danish words of the glossary
        (bot/knowledge/glossary_en_da.yml: "library" or "bibliotek"), for a Danish one the
        words of its synonym group (bot/knowledge/synonyms_da.yml: "plejehjem" or
        "plejebolig")."""
        raw = raw_words(question)[:MAX_QUESTION_WORDS]
        if language != "en":
            return [(w, *self._synonyms_of(w)) for w in dict.fromkeys(self.words(" ".join(raw)))]
        glossary = english_glossary()
        groups: list[tuple[str, ...]] = []
        i = 0
        while i < len(raw):
            phrase = next(
                (
                    " ".join(raw[i : i + n])
                    for n in (3, 2)
                    if i + n <= len(raw) and " ".join(raw[i : i + n]) in glossary
                ),
                None,
            )
            single = english_base(raw[i], glossary)
            if phrase is not None:
                english, danish, i = phrase, glossary[phrase], i + len(phrase.split())
            elif single is not None:
                english, danish, i = raw[i], glossary[single], i + 1
            else:
                groups.extend((w,) for w in self.words(raw[i]))
                i += 1
                continue
            alternatives = (english, *danish)
            group = tuple(dict.fromkeys(w for a in alternatives for w in self.words(a)))
            if group:
                groups.append(group)
        return list(dict.fromkeys(groups))

    def rank(
        self, question: str, language: str = "da", unknown_word_weight: float | None = None
    ) -> list[PageHit]:
        """Every page with a word of the question, best first, with no threshold (for the
        search, tuning and the docs). ``unknown_word_weight`` overrides the index's."""
        unknown = self.unknown_word_weight if unknown_word_weight is None else unknown_word_weight
        groups = self.query_groups(question, language)
        if not self.pages or not groups:
            return []
        # Each group's matches in the whole vocabulary, once: word of the catalogue -> strength.
        strengths = [self._strengths(group, language) for group in groups]
        # Each question word's weight: the IDF of its best match in the catalogue.
        weights = [
            self._idf[max(found, key=lambda w: (found[w], self._idf[w]))]
            if found
            else unknown * self._mean_idf
            for found in strengths
        ]
        total = sum(weights)
        translated = " ".join(" ".join(g) for g in groups) if language == "en" else ""
        char_scores = self._char_scores(f"{question} {translated}".strip())
        hits: list[PageHit] = []
        for i, page in enumerate(self.pages):
            if language == "da" and page.language != "da":
                continue
            matched = sum(
                self._page_strength(found, i) * weight
                for found, weight in zip(strengths, weights, strict=True)
            )
            if matched == 0:
                continue  # no word of the question on the page: characters alone are not enough
            word_score = matched / total
            char_score = float(char_scores[i])
            score = (1 - CHAR_WEIGHT) * word_score + CHAR_WEIGHT * char_score
            hits.append(PageHit(page, round(score, 4), round(word_score, 4), round(char_score, 4)))
        hits.sort(key=lambda h: (-h.score, h.page.language != language))
        return hits

    def _strengths(self, group: tuple[str, ...], language: str) -> dict[str, float]:
        """The catalogue's words that match a word of ``group``, with the best strength. A
        Danish word's synonyms (all but the first) match only exactly: "parkeringstilladelse"
        stands for "p-licens", but its head "tilladelse" is no building permit's."""
        found: dict[str, float] = {}
        for n, word in enumerate(group):
            if word in self._idf:
                found[word] = EXACT
            if n > 0 and language != "en":
                continue
            for other in self._vocabulary:
                strength = self._strength(word, other)
                if strength > found.get(other, 0.0):
                    found[other] = strength
        return found

    def _page_strength(self, found: dict[str, float], i: int) -> float:
        """How well page ``i`` matches a question word whose matches are ``found``: in what the
        page says it is about, fully; only in its body text, ``TEXT_ONLY``."""
        head, words = self._head_words[i], self._page_words[i]
        best = 0.0
        for other, strength in found.items():
            if other in head:
                best = max(best, strength)
            elif other in words:
                best = max(best, strength * TEXT_ONLY)
        return best

    def _char_scores(self, question: str) -> Any:
        vector = self._vectorizer.transform([question])
        return (self._matrix @ vector.T).toarray().ravel()


_lock = threading.Lock()
_indexes: dict[tuple[str, int], PageIndex] = {}


def get_index(catalogue: PageCatalogue) -> PageIndex:
    """The index of ``catalogue``, built on first use and kept while the catalogue is the same
    object (:func:`bot.knowledge.pages.get_catalogue` gives a new one when the file changes)."""
    key = (str(catalogue.path), id(catalogue))
    with _lock:
        index = _indexes.get(key)
        if index is None or index.catalogue is not catalogue:
            _indexes.clear()  # one catalogue is served at a time; drop the old index
            index = _indexes[key] = PageIndex(catalogue)
        return index


def search_pages(
    catalogue: PageCatalogue,
    question: str,
    language: str = "da",
    threshold: float = THRESHOLD,
    unknown_word_weight: float | None = None,
) -> list[PageHit]:
    """Up to three pages of ``catalogue`` for ``question``; empty when none scores ``threshold``."""
    return get_index(catalogue).search(question, language, threshold, unknown_word_weight)
