"""Links say where they go and are in the reader's language: every link of every bundled
profile, in Danish and in English, as the answers hand it out."""

from __future__ import annotations

import re
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml

from bot.dialogue.answers.common import DANISH_PAGE
from bot.dialogue.answers.contact import contact_replies
from bot.dialogue.answers.digital_post import digital_post_info
from bot.dialogue.answers.self_service import self_service_task
from bot.dialogue.redirects import through_redirect
from bot.dialogue.replies import Answer, Question, Reply
from bot.knowledge.links import (
    known_links,
    link_label,
    markdown_link,
    profile_links,
    redirect_url,
)
from bot.knowledge.profile import ENGLISH_SITES, load_profile_file, profile_path
from bot.knowledge.profile_model import Profile

LIFE_IN_DENMARK_MOVING = "https://lifeindenmark.borger.dk/housing-and-moving/moving/change-address"
LIFE_IN_DENMARK_DIGITAL_POST = (
    "https://lifeindenmark.borger.dk/apps-and-digital-services/Digital-Post"
)
PROFILES = ["taarnby", "ishoj", "testkit/profiles/testrup.yml"]
DOMAIN = Path(__file__).resolve().parents[3] / "domain.yml"
IN_DANISH = re.compile(r"\(pages? in Danish\)")
MARKDOWN = re.compile(r"^\[([^\[\]]+)\]\((\S+)\)$")
NOW = datetime(2026, 11, 23, 9, 0, tzinfo=timezone.utc)


def load(name: str) -> Profile:
    return load_profile_file(profile_path(name))


def host(url: str) -> str:
    return (urlsplit(url).hostname or "").lower()


def english_texts() -> dict[str, str]:
    """Response name -> its English text (the variant with the condition language: en)."""
    responses = yaml.safe_load(DOMAIN.read_text(encoding="utf-8"))["responses"]
    return {
        name: next(v["text"] for v in variants if v.get("condition"))
        for name, variants in responses.items()
        if any(v.get("condition") for v in variants)
    }


def every_link_answer(profile: Profile, language: str) -> list[Answer]:
    """Every answer that hands out a link: each task, Digital Post (also for 15-year-olds)
    and the contact channels (the municipality's site, the contact form, Digital Post)."""
    answers = [self_service_task(t, language) for t in profile.self_service]
    for text in ("hvad er digital post", "min søn er 15"):
        answers.append(digital_post_info(profile, Question(NOW, text=text, language=language)))
    answers.append(Answer.of(*contact_replies(profile, language)))
    return answers


def test_a_label_is_the_host_and_the_page_title() -> None:
    assert link_label("https://www.borger.dk/a/b", "Flytning") == "borger.dk: Flytning"
    assert link_label("https://lifeindenmark.borger.dk/x", "Moving") == (
        "lifeindenmark.borger.dk: Moving"
    )
    # A front page: the host says it all (a title would claim a page that is not there).
    assert link_label("https://www.taarnby.dk", "Pas") == "taarnby.dk"
    assert link_label("https://www.borger.dk/", None) == "borger.dk"
    assert markdown_link("a [b]", "https://x.dk/r/a?s=1") == "[a b](https://x.dk/r/a?s=1)"


@pytest.mark.parametrize("name", PROFILES)
def test_danish_links_go_to_danish_pages(name: str) -> None:
    for link in profile_links(load(name), "da").values():
        assert host(link.url) not in ENGLISH_SITES, link


@pytest.mark.parametrize("name", PROFILES)
def test_english_links_go_to_the_checked_english_page_where_there_is_one(name: str) -> None:
    profile = load(name)
    english, danish = profile_links(profile, "en"), profile_links(profile, "da")
    assert english.keys() == danish.keys()
    checked = {t.id: t.link_en.value for t in profile.self_service if t.link_en is not None}
    for link_id, page in (
        ("digital_post", profile.contact.digital_post_link_en),
        ("digital_post_info", profile.digital_post.info_link_en),
        ("digital_post_15", profile.digital_post.age15_link_en),
    ):
        if page is not None:
            checked[link_id] = page.value
    for link_id, link in english.items():
        assert link.url == checked.get(link_id, danish[link_id].url), link_id


def test_taarnby_links_read_where_they_go() -> None:
    profile = load("taarnby")
    danish, english = profile_links(profile, "da"), profile_links(profile, "en")
    assert danish["moving"].label == "borger.dk: Flytning"
    assert english["moving"].label == "lifeindenmark.borger.dk: Moving"
    assert english["moving"].url == LIFE_IN_DENMARK_MOVING
    # The Digital Post answer: a Danish page for Danish readers, the English one in English.
    assert host(danish["digital_post_info"].url) == "www.borger.dk"
    assert english["digital_post_info"].url == LIFE_IN_DENMARK_DIGITAL_POST
    assert english["digital_post_info"].label == "lifeindenmark.borger.dk: Digital Post"
    assert danish["digital_post_15"].label == "borger.dk: Digital Post for 15-årige"
    assert danish["passport"].label == "taarnby.dk"  # a general page: no deep title
    assert known_links(profile, "en")["passport"] == known_links(profile)["passport"]


@pytest.mark.parametrize("name", PROFILES)
@pytest.mark.parametrize("language", ["da", "en"])
def test_every_link_in_every_answer_says_where_it_goes(name: str, language: str) -> None:
    """Walk the answers: each link reads "<host>: <title>" (or the host of a front page),
    goes through the redirect in the answer's language, and an English answer that gives a
    Danish page says "(page in Danish)"."""
    profile = load(name)
    links, danish = profile_links(profile, language), profile_links(profile, "da")
    english = english_texts()
    seen: set[str] = set()
    for answer in every_link_answer(profile, language):
        for reply in answer.replies:
            redirected = through_redirect(reply, profile, "https://web.test", "s-1")
            for link_id in reply.links:
                link = links[link_id]
                seen.add(link_id)
                written = [v for v in redirected.variables.values() if isinstance(v, str)]
                # "lang=en" only where the English page is another one than the Danish.
                own_page = link.url != danish[link_id].url
                expected = markdown_link(
                    link.label,
                    redirect_url("https://web.test", link_id, "s-1", "en" if own_page else "da"),
                )
                assert expected in written, (link_id, written)
                label = MARKDOWN.match(expected).group(1)  # type: ignore[union-attr]
                assert label.startswith(host(link.url).removeprefix("www."))
                danish_page = not own_page and host(link.url) not in ENGLISH_SITES
                if language == "en" and danish_page:
                    assert IN_DANISH.search(english[reply.response]), reply.response
                if language == "en" and not danish_page:
                    assert reply.response not in DANISH_PAGE.values(), reply.response
    assert seen == set(links), set(links) - seen


@pytest.mark.parametrize("name", PROFILES)
def test_a_deep_page_has_a_title(name: str) -> None:
    """Every link below a front page reads "<host>: <title>", not only "<host>"."""
    for language in ("da", "en"):
        for link in profile_links(load(name), language).values():
            if urlsplit(link.url).path.strip("/"):
                assert ": " in link.label, link


def test_without_the_redirect_the_link_goes_to_the_page_itself() -> None:
    profile = load("taarnby")
    reply = Reply("utter_self_service_link", {"link": LIFE_IN_DENMARK_MOVING}, links=("moving",))
    assert through_redirect(reply, profile, None, "s1").variables["link"] == (
        f"[lifeindenmark.borger.dk: Moving]({LIFE_IN_DENMARK_MOVING})"
    )


def test_redirect_url_says_the_language() -> None:
    assert redirect_url("https://x.dk/", "moving", "abc") == "https://x.dk/r/moving?s=abc"
    assert redirect_url("https://x.dk", "moving", None, "en") == "https://x.dk/r/moving?lang=en"


def test_an_english_link_goes_through_the_english_redirect() -> None:
    profile = load("taarnby")
    reply = Reply("utter_self_service_link", {"link": LIFE_IN_DENMARK_MOVING}, links=("moving",))
    swapped = through_redirect(reply, profile, "https://x.dk", "s1")
    assert swapped.variables["link"] == (
        "[lifeindenmark.borger.dk: Moving](https://x.dk/r/moving?s=s1&lang=en)"
    )
    danish = Reply(
        "utter_self_service_link", {"link": known_links(profile)["moving"]}, links=("moving",)
    )
    assert through_redirect(danish, profile, "https://x.dk", "s1").variables["link"] == (
        "[borger.dk: Flytning](https://x.dk/r/moving?s=s1)"
    )
