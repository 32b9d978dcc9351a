"""The page search's pure logic: spelling folds, compounds, typos, the threshold, language."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from bot.knowledge.page_search import THRESHOLD, get_index, search_pages
from bot.knowledge.pages import PAGES_DIR, PageCatalogue, load_catalogue_file
from bot.knowledge.words import skeleton, stem
from testkit import ROOT

PAGES = [
    (
        "https://kommune.test/affald/toemning",
        "Tømning af affald",
        "Hvornår vi tømmer beholderne.",
        ["skrald", "renovation"],
        "affald",
        "da",
    ),
    (
        "https://kommune.test/aeldre/hjaelp",
        "Praktisk hjælp og personlig pleje",
        "Hjælp i hjemmet til rengøring, tøjvask og personlig pleje.",
        ["rengøring"],
        "aeldre",
        "da",
    ),
    (
        "https://kommune.test/parkering/licens",
        "Parkeringslicens",
        "Køb en licens til at parkere i zonen.",
        ["p-zone"],
        "veje-parkering",
        "da",
    ),
    (
        "https://kommune.test/bibliotek",
        "Biblioteket",
        "Åbningstider og arrangementer.",
        ["bøger", "lån"],
        "kultur-fritid",
        "da",
    ),
    (
        "https://kommune.test/en/waste",
        "Waste collection",
        "When we empty your bin.",
        ["bin", "rubbish"],
        "affald",
        "en",
    ),
]


@pytest.fixture(scope="module")
def catalogue(tmp_path_factory: pytest.TempPathFactory) -> PageCatalogue:
    entries = [
        {
            "url": url,
            "title": title,
            "description": description,
            "keywords": keywords,
            "area": area,
            "kind": "information",
            "language": language,
            "source": "test",
            "needs_confirmation": True,
        }
        for url, title, description, keywords, area, language in PAGES
    ]
    path = tmp_path_factory.mktemp("pages") / "test.yml"
    path.write_text(yaml.safe_dump({"municipality": "test", "pages": entries}), encoding="utf-8")
    return load_catalogue_file(path)


def _titles(catalogue: PageCatalogue, question: str, language: str = "da") -> list[str]:
    return [hit.page.title for hit in search_pages(catalogue, question, language)]


@pytest.mark.parametrize(
    "spellings",
    [
        ["tømning", "toemning", "tomning", "TØMNING"],
        ["åbningstider", "aabningstider", "abningstider"],
        ["hjælp", "hjaelp", "hjalp"],
        ["café", "cafe"],
    ],
)
def test_aa_oe_ae_spellings_fold_alike(spellings: list[str]) -> None:
    assert len({skeleton(s) for s in spellings}) == 1


def test_stem_makes_inflections_meet_and_keeps_three_letters() -> None:
    assert stem("beholderne") == stem("beholderen") == stem("beholder") == "behold"
    assert stem("licensen") == stem("licens")
    assert stem("rotterne") == stem("rotter") == stem("rotte")
    assert stem("pas") == "pas"
    assert stem("bil") == "bil"


def test_each_spelling_finds_the_same_page(catalogue: PageCatalogue) -> None:
    for question in ["åbningstider på biblioteket", "aabningstider paa biblioteket"]:
        assert _titles(catalogue, question)[:1] == ["Biblioteket"]


def test_a_compound_is_matched_to_its_parts(catalogue: PageCatalogue) -> None:
    # "skraldespanden" is "skrald" + "spand"; "hjemmehjælp" ends in "hjælp"; "p-licens" and
    # "parkeringslicens" share "licens".
    assert _titles(catalogue, "skraldespanden")[:1] == ["Tømning af affald"]
    assert _titles(catalogue, "min mor skal have hjemmehjælp")[:1] == [
        "Praktisk hjælp og personlig pleje"
    ]
    assert _titles(catalogue, "hvor får jeg p-licens")[:1] == ["Parkeringslicens"]


def test_an_inflected_form_finds_the_page(catalogue: PageCatalogue) -> None:
    assert _titles(catalogue, "beholderen")[:1] == ["Tømning af affald"]


def test_a_typo_finds_the_page(catalogue: PageCatalogue) -> None:
    assert _titles(catalogue, "parkerinslicens")[:1] == ["Parkeringslicens"]
    assert _titles(catalogue, "bibloteket")[:1] == ["Biblioteket"]


@pytest.mark.parametrize("question", ["xyzzy blorp", "qwerty asdf zxcv", "", "???", "og i at"])
def test_nonsense_gets_no_page(catalogue: PageCatalogue, question: str) -> None:
    assert search_pages(catalogue, question) == []


def test_threshold_returns_nothing_out_of_scope_on_the_real_catalogue() -> None:
    taarnby = load_catalogue_file(PAGES_DIR / "taarnby.yml")
    for question in ["fortæl mig en vittighed", "hvordan laver man lasagne", "order me a taxi"]:
        index = get_index(taarnby)
        best = index.rank(question, "da")
        assert not best or best[0].score < THRESHOLD
        assert search_pages(taarnby, question) == []


def test_at_most_three_pages_best_first_with_scores(catalogue: PageCatalogue) -> None:
    hits = search_pages(catalogue, "affald skrald renovation tømning licens hjælp bibliotek")
    assert 1 <= len(hits) <= 3
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
    assert all(h.score >= THRESHOLD for h in hits)


def test_danish_questions_get_danish_pages_english_may_get_english(
    catalogue: PageCatalogue,
) -> None:
    assert "Waste collection" not in _titles(catalogue, "bin rubbish")
    assert _titles(catalogue, "my bin was not emptied, rubbish everywhere", "en")[:1] == [
        "Waste collection"
    ]


def test_the_index_is_built_once_per_catalogue(catalogue: PageCatalogue) -> None:
    first = get_index(catalogue)
    assert get_index(catalogue) is first
    reread = load_catalogue_file(catalogue.path)  # what get_catalogue gives after a change
    second = get_index(reread)
    assert second is not first
    assert second.catalogue is reread


def test_importing_the_search_loads_nothing_heavy() -> None:
    code = (
        "import sys, bot.knowledge.page_search, bot.knowledge.pages;"
        "print(sorted(m for m in ('sklearn', 'spacy', 'spacy_lookups_data') if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "[]"


def test_the_real_catalogue_finds_rats_with_a_typo() -> None:
    taarnby = load_catalogue_file(Path(PAGES_DIR / "taarnby.yml"))
    hits = search_pages(taarnby, "rottebekæmpelse")
    assert hits and "rotte" in hits[0].page.title.lower()


def test_a_danish_synonym_finds_the_page_that_uses_the_other_word(
    catalogue: PageCatalogue,
) -> None:
    """synonyms_da.yml: "hjemmehjælp" is the page's "personlig pleje" and "rengøring", also
    inside a compound ("hjemmeplejeordningen")."""
    assert _titles(catalogue, "hjemmehjælp til min far")[:1] == [
        "Praktisk hjælp og personlig pleje"
    ]
    assert _titles(catalogue, "hjemmeplejeordningen")[:1] == ["Praktisk hjælp og personlig pleje"]
    index = get_index(catalogue)
    assert "rengoring" in index.query_groups("hjemmehjælp")[0]
    assert index.query_groups("cykel") == [("cykel",)]  # a word of no group is itself


def test_the_synonym_groups_are_single_words_and_the_glossary_keys_short_phrases() -> None:
    """synonyms_da.yml: a phrase or hyphenated word would stand for its group by one word."""
    groups = yaml.safe_load((ROOT / "bot/knowledge/synonyms_da.yml").read_text("utf-8"))["groups"]
    assert groups
    for group in groups:
        assert len(group) >= 2, group
        assert all(re.fullmatch(r"[^\W\d_]+", str(w)) for w in group), group
    words = yaml.safe_load((ROOT / "bot/knowledge/glossary_en_da.yml").read_text("utf-8"))
    for key, danish in words["words"].items():
        assert str(key) == str(key).lower() and 1 <= len(str(key).split()) <= 3, key
        assert danish, key
