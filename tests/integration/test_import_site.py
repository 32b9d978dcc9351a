"""``python -m bot import-site`` against the local municipal test site (testkit/local_site.py):
the real command in a subprocess, the catalogue read back with get_catalogue (issue 23 §1).

No Rasa server is needed; every test has its own BOT_PAGES_DIR and its own site, requests are
made with no delay and short timeouts, so the module takes well under a minute.
"""

from __future__ import annotations

import itertools
import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from bot.knowledge.pages import PAGES_DIR, edit_catalogue, get_catalogue, load_catalogue_file
from bot.settings import get_settings
from testkit.local_site import (
    AWAY,
    BINARY,
    FORBIDDEN,
    MISSING,
    MOVED,
    MOVED_TO,
    OTHER_HOST_PAGE,
    PDF,
    SLOW,
    fixture_pages,
    serve_site,
)

NOW = "2026-11-23T10:00:00+01:00"
LATER = "2026-12-07T10:00:00+01:00"
PAGES = fixture_pages()
BUNDLED = len(load_catalogue_file(PAGES_DIR / "taarnby.yml"))
FURNITURE = [
    "Vi bruger cookies",
    "Accepter alle",
    "Selvbetjening A-Å",
    "Gå til indhold",
    "Du er her",
    "Se også",
    "Udskriv siden",
    "Fandt du det, du ledte efter?",
    "adressen er et EKSEMPEL på testsiden",
    "Testside med opdigtet indhold",
]


@pytest.fixture
def pages_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """BOT_PAGES_DIR for this test, in this process and the commands it starts."""
    directory = tmp_path / "pages"
    monkeypatch.setenv("BOT_PAGES_DIR", str(directory))
    monkeypatch.setenv("BOT_ENV", "test")
    monkeypatch.setenv("BOT_NOW", NOW)
    monkeypatch.delenv("BOT_IMPORT_ALLOW_INTERNAL", raising=False)
    monkeypatch.delenv("BOT_PROFILE", raising=False)
    get_settings.cache_clear()
    yield directory
    get_settings.cache_clear()


def run_import(
    url: str, *args: str, now: str = NOW, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """The real command, as an operator or a cron job runs it."""
    environment = {**os.environ, "BOT_NOW": now, **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "bot", "import-site", url, "--delay", "0", "--timeout", "2", *args],
        capture_output=True,
        text=True,
        env=environment,
        timeout=60,
        check=False,
    )


def counted(output: str, label: str) -> int:
    """A count from the command's summary ("  added        51  new pages …")."""
    match = re.search(rf"^  {label} +(\d+)  ", output, re.M)
    assert match, output
    return int(match.group(1))


def by_path(site: str) -> dict[str, dict]:
    get_settings.cache_clear()
    return {
        "/" + p.url[len(site) :].lstrip("/") if p.url != site + "/" else "/": p.__dict__
        for p in get_catalogue("taarnby").pages
        if p.url.startswith(site)
    }


def test_a_site_is_imported_without_its_furniture(pages_dir: Path) -> None:
    with serve_site() as site:
        result = run_import(site + "/")  # the site's root: the sitemap comes from robots.txt
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert "no retraining and no restart" in result.stdout
    assert counted(result.stdout, "added") == len(PAGES)
    entries = by_path(site)
    assert set(entries) == {p["path"] for p in PAGES}
    assert len(get_catalogue("taarnby")) == BUNDLED + len(PAGES)  # the curated pages are kept
    for page in PAGES:
        entry = entries[page["path"]]
        assert entry["title"] == page["title"]
        assert entry["needs_confirmation"] is True
        assert entry["source"] == f"import-site {site}/sitemap.xml"
        assert str(entry["last_seen"]) == "2026-11-23"
        assert entry["etag"] and entry["last_modified"]
        assert page["lead"] in entry["text"]
        for section in page.get("sections", []):
            assert section["heading"] in entry["headings"]
        for fold in (f for s in page.get("sections", []) for f in s.get("accordion", [])):
            assert fold["a"][0] in entry["text"], "accordion contents are main text"
        stored = "\n".join([entry["text"], entry["description"], *entry["headings"]])
        for text in FURNITURE:
            assert text not in stored, f"{text!r} stored for {page['path']}"
    # the area from the path and the breadcrumbs, the kind from the page, the language
    areas = {path: entries[path]["area"] for path in entries}
    assert areas["/borger/natur-og-miljoe/affald/genbrugspladser"] == "affald"
    assert areas["/borger/veje-og-trafik/kommuneveje/vintervedligehold"] == "veje-parkering"
    assert areas["/borger/familie-boern-og-unge/sfo"] == "boern-familie"
    assert areas["/borger/aeldre/madservice"] == "aeldre"
    assert areas["/borger/job-og-ydelser/kontanthjaelp"] == "job-ydelser"
    assert areas["/borger/kultur-og-fritid/svoemmehal"] == "kultur-fritid"
    assert areas["/politik/klage/klage-over-en-afgoerelse"] == "politik-kommunen"
    assert areas["/borger/natur-og-miljoe/skadedyr/rotter"] == "byggeri-bolig"
    assert areas["/oplev-taarnby/ud-i-det-groenne/paa-tur-med-hunden"] == "natur-miljoe"
    assert areas["/borger/personlige-forhold/pas"] == "borgerservice"
    assert entries["/borger/veje-og-trafik/parkering/zoneparkering"]["kind"] == "selvbetjening"
    assert entries["/borger/kultur-og-fritid/biblioteker"]["kind"] == "information"
    assert entries["/english/moving-to-taarnby"]["language"] == "en"
    # robots.txt was read, the sitemap index and both sitemaps; every request named us
    paths = [r.path for r in site.requests]
    assert paths[:4] == [
        "/robots.txt",
        "/sitemap.xml",
        "/sitemaps/borger.xml",
        "/sitemaps/oevrige.xml",
    ]
    assert all("borger-assistent" in r.headers["user-agent"] for r in site.requests)


def test_a_reimport_asks_conditionally_and_applies_the_merge_rules(pages_dir: Path) -> None:
    affald, pas, plast = (
        "/borger/natur-og-miljoe/affald",
        "/borger/personlige-forhold/pas",
        "/borger/natur-og-miljoe/affald/sortering-af-affald/plast",
    )
    from bot.knowledge.site_import import run_import as import_pages

    with serve_site() as site:
        import_pages(site + "/sitemap.xml", delay=0)  # the first import in this process
        # the web team curates two entries
        with edit_catalogue("taarnby") as draft:
            curated = draft.find(site.url(affald))
            curated.update(keywords=["skrald"], area="natur-miljoe", description="Vores ord.")
            curated.update(source="web team", needs_confirmation=False, confirmed_by="webred")
            draft.find(site.url(pas))["source"] = "web team"
        before = len(site.requests)
        site.changes[affald] = "Fra nytår hentes madaffald hver uge."  # a new ETag
        site.gone[pas] = 404  # a curated page disappears
        site.gone[plast] = 410  # an imported page disappears
        result = run_import(site + "/sitemap.xml", now=LATER)
        again = site.requests[before:]
    assert result.returncode == 0, result.stderr
    pages = [r for r in again if r.path.rstrip("/") in {p["path"].rstrip("/") for p in PAGES}]
    assert all("if-none-match" in r.headers for r in pages)
    assert all("if-modified-since" in r.headers for r in pages)
    assert site.not_modified == len(PAGES) - 3
    assert counted(result.stdout, "unchanged") == len(PAGES) - 3
    assert f"{site.url(plast)}: answered 410: removed from the catalogue" in result.stdout
    assert f"{site.url(pas)}: answered 404: curated entry kept, with a note" in result.stdout

    entries = by_path(site)
    assert plast not in entries  # came from import-site: removed
    assert "answered 404; check the URL" in entries[pas]["note"]  # curated: noted
    entry = entries[affald]
    assert "Fra nytår hentes madaffald hver uge." in entry["text"]  # refreshed
    assert str(entry["last_seen"]) == "2026-12-07"
    assert entry["keywords"] == ("skrald",)  # curated, kept
    assert entry["area"] == "natur-miljoe"
    assert entry["description"] == "Vores ord."
    assert (entry["needs_confirmation"], entry["confirmed_by"]) == (False, "webred")
    assert str(entries["/borger/aeldre/madservice"]["last_seen"]) == "2026-12-07"  # a 304


def test_bad_pages_are_reported_and_the_rest_imported(pages_dir: Path) -> None:
    with serve_site(error_pages=True, slow_seconds=4) as site:
        with edit_catalogue("taarnby") as draft:  # an entry the slow page must not lose
            draft.pages.append(
                {
                    "url": site.url(SLOW),
                    "title": "Langsom side",
                    "description": "Fra sidste import.",
                    "keywords": ["langsom"],
                    "area": "borgerservice",
                    "kind": "information",
                    "language": "da",
                    "source": f"import-site {site}/sitemap.xml",
                    "last_seen": "2026-01-01",
                    "needs_confirmation": True,
                    "text": "Den gamle tekst.",
                }
            )
        result = run_import(site + "/sitemap.xml", "--timeout", "1")
        hosts = {r.headers.get("host") for r in site.requests}
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert f"{site.url(SLOW)}: timed out after 1 s; old entry kept" in out
    assert f"{site.url(PDF)}: not HTML (served as application/pdf): skipped" in out
    assert f"{site.url(BINARY)}: not HTML (looks like a PNG image): skipped" in out
    assert f"{site.url(AWAY)}: redirects to another host (http://localhost:{site.port}" in out
    assert f"{site.url(FORBIDDEN)}: forbidden by robots.txt: not fetched" in out
    assert f"{site.url(MISSING)}: answered 404 (not in the catalogue)" in out
    other = site.url(OTHER_HOST_PAGE).replace("127.0.0.1", "localhost")
    assert f"{other}: on another host: not imported" in out
    assert hosts == {f"127.0.0.1:{site.port}"}  # nothing was asked of another host
    assert not site.requests_for(FORBIDDEN)  # robots.txt honoured

    entries = by_path(site)
    assert entries[SLOW]["text"] == "Den gamle tekst."  # kept as it was
    for path in (PDF, BINARY, AWAY, FORBIDDEN, MISSING):
        assert path not in entries
    assert entries[MOVED]["title"] == by_path(site)[MOVED_TO]["title"]  # same-site redirect
    assert {p["path"] for p in PAGES} <= set(entries)  # the rest imported


@pytest.mark.parametrize(
    ("switches", "args", "message"),
    [
        ({"sitemap_status": 404}, (), "the sitemap {site}/sitemap.xml could not be read: "),
        ({"robots_forbid_sitemap": True}, (), "forbidden by robots.txt"),
        ({"robots_status": 503}, (), "robots.txt could not be read"),
    ],
    ids=["sitemap-404", "sitemap-forbidden-by-robots", "robots-503"],
)
def test_an_unreadable_site_changes_nothing(
    pages_dir: Path, switches: dict, args: tuple, message: str
) -> None:
    with edit_catalogue("taarnby") as draft:
        draft.pages[0]["keywords"].append("før importen")
    before = (pages_dir / "taarnby.yml").read_bytes()
    with serve_site(**switches) as site:
        result = run_import(site + "/", *args)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith("Nothing imported, the catalogue is unchanged: ")
    assert message.format(site=site) in result.stderr
    assert (pages_dir / "taarnby.yml").read_bytes() == before


def test_a_missing_sitemap_named_directly(pages_dir: Path) -> None:
    with serve_site(sitemap_status=404) as site:
        result = run_import(site + "/sitemap.xml")
    assert result.returncode == 1
    assert f"the sitemap {site}/sitemap.xml could not be read: answered 404" in result.stderr
    assert not (pages_dir / "taarnby.yml").exists()


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("www.taarnby.dk/sitemap.xml", "is not an http(s) URL"),
        ("ftp://127.0.0.1/sitemap.xml", "is not an http(s) URL"),
        ("http://", "has no host name"),
    ],
)
def test_a_bad_url_argument(
    pages_dir: Path, url: str, message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """The command's own entry point in this process (no site is asked anything)."""
    from bot.cli import main

    assert main(["import-site", url]) == 2
    err = capsys.readouterr().err
    assert err.startswith("Cannot import: ")
    assert message in err
    assert not pages_dir.exists()


def test_the_page_cap(pages_dir: Path) -> None:
    with serve_site() as site:
        result = run_import(site + "/sitemap.xml", "--max-pages", "5")
        fetched = [r for r in site.requests if not r.path.startswith(("/robots", "/sitemap"))]
    assert result.returncode == 0, result.stderr
    assert len(fetched) == 5
    assert len(by_path(site)) == 5
    assert f"{len(PAGES) - 5} more pages not fetched: the cap is 5 (--max-pages)" in result.stdout
    # the file the web team may read: plain YAML with the imported fields
    data = yaml.safe_load((pages_dir / "taarnby.yml").read_text(encoding="utf-8"))
    imported = [p for p in data["pages"] if str(p["source"]).startswith("import-site")]
    assert len(imported) == 5
    assert {"headings", "text", "etag", "last_modified"} <= set(imported[0])


def test_a_dry_run_writes_nothing(pages_dir: Path) -> None:
    with serve_site() as site:
        result = run_import(site + "/", "--dry-run", "--quiet")
    assert result.returncode == 0, result.stderr
    assert counted(result.stdout, "added") == len(PAGES)
    assert "Dry run: nothing written" in result.stdout
    assert not (pages_dir / "taarnby.yml").exists()


def test_the_delay_between_requests(pages_dir: Path) -> None:
    from bot.knowledge.site_import import run_import as import_pages

    with serve_site() as site:
        report = import_pages(site + "/sitemap.xml", delay=0.15, max_pages=2, dry_run=True)
        times = [r.at for r in site.requests]
    assert report.count("added") == 2
    assert len(times) == 6  # robots.txt, the index, two sitemaps, two pages
    assert min(b - a for a, b in itertools.pairwise(times)) >= 0.14


def test_an_import_from_the_web_refuses_internal_addresses(pages_dir: Path) -> None:
    """The web team's page calls run_import(url, allow_internal=get_settings()...): with the
    setting off, neither 127.0.0.1 nor a name resolving to it is asked anything."""
    from bot.knowledge.site_import import SiteImportError
    from bot.knowledge.site_import import run_import as import_pages

    assert get_settings().import_allow_internal is False
    with serve_site() as site:
        for url in (site + "/sitemap.xml", f"http://localhost:{site.port}/"):
            with pytest.raises(SiteImportError, match="an internal address") as refused:
                import_pages(url, allow_internal=get_settings().import_allow_internal, delay=0)
            assert "BOT_IMPORT_ALLOW_INTERNAL" in str(refused.value)
        assert site.requests == []
        result = run_import(site + "/", "--refuse-internal")  # the same from the CLI
        assert result.returncode == 1
        assert "Refused: " in result.stderr and "internal address" in result.stderr
        assert site.requests == []
        # BOT_IMPORT_ALLOW_INTERNAL=1 (a staging site on the intranet) lets it through
        allowed = run_import(
            site + "/",
            "--refuse-internal",
            "--max-pages",
            "1",
            env={"BOT_IMPORT_ALLOW_INTERNAL": "1"},
        )
        assert allowed.returncode == 0, allowed.stderr
    assert len(by_path(site)) == 1


def test_the_running_assistant_sees_the_import_without_a_restart(pages_dir: Path) -> None:
    """This process plays the running assistant: it has the catalogue (and the link redirect's
    table) loaded before the import, and sees the new pages after it, with no reload."""
    from bot.knowledge.links import known_links
    from bot.knowledge.pages import page_link_id
    from bot.knowledge.profile import get_profile

    before = get_catalogue()
    assert len(before) == BUNDLED
    with serve_site() as site:
        svoemmehal = site.url("/borger/kultur-og-fritid/svoemmehal")
        assert page_link_id(svoemmehal) not in known_links(get_profile())
        started = time.monotonic()
        assert run_import(site + "/", "--quiet").returncode == 0
    after = get_catalogue()
    assert after is not before
    assert len(after) == BUNDLED + len(PAGES)
    assert "Svømmehal" in {p.title for p in after.pages if p.url == svoemmehal}
    assert known_links(get_profile())[page_link_id(svoemmehal)] == svoemmehal
    assert time.monotonic() - started < 30
