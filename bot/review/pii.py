"""Does a text still contain something shaped like personal data?

Used before a citizen's message may become training data: a CPR number, a phone number, an
e-mail address or a street address blocks it until the web team edits the text. Pure: a text
in, findings out.

The check is spaCy's rule-based :class:`~spacy.matcher.Matcher` over the project's Danish
pipeline (``build/spacy/da_lemma``, built by ``python -m bot build-spacy``; a blank Danish
pipeline when it is not built: only the tokenizer is used), with token attributes such as
``LIKE_EMAIL``, lower-case text and regular expressions over digit tokens. CPR numbers are also
found with the privacy guard's own scanner (:func:`bot.dialogue.cpr.find_cpr`), which knows
every spelling the guard removes.

Not personal data, and not flagged: opening hours ("8-15", "kl. 10.00"), years ("2026"), the
contact centre's "1881", the municipality's own public phone numbers (pass them as ``allow``),
and a street name without a house number.

**Names.** Danish writes common nouns in lower case, so a capitalised word inside a sentence is
a proper noun: it is flagged as a name (with the capitalised words right after it: "Mette
Jensen") unless it is a known word. Known: a word of the Danish lexicon that spaCy ships
(``spacy-lookups-data``'s Danish lemma table, already installed for the lemmatizer: "Borgerservice",
"Rådhuset", "Danmark"), a capitalised word of a municipality profile (its places and units:
"Tårnby", "Kastrup"), a street name, or an abbreviation. At the start of a sentence only two
unknown capitalised words in a row are a name ("Kirsten Nielsen ringede"). No installed package
ships a Danish first-name list (Faker's ``da_DK`` would, but it is not a dependency), so a name
that is also a common word ("Hans", "Jens") is missed, and an unknown place ("Odense") is
flagged: the web team edits or discards it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from bot.dialogue.cpr import find_cpr
from bot.stack.paths import Project

# Danish labels of the kinds, as the web team reads them.
LABELS = {
    "cpr": "CPR-nummer",
    "phone": "telefonnummer",
    "email": "e-mailadresse",
    "address": "adresse",
    "name": "navn",
}

_STREET = (
    r"^[a-zæøåéüö.\-]{2,}"
    r"(vej|vejen|gade|gaden|allé|alle|alléen|alleen|stræde|strædet|straede|plads|pladsen|"
    r"boulevard|boulevarden|vænge|vænget|torv|torvet|kaj|kajen|park|parken)$"
)
_STREET_WORDS = ["vej", "gade", "allé", "alle", "stræde", "plads", "boulevard", "vænge", "torv"]
_HOUSE_NUMBER = r"^\d{1,4}[a-zA-Z]?,?$"
# "parkeringsplads 2 dage" is not an address: a count of something follows the number.
_COUNTED = frozenset(
    "dage dag gange gang timer time uger uge måneder måned år minutter min personer "
    "person børn barn stk styk kr kroner voksne pladser biler".split()
)
_YEAR = re.compile(r"^(18|19|20)\d\d$")


@dataclass(frozen=True)
class Finding:
    """Something shaped like personal data: its kind (a key of :data:`LABELS`) and where."""

    kind: str
    text: str
    start: int
    end: int

    @property
    def label(self) -> str:
        return LABELS[self.kind]


def _patterns() -> dict[str, list[list[dict[str, Any]]]]:
    two, four = {"TEXT": {"REGEX": r"^\d{2}$"}}, {"TEXT": {"REGEX": r"^\d{4}$"}}
    prefix = {"TEXT": {"IN": ["+45", "0045"]}, "OP": "?"}
    number = {"TEXT": {"REGEX": _HOUSE_NUMBER}}
    return {
        "cpr": [
            [{"TEXT": {"REGEX": r"^\d{6}[-‐‑–−/.]?\d{4}$"}}],
            [{"TEXT": {"REGEX": r"^\d{6}$"}}, {"TEXT": {"REGEX": r"^[-–/.]$"}, "OP": "?"}, four],
        ],
        "phone": [
            [prefix, {"TEXT": {"REGEX": r"^(\+45|0045)?\d{8}$"}}],
            [prefix, {"TEXT": {"REGEX": r"^\d{2}([-.]\d{2}){3}$"}}],
            [prefix, {"TEXT": {"REGEX": r"^\d{4}[-.]\d{4}$"}}],
            [prefix, two, two, two, two],
            [prefix, four, four],
        ],
        "email": [[{"LIKE_EMAIL": True}]],
        "address": [
            [{"LOWER": {"REGEX": _STREET}}, number],
            [{"IS_TITLE": True}, {"LOWER": {"IN": _STREET_WORDS}}, number],
        ],
    }


# A capitalised word followed by one of these ends a sentence before the next word.
_SENTENCE_END = frozenset(".!?:;\n")
_TITLE_WORD = re.compile(r"^[A-ZÆØÅÉÜÖ][a-zæøåéüö]+$")


@lru_cache(maxsize=1)
def _lexicon() -> tuple[frozenset[str], frozenset[str]]:
    """(lower-case Danish words, capitalised Danish proper nouns) of spaCy's Danish lemma table
    (the ``spacy-lookups-data`` package), loaded once, on first use (about 0.7 s)."""
    import gzip
    import json
    from importlib import resources

    table = resources.files("spacy_lookups_data") / "data" / "da_lemma_lookup.json.gz"
    with table.open("rb") as raw, gzip.open(raw) as unpacked:
        lemmas: dict[str, str] = json.load(unpacked)
    words = {w for w in lemmas if w.islower()} | {v for v in lemmas.values() if v.islower()}
    proper = {w for w in lemmas if _TITLE_WORD.match(w)}
    return frozenset(words), frozenset(proper)


@lru_cache(maxsize=1)
def _profile_names() -> frozenset[str]:
    """Every capitalised word of the municipality profiles: places, units, services."""
    from bot.knowledge.profile import PROFILE_DIR

    found: set[str] = set()
    for path in sorted(PROFILE_DIR.glob("*.yml")):
        found.update(re.findall(r"\b[A-ZÆØÅ][a-zæøåéü]+\b", path.read_text(encoding="utf-8")))
    return frozenset(found)


def _known(word: str, known: frozenset[str]) -> bool:
    words, proper = _lexicon()
    return (
        word.lower() in words
        or word in proper
        or word in known
        or re.match(_STREET, word.lower()) is not None
    )


def _names(doc: Any, known: frozenset[str]) -> list[tuple[int, int]]:
    """Character spans of capitalised personal names (see the module docstring)."""
    spans = []
    i, n = 0, len(doc)

    def unknown_title(j: int) -> bool:
        token = doc[j]
        return bool(_TITLE_WORD.match(token.text)) and not _known(token.text, known)

    while i < n:
        start_of_sentence = i == 0 or doc[i - 1].text[-1:] in _SENTENCE_END
        if unknown_title(i) and (not start_of_sentence or (i + 1 < n and unknown_title(i + 1))):
            end = i + 1
            while end < n and _TITLE_WORD.match(doc[end].text) and not _known(doc[end].text, known):
                end += 1
            spans.append((doc[i].idx, doc[end - 1].idx + len(doc[end - 1].text)))
            i = end
        else:
            i += 1
    return spans


@lru_cache(maxsize=2)
def _matcher(pipeline: str) -> tuple[Any, Any]:
    """The pipeline (loaded once, on first use) and a Matcher with :func:`_patterns`."""
    import spacy
    from spacy.matcher import Matcher

    path = Path(pipeline)
    if (path / "config.cfg").is_file():
        nlp = spacy.load(path, exclude=["lemmatizer"])  # only tokens and their attributes
    else:
        nlp = spacy.blank("da")
    matcher = Matcher(nlp.vocab)
    for kind, patterns in _patterns().items():
        matcher.add(kind, patterns)
    return nlp, matcher


def _digits(text: str) -> str:
    return "".join(ch for ch in text if ch.isdigit())


def _keep(kind: str, span: Any, doc: Any, allowed: frozenset[str]) -> bool:
    if kind == "phone":
        digits = _digits(span.text)
        if digits[-8:] in allowed or digits in allowed:
            return False
        groups = [t.text for t in span if t.text not in ("+45", "0045")]
        if len(groups) == 2 and all(_YEAR.match(g) for g in groups):
            return False  # "2025 2026": two years
    if kind == "address" and span.end < len(doc) and doc[span.end].lower_ in _COUNTED:
        return False
    return True


def find_personal_data(
    text: str,
    allow: Iterable[str] = (),
    pipeline: Path | str | None = None,
    known_names: Iterable[str] | None = None,
) -> list[Finding]:
    """Everything in ``text`` shaped like personal data, in order of position.

    ``allow``: public phone numbers that are not personal data (the municipality's own), in any
    spelling; only their digits count. ``known_names``: capitalised words that are not
    personal names (default: those of the municipality profiles).
    """
    allowed = frozenset(d[-8:] for d in (_digits(a) for a in allow) if len(d) >= 8)
    found: list[Finding] = [Finding("cpr", text[s:e], s, e) for s, e in find_cpr(text)]
    if text.strip():
        nlp, matcher = _matcher(str(pipeline or Project.current().spacy_pipeline))
        doc = nlp(text)
        spans = []
        for match_id, start, end in matcher(doc):
            kind = nlp.vocab.strings[match_id]
            span = doc[start:end]
            if _keep(kind, span, doc, allowed):
                spans.append((kind, span))
        # The longest match wins where matches overlap (e.g. "+45" with its number).
        spans.sort(key=lambda ks: (ks[1].start_char, -(ks[1].end_char - ks[1].start_char)))
        taken_until = -1
        for kind, span in spans:
            if span.start_char < taken_until:
                continue
            if any(f.start < span.end_char and span.start_char < f.end for f in found):
                continue  # already a CPR number
            found.append(Finding(kind, span.text, span.start_char, span.end_char))
            taken_until = span.end_char
        known = frozenset(_profile_names() if known_names is None else known_names)
        for start, end in _names(doc, known):
            if not any(f.start < end and start < f.end for f in found):
                found.append(Finding("name", text[start:end], start, end))
    return sorted(found, key=lambda f: f.start)


def describe(findings: list[Finding]) -> str:
    """A Danish sentence for the web team: what was found and what to do."""
    if not findings:
        return ""
    kinds = []
    for finding in findings:
        if finding.label not in kinds:
            kinds.append(finding.label)
    listed = kinds[0] if len(kinds) == 1 else ", ".join(kinds[:-1]) + " og " + kinds[-1]
    return (
        f"Teksten ser ud til at indeholde personoplysninger ({listed}). "
        "Ret teksten, så de er væk, før den bruges som træningsdata."
    )
