"""The words of the page search (bot/knowledge/page_search.py) and of the matching built on it.

Text is folded to *skeletons* (lower case, æ/ø/å as ae/oe/aa, no accents, then aa, oe and ae as
a, o and a) so that "tømning", "toemning" and "tomning" are spelled alike; Danish words are
stripped of their common endings (:func:`stem`). Stop words, Danish and English, say nothing
about which page a question is for. The readers of the data files are here too: the English to
Danish glossary (glossary_en_da.yml), the Danish synonym groups (synonyms_da.yml) and spaCy's
Danish lemma table (spacy-lookups-data), each read when first used.
"""

from __future__ import annotations

import gzip
import json
import re
from functools import lru_cache
from pathlib import Path
from typing import Any

from bot.knowledge.matching import fold

_WORD = re.compile(r"[a-z0-9]+")
_SKELETON = (("aa", "a"), ("oe", "o"), ("ae", "a"))
# Danish endings (the Snowball stemmer's main suffixes), longest first; a stem keeps 4 letters
# (with 3, unrelated words met: "læser" and "låse" both became "las").
_ENDINGS = tuple(
    sorted(
        "erendes erende ernes erens erede endes heden ethed erne eren ende enes eres ered "
        "hed ene ere ens ers ets ede er en et es e s".split(),
        key=len,
        reverse=True,
    )
)
STEM_MIN_CHARS = 4

# Function words of questions, Danish and English (any spelling: they are compared as
# skeletons), and words that say nothing about which page: verbs of asking and getting, and the
# municipality and the country, which every page is about; and the days and times of day (the
# day parser reads those; "i morgen" says nothing about which page). A word that could name a
# municipal matter does not belong here.
_DANISH_STOPWORDS = """
    af alle alt anden andet andre at ved over uden gennem omkring hver hvert samme
    bare blev blive bliver da de dem den denne der deres det dette
    dig din dine du efter eller en end er et for fra faa faar gaar gjorde gor gore godt ha
    han hans har have havde hej hende hendes her hos hun hvad hvem hvilke hvilken hvis hvor
    hvordan hvorfor hvornaar i ikke ind ja jeg jer jo kan kommer kunne lige maa man mange med
    meget men mig min mine mit mod naar nej nogen noget nogle nu og ogsaa om op os paa sa
    sig sin sine sit skal skulle som saa til tak ud under var vi vil ville vor vores vaere
    vaeret hvorn
    købe køb bestille bestil søge søg finde find vide sige lave gerne hjælpe hjælp bruge brug
    bruger
    kommune kommunen tårnby danmark dansk borger borgere
    dag dagen dage morgen morgenen formiddag eftermiddag aften aftenen nat natten uge ugen
    weekend weekenden mandag tirsdag onsdag torsdag fredag lørdag søndag igår idag imorgen
    selv selvbetjening selvbetjeningen selvbetjeningsløsning selvbetjeningsløsninger digital
    digitalt online nettet blanket blanketten formular ansøge ansøg ansøgning klare
    """.split()
_ENGLISH_STOPWORDS = """
    a about am an and any are as at be but by can could do does for from get got have how i
    if in is it me my of on or please so the their there this to was we what when where which
    who why will with would you your cannot cant dont doesnt didnt im ive its they them our us
    some also just need want like been has had should must may might shall help
    today tomorrow yesterday morning evening night week monday tuesday wednesday thursday friday
    saturday sunday
    self service selfservice apply application form
    """.split()


def skeleton(text: str) -> str:
    """Folded text (lower case, æ/ø/å as ae/oe/aa, no accents) with aa, oe and ae reduced to
    a, o and a, so "tømning", "toemning" and "tomning" are spelled alike."""
    text = fold(text)
    for double, single in _SKELETON:
        text = text.replace(double, single)
    return text


DANISH_STOPWORDS = frozenset(skeleton(w) for w in _DANISH_STOPWORDS)
STOPWORDS = DANISH_STOPWORDS | frozenset(skeleton(w) for w in _ENGLISH_STOPWORDS)


def stem(word: str) -> str:
    """``word`` (already a skeleton) without common Danish endings, keeping 4 letters. Endings
    are removed twice, so that a form and its inflection meet ("licensen" -> "licens" -> "licen",
    as "licens" -> "licen")."""
    for _ in range(2):
        for ending in _ENDINGS:
            if word.endswith(ending) and len(word) - len(ending) >= STEM_MIN_CHARS:
                word = word[: -len(ending)]
                break
    return word


def raw_words(text: str) -> list[str]:
    return re.findall(r"[^\W_]+", text.lower())


def url_words(url: str) -> str:
    path = url.split("://", 1)[-1].split("?", 1)[0]
    parts = path.split("/")[1:]  # the path only: the host is on every page
    return " ".join(re.sub(r"[-_,.]+", " ", p) for p in parts)


GLOSSARY = Path(__file__).with_name("glossary_en_da.yml")
SYNONYMS = Path(__file__).with_name("synonyms_da.yml")


@lru_cache(maxsize=1)
def _glossary_file() -> dict[str, Any]:
    """bot/knowledge/glossary_en_da.yml, read once."""
    import yaml

    return yaml.safe_load(GLOSSARY.read_text(encoding="utf-8"))


@lru_cache(maxsize=1)
def english_glossary() -> dict[str, tuple[str, ...]]:
    """English word or two-word phrase -> Danish words (the glossary's ``words``)."""
    raw = _glossary_file()["words"]
    return {str(k).lower(): tuple(str(w) for w in v) for k, v in raw.items()}


def english_base(word: str, glossary: dict[str, tuple[str, ...]]) -> str | None:
    """The glossary's entry for an English word or its base form: "moved" -> "move", "rats" ->
    "rats", "emptied" -> "empty", "recycling" -> "recycling" (the glossary's own form first)."""
    if word in glossary:
        return word
    candidates = []
    if word.endswith("ied"):
        candidates.append(word[:-3] + "y")
    if word.endswith("ies"):
        candidates.append(word[:-3] + "y")
    for ending in ("ing", "ed", "es", "s", "d"):
        if word.endswith(ending) and len(word) - len(ending) >= 3:
            candidates += [word[: -len(ending)], word[: -len(ending)] + "e"]
    return next((c for c in candidates if c in glossary), None)


@lru_cache(maxsize=1)
def synonym_groups() -> tuple[tuple[str, ...], ...]:
    """Groups of Danish words for the same matter (bot/knowledge/synonyms_da.yml)."""
    import yaml

    raw = yaml.safe_load(SYNONYMS.read_text(encoding="utf-8"))["groups"]
    return tuple(tuple(str(w) for w in group) for group in raw)


@lru_cache(maxsize=1)
def english_place_names() -> frozenset[str]:
    """English names of places with opening hours of their own (the glossary's ``places``)."""
    return frozenset(str(p).lower() for p in _glossary_file()["places"])


@lru_cache(maxsize=1)
def _lemma_table_path() -> Path | None:
    try:
        import spacy_lookups_data
    except ImportError:  # pragma: no cover - installed with the project
        return None
    path = Path(spacy_lookups_data.__file__).parent / "data" / "da_lemma_lookup.json.gz"
    return path if path.exists() else None


def read_lemmas(wanted: set[str]) -> dict[str, str]:
    """Form -> lemma from spaCy's Danish lookup table, kept only where the lemma's skeleton is
    one of ``wanted`` (the catalogue's words): other lemmas could never match a page."""
    path = _lemma_table_path()
    if path is None:
        return {}
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        table: dict[str, str] = json.load(fh)
    kept: dict[str, str] = {}
    for form, lemma in table.items():
        if form != lemma and skeleton(lemma) in wanted:
            kept[form] = lemma
    return kept
