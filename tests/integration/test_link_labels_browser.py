"""Links in the chat widget say where they go ("borger.dk: Flytning"), in a real browser (Debian
chromium) on the web app's demo page, talking to the real assistant (Tårnby profile); and the
page of an unknown link is a citizen page. Screenshots go to test-artifacts/."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Page, expect

from testkit import ROOT
from tests.integration.conftest import Assistant

pytestmark = pytest.mark.integration

ARTIFACTS = ROOT / "test-artifacts"
ANSWER_TIMEOUT_MS = 60_000
MOVING_URL = "https://www.borger.dk/bolig-og-flytning/flytning_oversigt/guide--naar-du-skal-flytte"


def ask(page: Page, text: str) -> None:
    """Type ``text`` into the open widget and wait for the answer."""
    field = page.locator(".bc-input")
    field.fill(text)
    field.press("Enter")
    expect(page.locator(".bc-typing")).to_have_count(0, timeout=ANSWER_TIMEOUT_MS)


@pytest.mark.parametrize(("name", "viewport"), [("desktop", (1280, 800)), ("phone", (360, 740))])
def test_link_text_says_where_the_link_goes(
    browser: Browser, taarnby: Assistant, name: str, viewport: tuple[int, int]
) -> None:
    context = browser.new_context(
        viewport={"width": viewport[0], "height": viewport[1]}, locale="da-DK"
    )
    context.set_default_timeout(15_000)
    context.route("https://www.borger.dk/**", lambda route: route.fulfill(status=200, body="ok"))
    page = context.new_page()
    page.goto(taarnby.cfg.web_url + "/")
    page.get_by_role("button", name="Chat med kommunen").click()
    ask(page, "jeg skal flytte")
    link = page.get_by_role("log").locator("a.bc-link").last
    # What the citizen reads is the destination, not the redirect's address ...
    expect(link).to_contain_text("borger.dk: Flytning")
    assert "localhost" not in link.inner_text()
    assert "/r/" not in link.inner_text()
    # ... and the link still counts the click on its way there.
    href = link.get_attribute("href") or ""
    assert href.startswith(taarnby.cfg.web_url + "/r/moving?s=")
    answer = link.locator("xpath=ancestor::*[contains(@class, 'bc-msg-bot')][1]").inner_text()
    assert "[" not in answer and "](" not in answer, answer  # no Markdown shows
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"links-{name}.png"))
    with context.expect_page() as opened:
        link.click()
    opened.value.wait_for_url(MOVING_URL)
    context.close()


def test_an_english_answer_links_the_english_page(browser: Browser, taarnby: Assistant) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="da-DK")
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.goto(taarnby.cfg.web_url + "/")
    page.get_by_role("button", name="Chat med kommunen").click()
    ask(page, "what is digital post?")
    link = page.get_by_role("log").locator("a.bc-link").last
    expect(link).to_contain_text("lifeindenmark.borger.dk: Digital Post")
    assert "(page in Danish)" not in page.get_by_role("log").inner_text()
    ask(page, "I lost my health card")
    health = page.get_by_role("log").locator("a.bc-link").last
    expect(health).to_contain_text("borger.dk: Sundhedskort")
    expect(page.get_by_role("log")).to_contain_text("(page in Danish)")
    page.screenshot(path=str(ARTIFACTS / "links-english.png"))
    context.close()


def test_the_unknown_link_page_is_for_citizens(browser: Browser, taarnby: Assistant) -> None:
    context = browser.new_context(viewport={"width": 360, "height": 740}, locale="da-DK")
    page = context.new_page()
    response = page.goto(taarnby.cfg.web_url + "/r/no-such-link?s=abc")
    assert response is not None and response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("Linket findes ikke")
    expect(page.get_by_text("Kun for ansatte")).to_have_count(0)
    front = page.get_by_role("link", name="Gå til Tårnby Kommunes forside")
    expect(front).to_have_attribute("href", "https://www.taarnby.dk")
    expect(page.get_by_role("link", name="Spørg den digitale assistent")).to_have_attribute(
        "href", "/"
    )
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "link-not-found.png"), full_page=True)
    context.close()
