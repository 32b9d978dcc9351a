"""The web team's page catalogue (/webteam/catalogue) through the real thing: the web app as a
process (``python -m bot web``) on a fresh statistics database and review store, the served
catalogue in a temporary BOT_PAGES_DIR (Tårnby's bundled one until the first edit), staff made
with the real CLI, pages offered in answers recorded from Rasa events by the real recorder,
clicks through the real /r/<link id> redirect, questions without a page filed by the real
review collector, and Debian's Chromium.

No Rasa server is needed: what the catalogue page reads is in the two databases and the
catalogue file. Screenshots go to a temporary folder and, the final ones, to
/tmp/screenshots/catalogue-*.png.
"""

from __future__ import annotations

import re
import shutil
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
import requests
import sqlalchemy as sa
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, BrowserContext, Page, expect

from bot.analytics.formats import percent
from bot.db.engine import get_engine, session_scope
from bot.db.stores import REVIEW, STATISTICS
from bot.dialogue.outcome import Kind, Outcome
from bot.knowledge.page_search import search_pages
from bot.knowledge.pages import (
    bundled_path,
    edit_catalogue,
    get_catalogue,
    load_catalogue_file,
    page_link_id,
    served_path,
)
from bot.knowledge.profile import get_profile
from bot.review.collector import ReviewCollector
from bot.review.records import ReviewItem
from bot.review.writer import store
from bot.settings import TIMEZONE, get_settings
from bot.stack.paths import base_env
from bot.stack.ports import free_port
from bot.stack.supervisor import Service
from bot.web.auth_models import StaffRead
from testkit.events import Chat, feed
from testkit.staff import create_staff_user, form_token, login
from tests.unit.review.events import Stream

pytestmark = pytest.mark.integration

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=TIMEZONE)  # BOT_NOW of the web app
TODAY = NOW.date()
WEBTEAM = ("webteam.katalog", "korrekt hest batteri 45")
STAFF = ("staff.katalog", "korrekt hest batteri 46")
SCREENSHOTS = Path("/tmp/screenshots")  # noqa: S108 - where the brief wants them
FALLBACK_RANKING = [("nlu_fallback", 0.7), ("self_service", 0.4)]
TERPENTIN = "terpentin og fernis"
KOLONIHAVE = "kan jeg leje en kolonihave"
OLD_QUESTION = "hvad med svømmehallen"  # 40 days ago: outside the default period
ROTTER = "rotter i kælderen"  # a fallback that was offered a page: not a question without one
IMPORTED_HEADINGS = ["Genbrugspladser", "Åbningstider", "Det kan du aflevere"]
IMPORTED_TEXT = "ARC driver genbrugspladserne.\n\nRestaffald modtages ikke."


def catalogue_url(title: str) -> str:
    pages = load_catalogue_file(bundled_path("taarnby")).pages
    return next(p.url for p in pages if p.title == title)


AFFALD = catalogue_url("Affald")
PLAST = catalogue_url("Plast")
GENBRUG = catalogue_url("Genbrugspladser")
PAS = catalogue_url("Pas")
KOERKORT = catalogue_url("Forny dit kørekort")
MOVING = catalogue_url("Moving")


@dataclass
class Site:
    web: str
    env: dict[str, str]
    analytics_url: str
    review_url: str
    pages_dir: Path
    shots: Path

    @property
    def served(self) -> Path:
        return self.pages_dir / "taarnby.yml"

    def edit_path(self, url: str) -> str:
        return f"/webteam/catalogue/page?id={page_link_id(url)}"


def offered(sender: str, at: datetime, *urls: str) -> Chat:
    """A citizen's question the fallback answered with the catalogue's pages ``urls``."""
    outcome = Outcome(
        "page", Kind.SELF_SERVICE_LINK, "Affald", tuple(page_link_id(u) for u in urls)
    )
    return Chat(sender, profile=get_profile("taarnby")).ask("nlu_fallback", at=at).answered(outcome)


def review_streams() -> list[Stream]:
    start = NOW.timestamp() - 2 * 86_400
    streams = [
        Stream(f"w-terpentin-{n}", start + n * 600).turn(
            TERPENTIN, "nlu_fallback", 0.7, FALLBACK_RANKING, kind="fallback"
        )
        for n in range(3)
    ]
    streams.append(
        Stream("w-have", start + 4000).turn(KOLONIHAVE, "out_of_scope", 0.9, kind="fallback")
    )
    streams.append(
        Stream("w-old", NOW.timestamp() - 40 * 86_400).turn(
            OLD_QUESTION, "follow_up", 0.95, kind="fallback"
        )
    )
    streams.append(
        Stream("w-rotter", start + 5000).turn(
            ROTTER, "nlu_fallback", 0.7, FALLBACK_RANKING, kind="self_service_link"
        )
    )
    return streams


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    work = tmp_path_factory.mktemp("catalogue")
    port = free_port()
    web = f"http://127.0.0.1:{port}"
    analytics_url = f"sqlite:///{work / 'analytics.db'}"
    review_url = f"sqlite:///{work / 'review.db'}"
    pages_dir = work / "pages"
    settings_env = {
        "BOT_ENV": "test",
        "BOT_PROFILE": "taarnby",
        "BOT_NOW": NOW.isoformat(),
        "BOT_ANALYTICS_DB_URL": analytics_url,
        "BOT_REVIEW_DB_URL": review_url,
        "BOT_PAGES_DIR": str(pages_dir),
        "BOT_PUBLIC_URL": web,
    }
    env = base_env(settings_env)
    for name in ("BOT_SECRET_KEY", "BOT_SESSION_HOURS", "BOT_WEB_PORT"):
        env.pop(name, None)

    # The statistics: pages offered in answers (through the real recorder).
    day = NOW - timedelta(days=2)
    feed(
        analytics_url,
        [
            offered("s-1", day, AFFALD, PLAST),
            offered("s-2", day + timedelta(hours=1), AFFALD, PLAST),
            offered("s-3", day + timedelta(hours=2), AFFALD, PLAST),
            offered("s-4", day + timedelta(hours=3), GENBRUG),
        ],
    )
    # The questions without a page (through the real collector and writer).
    collector = ReviewCollector(low_confidence=0.85, sample_rate=0.0)
    get_engine.cache_clear()
    with session_scope(REVIEW, review_url) as session:
        for stream in review_streams():
            for event in stream.events:
                for write in collector.feed(event):
                    store(session, write)

    # What import-site keeps of a page (its headings and main text), as an import writes it.
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("BOT_PAGES_DIR", str(pages_dir))
        patch.setenv("BOT_PROFILE", "taarnby")
        get_settings.cache_clear()
        with edit_catalogue("taarnby") as draft:
            genbrug = draft.find(GENBRUG)
            assert genbrug is not None
            genbrug.update(headings=IMPORTED_HEADINGS, text=IMPORTED_TEXT, last_seen=TODAY)
        get_settings.cache_clear()

    service = Service(
        "web app",
        [sys.executable, "-m", "bot", "web", "--port", str(port)],
        f"{web}/healthz",
        work / "web.log",
    )
    with pytest.MonkeyPatch.context() as patch:
        for name, value in settings_env.items():
            patch.setenv(name, value)
        get_settings.cache_clear()
        service.start(env)
        try:
            service.wait_ready(60)
            create_staff_user(env, *WEBTEAM, role="webteam")
            create_staff_user(env, *STAFF, role="staff")
            # Clicks through the real redirect: s-1 twice (counted once), s-2 and s-3 once.
            for sender, url in (("s-1", AFFALD), ("s-1", AFFALD), ("s-2", AFFALD), ("s-3", PLAST)):
                response = requests.get(
                    f"{web}/r/{page_link_id(url)}?s={sender}", allow_redirects=False, timeout=30
                )
                assert response.status_code == 302 and response.headers["Location"] == url
            yield Site(web, env, analytics_url, review_url, pages_dir, work / "screenshots")
        finally:
            service.stop()
            service.close_log()
            get_engine(REVIEW, review_url).dispose()
            get_engine.cache_clear()
            get_settings.cache_clear()


@pytest.fixture(scope="module")
def webteam(site: Site) -> requests.Session:
    return login(site.web, *WEBTEAM)


@pytest.fixture(scope="module")
def desktop(browser: Browser, site: Site) -> Iterator[BrowserContext]:
    context = logged_in_context(browser, site, 1280, 900)
    yield context
    context.close()


def logged_in_context(browser: Browser, site: Site, width: int, height: int) -> BrowserContext:
    context = browser.new_context(viewport={"width": width, "height": height}, locale="da-DK")
    context.set_default_timeout(15_000)
    # The catalogue's pages are on the municipality's site: never leave the test machine.
    context.route("https://**", lambda route: route.fulfill(status=200, body="ok"))
    page = context.new_page()
    page.goto(site.web + "/webteam/catalogue")
    page.get_by_label("Brugernavn").fill(WEBTEAM[0])
    page.get_by_label("Adgangskode").fill(WEBTEAM[1])
    page.get_by_role("button", name="Log ind").click()
    page.wait_for_url("**/webteam/catalogue")
    page.close()
    return context


def shoot(page: Page, site: Site, name: str, full_page: bool = True) -> None:
    site.shots.mkdir(exist_ok=True)
    path = site.shots / f"catalogue-{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    SCREENSHOTS.mkdir(exist_ok=True)
    shutil.copy(path, SCREENSHOTS / path.name)


def serious_violations(page: Page) -> list[dict]:
    return [
        v for v in Axe().run(page).response["violations"] if v["impact"] in ("serious", "critical")
    ]


def row_of(page: Page, title: str) -> list[str]:
    """The cells of the catalogue table's row of the page titled ``title``."""
    row = page.locator("table.catalogue tbody tr").filter(
        has=page.get_by_role("link", name=title, exact=True)
    )
    expect(row).to_have_count(1)
    return [c.strip() for c in row.locator("th, td").all_inner_texts()]


def listed_titles(page: Page) -> list[str]:
    return page.locator("table.catalogue tbody th a:first-child").all_inner_texts()


# -- access ----------------------------------------------------------------------------------


def test_only_the_web_team_gets_the_catalogue(site: Site) -> None:
    paths = ["/webteam/catalogue", site.edit_path(AFFALD)]
    for path in paths:
        anonymous = requests.get(site.web + path, allow_redirects=False, timeout=30)
        assert anonymous.status_code == 302, path
        assert anonymous.headers["Location"].startswith("/staff/login?next=")
    staff = login(site.web, *STAFF)
    for path in paths:
        forbidden = staff.get(site.web + path, allow_redirects=False, timeout=30)
        assert forbidden.status_code == 403 and "Ingen adgang" in forbidden.text, path
        assert TERPENTIN not in forbidden.text
    token = form_token(staff.get(site.web + "/staff/", timeout=30).text)
    before = site.served.read_bytes()
    posted = staff.post(
        site.web + site.edit_path(AFFALD),
        data={"csrf_token": token, "keywords": "x", "area": "affald", "kind": "information"},
        allow_redirects=False,
        timeout=30,
    )
    assert posted.status_code == 403
    assert site.served.read_bytes() == before  # nothing was written
    # The staff navigation has no link to it; the web team's has.
    assert 'href="/webteam/catalogue"' not in staff.get(site.web + "/staff/", timeout=30).text
    webteam = login(site.web, *WEBTEAM)
    assert 'href="/webteam/catalogue"' in webteam.get(site.web + "/staff/", timeout=30).text


# -- the list --------------------------------------------------------------------------------


def test_the_list_with_counts_search_and_filters(
    site: Site, desktop: BrowserContext, browser: Browser
) -> None:
    page = desktop.new_page()
    page.goto(site.web + "/webteam/catalogue")
    expect(page.get_by_role("heading", name="Sidekatalog", level=1)).to_be_visible()
    expect(page.locator("#antal")).to_have_text(
        "30 sider. 30 skal bekræftes. Tallene gælder 27. okt. 2026 til 23. nov. 2026."
    )
    # Offered three times, followed by two conversations (s-1's second click is not counted).
    assert row_of(page, "Affald")[1:] == [
        "Affald",
        "Information\nDansk",
        "Skal bekræftes",
        "3",
        "2",
        percent(2 / 3, 0),
    ]
    assert row_of(page, "Plast")[4:] == ["3", "1", percent(1 / 3, 0)]
    assert row_of(page, "Genbrugspladser")[4:] == ["1", "0", percent(0, 0)]
    assert row_of(page, "Pas")[4:] == ["0", "0", "–"]
    assert "taarnby.dk" in row_of(page, "Affald")[0]
    expect(page.get_by_role("link", name="Affald", exact=True)).to_have_attribute("href", AFFALD)
    assert serious_violations(page) == []
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280
    shoot(page, site, "list-desktop")

    # Sorted by clicks: the clicked pages first.
    page.get_by_label("Sortér efter").select_option("klik")
    page.get_by_role("button", name="Vis").click()
    page.wait_for_url("**sort=klik**")
    assert listed_titles(page)[:2] == ["Affald", "Plast"]

    # Search (the keyword "plastik" is on the page "Plast"), then filters: bookmarkable GETs.
    page.goto(site.web + "/webteam/catalogue")
    page.get_by_label("Søg", exact=True).fill("PLASTIK")
    page.get_by_role("button", name="Vis").click()
    page.wait_for_url("**q=PLASTIK**")
    assert listed_titles(page) == ["Plast"]
    page.goto(site.web + "/webteam/catalogue?q=k%C3%B8rekort")  # a word of the title, bookmarked
    titles = listed_titles(page)
    assert "Forny dit kørekort" in titles and "Affald" not in titles
    page.goto(site.web + "/webteam/catalogue?q=taarnby.dk/borger/natur-og-miljoe/affald")
    assert set(listed_titles(page)) >= {"Affald", "Plast", "Genbrugspladser"}

    page.goto(site.web + "/webteam/catalogue")
    page.get_by_label("Område").select_option(label="Affald")
    page.get_by_label("Type").select_option(label="Information")
    page.get_by_role("button", name="Vis").click()
    page.wait_for_url("**omraade=affald**")
    assert "type=information" in page.url
    titles = listed_titles(page)
    assert "Affald" in titles and "Pas" not in titles
    assert all(cells[1] == "Affald" for cells in (row_of(page, t) for t in titles))
    expect(page.locator("#antal")).to_contain_text(f"{len(titles)} af 30 sider passer.")
    shoot(page, site, "filtered-desktop")

    page.goto(site.web + "/webteam/catalogue?sprog=en")
    assert listed_titles(page) == ["Moving"]
    page.goto(site.web + "/webteam/catalogue?type=selvbetjening&status=skal")
    assert "Boligstøtte" in listed_titles(page) and "Affald" not in listed_titles(page)
    bad = page.goto(site.web + "/webteam/catalogue?omraade=skrald&fra=igaar")
    assert bad is not None and bad.status == 200
    expect(page.get_by_text("Filteret er ugyldigt. Hele kataloget vises.")).to_be_visible()
    expect(page.get_by_text("Perioden er ugyldig.")).to_be_visible()

    # A period without the offers: no counts.
    page.goto(site.web + "/webteam/catalogue?fra=2026-01-01&til=2026-01-31")
    assert row_of(page, "Affald")[4:] == ["0", "0", "–"]
    page.close()

    phone = logged_in_context(browser, site, 360, 740)
    try:
        small = phone.new_page()
        small.goto(site.web + "/webteam/catalogue")
        expect(small.get_by_role("heading", name="Sidekatalog", level=1)).to_be_visible()
        # The table scrolls inside its own box; the page itself does not get wider.
        assert small.evaluate("document.documentElement.scrollWidth") <= 360
        shoot(small, site, "list-phone")
        small.goto(site.web + "/webteam/catalogue?omraade=affald&type=information")
        shoot(small, site, "filtered-phone")
        small.goto(site.web + site.edit_path(GENBRUG))
        assert small.evaluate("document.documentElement.scrollWidth") <= 360
        shoot(small, site, "edit-phone")
        small.goto(site.web + "/webteam/catalogue#uden-side")
        shoot(small, site, "no-page-phone", full_page=False)
    finally:
        phone.close()


# -- editing ---------------------------------------------------------------------------------


def test_new_keywords_are_served_and_found(site: Site, desktop: BrowserContext) -> None:
    before = search_pages(get_catalogue("taarnby"), TERPENTIN)
    assert GENBRUG not in [hit.page.url for hit in before]

    page = desktop.new_page()
    page.goto(site.web + "/webteam/catalogue")
    page.get_by_role("link", name="Ret Genbrugspladser").click()
    page.wait_for_url("**/webteam/catalogue/page?id=*")
    expect(page.get_by_role("heading", name="Genbrugspladser", level=1)).to_be_visible()
    expect(page.get_by_text("facts/taarnby-pages.yml (stored copy)")).to_be_visible()
    expect(page.get_by_text("23. nov. 2026", exact=True)).to_be_visible()  # last seen
    # The imported headings and text: read-only, collapsed until asked for.
    text = page.get_by_text("Restaffald modtages ikke.", exact=True)
    expect(text).to_be_hidden()
    page.get_by_text("Se overskrifter og tekst, som blev hentet fra siden").click()
    expect(text).to_be_visible()
    expect(page.get_by_role("listitem").filter(has_text="Det kan du aflevere")).to_be_visible()
    keywords = page.get_by_label("Nøgleord", exact=True)
    keywords.fill(keywords.input_value() + "\nterpentin, fernis\n\nTERPENTIN")
    page.get_by_label("Engelske nøgleord").fill("recycling centre\ndump")
    page.get_by_role("button", name="Gem", exact=True).click()
    page.wait_for_url("**ok=saved**")
    expect(page.get_by_role("status")).to_contain_text("Gemt.")
    expect(page.get_by_text("Gemt af webteam.katalog")).to_be_visible()
    assert serious_violations(page) == []
    page.get_by_text("Se overskrifter og tekst, som blev hentet fra siden").click()
    shoot(page, site, "edit-desktop")
    # A blank keyword list: the form again, with the message where the field is.
    page.get_by_label("Nøgleord", exact=True).fill(" , \n")
    page.get_by_role("button", name="Gem", exact=True).click()
    expect(page.get_by_role("alert").first).to_contain_text("Skriv mindst ét nøgleord")
    expect(page.get_by_label("Nøgleord", exact=True)).to_have_attribute("aria-invalid", "true")
    assert serious_violations(page) == []
    shoot(page, site, "edit-error-desktop", full_page=False)
    page.close()

    # The served copy is in BOT_PAGES_DIR (never the repository's var/), and the assistant
    # serves it at once: the next question finds the page by its new word.
    assert served_path("taarnby") == site.served and site.served.is_file()
    served = get_catalogue("taarnby")
    assert served.path == site.served
    genbrug = next(p for p in served.pages if p.url == GENBRUG)
    assert genbrug.keywords[-2:] == ("terpentin", "fernis")  # "TERPENTIN" again is a repeat
    assert genbrug.keywords_en == ("recycling centre", "dump")
    assert genbrug.needs_confirmation  # saving does not confirm
    after = search_pages(served, TERPENTIN)
    assert after and after[0].page.url == GENBRUG, after
    # The audit record: who changed which fields of which page (no values).
    log = (site.pages_dir / "taarnby.edits.jsonl").read_text(encoding="utf-8")
    assert '"by": "webteam.katalog"' in log and '"action": "save"' in log
    assert '"fields": ["keywords", "keywords_en"]' in log and "terpentin" not in log


def test_confirming_a_page(site: Site, desktop: BrowserContext) -> None:
    page = desktop.new_page()
    page.goto(site.web + site.edit_path(PAS))
    page.get_by_label("Beskrivelse").fill("Om at få nyt pas i Borgerservice.")
    page.get_by_role("button", name="Bekræft siden").click()
    page.wait_for_url("**ok=confirmed**")
    expect(page.get_by_role("status")).to_contain_text("Siden er bekræftet")
    expect(page.get_by_text("Bekræftet af webteam.katalog den 23. nov. 2026")).to_be_visible()
    expect(page.get_by_role("button", name="Bekræft siden")).to_have_count(0)
    pas = next(p for p in get_catalogue("taarnby").pages if p.url == PAS)
    assert (pas.needs_confirmation, pas.confirmed_by, pas.confirmed_on) == (
        False,
        WEBTEAM[0],
        date(2026, 11, 23),
    )
    assert pas.description == "Om at få nyt pas i Borgerservice."
    page.goto(site.web + "/webteam/catalogue?status=bekraeftet")
    assert listed_titles(page) == ["Pas"]
    page.close()


def test_invalid_input_gets_a_clear_message_and_changes_nothing(
    site: Site, webteam: requests.Session
) -> None:
    path = site.edit_path(KOERKORT)
    shown = webteam.get(site.web + path, timeout=30).text
    version = re.search(r'name="version" value="([0-9a-f]+)"', shown)
    assert version is not None
    good = {
        "csrf_token": form_token(shown),
        "version": version.group(1),
        "keywords": "kørekort\nforny kørekort",
        "keywords_en": "",
        "description": "Om at forny sit kørekort.",
        "area": "borgerservice",
        "kind": "information",
        "action": "save",
    }
    # Make the served file exist first, so "unchanged" means the same bytes.
    if not site.served.exists():
        webteam.post(site.web + path, data=good, timeout=30)
    before = site.served.read_bytes()
    cases = [
        ({"keywords": " ,\n  \n"}, "Skriv mindst ét nøgleord"),
        ({"keywords": "kørekort, --- "}, "»---« er ikke et ord"),
        ({"keywords": "kørekort\n" + "x" * 81}, "Et nøgleord må højst være 80 tegn"),
        ({"area": "skrald"}, "Vælg et område fra listen."),
        ({"kind": "pdf"}, "Vælg, om siden er information eller selvbetjening."),
        ({"description": "ord " * 200}, "Beskrivelsen er for lang (799 tegn)"),
        ({"description": "   "}, "Skriv en kort beskrivelse af siden."),
        ({"keywords": "kørekort, 230687-4711"}, "Der må ikke stå et CPR-nummer i kataloget."),
    ]
    for change, message in cases:
        response = webteam.post(site.web + path, data={**good, **change}, timeout=30)
        assert response.status_code == 400, (change, response.status_code)
        assert message in response.text, (change, response.text[:500])
        assert "Forny dit kørekort" in response.text  # the form again, not an error page
        assert "230687" not in response.text  # a CPR number is never echoed back
        assert site.served.read_bytes() == before, change
    assert "230687" not in (site.pages_dir / "taarnby.edits.jsonl").read_text(encoding="utf-8")
    # An unknown page: the "not found" page.
    missing = webteam.get(site.web + "/webteam/catalogue/page?id=page-000000000000", timeout=30)
    assert missing.status_code == 404 and "Siden findes ikke" in missing.text
    # By URL, as the brief's address names it.
    by_url = webteam.get(site.web + "/webteam/catalogue/page", params={"url": KOERKORT})
    assert by_url.status_code == 200 and "Forny dit kørekort" in by_url.text


def test_a_change_made_meanwhile_is_not_overwritten(site: Site, webteam: requests.Session) -> None:
    path = site.edit_path(AFFALD)
    shown = webteam.get(site.web + path, timeout=30).text
    version = re.search(r'name="version" value="([0-9a-f]+)"', shown)
    assert version is not None
    form = {
        "csrf_token": form_token(shown),
        "version": version.group(1),
        "keywords": "affald\nskrald",
        "keywords_en": "",
        "description": "Om affald.",
        "area": "affald",
        "kind": "information",
        "action": "save",
    }
    first = webteam.post(site.web + path, data=form, allow_redirects=False, timeout=30)
    assert first.status_code == 303
    # The same form again (another tab of the web team, opened before the first save).
    second = webteam.post(site.web + path, data={**form, "keywords": "bioaffald"}, timeout=30)
    assert second.status_code == 409
    assert "Siden er blevet ændret, mens du havde den åben" in second.text
    assert "bioaffald" in second.text  # their words are kept in the form
    affald = next(p for p in get_catalogue("taarnby").pages if p.url == AFFALD)
    assert affald.keywords == ("affald", "skrald")


def test_csrf_is_refused(site: Site, webteam: requests.Session) -> None:
    path = site.edit_path(PLAST)
    form = {"keywords": "plast", "description": "x", "area": "affald", "kind": "information"}
    before = site.served.read_bytes() if site.served.exists() else b""
    for token in (None, "forkert"):
        data = form if token is None else {**form, "csrf_token": token}
        response = webteam.post(site.web + path, data=data, allow_redirects=False, timeout=30)
        assert response.status_code == 403 and "Ugyldig formular" in response.text
    assert (site.served.read_bytes() if site.served.exists() else b"") == before


# -- questions without a page ----------------------------------------------------------------


def test_questions_without_a_page_link_to_the_inbox(site: Site, desktop: BrowserContext) -> None:
    with session_scope(REVIEW, site.review_url) as session:
        reasons = dict(session.execute(sa.select(ReviewItem.text, ReviewItem.reason)).all())
    assert reasons == {
        TERPENTIN: "no_page",
        KOLONIHAVE: "no_page",
        OLD_QUESTION: "no_page",
        ROTTER: "fallback",
    }
    page = desktop.new_page()
    page.goto(site.web + "/webteam/catalogue")
    section = page.locator("ul.inbox-list")
    expect(section.locator("li")).to_have_count(2)  # the old one is outside the period
    first = section.locator("li").first
    expect(first).to_contain_text(TERPENTIN)
    expect(first).to_contain_text("3 ×")
    expect(first).to_contain_text("Senest 21. nov. 2026")
    expect(section).to_contain_text(KOLONIHAVE)
    expect(section).not_to_contain_text(ROTTER)
    page.get_by_role("heading", name="Spørgsmål uden side").scroll_into_view_if_needed()
    shoot(page, site, "no-page-desktop", full_page=False)

    # Each question opens its inbox item; the list link opens the inbox filtered by reason.
    page.get_by_role("link", name=TERPENTIN).click()
    page.wait_for_url("**/webteam/inbox/*")
    expect(page.locator("blockquote")).to_contain_text(TERPENTIN)
    expect(page.get_by_text("Ingen side fundet")).to_be_visible()
    page.go_back()
    page.get_by_role("link", name="Se spørgsmålene i indbakken").click()
    page.wait_for_url("**/webteam/inbox?*grund=no_page*")
    expect(page.locator(".inbox-list")).to_contain_text(TERPENTIN)
    expect(page.locator(".inbox-list")).not_to_contain_text(ROTTER)

    # A wider period takes in the old question.
    page.goto(site.web + "/webteam/catalogue?fra=2026-10-01&til=2026-11-23")
    expect(page.locator("ul.inbox-list li")).to_have_count(3)
    page.close()

    # Showing the questions was logged in the read log (one row per question shown).
    with session_scope(STATISTICS, site.analytics_url) as session:
        logged = session.execute(
            sa.select(sa.func.count())
            .select_from(StaffRead)
            .where(StaffRead.username == WEBTEAM[0], StaffRead.kind == "inbox_list")
        ).scalar_one()
    assert logged >= 2


# -- importing from the site -----------------------------------------------------------------


def test_an_import_from_an_internal_address_is_refused_clearly(
    site: Site, desktop: BrowserContext, webteam: requests.Session
) -> None:
    """The web app runs with BOT_IMPORT_ALLOW_INTERNAL unset: an import started from the page
    may fetch public addresses only (a request to the local network is refused before it is
    made). The import itself: tests/unit/web/test_catalogue_import.py, on the local test
    site."""
    before = site.served.read_bytes() if site.served.exists() else b""
    page = desktop.new_page()
    page.goto(site.web + "/webteam/catalogue#hent")
    page.get_by_label("Adresse på sitemap eller forside").fill("http://127.0.0.1:8080/sitemap.xml")
    with page.expect_response("**/webteam/catalogue/import") as answer:
        page.get_by_role("button", name="Hent sider").click()
    assert answer.value.status == 400
    alert = page.get_by_role("alert").filter(has_text="Adressen blev afvist")
    expect(alert).to_contain_text("intern adresse")
    expect(page.get_by_label("Adresse på sitemap eller forside")).to_have_value(
        "http://127.0.0.1:8080/sitemap.xml"
    )
    alert.scroll_into_view_if_needed()
    shoot(page, site, "import-refused-desktop", full_page=False)
    page.close()
    # Not an address at all; without the form's token; nothing started, nothing written.
    shown = webteam.get(site.web + "/webteam/catalogue", timeout=30).text
    bad = webteam.post(
        site.web + "/webteam/catalogue/import",
        data={"csrf_token": form_token(shown), "url": "www.taarnby.dk"},
        timeout=30,
    )
    assert bad.status_code == 400 and "Skriv en hel adresse" in bad.text
    forged = webteam.post(
        site.web + "/webteam/catalogue/import",
        data={"url": "https://www.taarnby.dk/sitemap.xml"},
        allow_redirects=False,
        timeout=30,
    )
    assert forged.status_code == 403
    assert "Henter sider fra" not in webteam.get(site.web + "/webteam/catalogue", timeout=30).text
    assert (site.served.read_bytes() if site.served.exists() else b"") == before
