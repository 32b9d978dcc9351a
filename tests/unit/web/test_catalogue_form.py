"""The page catalogue page's pure parts (bot/web/catalogue.py, catalogue_edits.py): reading
the edit form, applying it to an entry, searching and filtering the list, ordering by the
counts, the edit log."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from bot.knowledge.pages import Page, page_link_id
from bot.settings import get_settings
from bot.web.catalogue import ListFilters, matches, parse_list_filters, table_rows
from bot.web.catalogue_edits import (
    MAX_KEYWORD,
    MAX_KEYWORDS,
    EditError,
    apply_edit,
    edits_of,
    entry_version,
    parse_edit,
    record_edit,
    split_keywords,
)

FORM = {
    "keywords": "skrald\nskraldespand, tømning",
    "keywords_en": "",
    "description": "  Om   affald. ",
    "area": "affald",
    "kind": "information",
}


def page(title: str, url: str, **fields: object) -> Page:
    values: dict[str, object] = {
        "url": url,
        "title": title,
        "description": "En side.",
        "keywords": (),
        "area": "affald",
        "kind": "information",
        "language": "da",
        "source": "test",
        "last_seen": None,
        "needs_confirmation": True,
    }
    values.update(fields)
    return Page(**values)  # type: ignore[arg-type]


def test_keywords_one_per_line_or_comma_separated() -> None:
    assert split_keywords(" skrald ,\n\n  tømning   af  spand\n,SKRALD;plast", "k", "Nøgleord") == (
        "skrald",
        "tømning af spand",
        "plast",
    )
    assert split_keywords("", "k", "Nøgleord") == ()


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"keywords": " , \n"}, "keywords", "Skriv mindst ét nøgleord"),
        ({"keywords": "skrald, ..."}, "keywords", "»...« er ikke et ord"),
        ({"keywords": "a" * (MAX_KEYWORD + 1)}, "keywords", f"højst være {MAX_KEYWORD} tegn"),
        (
            {"keywords": ",".join(f"ord{n}" for n in range(MAX_KEYWORDS + 1))},
            "keywords",
            f"Der må højst være {MAX_KEYWORDS}",
        ),
        ({"keywords_en": "bin, ???"}, "keywords_en", "Engelske nøgleord: »???«"),
        ({"description": " "}, "description", "Skriv en kort beskrivelse"),
        ({"description": "x" * 601}, "description", "Beskrivelsen er for lang (601 tegn)"),
        ({"area": "skrald"}, "area", "Vælg et område fra listen."),
        ({"kind": ""}, "kind", "information eller selvbetjening"),
        ({"description": "cpr 010190-1234"}, "description", "CPR-nummer"),
    ],
)
def test_bad_input_names_the_field_in_danish(
    change: dict[str, str], field: str, message: str
) -> None:
    with pytest.raises(EditError) as raised:
        parse_edit({**FORM, **change})
    assert raised.value.field == field
    assert message in raised.value.danish


def test_an_edit_changes_only_what_differs_and_confirms_when_asked() -> None:
    edit = parse_edit(FORM)
    assert edit.description == "Om affald."
    entry = {
        "url": "https://x.example/affald",
        "keywords": ["skrald", "skraldespand", "tømning"],
        "keywords_en": [],
        "description": "Om affald.",
        "area": "affald",
        "kind": "information",
        "needs_confirmation": True,
    }
    version = entry_version(entry)
    assert apply_edit(entry, edit, confirm_by=None, today=date(2026, 11, 23)) == []
    assert entry_version(entry) == version
    changed = apply_edit(
        entry, replace(edit, kind="selvbetjening"), confirm_by="anna", today=date(2026, 11, 23)
    )
    assert changed == ["kind", "needs_confirmation", "confirmed_by", "confirmed_on"]
    assert (entry["confirmed_by"], entry["confirmed_on"]) == ("anna", date(2026, 11, 23))
    assert entry_version(entry) != version


def test_the_version_is_the_same_for_a_page_and_its_entry() -> None:
    affald = page("Affald", "https://x.example/affald", keywords=("skrald",))
    entry = {**affald.__dict__, "keywords": ["skrald"]}
    assert entry_version(affald.__dict__) == entry_version(entry)


def test_search_and_filters() -> None:
    affald = page("Affald", "https://x.example/borger/affald", keywords=("skraldespand", "tømning"))
    pas = page(
        "Pas",
        "https://x.example/pas",
        area="borgerservice",
        kind="selvbetjening",
        keywords_en=("passport",),
        needs_confirmation=False,
    )
    moving = page("Moving", "https://x.example/en/moving", language="en", area="borgerservice")

    def titles(**filters: str) -> list[str]:
        found = [p for p in (affald, pas, moving) if matches(p, ListFilters(**filters))]
        return [p.title for p in found]

    assert titles() == ["Affald", "Pas", "Moving"]
    assert titles(q="SKRALDESPAND") == ["Affald"]
    assert titles(q="skraldespand pas") == []  # every word must be found
    assert titles(q="passport") == ["Pas"]
    assert titles(q="x.example/en") == ["Moving"]
    assert titles(q="toemning") == titles(q="TØMNING") == ["Affald"]  # æ/ø/å spelt either way
    assert titles(area="borgerservice") == ["Pas", "Moving"]
    assert titles(kind="selvbetjening") == ["Pas"]
    assert titles(language="en") == ["Moving"]
    assert titles(status="skal") == ["Affald", "Moving"]
    assert titles(status="bekraeftet") == ["Pas"]


def test_unknown_filter_values_are_dropped_and_reported() -> None:
    filters, bad = parse_list_filters({"omraade": "skrald", "sort": "x", "q": "  a   b "})
    assert bad and filters == ListFilters(q="a b")
    filters, bad = parse_list_filters({"omraade": "affald", "sprog": "en", "status": "skal"})
    assert not bad and filters.query() == {"omraade": "affald", "sprog": "en", "status": "skal"}


def test_rows_carry_the_counts_and_sort_by_them() -> None:
    a, b, c = (page(t, f"https://x.example/{t}") for t in ("Beta", "alfa", "Gamma"))
    counts = {page_link_id(a.url): (10, 1), page_link_id(c.url): (4, 2)}
    rows = table_rows([a, b, c], counts, ListFilters())
    assert [r.page.title for r in rows] == ["alfa", "Beta", "Gamma"]
    assert [(r.shown, r.clicked, r.rate) for r in rows] == [(0, 0, None), (10, 1, 0.1), (4, 2, 0.5)]

    def order(sort: str) -> list[str]:
        return [r.page.title for r in table_rows([a, b, c], counts, ListFilters(sort=sort))]

    assert order("vist") == ["Beta", "Gamma", "alfa"]
    assert order("klik") == ["Gamma", "Beta", "alfa"]
    assert order("klikrate") == ["Gamma", "Beta", "alfa"]


def test_the_edit_log_keeps_who_and_which_fields(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BOT_PAGES_DIR", str(tmp_path))
    get_settings.cache_clear()
    try:
        record_edit("taarnby", "anna", "save", "page-aaaaaaaaaaaa", "https://x/a", ["keywords"])
        record_edit("taarnby", "bo", "confirm", "page-bbbbbbbbbbbb", "https://x/b", [])
        record_edit("taarnby", "bo", "save", "page-aaaaaaaaaaaa", "https://x/a", ["area"])
        (tmp_path / "taarnby.edits.jsonl").open("a").write("not json\n")
        lines = (tmp_path / "taarnby.edits.jsonl").read_text().splitlines()
        assert json.loads(lines[0])["fields"] == ["keywords"]
        found = edits_of("taarnby", "page-aaaaaaaaaaaa")
        assert [(e.by, e.action, e.fields) for e in found] == [
            ("bo", "save", ("area",)),
            ("anna", "save", ("keywords",)),
        ]
        assert edits_of("ishoej", "page-aaaaaaaaaaaa") == []
    finally:
        get_settings.cache_clear()
