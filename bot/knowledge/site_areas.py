"""The area of a page new to the catalogue, guessed from its URL and breadcrumbs (import-site).

Used by :mod:`bot.knowledge.site_import` for a page the catalogue does not have yet; the web
team may change the area afterwards.
"""

from __future__ import annotations

import re
from urllib.parse import unquote, urlsplit

from bot.knowledge.pages import AREAS

# Folded words (æ→ae, ø→oe, å→aa) of a URL path or a breadcrumb → area. A word of 5 letters
# or more matches inside a compound ("husholdningsaffald"); a shorter one only as the word or
# with a short ending ("hund", "hunden"). The longest match in a path segment wins
# ("tandpleje-for-boern" → sundhed), the deepest segment with a match decides.
AREA_WORDS: dict[str, tuple[str, ...]] = {
    "affald": ("affald", "skrald", "genbrug", "renovation", "storskrald"),
    "veje-parkering": (
        "parkering",
        "veje",
        "vej",
        "trafik",
        "vintervedligehold",
        "snerydning",
        "fortov",
        "cykelsti",
        "vejarbejde",
    ),
    "boern-familie": (
        "skole",
        "boern",
        "dagtilbud",
        "dagpleje",
        "vuggestue",
        "boernehave",
        "sfo",
        "fritidshjem",
        "pladsanvisning",
        "familie",
        "unge",
        "skilsmisse",
    ),
    "aeldre": (
        "aeldre",
        "hjemmepleje",
        "hjemmehjaelp",
        "demens",
        "plejehjem",
        "plejebolig",
        "madservice",
        "hjaelpemidl",
    ),
    "sundhed": ("sundhed", "misbrug", "sygdom", "tandpleje", "laege", "genoptraening"),
    "job-ydelser": (
        "job",
        "ydelse",
        "ydelser",
        "kontanthjaelp",
        "pension",
        "dagpenge",
        "beskaeftigelse",
        "jobcenter",
        "fleksjob",
        "fritidsjob",
        "uddannelseshjaelp",
    ),
    "kultur-fritid": (
        "bibliotek",
        "kultur",
        "idraet",
        "svoemmehal",
        "svommehal",
        "fritid",
        "forening",
        "musikskole",
        "museum",
    ),
    "natur-miljoe": ("natur", "miljoe", "miljo", "groen", "hund", "strand", "skov"),
    "politik-kommunen": (
        "politik",
        "byraad",
        "byrad",
        "kommunalbestyrelse",
        "klage",
        "udvalg",
        "valg",
        "kommunalvalg",
        "borgerraadgiver",
        "borgeradgiver",
        "raadhus",
        "radhus",
    ),
    "byggeri-bolig": (
        "byggeri",
        "bolig",
        "byggesag",
        "byggetilladelse",
        "byg",
        "rotte",
        "skadedyr",
        "ejendom",
    ),
    "erhverv": ("erhverv", "virksomhed"),
    "borgerservice": (
        "borgerservice",
        "pas",
        "koerekort",
        "korekort",
        "flytning",
        "navneaendring",
        "folkeregister",
        "doedsfald",
        "dodsfald",
        "begravelse",
        # policies of the site, not of the council
        "cookiepolitik",
        "privatlivspolitik",
        "persondatapolitik",
    ),
}
DEFAULT_AREA = "borgerservice"
assert set(AREA_WORDS) <= set(AREAS)
_WORD_AREA = {word: area for area, words in AREA_WORDS.items() for word in words}


def fold(text: str) -> str:
    """Lower case with æ, ø, å (and their two-letter spellings' source) written out, so the
    path "natur-og-miljoe" and the crumb "Natur og miljø" give the same words."""
    text = text.lower()
    for letter, spelled in (("æ", "ae"), ("ø", "oe"), ("å", "aa"), ("é", "e"), ("ü", "u")):
        text = text.replace(letter, spelled)
    return text


def _match(word: str) -> tuple[int, str] | None:
    best: tuple[int, str] | None = None
    for key, area in _WORD_AREA.items():
        if len(key) >= 5:
            hit = key in word
        else:
            hit = word == key or (word.startswith(key) and len(word) - len(key) <= 3)
        if hit and (best is None or len(key) > best[0]):
            best = (len(key), area)
    return best


def guess_area(url: str, breadcrumbs: tuple[str, ...] | list[str] = ()) -> str:
    """The area of a new page from its URL path (deepest segment first), then its breadcrumbs
    (last first); ``borgerservice`` when nothing matches."""
    path = unquote(urlsplit(url).path)
    segments = [s for s in path.split("/") if s][::-1] + list(breadcrumbs)[::-1]
    for segment in segments:
        matches = [m for w in re.split(r"[^a-z0-9]+", fold(segment)) if w and (m := _match(w))]
        if matches:
            return max(matches)[1]
    return DEFAULT_AREA
