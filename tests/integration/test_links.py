"""Links that say where they go, in the citizen's language, and clicks counted once and only
for links the assistant gave: the real REST endpoint, the real web app's redirect and the real
statistics database (Tårnby profile)."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
import requests
import sqlalchemy as sa

from bot.analytics.models import LinkEvent
from bot.db.engine import session_scope
from bot.db.stores import STATISTICS
from bot.knowledge.links import link_label, profile_links
from bot.knowledge.pages import page_link_id
from bot.knowledge.profile import ENGLISH_SITES, get_profile
from bot.knowledge.task_search import task_page
from tests.integration.conftest import Assistant, analytics_url, buttons, new_sender, texts

pytestmark = pytest.mark.integration

# A link as the assistant writes it: [label](http://localhost:<web port>/r/<id>?...).
LINK = re.compile(r"\[([^\[\]]+)\]\((http://localhost:\d+/r/[^)\s]+)\)")
IN_DANISH = re.compile(r"\(pages? in Danish\)")


def links(messages: list[dict]) -> list[tuple[str, str]]:
    """(label, href) of every link in a reply."""
    return LINK.findall(texts(messages))


def follow(href: str) -> str:
    """Open a link's redirect like a browser; return where it leads."""
    response = requests.get(href, allow_redirects=False, timeout=30)
    assert response.status_code == 302, (href, response.status_code)
    return response.headers["Location"]


def link_id(href: str) -> str:
    return urlsplit(href).path.rsplit("/", 1)[-1]


def sender_of(href: str) -> str:
    return parse_qs(urlsplit(href).query)["s"][0]


def host(url: str) -> str:
    return (urlsplit(url).hostname or "").lower()


@pytest.mark.parametrize("language", ["da", "en"])
def test_every_task_link_says_where_it_goes_in_the_citizens_language(
    taarnby: Assistant, language: str
) -> None:
    """Each self-service task through REST (the buttons the catalogue offers), in a Danish and
    an English conversation: the link reads "<host>: <title>", leads where it says, Danish
    pages for a Danish answer, the checked English page in English where one exists, else
    "(page in Danish)"."""
    profile = get_profile("taarnby")
    expected = profile_links(profile, language)
    sender = new_sender()
    greeting = taarnby.ask("hello" if language == "en" else "hej", sender)
    [menu] = [b["payload"] for b in buttons(greeting) if b["payload"] == "/self_service"]
    offered = {b["payload"] for b in buttons(taarnby.ask(menu, sender))}
    for task in profile.self_service:
        payload = f'/self_service{{"task": "{task.id}"}}'
        assert payload in offered, offered  # a button the assistant offered: no language
        reply = taarnby.ask(payload, sender)
        assert {(m.get("metadata") or {}).get("language") for m in reply} == {language}
        found = links(reply)
        assert len(found) == 1, texts(reply)
        [(label, href)] = found
        target = follow(href)
        # A task whose link is only a front page links the catalogue page its name titles.
        page = task_page(profile, task)
        if page is not None and not (language == "en" and task.link_en is not None):
            want = (page_link_id(page.url), link_label(page.url, page.title), page.url)
        else:
            want = (task.id, expected[task.id].label, expected[task.id].url)
        assert (link_id(href), label, target) == want
        assert label.split(":")[0] == host(target).removeprefix("www.")
        if language == "da":
            assert host(target) not in ENGLISH_SITES, (task.id, target)
            assert "page in Danish" not in texts(reply)
        elif host(target) in ENGLISH_SITES:
            assert not IN_DANISH.search(texts(reply)), task.id
        else:
            assert IN_DANISH.search(texts(reply)), task.id


def test_the_danish_digital_post_answer_links_a_danish_page(taarnby: Assistant) -> None:
    reply = taarnby.ask("hvad er digital post?")
    found = links(reply)
    assert found, texts(reply)
    for label, href in found:
        target = follow(href)
        assert host(target) not in ENGLISH_SITES, target
        assert label == "borger.dk" and target == "https://www.borger.dk"
    assert "Læs mere her: [borger.dk](" in texts(reply)


def test_the_english_digital_post_answer_links_the_english_page(taarnby: Assistant) -> None:
    reply = taarnby.ask("what is digital post?")
    [(label, href)] = links(reply)
    assert label == "lifeindenmark.borger.dk: Digital Post"
    assert follow(href) == "https://lifeindenmark.borger.dk/apps-and-digital-services/Digital-Post"
    assert not IN_DANISH.search(texts(reply))
    # The page for 15-year-olds exists only in Danish, and the English answer says so.
    age = taarnby.ask("my son is 15, does he need digital post?")
    [(label, href)] = links(age)
    assert label == "borger.dk: Digital Post for 15-årige"
    assert host(follow(href)) == "www.borger.dk"
    assert IN_DANISH.search(texts(age))


def clicked(url: str) -> list[tuple[str, int | None]]:
    """(link id, conversation id) of every click stored, in order."""
    with session_scope(STATISTICS, url) as db:
        query = sa.select(LinkEvent.link_id, LinkEvent.conversation_id).where(
            LinkEvent.event == "clicked"
        )
        return [tuple(row) for row in db.execute(query.order_by(LinkEvent.id)).all()]


def test_a_click_counts_once_and_only_for_a_link_that_was_given(taarnby: Assistant) -> None:
    url = analytics_url(taarnby)
    sender = new_sender()
    [(_, href)] = links(taarnby.ask("hvor søger jeg folkepension", sender))
    assert link_id(href) == "state_pension"
    pseudonym = sender_of(href)  # what the link carries (the stores' id of the conversation)
    base = href.split("?")[0].rsplit("/", 1)[0]  # http://localhost:<port>/r
    before = clicked(url)

    # Every one of these redirects to the page, but only the first click counts.
    pension = get_profile("taarnby").task("state_pension").link.value
    assert follow(href) == pension
    assert follow(href) == pension  # a second click
    assert follow(f"{base}/state_pension?{urlencode({'s': 'made-up-' + pseudonym})}") == pension
    assert follow(f"{base}/state_pension") == pension  # no sender
    moving = follow(f"{base}/moving?{urlencode({'s': pseudonym})}")  # not given to this sender
    assert moving == get_profile("taarnby").task("moving").link.value

    new = clicked(url)[len(before) :]
    assert [link for link, _ in new] == ["state_pension"], new
    with session_scope(STATISTICS, url) as db:
        shown_in = db.execute(
            sa.select(LinkEvent.conversation_id).where(
                LinkEvent.event == "shown", LinkEvent.link_id == "state_pension"
            )
        ).scalars()
        assert new[0][1] in set(shown_in)


def test_an_unknown_link_gets_a_citizen_page(taarnby: Assistant) -> None:
    for path in ("/r/no-such-link?s=abc", "/r/"):
        response = requests.get(taarnby.cfg.web_url + path, timeout=30)
        assert response.status_code == 404, path
        page = response.text
        assert "Kun for ansatte" not in page
        assert "Log ud" not in page
        assert "<h1>Linket findes ikke</h1>" in page
        assert 'href="https://www.taarnby.dk"' in page  # the municipality's front page
        assert 'href="/"' in page  # the assistant
