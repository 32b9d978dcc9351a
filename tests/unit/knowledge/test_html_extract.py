"""Main-content extraction for import-site (bot/knowledge/html_extract.py): the page's own text
and nothing of the site's furniture, on every page of the local test site and on markup the
fixture site does not use."""

from __future__ import annotations

import pytest

from bot.knowledge.html_extract import (
    TEXT_LIMIT,
    decode_html,
    extract_page,
    not_html_reason,
)
from testkit.local_site import fixture_pages, render_page

PAGES = fixture_pages()
# Text of the templates' furniture (tests/fixtures/site/templates/base.html and page.html):
# cookie banner, skip link, search, top menu, breadcrumbs, toolbar, "Se også", feedback, footer.
FURNITURE = [
    "Vi bruger cookies",
    "Accepter alle",
    "Kun nødvendige",
    "Gå til indhold",
    "Søg på taarnby.dk",
    "Hvad leder du efter",
    "Veje, trafik og parkering",
    "Politik og demokrati",
    "Selvbetjening A-Å",
    "Du er her",
    "Udskriv siden",
    "Del siden",
    "Lyt til teksten",
    "Se også",
    "Fandt du det, du ledte efter?",
    "adressen er et EKSEMPEL på testsiden",
    "Find kontaktoplysninger",
    "Privatlivspolitik og behandling",
    "Testside med opdigtet indhold",
    "dataLayer",
]
SELF_SERVICE = {
    "/borger/veje-og-trafik/parkering/zoneparkering",
    "/borger/veje-og-trafik/parkering/ansoeg-om-parkeringslicens",
    "/borger/personlige-forhold/bestil-tid",
    "/borger/byggeri-og-bolig/byggetilladelse",
}


@pytest.fixture(scope="module")
def extracted() -> dict[str, object]:
    return {page["path"]: extract_page(render_page(page["path"])) for page in PAGES}


@pytest.mark.parametrize("page", PAGES, ids=[p["path"] for p in PAGES])
def test_no_furniture_in_any_page(page: dict, extracted: dict) -> None:
    result = extracted[page["path"]]
    stored = "\n".join([result.text, result.description, *result.headings])
    for text in FURNITURE:
        assert text not in stored, f"{text!r} from the site's furniture in {page['path']}"


@pytest.mark.parametrize("page", PAGES, ids=[p["path"] for p in PAGES])
def test_title_headings_lead_and_accordions_are_kept(page: dict, extracted: dict) -> None:
    result = extracted[page["path"]]
    assert result.title == page["title"]
    assert result.text.startswith(page["title"])
    assert page["lead"] in result.text
    for section in page.get("sections", []):
        assert section["heading"] in result.headings
        for paragraph in section.get("paragraphs", []):
            assert paragraph in result.text
        for fold in section.get("accordion", []):
            assert fold["q"] in result.headings  # <summary> and div-based triggers alike
            for answer in fold["a"]:
                assert answer in result.text, "accordion contents are main text"


@pytest.mark.parametrize("page", PAGES, ids=[p["path"] for p in PAGES])
def test_description_is_the_meta_description_else_the_lead(page: dict, extracted: dict) -> None:
    assert extracted[page["path"]].description == page.get("description", page["lead"])


def test_kind_language_and_breadcrumbs(extracted: dict) -> None:
    for page in PAGES:
        result = extracted[page["path"]]
        assert result.self_service == (page["path"] in SELF_SERVICE), page["path"]
        assert result.language == page.get("lang", "da")
    affald = extracted["/borger/natur-og-miljoe/affald"]
    assert affald.breadcrumbs == ("Forside", "Borger", "Natur og miljø", "Affald")
    assert extracted["/"].breadcrumbs == ()


def test_a_page_without_main_uses_the_body_minus_furniture() -> None:
    html = """<html><head><title>Rotter – Testrup Kommune</title></head><body>
    <div id="CybotCookiebotDialog"><p>Denne hjemmeside anvender cookies.</p></div>
    <div class="header"><ul class="menu"><li><a href="/">Menupunkt</a></li></ul></div>
    <div class="breadcrumbs">Forside / Rotter</div>
    <div class="page"><p>Ser du rotter, skal du anmelde det til kommunen med det samme.</p>
    <h3>Relaterede links</h3><ul><li><a href="/x">Skadedyr</a></li></ul>
    <div class="accordion"><div class="accordion__title">Hvem betaler?</div>
    <div class="accordion__content" style="display:none">Det gør ejendomsskatten.</div></div>
    </div>
    <div class="sidefod">Sidefodstekst</div></body></html>"""
    result = extract_page(html)
    assert result.title == "Rotter"  # from <title>, the site's name cut off
    assert result.text.splitlines() == [
        "Ser du rotter, skal du anmelde det til kommunen med det samme.",
        "Hvem betaler?",
        "Det gør ejendomsskatten.",
    ]
    assert result.headings == ("Hvem betaler?",)
    assert result.description.startswith("Ser du rotter")
    assert result.breadcrumbs == ()  # a bare line of text, no list: not read as crumbs


def test_a_hero_banner_with_the_h1_is_kept_and_a_notice_banner_is_not() -> None:
    html = """<html lang="en"><body><main>
    <div class="hero-banner"><h1>Moving</h1></div>
    <div class="banner banner--info">Corona: collection is paused.</div>
    <p>You report your move online.</p></main></body></html>"""
    result = extract_page(html)
    assert result.title == "Moving"
    assert result.language == "en"
    assert "Corona" not in result.text
    assert "You report your move online." in result.text


def test_long_text_is_trimmed_at_a_boundary() -> None:
    paragraphs = [
        f"Afsnit {n}: " + "en lang sætning om affald og sortering. " * 20 for n in range(10)
    ]
    html = "<main><h1>Lang</h1>" + "".join(f"<p>{p}</p>" for p in paragraphs) + "</main>"
    result = extract_page(html)
    assert len(result.text) <= TEXT_LIMIT
    assert result.text.endswith("…")
    assert len(result.description) <= 300


def test_a_self_service_button_after_the_first_section_does_not_make_it_self_service() -> None:
    late = """<main><h1>Affald</h1><p>Om affald.</p><h2>Storskrald</h2>
    <a class="btn" href="/x">Bestil afhentning</a></main>"""
    early = """<main><h1>Storskrald</h1><p>Få det hentet.</p>
    <a class="btn" href="/x">Bestil afhentning</a><h2>Det er storskrald</h2></main>"""
    assert not extract_page(late).self_service
    assert extract_page(early).self_service
    assert extract_page("<main><h1>Ansøg om friplads</h1><p>x</p></main>").self_service


@pytest.mark.parametrize(
    ("body", "content_type", "reason"),
    [
        (b"%PDF-1.4 ...", "application/pdf", "served as application/pdf"),
        (b"%PDF-1.4 ...", "text/html", "looks like a PDF"),
        (b"\x89PNG\r\n\x1a\n....", "text/html", "looks like a PNG image"),
        (b"PK\x03\x04 docx", "", "looks like a ZIP or Office file"),
        (b"abc\x00\x01\x02", "text/html", "binary data"),
        (b"just words, no markup", "text/html", "no markup"),
        (b"{}", "application/json", "served as application/json"),
    ],
)
def test_what_is_not_html(body: bytes, content_type: str, reason: str) -> None:
    assert reason in (not_html_reason(body, content_type) or "")


def test_html_is_html() -> None:
    assert not_html_reason(b"<!doctype html><html></html>", "text/html") is None
    assert not_html_reason(b"<html></html>", "application/xhtml+xml") is None
    assert not_html_reason(b"<html></html>", "") is None


def test_decoding_follows_the_header_then_the_meta_then_utf8() -> None:
    latin = "<p>Ældre og pleje</p>".encode("latin-1")
    assert "Ældre" in decode_html(latin, "text/html; charset=ISO-8859-1")
    meta = '<meta charset="windows-1252"><p>Søg</p>'.encode("cp1252")
    assert "Søg" in decode_html(meta, "text/html")
    assert "Søg" in decode_html("<p>Søg</p>".encode(), "text/html")
    assert "S" in decode_html("<p>Søg</p>".encode("cp1252"), "")  # no charset, not UTF-8
