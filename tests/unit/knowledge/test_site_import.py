"""import-site's merge rules and area guess (bot/knowledge/site_import.py), on plain data."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.knowledge.html_extract import ExtractedPage
from bot.knowledge.pages import CatalogueDraft
from bot.knowledge.site_areas import guess_area
from bot.knowledge.site_import import PageOutcome, merge, url_key

TODAY = dt.date(2026, 11, 23)
SITEMAP = "https://www.taarnby.dk/sitemap.xml"


@pytest.mark.parametrize(
    ("url", "crumbs", "area"),
    [
        ("https://www.taarnby.dk/borger/natur-og-miljoe/affald", (), "affald"),
        ("https://www.taarnby.dk/borger/natur-og-miljoe/affald/storskrald", (), "affald"),
        ("https://www.taarnby.dk/borger/natur-og-miljoe/naturomraader", (), "natur-miljoe"),
        (
            "https://www.taarnby.dk/borger/veje-og-trafik/parkering/zoneparkering",
            (),
            "veje-parkering",
        ),
        ("https://www.taarnby.dk/borger/familie-boern-og-unge/sfo", (), "boern-familie"),
        (
            "https://www.taarnby.dk/borger/undervisning/skolevaesenet/indskrivning",
            (),
            "boern-familie",
        ),
        ("https://www.taarnby.dk/borger/aeldre/hjemmepleje/praktisk-hjaelp", (), "aeldre"),
        ("https://www.taarnby.dk/borger/sundhed/tandpleje/boernetandpleje", (), "sundhed"),
        ("https://www.taarnby.dk/borger/job-og-ydelser/kontanthjaelp", (), "job-ydelser"),
        ("https://www.taarnby.dk/borger/kultur-og-fritid/svoemmehal", (), "kultur-fritid"),
        ("https://www.taarnby.dk/borger/kultur-og-fritid/biblioteker", (), "kultur-fritid"),
        ("https://www.taarnby.dk/politik/klage/klage-over-en-afgoerelse", (), "politik-kommunen"),
        ("https://www.taarnby.dk/politik/byraad", (), "politik-kommunen"),
        ("https://www.taarnby.dk/borger/byggeri-og-bolig/byggetilladelse", (), "byggeri-bolig"),
        ("https://www.taarnby.dk/erhverv/start-virksomhed", (), "erhverv"),
        ("https://www.taarnby.dk/oplev/paa-tur-med-hunden", (), "natur-miljoe"),
        ("https://www.taarnby.dk/borger/personlige-forhold/pas", (), "borgerservice"),
        ("https://www.taarnby.dk/cookiepolitik", (), "borgerservice"),
        ("https://www.taarnby.dk/", (), "borgerservice"),
        # the path says nothing; the breadcrumbs do (folded: "Ældre" = "aeldre")
        (
            "https://www.taarnby.dk/side/12345",
            ("Forside", "Ældre og pleje", "Madservice"),
            "aeldre",
        ),
        ("https://www.taarnby.dk/side/1", ("Forside", "Natur og miljø"), "natur-miljoe"),
    ],
)
def test_guess_area(url: str, crumbs: tuple[str, ...], area: str) -> None:
    assert guess_area(url, crumbs) == area


def test_url_key_ignores_scheme_www_and_trailing_slash() -> None:
    assert url_key("http://Taarnby.dk/") == url_key("https://www.taarnby.dk")
    assert url_key("https://www.taarnby.dk/a/") == url_key("http://taarnby.dk/a")
    assert url_key("https://www.taarnby.dk/a?x=1") != url_key("https://www.taarnby.dk/a")


def _page(title: str = "Affald", **changes: object) -> ExtractedPage:
    fields = {
        "title": title,
        "description": "Ny beskrivelse fra siden.",
        "headings": ("Sortering",),
        "text": f"{title}\nSortering\nNy tekst.",
        "language": "da",
        "breadcrumbs": ("Forside", "Affald"),
        "self_service": False,
    }
    fields.update(changes)
    return ExtractedPage(**fields)  # type: ignore[arg-type]


def _entry(url: str, source: str, **changes: object) -> dict[str, object]:
    entry: dict[str, object] = {
        "url": url,
        "title": "Gammel titel",
        "description": "Kurateret beskrivelse.",
        "keywords": ["skrald"],
        "keywords_en": ["rubbish"],
        "area": "natur-miljoe",
        "kind": "selvbetjening",
        "language": "da",
        "source": source,
        "last_seen": None,
        "needs_confirmation": False,
        "confirmed_by": "webred",
        "confirmed_on": dt.date(2026, 1, 5),
        "note": "kurateret note",
        "headings": [],
        "text": "",
        "etag": None,
        "last_modified": None,
    }
    entry.update(changes)
    return entry


def test_a_curated_entry_keeps_what_the_web_team_curated() -> None:
    url = "https://www.taarnby.dk/borger/natur-og-miljoe/affald"
    draft = CatalogueDraft("taarnby", [_entry(url, "web team")])
    outcome = PageOutcome(url, "fetched", page=_page(), etag='"v2"', last_modified="x")
    merge(draft, [outcome], SITEMAP, TODAY)
    entry = draft.pages[0]
    assert outcome.status == "updated"
    # refreshed
    assert entry["title"] == "Affald"
    assert entry["headings"] == ["Sortering"]
    assert entry["text"].endswith("Ny tekst.")
    assert (entry["etag"], entry["last_modified"], entry["last_seen"]) == ('"v2"', "x", TODAY)
    # kept
    assert entry["description"] == "Kurateret beskrivelse."
    assert entry["keywords"] == ["skrald"]
    assert entry["keywords_en"] == ["rubbish"]
    assert (entry["area"], entry["kind"]) == ("natur-miljoe", "selvbetjening")
    assert entry["needs_confirmation"] is False
    assert (entry["confirmed_by"], entry["confirmed_on"]) == ("webred", dt.date(2026, 1, 5))
    assert entry["note"] == "kurateret note"


def test_an_imported_entry_gets_its_description_refreshed_too() -> None:
    url = "https://www.taarnby.dk/borger/x"
    draft = CatalogueDraft("taarnby", [_entry(url, f"import-site {SITEMAP}")])
    merge(draft, [PageOutcome(url, "fetched", page=_page())], SITEMAP, TODAY)
    assert draft.pages[0]["description"] == "Ny beskrivelse fra siden."
    assert draft.pages[0]["keywords"] == ["skrald"]  # still the web team's


def test_a_matching_url_in_another_spelling_is_the_same_entry() -> None:
    draft = CatalogueDraft("taarnby", [_entry("http://www.taarnby.dk/borger/pas", "facts")])
    outcome = PageOutcome("https://taarnby.dk/borger/pas/", "fetched", page=_page("Pas"))
    merge(draft, [outcome], SITEMAP, TODAY)
    assert len(draft.pages) == 1
    assert draft.pages[0]["url"] == "http://www.taarnby.dk/borger/pas"  # its link id stays
    assert draft.pages[0]["title"] == "Pas"


def test_a_new_page_becomes_a_new_entry() -> None:
    draft = CatalogueDraft("taarnby", [])
    url = "https://www.taarnby.dk/borger/natur-og-miljoe/affald/storskrald"
    page = _page("Bestil storskrald", self_service=True, language="da", description="")
    merge(draft, [PageOutcome(url, "fetched", page=page, etag='"e"')], SITEMAP, TODAY)
    entry = draft.pages[0]
    assert entry == {
        "url": url,
        "title": "Bestil storskrald",
        "description": "Bestil storskrald",  # no description or lead: the title
        "keywords": [],
        "area": "affald",
        "kind": "selvbetjening",
        "language": "da",
        "source": f"import-site {SITEMAP}",
        "last_seen": TODAY,
        "needs_confirmation": True,
        "headings": ["Sortering"],
        "text": "Bestil storskrald\nSortering\nNy tekst.",
        "etag": '"e"',
        "last_modified": None,
    }


def test_not_modified_refreshes_last_seen_only() -> None:
    url = "https://www.taarnby.dk/borger/x"
    draft = CatalogueDraft("taarnby", [_entry(url, "web team", text="Gammel tekst.")])
    outcome = PageOutcome(url, "not-modified", http_status=304)
    merge(draft, [outcome], SITEMAP, TODAY)
    assert outcome.status == "unchanged"
    assert draft.pages[0]["last_seen"] == TODAY
    assert draft.pages[0]["text"] == "Gammel tekst."


def test_a_gone_page_is_removed_if_imported_and_noted_if_curated() -> None:
    imported = "https://www.taarnby.dk/borger/imported"
    curated = "https://www.taarnby.dk/borger/curated"
    draft = CatalogueDraft(
        "taarnby", [_entry(imported, f"import-site {SITEMAP}"), _entry(curated, "facts")]
    )
    outcomes = [
        PageOutcome(imported, "gone", http_status=404),
        PageOutcome(curated, "gone", http_status=410),
    ]
    merge(draft, outcomes, SITEMAP, TODAY)
    assert [o.status for o in outcomes] == ["removed", "noted"]
    assert [p["url"] for p in draft.pages] == [curated]
    note = draft.pages[0]["note"]
    assert note == "kurateret note | import-site 2026-11-23: the page answered 410; check the URL"
    # noted again on the next import: one mark, not two
    merge(draft, [PageOutcome(curated, "gone", http_status=404)], SITEMAP, TODAY)
    assert draft.pages[0]["note"].count("import-site") == 1
    # back on the site: the mark goes, the web team's note stays
    merge(draft, [PageOutcome(curated, "fetched", page=_page())], SITEMAP, TODAY)
    assert draft.pages[0]["note"] == "kurateret note"


def test_a_skipped_page_changes_nothing() -> None:
    url = "https://www.taarnby.dk/borger/x"
    before = _entry(url, f"import-site {SITEMAP}", text="Gammel tekst.")
    draft = CatalogueDraft("taarnby", [dict(before)])
    merge(draft, [PageOutcome(url, "skipped", "timed out after 1 s")], SITEMAP, TODAY)
    assert draft.pages == [before]
