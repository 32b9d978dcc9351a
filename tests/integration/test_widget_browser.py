"""The citizen chat widget in a real browser (Debian chromium), on the web app's demo page,
talking to the real Rasa server and action server (Tårnby profile, Monday 10:00)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import (
    Browser,
    BrowserContext,
    ConsoleMessage,
    Dialog,
    Locator,
    Page,
    Route,
    expect,
)

from testkit import ROOT
from testkit.senders import stored_sender
from tests.integration.conftest import Assistant

pytestmark = pytest.mark.integration

ARTIFACTS = ROOT / "test-artifacts"
WEBHOOK = "**/webhooks/rest/webhook"
MOVING_URL = "https://www.borger.dk/bolig-og-flytning/flytning_oversigt/guide--naar-du-skal-flytte"
LAUNCHER = "Chat med kommunen"
INPUT = "Skriv dit spørgsmål"
ANSWER_TIMEOUT_MS = 60_000


class Widget:
    """One browser tab on the demo page, with helpers for the chat widget."""

    def __init__(self, context: BrowserContext, page: Page, assistant: Assistant) -> None:
        self.context = context
        self.page = page
        self.assistant = assistant
        self.dialogs: list[str] = []
        self.csp_errors: list[str] = []
        page.on("dialog", self._on_dialog)
        page.on("console", self._on_console)

    def _on_dialog(self, dialog: Dialog) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def _on_console(self, message: ConsoleMessage) -> None:
        if "Content Security Policy" in message.text:
            self.csp_errors.append(message.text)

    @property
    def launcher(self) -> Locator:
        return self.page.get_by_role("button", name=LAUNCHER)

    @property
    def input(self) -> Locator:
        return self.page.get_by_label(INPUT)

    @property
    def panel(self) -> Locator:
        return self.page.get_by_role("dialog", name="Chat med Tårnby Kommune")

    @property
    def log(self) -> Locator:
        return self.page.get_by_role("log")

    def goto(self) -> None:
        self.page.goto(self.assistant.cfg.web_url + "/")
        expect(self.launcher).to_be_visible()

    def open(self) -> None:
        self.launcher.click()
        expect(self.input).to_be_focused()

    def send(self, text: str) -> None:
        self.input.fill(text)
        self.input.press("Enter")

    def ask(self, text: str, expected: str) -> None:
        """Send ``text``, wait for the answer and check that it contains ``expected``."""
        answers = self.page.locator(".bc-msg-bot, .bc-msg-error")
        before = answers.count()
        self.send(text)  # the typing indicator is shown at once, and removed with the answer
        expect(self.page.locator(".bc-typing")).to_have_count(0, timeout=ANSWER_TIMEOUT_MS)
        answer = " ".join(answers.all_inner_texts()[before:])
        assert expected in answer, answer

    def is_focused(self, locator: Locator) -> bool:
        return bool(locator.evaluate("element => element === document.activeElement"))


@pytest.fixture
def widget(browser: Browser, taarnby: Assistant) -> Iterator[Widget]:
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="da-DK")
    context.set_default_timeout(15_000)
    page = context.new_page()
    w = Widget(context, page, taarnby)
    w.goto()
    yield w
    assert not w.csp_errors, w.csp_errors
    context.close()


def web_origin(assistant: Assistant) -> str:
    return assistant.cfg.web_url


def fulfill_json(route: Route, status: int, body: object, origin: str) -> None:
    route.fulfill(
        status=status,
        content_type="application/json",
        headers={"Access-Control-Allow-Origin": origin},
        body=json.dumps(body),
    )


# -- the page --------------------------------------------------------------------------


def test_demo_page_embeds_the_widget_with_one_tag_and_its_csp(taarnby: Assistant) -> None:
    response = requests.get(taarnby.cfg.web_url + "/", timeout=30)
    assert response.status_code == 200
    page = response.text
    assert '<html lang="da">' in page
    tags = re.findall(r"<script[^>]*>", page)
    assert len(tags) == 1, tags
    rasa = taarnby.cfg.rest_url.split("/webhooks")[0]
    assert 'src="/static/widget/borger-chat.js"' in tags[0]
    assert f'data-assistant-url="{rasa}"' in tags[0]
    assert 'data-municipality="Tårnby Kommune"' in tags[0]
    assert 'data-phone="32 76 11 00"' in tags[0]
    assert 'data-digital-post="https://www.borger.dk"' in tags[0]  # a Danish page
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "style-src 'self'" in csp
    assert f"connect-src 'self' {rasa}" in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    for path in ("/static/widget/borger-chat.js", "/static/widget/borger-chat.css"):
        assert requests.get(taarnby.cfg.web_url + path, timeout=30).status_code == 200


def test_staff_and_error_pages_keep_the_no_script_csp(taarnby: Assistant) -> None:
    for path in ("/staff/login", "/does-not-exist"):
        csp = requests.get(taarnby.cfg.web_url + path, timeout=30).headers[
            "Content-Security-Policy"
        ]
        assert "script-src 'none'" in csp, path


def test_cors_preflight_allows_only_the_site_origin(taarnby: Assistant) -> None:
    def preflight(origin: str) -> requests.Response:
        return requests.options(
            taarnby.cfg.rest_url,
            headers={
                "Origin": origin,
                "Access-Control-Request-Method": "POST",
                "Access-Control-Request-Headers": "content-type",
            },
            timeout=30,
        )

    allowed = preflight(web_origin(taarnby))
    assert allowed.headers.get("Access-Control-Allow-Origin") == web_origin(taarnby)
    evil = preflight("https://evil.example")
    assert evil.headers.get("Access-Control-Allow-Origin") not in ("https://evil.example", "*")


# -- the widget ------------------------------------------------------------------------


def test_keyboard_open_privacy_notice_typing_and_answer(widget: Widget) -> None:
    page = widget.page
    for _ in range(20):
        page.keyboard.press("Tab")
        if widget.is_focused(widget.launcher):
            break
    assert widget.is_focused(widget.launcher), "Tab never reached the launcher"
    page.keyboard.press("Enter")
    expect(widget.input).to_be_focused()
    expect(widget.panel).to_be_visible()
    assert widget.page.locator(".bc-root").get_attribute("lang") == "da"
    expect(widget.input).to_have_attribute("maxlength", "500")

    notice = widget.panel.get_by_text("Skriv ikke dit CPR-nummer eller andre personlige")
    expect(notice).to_be_visible()
    assert "Digital Post" in notice.inner_text()
    digital_post = widget.panel.get_by_role("link", name=re.compile("Digital Post"))
    assert digital_post.get_attribute("href").startswith("https://www.borger.dk")
    assert widget.log.get_attribute("aria-live") == "polite"

    # Hold the request until the typing indicator has been seen, then let it through.
    held: list[Route] = []
    widget.context.route(WEBHOOK, lambda route: held.append(route))
    page.keyboard.type("hvornår har borgerservice åbent")
    page.keyboard.press("Enter")
    typing = page.locator(".bc-typing")
    expect(typing).to_be_attached()
    assert "Assistenten skriver" in typing.inner_text() + (typing.get_attribute("aria-label") or "")
    for _ in range(100):
        if held:
            break
        page.wait_for_timeout(50)
    assert held, "the widget sent no request"
    held[0].continue_()
    expect(widget.log).to_contain_text("Borgerservice har åbent", timeout=ANSWER_TIMEOUT_MS)
    expect(typing).to_have_count(0)
    widget.context.unroute(WEBHOOK)

    user = page.locator(".bc-msg-user").last
    expect(user).to_contain_text("hvornår har borgerservice åbent")
    expect(widget.input).to_have_value("")

    # Shift+Enter makes a new line instead of sending.
    widget.input.press("a")
    widget.input.press("Shift+Enter")
    widget.input.press("b")
    expect(widget.input).to_have_value("a\nb")


def test_quick_reply_sends_its_payload(widget: Widget) -> None:
    widget.open()
    widget.ask("hej", "Hej!")
    button = widget.log.get_by_role("button", name="Åbningstider").last
    sent: list[dict] = []
    widget.page.on(
        "request",
        lambda r: sent.append(json.loads(r.post_data)) if r.method == "POST" else None,
    )
    button.click()
    expect(widget.page.locator(".bc-msg-user").last).to_have_text(re.compile("Åbningstider$"))
    expect(widget.log).to_contain_text("har åbent", timeout=ANSWER_TIMEOUT_MS)
    assert sent[-1]["message"] == "/opening_hours"
    assert re.fullmatch(r"w-[a-z]{24}", sent[-1]["sender"])
    expect(widget.input).to_be_focused()


def test_self_service_link_opens_through_the_redirect(widget: Widget) -> None:
    context = widget.context
    context.route("https://www.borger.dk/**", lambda route: route.fulfill(status=200, body="ok"))
    requested: list[str] = []
    context.on("request", lambda r: requested.append(r.url))
    widget.open()
    widget.ask("jeg skal flytte", "flytning")
    link = widget.log.locator("a[href*='/r/moving']").last
    href = link.get_attribute("href")
    # The link names the conversation as the stores hold it: the pseudonym of the widget's id.
    sender = widget.page.evaluate(
        "() => Object.keys(sessionStorage).filter(k => k.endsWith(':sender'))"
        ".map(k => JSON.parse(sessionStorage.getItem(k)))[0]"
    )
    expected = f"{widget.assistant.cfg.web_url}/r/moving?s={stored_sender(sender)}"
    assert href == expected, href
    assert link.get_attribute("target") == "_blank"
    assert link.get_attribute("rel") == "noopener"
    with context.expect_page() as new_page_info:
        link.click()
    new_page = new_page_info.value
    new_page.wait_for_url(MOVING_URL)
    assert new_page.url == MOVING_URL
    assert expected in requested, requested
    new_page.close()


def test_reload_keeps_the_conversation(widget: Widget) -> None:
    widget.open()
    widget.ask("hvornår har borgerservice åbent", "Borgerservice har åbent")
    sender = widget.page.evaluate(
        "() => Object.keys(sessionStorage).filter(k => k.endsWith(':sender'))"
        ".map(k => JSON.parse(sessionStorage.getItem(k)))[0]"
    )
    widget.page.reload()
    expect(widget.launcher).to_be_visible()
    widget.open()
    expect(widget.log).to_contain_text("hvornår har borgerservice åbent")
    expect(widget.log).to_contain_text("Borgerservice har åbent")
    sent: list[dict] = []
    widget.page.on(
        "request",
        lambda r: sent.append(json.loads(r.post_data)) if r.method == "POST" else None,
    )
    widget.ask("tak for hjælpen", "Selv tak")
    assert sent[-1]["sender"] == sender


def test_cpr_number_gets_a_warning(widget: Widget) -> None:
    widget.open()
    widget.ask("mit cpr er 010190-1234", "Skriv ikke dit CPR-nummer")
    # The number went to the privacy guard, but the widget neither shows nor keeps it.
    expect(widget.page.locator(".bc-msg-user").last).to_have_text(
        re.compile(r"mit cpr er \[CPR-nummer fjernet\]$")
    )
    stored = widget.page.evaluate("() => JSON.stringify(Object.entries(sessionStorage))")
    assert "010190" not in stored and "1234" not in stored
    assert "010190" not in widget.page.locator(".bc-root").inner_text()


def test_html_typed_by_the_citizen_is_shown_as_text(widget: Widget) -> None:
    widget.open()
    attack = "<img src=x onerror=alert(1)>"
    widget.send(attack)
    expect(widget.page.locator(".bc-msg-user").last).to_contain_text(attack)
    expect(widget.page.locator(".bc-typing")).to_have_count(0, timeout=ANSWER_TIMEOUT_MS)
    assert widget.page.locator(".bc-root img").count() == 0
    widget.page.wait_for_timeout(300)
    assert widget.dialogs == []


def test_html_in_a_bot_answer_is_inert(widget: Widget) -> None:
    origin = web_origin(widget.assistant)
    answer = [{"text": "<b>fed</b> https://www.borger.dk javascript:alert(1)\nny linje"}]
    widget.page.route(WEBHOOK, lambda route: fulfill_json(route, 200, answer, origin), times=1)
    widget.open()
    widget.send("vis html")
    bot = widget.page.locator(".bc-msg-bot").last
    expect(bot).to_contain_text("<b>fed</b>")
    assert bot.locator("b").count() == 0
    assert bot.locator("br").count() == 1
    links = bot.locator("a")
    assert links.count() == 1
    assert links.first.get_attribute("href") == "https://www.borger.dk/"
    assert widget.page.locator(".bc-root a[href^='javascript:']").count() == 0
    expect(bot).to_contain_text("javascript:alert(1)")
    assert widget.dialogs == []


def test_escape_and_close_button_return_focus_to_the_launcher(widget: Widget) -> None:
    widget.open()
    widget.page.keyboard.press("Escape")
    expect(widget.panel).to_be_hidden()
    expect(widget.launcher).to_be_focused()
    widget.open()
    widget.page.get_by_role("button", name="Luk chatten").click()
    expect(widget.panel).to_be_hidden()
    expect(widget.launcher).to_be_focused()


def test_unreachable_assistant_gives_the_phone_number(widget: Widget) -> None:
    widget.page.route(WEBHOOK, lambda route: route.abort())
    widget.open()
    widget.send("hvornår har borgerservice åbent")
    expect(widget.log).to_contain_text(
        "Vi kan ikke få forbindelse til chatten lige nu. Ring til Tårnby Kommune på 32 76 11 00."
    )
    expect(widget.page.locator(".bc-typing")).to_have_count(0)


def test_server_errors_are_explained_in_danish(widget: Widget) -> None:
    origin = web_origin(widget.assistant)
    replies = iter(
        [
            (413, {"error": '"message" is longer than 500 characters.', "status": 413}),
            (503, {"error": "The assistant could not answer right now.", "status": 503}),
        ]
    )
    widget.page.route(WEBHOOK, lambda route: fulfill_json(route, *next(replies), origin), times=2)
    widget.open()
    widget.send("en lang besked")
    expect(widget.log).to_contain_text("Din besked er for lang. Skriv højst 500 tegn.")
    widget.send("igen")
    expect(widget.log).to_contain_text("Ring til Tårnby Kommune på 32 76 11 00.")


def test_axe_and_screenshots_with_a_conversation(browser: Browser, taarnby: Assistant) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    for name, viewport in (("desktop", (1280, 800)), ("phone", (360, 740))):
        context = browser.new_context(
            viewport={"width": viewport[0], "height": viewport[1]}, locale="da-DK"
        )
        context.set_default_timeout(15_000)
        w = Widget(context, context.new_page(), taarnby)
        w.goto()
        w.page.screenshot(path=str(ARTIFACTS / f"widget-{name}-closed.png"))
        w.open()
        w.page.screenshot(path=str(ARTIFACTS / f"widget-{name}-open.png"))
        box = w.panel.bounding_box()
        assert box is not None
        if name == "phone":
            assert box["width"] == viewport[0]  # full width on a small screen
        else:
            assert box["width"] < 500
        w.ask("hej", "Hej!")
        w.ask("jeg skal flytte", "flytning")
        scroll_width = w.page.evaluate("() => document.documentElement.scrollWidth")
        assert scroll_width <= viewport[0], "the page scrolls sideways"
        w.page.screenshot(path=str(ARTIFACTS / f"widget-{name}.png"))
        results = Axe().run(w.page)
        serious = [
            v for v in results.response["violations"] if v["impact"] in ("serious", "critical")
        ]
        assert not serious, f"{name}: {results.generate_report()}"
        print(f"axe ({name}):", results.generate_snapshot() or "no violations")
        assert not w.csp_errors, w.csp_errors
        context.close()
    assert Path(ARTIFACTS / "widget-phone.png").stat().st_size > 0


def test_an_english_conversation_in_the_widget(widget: Widget) -> None:
    """The conversation switches language; the widget's own labels follow the page's lang."""
    page = widget.page
    root = page.locator("[data-borger-chat]")
    expect(root).to_have_attribute("data-language", "da")
    widget.open()
    widget.ask("when is citizen service open?", "Opening hours for Borgerservice (Citizen Service)")
    expect(root).to_have_attribute("data-language", "en")  # the conversation's language
    expect(root).to_have_attribute("lang", "da")  # the page's, for the widget's labels
    expect(page.locator(".bc-msg-bot").last).to_have_attribute("lang", "en")
    expect(widget.input).to_be_visible()  # "Skriv dit spørgsmål"
    expect(page.get_by_role("button", name="Send")).to_be_visible()
    expect(widget.panel).to_be_visible()  # "Chat med Tårnby Kommune"
    expect(widget.panel.get_by_text("Skriv ikke dit CPR-nummer")).to_be_visible()
    answers = page.locator(".bc-msg-bot")
    before = answers.count()
    widget.input.fill("and in the evening?")
    widget.input.press("Enter")
    expect(page.locator(".bc-typing")).to_have_count(0, timeout=ANSWER_TIMEOUT_MS)
    assert "in the evening" in " ".join(answers.all_inner_texts()[before:])
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "widget-english.png"))

    # After a reload the launcher on the Danish page is still Danish; the conversation is kept.
    page.reload()
    expect(widget.launcher).to_be_visible()  # "Chat med kommunen"
    assert page.get_by_role("button", name="Chat with the municipality").count() == 0
    expect(root).to_have_attribute("lang", "da")
    expect(root).to_have_attribute("data-language", "en")
    widget.open()
    expect(widget.log).to_contain_text("Opening hours for Borgerservice")
    expect(widget.input).to_be_visible()

    # Back to Danish: only the conversation's language changes.
    widget.ask("hvornår har rådhuset åbent?", "Rådhuset")
    expect(root).to_have_attribute("data-language", "da")
    expect(root).to_have_attribute("lang", "da")


def test_on_an_english_page_the_labels_are_english(browser: Browser, taarnby: Assistant) -> None:
    """The demo page with <html lang="en-GB"> (set as the page is parsed, before the widget's
    deferred script runs): the widget's labels are English, the conversation Danish."""
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="da-DK")
    context.set_default_timeout(15_000)
    context.add_init_script(
        "new MutationObserver((_, observer) => {"
        "  if (document.documentElement) {"
        "    document.documentElement.setAttribute('lang', 'en-GB');"
        "    observer.disconnect();"
        "  }"
        "}).observe(document, {childList: true});"
    )
    page = context.new_page()
    page.goto(taarnby.cfg.web_url + "/")
    assert page.evaluate("() => document.documentElement.lang") == "en-GB"
    launcher = page.get_by_role("button", name="Chat with the municipality")
    expect(launcher).to_be_visible()
    launcher.click()
    expect(page.get_by_role("dialog", name="Chat with Tårnby Kommune")).to_be_visible()
    english_input = page.get_by_label("Write your question")
    expect(english_input).to_be_focused()
    english_input.fill("hvornår har borgerservice åbent")
    english_input.press("Enter")
    expect(page.get_by_role("log")).to_contain_text("Borgerservice har åbent", timeout=60_000)
    expect(page.locator(".bc-msg-bot").first).to_have_attribute("lang", "da")
    expect(page.get_by_label("Write your question")).to_be_visible()  # labels stay English
    context.close()


# -- quick replies answer the message they came with --------------------------------------


def feedback_groups(widget: Widget) -> Locator:
    """The "Ja"/"Nej" button pairs of the conversation, oldest first."""
    return widget.log.locator(".bc-quick-replies").filter(
        has=widget.page.get_by_role("button", name="Nej", exact=True)
    )


def test_old_feedback_buttons_are_disabled(widget: Widget) -> None:
    page = widget.page
    sent: list[str] = []
    page.on(
        "request",
        lambda r: sent.append(json.loads(r.post_data)["message"]) if r.method == "POST" else None,
    )
    widget.open()
    widget.ask("hvornår har borgerservice åbent", "Borgerservice har åbent")
    groups = feedback_groups(widget)
    expect(groups).to_have_count(1)
    first = groups.nth(0)
    first.get_by_role("button", name="Ja").click()
    # Used up at once, before the reply: both buttons of the question.
    expect(first.get_by_role("button", name="Ja")).to_be_disabled()
    expect(first.get_by_role("button", name="Nej")).to_be_disabled()
    expect(widget.log).to_contain_text("Tak for din tilbagemelding", timeout=ANSWER_TIMEOUT_MS)

    widget.ask("hvordan søger jeg boligstøtte", "boligstøtte")
    expect(groups).to_have_count(2)
    second = groups.nth(1)
    expect(second.get_by_role("button", name="Nej")).to_be_enabled()
    widget.ask("hvad er digital post", "Digital Post")
    expect(groups).to_have_count(3)
    # A newer answer came: the second question's buttons are used up, unclicked.
    expect(second.get_by_role("button", name="Ja")).to_be_disabled()
    expect(second.get_by_role("button", name="Nej")).to_be_disabled()
    expect(groups.nth(2).get_by_role("button", name="Nej")).to_be_enabled()
    feedback_sent = [m for m in sent if m.startswith("/feedback")]
    assert len(feedback_sent) == 1 and '"helpful": "ja"' in feedback_sent[0], sent

    # Also after a reload: only the latest question's buttons work.
    page.reload()
    widget.open()
    expect(groups).to_have_count(3)
    for i in (0, 1):
        for name in ("Ja", "Nej"):
            expect(groups.nth(i).get_by_role("button", name=name)).to_be_disabled()
    expect(groups.nth(2).get_by_role("button", name="Ja")).to_be_enabled()
    # The chosen answer stays marked.
    assert "bc-chosen" in (first.get_by_role("button", name="Ja").get_attribute("class") or "")
    ARTIFACTS.mkdir(exist_ok=True)
    first.scroll_into_view_if_needed()
    widget.panel.screenshot(path=str(ARTIFACTS / "widget-used-buttons.png"))


# -- the widget on a phone and on the page ------------------------------------------------

PHONE = {"width": 390, "height": 844}


def in_panel(page: Page) -> bool:
    return bool(
        page.evaluate(
            "() => !!document.activeElement"
            " && document.querySelector('.bc-panel').contains(document.activeElement)"
        )
    )


def test_focus_stays_in_the_panel_on_a_phone(browser: Browser, taarnby: Assistant) -> None:
    context = browser.new_context(viewport=PHONE, locale="da-DK", has_touch=True)
    context.set_default_timeout(15_000)
    w = Widget(context, context.new_page(), taarnby)
    w.goto()
    w.open()
    w.ask("hvornår har borgerservice åbent", "Borgerservice har åbent")
    page = w.page
    assert w.panel.get_attribute("aria-modal") == "true"
    box = w.panel.bounding_box()
    assert box is not None and (box["width"], box["height"]) == (390, 844)  # fills the screen
    reached: set[str] = set()
    for key in ["Tab"] * 25 + ["Shift+Tab"] * 25:
        page.keyboard.press(key)
        assert in_panel(page), f"focus left the panel after {key}"
        reached.add(page.evaluate("() => document.activeElement.className || ''"))
    # Tab went round: the close button, the log, the input and the send button were reached.
    assert {"bc-close", "bc-log", "bc-input", "bc-send"} <= reached, reached
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "widget-phone-focus.png"))
    page.keyboard.press("Escape")
    expect(w.panel).to_be_hidden()
    expect(w.launcher).to_be_focused()
    context.close()


def test_no_focus_trap_on_a_desktop(widget: Widget) -> None:
    """On a wide screen the panel is a window beside the page (not modal): Tab may leave it."""
    widget.open()
    assert widget.panel.get_attribute("aria-modal") == "false"
    page = widget.page
    left = False
    for _ in range(15):
        page.keyboard.press("Tab")
        if not in_panel(page):
            left = True
            break
    assert left


@pytest.mark.parametrize(
    "name,viewport", [("phone", PHONE), ("desktop", {"width": 1280, "height": 800})]
)
def test_the_launcher_does_not_cover_the_footer(
    browser: Browser, taarnby: Assistant, name: str, viewport: dict[str, int]
) -> None:
    context = browser.new_context(viewport=viewport, locale="da-DK")
    context.set_default_timeout(15_000)
    w = Widget(context, context.new_page(), taarnby)
    w.goto()
    page = w.page
    page.evaluate("() => window.scrollTo(0, document.documentElement.scrollHeight)")
    page.wait_for_timeout(200)
    launcher = w.launcher.bounding_box()
    assert launcher is not None
    # Every line of the footer's text: not under the launcher, and what is at its centre is
    # the footer (not the launcher).
    lines = page.evaluate(
        """() => {
          const p = document.querySelector('.site-footer p');
          const range = document.createRange();
          range.selectNodeContents(p);
          return Array.from(range.getClientRects()).map(r => {
            const x = r.left + r.width / 2, y = r.top + r.height / 2;
            const hit = document.elementFromPoint(x, y);
            return {left: r.left, right: r.right, top: r.top, bottom: r.bottom,
                    footer: !!hit && !!hit.closest('.site-footer')};
          });
        }"""
    )
    assert lines, "no footer text"
    for line in lines:
        assert line["footer"], (name, line)
        overlaps = not (
            line["right"] <= launcher["x"]
            or line["left"] >= launcher["x"] + launcher["width"]
            or line["bottom"] <= launcher["y"]
            or line["top"] >= launcher["y"] + launcher["height"]
        )
        assert not overlaps, (name, line, launcher)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"widget-{name}-footer.png"))
    context.close()
